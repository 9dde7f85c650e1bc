from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.importing import BadValue
from goodwill.listening.connectors.base import REGISTRY, ConnectorError, TransientError
from goodwill.listening.connectors.imap import ImapConnector, html_to_text, parse_email
from goodwill.listening.models import Message
from goodwill.listening.services import ingest_batch
from goodwill.listening.tests.imap_fake import FakeMailbox, fake_imap_server


def mail(
    *,
    sender: str = "Ann Lee <Ann.Lee@Example.org>",
    subject: str = "Lost bag",
    body: str | None = "My bag never arrived.",
    html: str | None = None,
    message_id: str | None = "<m1@example.org>",
    in_reply_to: str = "",
    references: str = "",
    date: str | None = "Tue, 24 Nov 2026 10:15:00 +0100",
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = "care@example.com"
    if subject:
        msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    if date:
        msg["Date"] = date
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    return msg.as_bytes()


# --- parsing ---------------------------------------------------------------------------------


def test_a_plain_message_becomes_an_item() -> None:
    item = parse_email(mail())
    assert item.channel == "email"
    assert item.external_id == "m1@example.org"
    assert item.author_id == "ann.lee@example.org"
    assert item.author_name == "Ann Lee"
    assert item.text == "Lost bag\n\nMy bag never arrived.\n"
    assert item.created_at == datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    assert item.raw["subject"] == "Lost bag"
    assert not item.is_from_company


def test_the_plain_part_wins_and_html_only_mail_is_stripped_of_tags() -> None:
    both = parse_email(mail(body="plain words", html="<p>html words</p>"))
    assert "plain words" in both.text and "html words" not in both.text
    html_only = parse_email(
        mail(
            body=None,
            html="<html><head><style>p{}</style></head><body><p>Still</p><p>waiting &amp; "
            "<b>angry</b></p><script>x()</script></body></html>",
        )
    )
    assert html_only.text == "Lost bag\n\nStill\n\nwaiting & angry"


def test_threading_uses_in_reply_to_then_the_last_reference() -> None:
    assert parse_email(mail(in_reply_to="<p1@x>")).in_reply_to == "p1@x"
    assert parse_email(mail(references="<r1@x> <r2@x>")).in_reply_to == "r2@x"
    assert parse_email(mail()).in_reply_to == ""


def test_missing_message_id_uses_the_fallback_and_missing_date_the_received_time() -> None:
    received = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    item = parse_email(
        mail(message_id=None, date=None), fallback_id="7.3@imap", received_at=received
    )
    assert item.external_id == "7.3@imap"
    assert item.created_at == received
    with pytest.raises(BadValue) as exc:
        parse_email(mail(message_id=None))
    assert exc.value.field == "Message-ID"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sender": ""}, "From"),
        ({"sender": "no address here"}, "From"),
        ({"date": "yesterday-ish"}, "Date"),
        ({"subject": "", "body": None, "html": None}, "body"),
    ],
)
def test_a_malformed_message_names_the_header(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(BadValue) as exc:
        parse_email(mail(**kwargs))
    assert exc.value.field == field


def test_company_addresses_and_domains_mark_our_own_mail() -> None:
    assert parse_email(
        mail(sender="agent@acme.com"), company_addresses=["@acme.com"]
    ).is_from_company
    assert parse_email(
        mail(sender="Bo <bo@acme.com>"), company_addresses=["bo@acme.com"]
    ).is_from_company
    assert not parse_email(
        mail(sender="x@other.com"), company_addresses=["@acme.com"]
    ).is_from_company


def test_hostile_text_is_kept_verbatim() -> None:
    body = "<script>alert('x')</script> & ünïcode 🙂"
    assert parse_email(mail(body=body)).text == f"Lost bag\n\n{body}\n"


@settings(max_examples=60, deadline=None)
@given(
    subject=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60),
    body=st.text(
        st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85"
        ),
        max_size=300,
    ),
)
def test_any_subject_and_body_round_trip(subject: str, body: str) -> None:
    if not subject.strip() and not body.strip():
        return
    item = parse_email(mail(subject=subject, body=body))
    assert body.rstrip("\n") in item.text
    assert item.raw["subject"] == subject.strip() or subject.strip() in item.text


