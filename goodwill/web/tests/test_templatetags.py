"""The display filters every page uses for social text and account names."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from goodwill.web.templatetags.goodwill_web import BIDI_CONTROLS, handle, initials, reveal_bidi

CONTROLS = "".join(BIDI_CONTROLS)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(CONTROLS))))
def test_reveal_bidi_leaves_no_control_and_changes_nothing_else(text: str) -> None:
    shown = reveal_bidi(text)
    assert not any(ch in CONTROLS for ch in shown)
    if not any(ch in CONTROLS for ch in text):
        assert shown == text
    # Each control becomes its name in brackets, in place.
    expected = "".join(f"[{BIDI_CONTROLS[ch]}]" if ch in CONTROLS else ch for ch in text)
    assert shown == expected


def test_reveal_bidi_shows_a_price_that_was_written_backwards() -> None:
    assert reveal_bidi("refund \u202e001$\u202c now") == "refund [RLO]001$[PDF] now"


def test_revealed_text_is_still_escaped() -> None:
    out = Template("{% load goodwill_web %}{{ t|reveal_bidi }}").render(
        Context({"t": "<b>\u202ex</b>"})
    )
    assert out == "&lt;b&gt;[RLO]x&lt;/b&gt;"


def identity(handle_: str = "", external_id: str = "") -> SimpleNamespace:
    return SimpleNamespace(handle=handle_, external_id=external_id)


def test_handle_prefixes_at_only_for_handles() -> None:
    assert handle(identity("maria_g")) == "@maria_g"
    assert handle(identity("", "12345")) == "@12345"
    assert handle(identity("care@bluefinch.example")) == "care@bluefinch.example"
    assert handle(identity("J. Ortega")) == "J. Ortega"
    assert handle(identity("@already")) == "@already"
    assert handle(None) == "unknown"
    assert handle(identity("", "")) == "unknown"
    assert handle(identity("evil\u202eman")) == "@evil[RLO]man"


@given(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1))
def test_a_plain_handle_is_shown_with_one_at(name: str) -> None:
    assert handle(identity(name)) == "@" + name


def test_initials_of_a_person_an_email_address_and_nothing() -> None:
    assert initials("Fatima Romano") == "FR"
    assert initials("fatima.romano@example.com") == "FR"  # was "FE", from the domain
    assert initials("jo_baker99@mail.example.org") == "JB"
    assert initials("@maria_g") == "M"
    assert initials("") == "?"
