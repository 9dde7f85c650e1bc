"""Webhook endpoints: no session, no CSRF token; the request signature is the authentication."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from goodwill.hooks import services, signing

log = logging.getLogger(__name__)


def _error(status: int, message: str, **extra: object) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _body(request: HttpRequest) -> bytes | JsonResponse:
    try:
        return request.body
    except RequestDataTooBig:
        return _error(413, "the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE allows")


def _bad(exc: services.BadDelivery) -> JsonResponse:
    return _error(
        400,
        str(exc),
        errors=[{"item": e.item, "field": e.field, "message": e.message} for e in exc.errors],
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def graph(request: HttpRequest, source_id: int) -> HttpResponse:
    """Meta's Graph webhook: GET is the subscription handshake, POST a signed delivery."""
    try:
        source = services.hook_source(source_id, kind=services.GRAPH_KIND)
        if request.method == "GET":
            if services.verify_graph_subscription(
                source=source,
                mode=request.GET.get("hub.mode"),
                token=request.GET.get("hub.verify_token"),
            ):
                return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
            return _error(403, "hub.mode must be 'subscribe' with the source's verify token")
        body = _body(request)
        if isinstance(body, JsonResponse):
            return body
        receipt = services.receive_graph_delivery(
            source=source, body=body, signature=request.headers.get(signing.GRAPH_SIGNATURE_HEADER)
        )
    except services.UnknownSource as exc:
        return _error(404, str(exc))
    except services.NotConfigured as exc:
        return _error(503, str(exc))
    except signing.SignatureError as exc:
        return _error(401, str(exc))
    except services.BadDelivery as exc:
        return _bad(exc)
    return JsonResponse(receipt.as_dict(), status=200)


@csrf_exempt
@require_http_methods(["POST"])
def inbound(request: HttpRequest, source_id: int) -> HttpResponse:
    """Goodwill's signed inbound webhook (scheme and example: goodwill.hooks.signing)."""
    try:
        source = services.hook_source(source_id, kind=services.SIGNED_KIND)
        body = _body(request)
        if isinstance(body, JsonResponse):
            return body
        receipt = services.receive_signed_delivery(
            source=source,
            body=body,
            signature=request.headers.get(signing.SIGNATURE_HEADER),
            delivery_id=request.headers.get(signing.DELIVERY_HEADER),
        )
    except services.UnknownSource as exc:
        return _error(404, str(exc))
    except services.NotConfigured as exc:
        return _error(503, str(exc))
    except signing.SignatureError as exc:
        return _error(401, str(exc))
    except services.ReplayedDelivery as exc:
        return _error(409, str(exc))
    except services.BadDelivery as exc:
        return _bad(exc)
    return JsonResponse(receipt.as_dict(), status=202)
