"""The `reviews` import format: rating + text, rating kept in raw and as a label, bad rows named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.importing import BadValue, ImportFailed
from goodwill.listening.importers import detect_format, import_messages
from goodwill.listening.importers.reviews import parse_values
from goodwill.listening.models import Label, Message

DATA = Path(__file__).parent / "data" / "reviews"
FIVE_GOOD_FIVE_BAD = DATA / "reviews_5_good_5_bad.csv"


def test_a_reviews_header_is_detected() -> None:
    assert detect_format(FIVE_GOOD_FIVE_BAD) == "reviews"


@pytest.mark.django_db
def test_good_reviews_land_with_rating_labels_and_bad_rows_name_line_and_field() -> None:
    summary = import_messages(FIVE_GOOD_FIVE_BAD, format="reviews")

    assert (summary.read, summary.created, summary.rejected) == (10, 5, 5)
    assert [(e.line, e.field) for e in summary.errors] == [
        (6, "rating"),
        (7, "created_at"),
        (8, "rating"),
        (9, "author"),
        (11, "channel"),
    ]
    assert "4.5" in summary.errors[0].error and "1 to 5" in summary.errors[0].error
    messages = {m.external_id: m for m in Message.objects.all()}
    assert set(messages) == {"r1", "r2", "r3", "r8", "r10"}
    assert {m.channel for m in messages.values()} == {"review"}
    first = messages["r1"]
    assert first.text == (
        "Lost my luggage\n\nThree hours on hold, still no bag. <script>alert(1)</script>"
    )
    assert first.raw == {"rating": 1, "platform": "trustpilot"}
    assert messages["r2"].text == "Lovely crew,\non time."  # no title: the text alone, verbatim
    assert messages["r2"].created_at == datetime(2026, 11, 23, tzinfo=UTC)  # a bare date
    assert messages["r10"].text == "Great"  # no text: the title alone
    ratings = dict(
        Label.objects.filter(field="rating", origin="review").values_list(
            "message__external_id", "value"
        )
    )
    assert ratings == {"r1": "1", "r2": "5", "r3": "3", "r8": "2", "r10": "5"}
    assert {m.raw["rating"] for m in messages.values()} == {1, 5, 3, 2}


@pytest.mark.django_db
def test_importing_the_same_reviews_again_stores_nothing_twice() -> None:
    import_messages(FIVE_GOOD_FIVE_BAD)
    again = import_messages(FIVE_GOOD_FIVE_BAD)

    assert (again.created, again.unchanged) == (0, 5)
    assert Message.objects.count() == 5
    assert Label.objects.filter(field="rating").count() == 5


@pytest.mark.django_db
def test_a_file_without_text_or_title_columns_is_refused_before_anything_is_stored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("external_id,author,created_at,rating\nr1,Jane,2026-11-24,3\n")

    with pytest.raises(ImportFailed, match="'text' or 'title'"):
        import_messages(path, format="reviews")
    assert Message.objects.count() == 0


def _row(rating: str) -> dict[str, str]:
    return {
        "external_id": "r1",
        "author": "Jane",
        "created_at": "2026-11-24T10:00:00Z",
        "rating": rating,
        "text": "fine",
    }


@given(st.integers(min_value=1, max_value=5), st.sampled_from(["{}", " {} ", "{}.0"]))
def test_whole_star_ratings_from_1_to_5_are_read(stars: int, spelling: str) -> None:
    item = parse_values(_row(spelling.format(stars)))

    assert item.raw["rating"] == stars
    assert [(lab.field, lab.value, lab.origin) for lab in item.labels] == [
        ("rating", str(stars), "review")
    ]


@given(
    st.one_of(
        st.integers().filter(lambda n: not 1 <= n <= 5).map(str),
        st.floats(allow_nan=True).filter(lambda x: not float(x).is_integer()).map(str),
        st.text(max_size=5).filter(lambda t: t.strip() not in {"1", "2", "3", "4", "5"}),
    )
)
def test_any_other_rating_is_refused_naming_the_rating_field(rating: str) -> None:
    values = _row(rating)
    try:
        parse_values(values)
    except BadValue as exc:
        assert exc.field == "rating"
    else:
        # Only spellings of a whole 1-5 (like '+3' or '03.00') may pass.
        assert 1 <= int(float(rating)) <= 5
