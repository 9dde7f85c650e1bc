"""A small IMAP4rev1 server on 127.0.0.1 for tests: LOGIN, SELECT/EXAMINE, UID SEARCH,
UID FETCH, LOGOUT (and the CAPABILITY/NOOP imaplib may send), over a plain socket.

``FakeMailbox`` holds (uid, raw message bytes) pairs and a UIDVALIDITY the test may change;
``commands`` records what clients sent, to assert on (the password is recorded too: this is a
test double, never a real server).
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class FakeMailbox:
    username: str = "care@example.com"
    password: str = "s3cret"
    name: str = "INBOX"
    uidvalidity: int = 1001
    messages: list[tuple[int, bytes]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    internal_date: str = "25-Nov-2026 09:30:00 +0000"

    def add(self, uid: int, message: bytes) -> None:
        self.messages.append((uid, message))
        self.messages.sort()


def _uid_set(spec: str, uids: list[int]) -> list[int]:
    """The UIDs of ``uids`` a sequence set like '3:*' or '1,4,7' names (RFC 3501 6.4.8)."""
    top = max(uids, default=0)
    chosen: set[int] = set()
    for part in spec.split(","):
        if ":" in part:
            lo_s, hi_s = part.split(":", 1)
            lo = top if lo_s == "*" else int(lo_s)
            hi = top if hi_s == "*" else int(hi_s)
            lo, hi = min(lo, hi), max(lo, hi)
            chosen.update(u for u in uids if lo <= u <= hi)
        else:
            value = top if part == "*" else int(part)
            chosen.update(u for u in uids if u == value)
    return sorted(chosen)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        selected = False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            box.commands.append(line)
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args.split(" ", 1))
                if (user, password) == (box.username, box.password):
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command in ("SELECT", "EXAMINE"):
                if args.strip('"') != box.name:
                    self.send(f"{tag} NO [NONEXISTENT] no such mailbox")
                    continue
                selected = True
                self.send(f"* {len(box.messages)} EXISTS")
                self.send(f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid")
                self.send(f"* OK [UIDNEXT {max((u for u, _ in box.messages), default=0) + 1}]")
                self.send(f"{tag} OK [READ-ONLY] {command} completed")
            elif command == "UID" and selected:
                self.uid(tag, args, box)
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unexpected command")

    def uid(self, tag: str, args: str, box: FakeMailbox) -> None:
        sub, _, rest = args.partition(" ")
        uids = [u for u, _ in box.messages]
        if sub.upper() == "SEARCH":
            match = re.fullmatch(r"UID (\S+)", rest.strip(), re.IGNORECASE)
            found = _uid_set(match.group(1), uids) if match else []
            self.send("* SEARCH" + "".join(f" {u}" for u in found))
            self.send(f"{tag} OK SEARCH completed")
        elif sub.upper() == "FETCH":
            spec, _, _items = rest.partition(" ")
            wanted = set(_uid_set(spec, uids))
            for seq, (uid, message) in enumerate(box.messages, start=1):
                if uid not in wanted:
                    continue
                head = (
                    f'* {seq} FETCH (UID {uid} INTERNALDATE "{box.internal_date}" '
                    f"BODY[] {{{len(message)}}}"
                )
                self.send(head.encode() + b"\r\n" + message + b")")
            self.send(f"{tag} OK FETCH completed")
        else:
            self.send(f"{tag} BAD unknown UID command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: FakeMailbox) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox


@contextmanager
def fake_imap_server(mailbox: FakeMailbox) -> Iterator[int]:
    """Serve ``mailbox`` on 127.0.0.1; yields the port."""
    server = _Server(mailbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
