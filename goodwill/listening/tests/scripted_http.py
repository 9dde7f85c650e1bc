"""An in-process stand-in for the connectors' Http client, for parsing and cursor tests.

It answers each request from a queue of scripted responses per URL path and records every
request (URL, params, headers, body) so a test can assert what the connector asked for. The
end-to-end tests (retries, 429, 5xx) use the real HttpClient against the fake server in
``fakes.py``; this one only checks what a connector does with the answers it gets.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DATA = Path(__file__).parent / "data"


def fixture_bytes(relative: str) -> bytes:
    return (DATA / relative).read_bytes()


def fixture_json(relative: str) -> Any:
    return jsonlib.loads(fixture_bytes(relative))


@dataclass
class Call:
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: Any = None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class ScriptedHttp:
    """``script(path, body, headers)`` queues an answer; the last one for a path repeats."""

    answers: dict[str, list[tuple[bytes, dict[str, str]]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def script(self, path: str, body: Any, headers: Mapping[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else jsonlib.dumps(body).encode()
        self.answers.setdefault(path, []).append((raw, dict(headers or {})))

    def _answer(self, url: str) -> tuple[bytes, dict[str, str]]:
        path = urlsplit(url).path
        queue = self.answers.get(path)
        if not queue:
            raise AssertionError(f"no scripted answer for {path}")
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        self.calls.append(Call("GET", url, dict(params or {}), dict(headers or {})))
        return jsonlib.loads(self._answer(url)[0])

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[bytes, Mapping[str, str]]:
        self.calls.append(Call("GET", url, dict(params or {}), dict(headers or {})))
        return self._answer(url)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Any:
        self.calls.append(Call("POST", url, {}, dict(headers or {}), json or data))
        return jsonlib.loads(self._answer(url)[0])


def json_values() -> Any:
    """A hypothesis strategy for any JSON value (what a platform might send in a field)."""
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def mutated(payload: dict[str, Any]) -> Any:
    """A hypothesis strategy: ``payload`` with one field (at any depth) replaced by any JSON
    value, or removed."""
    from hypothesis import strategies as st

    paths: list[tuple[str, ...]] = []

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                paths.append((*path, key))
                walk(inner, (*path, key))

    walk(payload, ())

    def apply(path: tuple[str, ...], value: Any, remove: bool) -> dict[str, Any]:
        copy = jsonlib.loads(jsonlib.dumps(payload))
        target = copy
        for key in path[:-1]:
            target = target[key]
        if remove:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return copy

    return st.builds(apply, st.sampled_from(paths), json_values(), st.booleans())
