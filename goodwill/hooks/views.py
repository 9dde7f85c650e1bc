"""Webhook endpoints: no session, no CSRF token; the request signature is the authentication.

What a sender's request can get wrong is answered in one place, :data:`FAILURE_STATUS`
(exception -> HTTP status, each answered ``{"error": ...}``), by :func:`_answers_failures`
around every endpoint; the views only say what success looks like.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from goodwill.hooks import services, signing

log = logging.getLogger(__name__)

FAILURE_STATUS: dict[type[Exception], int] = {
    services.UnknownSource: 404,
    services.NotConfigured: 503,
    signing.SignatureError: 401,
    services.ReplayedDelivery: 409,
    services.BadDelivery: 400,
    RequestDataTooBig: 413,
}
TOO_BIG = "the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE allows"


def _error(status: int, message: str, **extra: object) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _failure(exc: Exception) -> JsonResponse:
    status = next(code for kind, code in FAILURE_STATUS.items() if isinstance(exc, kind))
    if isinstance(exc, services.BadDelivery):
        return _error(
            status,
            str(exc),
            errors=[{"item": e.item, "field": e.field, "message": e.message} for e in exc.errors],
        )
    if isinstance(exc, RequestDataTooBig):
        return _error(status, TOO_BIG)
    return _error(status, str(exc))


HookView = Callable[[HttpRequest, int], HttpResponse]


def _answers_failures(view: HookView) -> HookView:
    """Answer each failure in FAILURE_STATUS with its status; anything else is a 500."""

    @wraps(view)
    def answered(request: HttpRequest, source_id: int) -> HttpResponse:
        try:
            return view(request, source_id)
        except tuple(FAILURE_STATUS) as exc:
            return _failure(exc)

    return answered


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_answers_failures
def graph(request: HttpRequest, source_id: int) -> HttpResponse:
    """Meta's Graph webhook: GET is the subscription handshake, POST a signed delivery."""
    source = services.hook_source(source_id, kind=services.GRAPH_KIND)
    if request.method == "GET":
        if services.verify_graph_subscription(
            source=source,
            mode=request.GET.get("hub.mode"),
            token=request.GET.get("hub.verify_token"),
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return _error(403, "hub.mode must be 'subscribe' with the source's verify token")
    receipt = services.receive_graph_delivery(
        source=source,
        body=request.body,
        signature=request.headers.get(signing.GRAPH_SIGNATURE_HEADER),
    )
    return JsonResponse(receipt.as_dict(), status=200)


@csrf_exempt
@require_http_methods(["POST"])
@_answers_failures
def inbound(request: HttpRequest, source_id: int) -> HttpResponse:
    """Goodwill's signed inbound webhook (scheme and example: goodwill.hooks.signing)."""
    source = services.hook_source(source_id, kind=services.SIGNED_KIND)
    receipt = services.receive_signed_delivery(
        source=source,
        body=request.body,
        signature=request.headers.get(signing.SIGNATURE_HEADER),
        delivery_id=request.headers.get(signing.DELIVERY_HEADER),
    )
    return JsonResponse(receipt.as_dict(), status=202)
