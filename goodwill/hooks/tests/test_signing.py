from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.hooks.signing import (
    SignatureError,
    parse_signature_header,
    sign,
    sign_graph,
    tokens_match,
    verify_graph_signature,
    verify_signature,
)

SECRET = "whsec-test"
NOW = 1_764_064_800


def test_sign_matches_the_documented_recipe() -> None:
    body = b'{"a": 1}'
    expected = hmac.new(SECRET.encode(), b"1764064800." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body, NOW) == f"t=1764064800,v1={expected}"


@given(body=st.binary(max_size=2000), skew=st.integers(-300, 300))
def test_a_fresh_signature_verifies(body: bytes, skew: int) -> None:
    header = sign(SECRET, body, NOW + skew)
    timestamp, matched = verify_signature(header, body, SECRET, now=NOW)
    assert timestamp == NOW + skew
    assert header.endswith(matched)


@given(body=st.binary(min_size=1, max_size=500), flip=st.integers(0, 499))
def test_any_change_to_the_body_breaks_the_signature(body: bytes, flip: int) -> None:
    header = sign(SECRET, body, NOW)
    i = flip % len(body)
    tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(header, tampered, SECRET, now=NOW)


def test_wrong_secret_old_or_future_timestamps_and_bad_headers_fail() -> None:
    body = b"[]"
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(sign("other", body, NOW), body, SECRET, now=NOW)
    with pytest.raises(SignatureError, match="301 s from now"):
        verify_signature(sign(SECRET, body, NOW - 301), body, SECRET, now=NOW)
    with pytest.raises(SignatureError, match="-301 s from now"):
        verify_signature(sign(SECRET, body, NOW + 301), body, SECRET, now=NOW)
    for header, reason in [
        (None, "missing"),
        ("", "missing"),
        ("v1=" + "0" * 64, "no t="),
        ("t=12", "no v1="),
        ("t=abc,v1=" + "0" * 64, "not unix seconds"),
        ("t=12,v1=xyz", "no v1="),
    ]:
        with pytest.raises(SignatureError, match=reason):
            verify_signature(header, body, SECRET, now=NOW)


def test_one_matching_v1_among_several_is_enough_while_rotating_secrets() -> None:
    body = b"{}"
    old = sign("old-secret", body, NOW).split(",")[1]
    new = sign(SECRET, body, NOW)
    _, matched = verify_signature(f"{new},{old}", body, SECRET, now=NOW)
    assert matched == new.split("v1=")[1]
    timestamp, sigs = parse_signature_header(f" t={NOW} , {old} ,junk")
    assert timestamp == NOW and len(sigs) == 1


@given(body=st.binary(max_size=1000))
def test_graph_signature_round_trips_and_rejects_other_secrets(body: bytes) -> None:
    verify_graph_signature(sign_graph("app-secret", body), body, "app-secret")
    with pytest.raises(SignatureError):
        verify_graph_signature(sign_graph("another", body), body, "app-secret")


def test_graph_signature_header_shape_is_checked() -> None:
    for header in (None, "", "sha1=" + "0" * 40, "sha256=zz", "sha256"):
        with pytest.raises(SignatureError):
            verify_graph_signature(header, b"{}", "app-secret")


def test_tokens_match_only_equal_non_empty_tokens() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abd", "abc")
    assert not tokens_match(None, "abc")
    assert not tokens_match("", "")
