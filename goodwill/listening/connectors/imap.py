"""Email through IMAP: customers writing to a support mailbox.

Each run logs in, opens the mailbox read-only (``EXAMINE``, so nothing is marked read) and asks
for the messages after the last one it stored: ``UID SEARCH UID <last+1>:*``, then
``UID FETCH`` of up to ``batch_size`` of them with ``BODY.PEEK[]``. The cursor is the mailbox's
``UIDVALIDITY`` and the last UID stored; when the server reports a different UIDVALIDITY (the
mailbox was rebuilt, its UIDs now mean other messages) the sweep starts again from the first
message, and dedupe by Message-ID keeps storage exactly-once.

A message becomes a MessageItem: the sender's address is the author id (lower-cased) and its
display name the author name; the text is the Subject, a blank line and the text/plain body
(or, when there is no plain part, the HTML part with its tags stripped); Message-ID is the
external id; In-Reply-To (else the last of References) threads it; Date is its time (the
server's INTERNALDATE when Date is missing or unreadable). A message without a usable sender
is skipped with the reason, and the rest of the batch lands.

Only the standard library is used (``imaplib``, ``email``, ``html.parser``): the protocol
subset needed here is small and those modules are maintained with Python itself.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, ClassVar

from goodwill.core import Channel
from goodwill.importing import BadValue
from goodwill.listening.connectors.base import (
    ConfigField,
    Connector,
    ConnectorError,
    FetchPage,
    Skipped,
    TransientError,
    register,
)
from goodwill.listening.types import MessageItem

ID_LENGTH = 255
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


# --- parsing ---------------------------------------------------------------------------------


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: tags dropped, script/style skipped, blocks on new lines."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def email_body(message: EmailMessage) -> str:
    """The text/plain body, else the HTML body as text, else ''."""
    plain = message.get_body(preferencelist=("plain",))
    if isinstance(plain, EmailMessage):
        return _content(plain)
    html = message.get_body(preferencelist=("html",))
    if isinstance(html, EmailMessage):
        return html_to_text(_content(html))
    return ""


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError) as exc:  # a header the parser cannot read
        raise BadValue(name, f"unreadable ({exc})") from None
    return str(value) if value is not None else ""


def _message_ids(value: str) -> list[str]:
    return [m for m in _MSG_ID.findall(value) if len(m) <= ID_LENGTH]


def _sender(message: EmailMessage) -> tuple[str, str]:
    raw = _header(message, "From")
    if not raw.strip():
        raise BadValue("From", "missing")
    for name, address in getaddresses([raw]):
        if "@" in address and len(address) <= ID_LENGTH:
            return address.strip().lower(), name.strip()
    raise BadValue("From", f"{raw!r} has no email address")


def _date(message: EmailMessage, fallback: datetime | None) -> datetime:
    raw = _header(message, "Date")
    if raw.strip():
        try:
            moment = parsedate_to_datetime(raw)
        except (ValueError, TypeError, IndexError):
            moment = None
        if moment is not None:
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if fallback is not None:
        return fallback
    raise BadValue("Date", f"{raw!r} is not an email date" if raw.strip() else "missing")


def parse_email(
    data: bytes,
    *,
    fallback_id: str = "",
    received_at: datetime | None = None,
    company_addresses: Sequence[str] = (),
) -> MessageItem:
    """One RFC 5322 message as a MessageItem; raises BadValue naming the header at fault.

    ``fallback_id`` is the external id when the message has no Message-ID (some mailers omit
    it); ``received_at`` the time when it has no readable Date. An address in
    ``company_addresses`` (or ``@domain`` there) marks the message as the company's own.
    """
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default gives these
        raise BadValue("message", "not an email message")
    address, name = _sender(message)
    ids = _message_ids(_header(message, "Message-ID"))
    external_id = ids[0] if ids else fallback_id
    if not external_id:
        raise BadValue("Message-ID", "missing")
    parents = (
        _message_ids(_header(message, "In-Reply-To"))
        or _message_ids(_header(message, "References"))[-1:]
    )
    subject = _header(message, "Subject")
    body = email_body(message)
    text = f"{subject}\n\n{body}" if subject and body else subject or body
    if not text.strip():
        raise BadValue("body", "the message has neither a subject nor a text body")
    domain = "@" + address.rsplit("@", 1)[-1]
    company = {a.strip().lower() for a in company_addresses if a.strip()}
    return MessageItem(
        channel=Channel.EMAIL.value,
        external_id=external_id,
        author_id=address,
        author_handle=address,
        author_name=name[:255],
        created_at=_date(message, received_at),
        text=text,
        in_reply_to=parents[0] if parents and parents[0] != external_id else "",
        is_from_company=address in company or domain in company,
        raw={"subject": subject, "to": _header(message, "To")},
    )


def internal_date(meta: bytes) -> datetime | None:
    """The INTERNALDATE of a FETCH answer (when the server received the message)."""
    match = _INTERNALDATE.search(meta)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


# --- connector -------------------------------------------------------------------------------


@register
class ImapConnector(Connector):
    """A mailbox read over IMAP (SSL by default)."""

    kind = "imap"
    channel = Channel.EMAIL.value
    label = "Email (IMAP)"
    fields = (
        ConfigField("host", "IMAP server", help="Like imap.example.com."),
        ConfigField("username", "User name"),
        ConfigField("password", "Password", secret=True, help="An app password if you use 2FA."),
        ConfigField("mailbox", "Mailbox", required=False, default="INBOX"),
        ConfigField("port", "Port", required=False, default="993"),
        ConfigField(
            "security",
            "Connection security",
            required=False,
            default="ssl",
            help="ssl (port 993) or plain (only for a server on this machine or in tests).",
        ),
        ConfigField("batch_size", "Messages per fetch", required=False, default="100"),
        ConfigField(
            "company_addresses",
            "Company addresses",
            required=False,
            help="Comma-separated addresses or @domains whose mail is the company's own.",
        ),
    )
    timeout: ClassVar[float] = 30.0

    def _connect(self) -> imaplib.IMAP4:
        host = self._setting("host")
        if not host:
            raise ConnectorError("config 'host' is required")
        port = self._int_setting("port", 993, low=1, high=65535)
        security = self._setting("security", "ssl").lower()
        try:
            if security == "ssl":
                return imaplib.IMAP4_SSL(
                    host, port, ssl_context=ssl.create_default_context(), timeout=self.timeout
                )
            if security == "plain":
                return imaplib.IMAP4(host, port, timeout=self.timeout)
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TransientError(f"cannot reach IMAP server {host}:{port}: {exc}") from exc
        raise ConnectorError(f"config 'security': {security!r} is not 'ssl' or 'plain'")

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        username = self._setting("username")
        password = self.secrets.get("password") or ""
        if not username:
            raise ConnectorError("config 'username' is required")
        if not password:
            raise ConnectorError("secret 'password' is not set")
        batch_size = self._int_setting("batch_size", 100, low=1, high=5000)
        mailbox = self._setting("mailbox", "INBOX")
        imap = self._connect()
        try:
            try:
                imap.login(username, password)
            except imaplib.IMAP4.error as exc:
                raise ConnectorError(f"IMAP login as {username!r} was refused: {exc}") from None
            return self._fetch_selected(imap, mailbox, cursor, batch_size)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"IMAP connection dropped: {exc}") from exc
        except OSError as exc:  # includes timeouts
            raise TransientError(f"IMAP connection failed: {exc}") from exc
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()

    def _fetch_selected(
        self, imap: imaplib.IMAP4, mailbox: str, cursor: Mapping[str, Any], batch_size: int
    ) -> FetchPage:
        typ, data = imap.select(_quote(mailbox), readonly=True)
        if typ != "OK":
            raise ConnectorError(f"cannot open mailbox {mailbox!r}: {_first(data)}")
        validity = _uidvalidity(imap)
        last_uid = cursor.get("last_uid", 0)
        if cursor.get("uidvalidity") != validity or not isinstance(last_uid, int):
            last_uid = 0
        typ, data = imap.uid("SEARCH", f"UID {last_uid + 1}:*")
        if typ != "OK":
            raise ConnectorError(f"UID SEARCH failed in {mailbox!r}: {_first(data)}")
        # "n:*" always matches the newest message, even when its UID is below n.
        uids = sorted(
            {int(u) for chunk in data if chunk for u in chunk.split() if int(u) > last_uid}
        )
        if not uids:
            return FetchPage([], {"uidvalidity": validity, "last_uid": last_uid})
        batch, more = uids[:batch_size], len(uids) > batch_size
        typ, data = imap.uid(
            "FETCH", ",".join(str(u) for u in batch), "(UID INTERNALDATE BODY.PEEK[])"
        )
        if typ != "OK":
            raise ConnectorError(f"UID FETCH failed in {mailbox!r}: {_first(data)}")
        items: list[MessageItem] = []
        skipped: list[Skipped] = []
        host = self._setting("host")
        company = self._setting("company_addresses").split(",")
        seen: set[str] = set()
        for meta, body in _fetched(data):
            uid_match = _FETCH_UID.search(meta)
            ref = f"uid {uid_match.group(1).decode()}" if uid_match else "a fetched message"
            try:
                item = parse_email(
                    body,
                    fallback_id=f"{validity}.{uid_match.group(1).decode()}@{host}"
                    if uid_match
                    else "",
                    received_at=internal_date(meta),
                    company_addresses=company,
                )
            except BadValue as exc:
                skipped.append(Skipped(ref=ref, reason=f"header {exc.field!r}: {exc.error}"))
                continue
            if item.external_id in seen:  # the same Message-ID twice (e.g. sent to two aliases)
                skipped.append(Skipped(ref=ref, reason=f"duplicate of {item.external_id}"))
                continue
            seen.add(item.external_id)
            item.raw["mailbox"] = mailbox
            items.append(item)
        return FetchPage(items, {"uidvalidity": validity, "last_uid": batch[-1]}, more, skipped)


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _first(data: Any) -> str:
    if isinstance(data, list) and data:
        value = data[0]
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ""


def _uidvalidity(imap: imaplib.IMAP4) -> int:
    _, data = imap.response("UIDVALIDITY")
    for value in data or []:
        if isinstance(value, bytes) and value.strip().isdigit():
            return int(value)
    raise ConnectorError("the IMAP server did not report UIDVALIDITY for the mailbox")


def _fetched(data: Sequence[Any]) -> list[tuple[bytes, bytes]]:
    """(meta, literal) pairs of a UID FETCH answer; imaplib gives each literal as a tuple."""
    return [
        (part[0], part[1])
        for part in data
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes)
    ]
