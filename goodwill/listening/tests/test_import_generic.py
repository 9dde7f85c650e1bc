"""The generic CSV/JSONL messages importer: good rows land, bad rows are named, text verbatim."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from goodwill.conversations.models import Conversation
from goodwill.customers.models import Identity
from goodwill.importing import ImportFailed
from goodwill.listening.importers import detect_format, import_messages
from goodwill.listening.models import Message

DATA = Path(__file__).parent / "data"
TEN_GOOD_THREE_BAD = DATA / "generic_10_good_3_bad.csv"
HEADER = "external_id,channel,author_handle,created_at,text"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def row(ext: str, text: str, *, channel: str = "x", when: str = "2024-03-01T09:00:00Z") -> str:
    quoted = '"' + text.replace('"', '""') + '"'
    return f"{ext},{channel},user_{ext},{when},{quoted}"


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db
def test_ten_good_and_three_bad_rows_store_ten_and_name_each_bad_line_and_field(
    tmp_path: Path,
) -> None:
    rejects = tmp_path / "rejects.csv"
    summary = import_messages(TEN_GOOD_THREE_BAD, rejects_path=rejects)

    assert summary.as_dict() == {
        "read": 13,
        "created": 10,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
        "duplicates": 0,
    }
    assert set(Message.objects.values_list("external_id", flat=True)) == {
        f"g{i}" for i in range(1, 11)
    }
    expected = [(8, "created_at"), (11, "channel"), (17, "likes")]
    assert [(e.line, e.field) for e in summary.errors] == expected
    rows = read_rejects(rejects)
    assert [(int(r["line"]), r["field"]) for r in rows] == expected
    assert rows[0]["raw"].startswith("bad1,x,dave,2024-03-02,")
    assert "timezone" in rows[0]["error"]
    assert "myspace" in rows[1]["error"]
    assert "negative" in rows[2]["error"]


@pytest.mark.django_db
def test_strict_stops_at_the_first_bad_row_and_stores_nothing(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(ImportFailed, match="line 8, field created_at") as caught:
        import_messages(TEN_GOOD_THREE_BAD, strict=True, rejects_path=rejects)
    assert Message.objects.count() == 0
    assert Identity.objects.count() == 0
    assert Conversation.objects.count() == 0
    assert caught.value.summary.created == 0
    assert caught.value.summary.rejected == 1
    assert [r["line"] for r in read_rejects(rejects)] == ["8"]


@pytest.mark.django_db
def test_text_is_stored_verbatim_and_replies_are_threaded() -> None:
    import_messages(TEN_GOOD_THREE_BAD)
    text = dict(Message.objects.values_list("external_id", "text"))
    assert text["g3"] == "Sent.\nThanks for the quick answer!"
    assert text["g5"] == "<script>alert('x')</script> same here"
    assert text["g6"] == 'Love the new app, "dark mode" is great'
    assert text["g7"] == "مرحبا بالعالم\u200f شكرا"
    assert text["g8"] == "zero\u200bwidth\u200cjoiner\u200dhere"
    assert text["g9"] == "Dear Acme,\n\nplease cancel my subscription.\nIvan"
    g1, g2, g3 = (Message.objects.get(external_id=f"g{i}") for i in (1, 2, 3))
    assert g1.conversation_id == g2.conversation_id == g3.conversation_id is not None
    assert g2.in_reply_to == "g1"
    assert (g1.likes, g1.shares, g1.author.followers) == (3, 1, 120)
    assert Message.objects.get(external_id="g7").channel == "x"  # written "twitter"
    assert Message.objects.get(external_id="g4").created_at == datetime(
        2024, 3, 2, 13, 0, tzinfo=UTC
    )


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing_and_says_so() -> None:
    first = import_messages(TEN_GOOD_THREE_BAD)
    ids = sorted(Message.objects.values_list("id", flat=True))
    again = import_messages(TEN_GOOD_THREE_BAD)
    assert (first.created, again.created, again.updated, again.unchanged) == (10, 0, 0, 10)
    assert sorted(Message.objects.values_list("id", flat=True)) == ids


@pytest.mark.django_db
def test_small_batches_give_the_same_result(settings: Any) -> None:
    settings.GOODWILL_IMPORT_BATCH_SIZE = 2
    summary = import_messages(TEN_GOOD_THREE_BAD)
    assert (summary.created, summary.rejected) == (10, 3)
    g1, g3 = Message.objects.get(external_id="g1"), Message.objects.get(external_id="g3")
    assert g1.conversation_id == g3.conversation_id


@pytest.mark.django_db
def test_a_changed_row_is_an_update(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", f"{HEADER},likes\n{row('1', 'hi')},1\n{row('2', 'yo')},0\n")
    import_messages(path)
    write(path, f"{HEADER},likes\n{row('1', 'hi')},5\n{row('2', 'yo')},0\n")
    summary = import_messages(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert Message.objects.get(external_id="1").likes == 5


@pytest.mark.django_db
def test_missing_columns_are_named_and_nothing_is_stored(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "external_id,channel,author_handle\n1,x,al\n")
    with pytest.raises(
        ImportFailed, match=r"line 1: missing required column\(s\) 'created_at', 'text'"
    ):
        import_messages(path)
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_file_cut_inside_a_quoted_field_rejects_the_last_record(tmp_path: Path) -> None:
    cut = '3,x,al,2024-03-01T09:00:00Z,"this was cu'
    body = "\n".join([HEADER, row("1", "fine"), row("2", "also fine"), cut])
    path = write(tmp_path / "cut.csv", body)
    summary = import_messages(path)
    assert (summary.read, summary.created, summary.rejected) == (3, 2, 1)
    [error] = summary.errors
    assert (error.line, error.field) == (4, "(record)")
    assert "truncated" in error.error
    with pytest.raises(ImportFailed, match="line 4"):
        import_messages(path, strict=True)


@pytest.mark.django_db
def test_a_latin1_row_is_rejected_naming_its_line_and_field(tmp_path: Path) -> None:
    body = f"{HEADER}\n{row('1', 'plain')}\n{row('2', 'un café, svp')}\n{row('3', 'ok')}\n"
    path = write(tmp_path / "latin1.csv", body, encoding="latin-1")
    summary = import_messages(path)
    assert (summary.created, summary.rejected) == (2, 1)
    [error] = summary.errors
    assert (error.line, error.field) == (3, "text")
    assert "not valid UTF-8 (byte 0xE9)" in error.error
    assert set(Message.objects.values_list("external_id", flat=True)) == {"1", "3"}


@pytest.mark.django_db
def test_the_rejects_file_keeps_the_original_bytes_of_an_undecodable_row(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.csv", f"{HEADER}\n{row('1', 'naïve')}\n", encoding="latin-1")
    rejects = tmp_path / "rejects.csv"
    import_messages(path, rejects_path=rejects)
    assert "na\xefve".encode("latin-1") in rejects.read_bytes()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
@pytest.mark.django_db
def test_utf16_and_utf32_files_fail_with_a_clear_error(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "wide.csv", f"{HEADER}\n{row('1', 'hi')}\n", encoding=encoding)
    with pytest.raises(ImportFailed, match="line 1: .*UTF-16.*save it as UTF-8"):
        import_messages(path)
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", f"{HEADER}\n{row('1', 'héllo')}\n", encoding="utf-8-sig")
    assert detect_format(path) == "csv"
    summary = import_messages(path)
    assert summary.created == 1
    assert Message.objects.get(external_id="1").text == "héllo"


@pytest.mark.parametrize("column", ["text", "author_handle"])
@pytest.mark.django_db
def test_nul_bytes_reject_the_row_on_every_backend(tmp_path: Path, column: str) -> None:
    header = f"{HEADER},author_name"
    bad = {
        "text": row("2", "a\x00b") + ",",
        "author_handle": "2,x,bo\x00b,2024-03-01T09:00:00Z,t,",
    }
    path = write(tmp_path / "nul.csv", f"{header}\n{row('1', 'ok')},\n{bad[column]}\n")
    summary = import_messages(path)
    assert (summary.created, summary.rejected) == (1, 1)
    [error] = summary.errors
    assert (error.line, error.field) == (3, column)
    assert "NUL" in error.error


@pytest.mark.django_db
def test_a_one_megabyte_text_is_stored_exactly(tmp_path: Path) -> None:
    piece = 'Ünïcödé "quoted", comma\nnew line \u202eRTL\u202c 😀 <b>x</b> '
    text = (piece * (1_048_576 // len(piece) + 1))[:1_048_576]
    path = write(tmp_path / "big.csv", f"{HEADER}\n{row('big', text)}\n")
    summary = import_messages(path)
    assert summary.created == 1
    stored = Message.objects.get(external_id="big").text
    assert len(stored) == 1_048_576
    assert stored == text


@pytest.mark.django_db
def test_duplicate_ids_in_one_file_are_reported_and_stored_once(tmp_path: Path) -> None:
    body = "\n".join(
        [
            HEADER,
            row("1", "first copy"),
            row("1", "second copy", channel="twitter"),  # the same channel, spelled another way
            row("1", "another channel, another message", channel="reddit"),
            row("2", "two"),
        ]
    )
    summary = import_messages(write(tmp_path / "dup.csv", body + "\n"))
    assert (summary.read, summary.created, summary.duplicates, summary.rejected) == (4, 3, 1, 0)
    assert Message.objects.get(channel="x", external_id="1").text == "first copy"
    assert summary.notes[0].startswith("line 3:")


@pytest.mark.parametrize(
    "value",
    ["2024-03-01T09:00:00", "2024-03-01", "2024-13-01T09:00:00Z", "yesterday", "", "1709283600"],
)
@pytest.mark.django_db
def test_bad_dates_are_rejected_naming_the_field(tmp_path: Path, value: str) -> None:
    body = f"{HEADER}\n{row('1', 'ok')}\n2,x,al,{value},bad date\n"
    summary = import_messages(write(tmp_path / "dates.csv", body))
    assert (summary.created, summary.rejected) == (1, 1)
    assert (summary.errors[0].line, summary.errors[0].field) == (3, "created_at")


@pytest.mark.django_db
def test_jsonl_good_lines_land_and_bad_ones_are_named(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    summary = import_messages(DATA / "messages.jsonl", rejects_path=rejects)
    assert summary.as_dict() == {
        "read": 8,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 5,
        "duplicates": 0,
    }
    assert [(e.line, e.field) for e in summary.errors] == [
        (4, "text"),
        (5, "text"),
        (6, "author_handle"),
        (7, "(record)"),
        (9, "(record)"),
    ]
    assert "lone surrogate (U+D800)" in summary.errors[0].error
    assert "NUL" in summary.errors[1].error
    assert "invalid JSON" in summary.errors[4].error
    j1 = Message.objects.get(external_id="j1")
    assert (j1.text, j1.likes, j1.author.followers) == ("line one\nline two", 2, 10)
    j2 = Message.objects.get(external_id="2")
    assert j2.text == "שלום \u200f<b>bold</b>"
    assert j2.raw == {"extra": {"lang_guess": "he"}}
    assert j2.in_reply_to == "j1"
    j7 = Message.objects.get(external_id="j7")
    assert j7.is_from_company
    assert j7.text == "emoji pair 😀 is fine"
    assert read_rejects(rejects)[0]["raw"].startswith('{"external_id": "j3"')


def test_format_detection_uses_the_extension_and_the_header(tmp_path: Path) -> None:
    assert detect_format(DATA / "messages.jsonl") == "jsonl"
    assert detect_format(TEN_GOOD_THREE_BAD) == "csv"
    assert detect_format(DATA / "airline_sample.csv") == "airline"
    assert detect_format(DATA / "twcs_sample.csv") == "twcs"
    lines = write(tmp_path / "export.txt", '{"external_id": "1"}\n')
    assert detect_format(lines) == "jsonl"


@pytest.mark.django_db
def test_crlf_files_count_physical_lines(tmp_path: Path) -> None:
    rows = [HEADER, row("1", "two\r\nlines"), row("2", "ok"), "3,x,al,not-a-date,t"]
    path = write(tmp_path / "crlf.csv", "\r\n".join(rows) + "\r\n")
    summary = import_messages(path)
    assert [(e.line, e.field) for e in summary.errors] == [(5, "created_at")]
    assert Message.objects.get(external_id="1").text == "two\r\nlines"


@pytest.mark.django_db
def test_an_empty_file_fails_and_a_header_only_file_reads_nothing(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="empty"):
        import_messages(write(tmp_path / "empty.csv", ""), format="csv")
    summary = import_messages(write(tmp_path / "header.csv", HEADER + "\n"))
    assert summary.as_dict() == dict.fromkeys(summary.as_dict(), 0)


class _Terminal:
    """A stand-in stderr that claims to be a terminal."""

    def __init__(self) -> None:
        self.chunks: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.chunks.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.django_db
def test_a_progress_bar_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    import_messages(TEN_GOOD_THREE_BAD, progress=True)
    assert "%|" in "".join(terminal.chunks)  # tqdm draws on the terminal
    terminal.chunks.clear()
    import_messages(TEN_GOOD_THREE_BAD, progress=False)
    assert terminal.chunks == []
