"""Request signatures for inbound webhooks: Goodwill's own scheme and Meta's Graph scheme.

Goodwill's signed inbound webhook
=================================

POST the JSON body to ``/hooks/inbound/<source id>/`` with these headers:

``X-Goodwill-Signature: t=<unix seconds>,v1=<hex>``
    ``<hex>`` is HMAC-SHA256, keyed with the Source's signing secret (UTF-8), over the bytes
    ``f"{t}."`` followed by the raw request body, as lowercase hex. Several ``v1=`` entries
    may be given (while rotating secrets); one matching is enough.
``X-Goodwill-Delivery: <id>`` (optional)
    A unique id for this delivery (up to 128 characters). Without it the signature itself
    is the delivery's identity.

Goodwill rejects (401) a signature that does not match, and one whose ``t`` is more than
300 seconds away from its clock (so sign just before sending, with a synced clock). A
delivery it has already accepted is answered 409 while its timestamp is still within that
window: resending after a lost response is safe, and storage is exactly-once anyway because
messages are keyed by (channel, external id). In Python::

    import hashlib, hmac, json, time, uuid
    import httpx

    secret = b"the source's signing secret"
    body = json.dumps([{"external_id": "t-1", "channel": "webhook", "author_handle": "ann",
                        "created_at": "2026-11-25T10:00:00Z", "text": "Still waiting"}]).encode()
    t = str(int(time.time()))
    v1 = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    httpx.post("https://goodwill.example.com/hooks/inbound/3/", content=body, headers={
        "Content-Type": "application/json",
        "X-Goodwill-Signature": f"t={t},v1={v1}",
        "X-Goodwill-Delivery": str(uuid.uuid4()),
    })

(:func:`sign` below computes the same header.)

Meta's Graph webhooks
=====================

Meta signs each POST with ``X-Hub-Signature-256: sha256=<hex>``, HMAC-SHA256 of the raw body
keyed with the app secret; :func:`verify_graph_signature` checks it. Comparisons are
constant-time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_HEADER = "X-Goodwill-Signature"
DELIVERY_HEADER = "X-Goodwill-Delivery"
GRAPH_SIGNATURE_HEADER = "X-Hub-Signature-256"
TOLERANCE_SECONDS = 300
_HEX64 = re.compile(r"[0-9a-f]{64}")


class SignatureError(Exception):
    """The request's signature is missing, malformed, wrong or too old (answered 401)."""


def _digest(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Goodwill-Signature`` value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, str(timestamp).encode() + b'.' + body)}"


def parse_signature_header(header: str) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures) of an ``X-Goodwill-Signature`` value."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isascii() or not value.isdigit():
                raise SignatureError(f"{SIGNATURE_HEADER}: t={value!r} is not unix seconds")
            timestamp = int(value)
        elif key == "v1" and _HEX64.fullmatch(value.lower()):
            signatures.append(value.lower())
    if timestamp is None:
        raise SignatureError(f"{SIGNATURE_HEADER}: no t=<unix seconds>")
    if not signatures:
        raise SignatureError(f"{SIGNATURE_HEADER}: no v1=<64 hex digits>")
    return timestamp, signatures


def verify_signature(
    header: str | None,
    body: bytes,
    secret: str | bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> tuple[int, str]:
    """Check a Goodwill signature; return (timestamp, the v1 that matched) or raise.

    The signature is checked before the timestamp, so a forged request learns nothing about
    the clock; all v1 values are compared (constant time each) whichever matches.
    """
    if not header:
        raise SignatureError(f"{SIGNATURE_HEADER} header is missing")
    timestamp, candidates = parse_signature_header(header)
    expected = _digest(secret, str(timestamp).encode() + b"." + body)
    matched = ""
    for candidate in candidates:
        if hmac.compare_digest(candidate, expected):
            matched = candidate
    if not matched:
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"{SIGNATURE_HEADER} timestamp is {int(now - timestamp)} s from now "
            f"(at most {tolerance} s allowed)"
        )
    return timestamp, matched


def sign_graph(app_secret: str | bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return f"sha256={_digest(app_secret, body)}"


def verify_graph_signature(header: str | None, body: bytes, app_secret: str | bytes) -> None:
    """Check Meta's ``X-Hub-Signature-256: sha256=<hex>`` over the raw body, or raise."""
    if not header:
        raise SignatureError(f"{GRAPH_SIGNATURE_HEADER} header is missing")
    scheme, _, value = header.strip().partition("=")
    if scheme != "sha256" or not _HEX64.fullmatch(value.lower()):
        raise SignatureError(f"{GRAPH_SIGNATURE_HEADER} is not sha256=<64 hex digits>")
    if not hmac.compare_digest(value.lower(), _digest(app_secret, body)):
        raise SignatureError(f"{GRAPH_SIGNATURE_HEADER} does not match the body")


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a shared token (the Graph verify token)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