def test_html_to_text_never_keeps_a_tag() -> None:
    assert html_to_text("<div>a<br>b</div><!-- c --><i>d</i>") == "a\nb\nd"


# --- the connector against a fake IMAP server --------------------------------------------------


@pytest.fixture
def mailbox() -> FakeMailbox:
    box = FakeMailbox()
    box.add(1, mail(message_id="<a@x>", body="first"))
    box.add(2, b"From: \r\nSubject: broken\r\n\r\nno sender\r\n")
    box.add(3, mail(message_id="<c@x>", body="third", in_reply_to="<a@x>", sender="care@acme.com"))
    return box


@pytest.fixture
def port(mailbox: FakeMailbox) -> Iterator[int]:
    with fake_imap_server(mailbox) as port:
        yield port


def connector(port: int, password: str = "s3cret", **config: str) -> ImapConnector:
    settings = {
        "host": "127.0.0.1",
        "port": str(port),
        "security": "plain",
        "username": "care@example.com",
        "company_addresses": "@acme.com",
        **config,
    }
    return ImapConnector(settings, {"password": password}, http=None)  # type: ignore[arg-type]


def test_imap_is_registered() -> None:
    assert REGISTRY["imap"] is ImapConnector


def test_fetch_reads_new_mail_read_only_and_skips_a_malformed_one(
    port: int, mailbox: FakeMailbox
) -> None:
    page = connector(port).fetch({})
    assert [i.external_id for i in page.items] == ["a@x", "c@x"]
    assert [(s.ref, s.reason) for s in page.skipped] == [("uid 2", "header 'From': missing")]
    assert page.cursor == {"uidvalidity": 1001, "last_uid": 3}
    assert page.more is False
    assert page.items[1].in_reply_to == "a@x" and page.items[1].is_from_company
    assert page.items[0].raw["mailbox"] == "INBOX"
    sent = " ".join(mailbox.commands)
    assert "EXAMINE" in sent and "BODY.PEEK[]" in sent and "UID SEARCH UID 1:*" in sent


@pytest.mark.django_db
def test_runs_continue_from_the_cursor_and_store_exactly_once(
    port: int, mailbox: FakeMailbox
) -> None:
    imap = connector(port)
    first = imap.fetch({})
    assert ingest_batch(source=None, items=first.items).created == 2

    again = imap.fetch(first.cursor)  # "4:*" still names the newest message: it is not re-read
    assert again.items == [] and again.cursor == first.cursor

    mailbox.add(4, mail(message_id="<d@x>", body="fourth"))
    newer = imap.fetch(again.cursor)
    assert [i.external_id for i in newer.items] == ["d@x"]
    assert ingest_batch(source=None, items=newer.items).created == 1

    mailbox.uidvalidity = 2002  # the mailbox was rebuilt: everything is read again
    rebuilt = imap.fetch(newer.cursor)
    assert rebuilt.cursor == {"uidvalidity": 2002, "last_uid": 4}
    result = ingest_batch(source=None, items=rebuilt.items)
    assert (result.created, result.unchanged) == (0, 3)
    assert Message.objects.filter(channel="email").count() == 3


def test_batch_size_pages_through_the_mailbox(port: int) -> None:
    imap = connector(port, batch_size="2")
    first = imap.fetch({})
    assert first.more and first.cursor["last_uid"] == 2
    second = imap.fetch(first.cursor)
    assert not second.more and [i.external_id for i in second.items] == ["c@x"]


def test_wrong_password_and_unknown_mailbox_are_connector_errors(port: int) -> None:
    with pytest.raises(ConnectorError, match="refused"):
        connector(port, password="wrong").fetch({})
    with pytest.raises(ConnectorError, match="Archive"):
        connector(port, mailbox="Archive").fetch({})


def test_an_unreachable_server_is_transient() -> None:
    with fake_imap_server(FakeMailbox()) as free_port:
        pass  # the port is closed again: nothing listens there now
    with pytest.raises(TransientError):
        connector(free_port).fetch({})


def test_missing_settings_are_named() -> None:
    with pytest.raises(ConnectorError, match="'password'"):
        connector(1, password="").fetch({})
    with pytest.raises(ConnectorError, match="'security'"):
        connector(1, security="starttls").fetch({})
