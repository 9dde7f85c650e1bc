from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.hooks.services import BadDelivery, parse_items
from goodwill.importing import BadValue
from goodwill.listening.connectors.graph import parse_webhook

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=25,
)
FIELDS = ["external_id", "channel", "author_handle", "created_at", "text", "likes", "in_reply_to"]
records = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=7)


@given(payload=json_values | st.lists(records, max_size=5) | records)
def test_any_json_body_is_items_or_a_bad_delivery_naming_fields(payload: Any) -> None:
    count = len(payload) if isinstance(payload, list) else 1  # one object is item 0
    try:
        items = parse_items(payload, default_channel="webhook")
    except BadDelivery as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.field and error.message
            assert error.item is None or 0 <= error.item < count
        return
    assert len(items) == count
    assert len({(i.channel, i.external_id) for i in items}) == len(items)


def test_the_source_channel_is_the_default_and_an_item_may_name_its_own() -> None:
    base = {
        "external_id": "1",
        "author_handle": "a",
        "created_at": "2026-01-01T00:00:00Z",
        "text": "",
    }
    assert parse_items(base, default_channel="webhook")[0].channel == "webhook"
    assert (
        parse_items({**base, "channel": "fb"}, default_channel="webhook")[0].channel == "facebook"
    )


def test_errors_are_capped_but_name_each_record() -> None:
    with pytest.raises(BadDelivery) as exc:
        parse_items([{"external_id": str(n)} for n in range(50)], default_channel="webhook")
    assert len(exc.value.errors) == 20
    assert [e.item for e in exc.value.errors] == list(range(20))
    assert str(exc.value).startswith("item 0: field ") and "(and 19 more)" in str(exc.value)


changes = st.fixed_dictionaries(
    {"field": st.sampled_from(["feed", "comments", "live_comments", "mentions"]), "value": records}
)
envelopes = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram", "user"]),
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.text(max_size=5),
                    "time": st.integers(0, 2**31),
                    "changes": st.lists(changes, max_size=3),
                }
            ),
            max_size=3,
        ),
    }
)


@given(payload=envelopes | json_values)
def test_any_graph_delivery_parses_or_names_the_envelope_field(payload: Any) -> None:
    try:
        parsed = parse_webhook(payload)
    except BadValue as exc:
        assert exc.field in ("body", "object", "entry")
        return
    changes_seen = sum(len(e["changes"]) for e in payload["entry"])
    assert len(parsed.items) + len(parsed.skipped) == changes_seen
