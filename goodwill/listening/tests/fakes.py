"""A fake HTTP server on 127.0.0.1 for connector tests: scripted answers, recorded requests.

The ``fake_server`` fixture is available to every test under goodwill/listening/tests (its
conftest imports it); elsewhere, import it from here::

    def test_pages(fake_server):
        fake_server.route("GET", "/2/tweets/search/recent", Reply(json=page_one))
        fake_server.route("GET", "/api/items", Reply(status=429, headers={"Retry-After": "30"}),
                          Reply(json={"data": []}))          # 429 first, then 200
        fake_server.route("GET", "/search", Reply(json=p2), query={"after": "t3_x"})
        connector = XConnector({"base_url": fake_server.url, ...}, secrets, HttpClient(...))
        ...
        assert fake_server.requests[0].headers["authorization"] == "Bearer token"
        assert fake_server.requests[0].query["max_results"] == "100"

Rules, kept stable because every connector's tests rely on them:

- ``route(method, path, *replies, query=None)`` scripts answers for a method and path (no
  query string). Replies are served in order and the last one repeats. With ``query`` (a
  dict of parameters that must all be present with those values) the route only matches
  such requests; routes with a query are tried before the plain route for the same path,
  the most specific (most parameters) first.
- A :class:`Reply` has ``status`` (200), ``json`` (serialised for you, with
  ``Content-Type: application/json``) or ``body`` (bytes or text, served as is), and
  ``headers``.
- An unscripted request gets a 404 with a JSON body naming it, and is listed in
  ``unmatched`` so a test can assert nothing unexpected was asked.
- ``requests`` records every request in order as :class:`Recorded` (method, path, query
  as a dict of the last value per name, ``query_all`` with every value, headers with
  lower-case names, body bytes, and ``form()`` / ``json()`` helpers).
- ``fake_server.url`` is ``http://127.0.0.1:<port>`` (port 0, so tests run in parallel).
"""

from __future__ import annotations

import json as jsonlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass(frozen=True)
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.json is not None:
            headers.setdefault("Content-Type", "application/json")
            return jsonlib.dumps(self.json).encode(), headers
        raw = self.body.encode() if isinstance(self.body, str) else self.body
        return raw, headers


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    query_all: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class _Route:
    method: str
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def matches(self, method: str, path: str, query: Mapping[str, str]) -> bool:
        return (
            self.method == method
            and self.path == path
            and all(query.get(k) == v for k, v in self.query.items())
        )

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 answering from scripted routes (see module doc)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.unmatched: list[Recorded] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(
        self, method: str, path: str, *replies: Reply, query: Mapping[str, str] | None = None
    ) -> None:
        if not replies:
            raise ValueError("route() needs at least one Reply")
        with self._lock:
            self._routes.append(_Route(method.upper(), path, dict(query or {}), list(replies)))
            # Most specific first; stable for equal specificity, so earlier routes win.
            self._routes.sort(key=lambda r: -len(r.query))

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            for candidate in self._routes:
                if candidate.matches(recorded.method, recorded.path, recorded.query):
                    return candidate.next_reply()
            self.unmatched.append(recorded)
        return Reply(
            status=404, json={"error": f"no scripted reply for {recorded.method} {recorded.path}"}
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query_all = parse_qs(parts.query, keep_blank_values=True)
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in query_all.items()},
                    query_all=query_all,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = server._answer(recorded)
                body, headers = reply.encoded()
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # keep test output quiet

        return Handler


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A running :class:`FakeServer`, stopped after the test."""
    server = FakeServer().start()
    try:
        yield server
    finally:
        server.stop()
