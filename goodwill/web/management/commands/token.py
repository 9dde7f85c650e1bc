"""`goodwill token create|list|revoke`: API tokens for the REST API."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.accounts import selectors, services


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Create a token; its secret is printed once.")
        create.add_argument("--user", required=True, help="Username the token acts as.")
        create.add_argument("--name", required=True, help="What the token is for.")
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--user", default="", help="Only this user's tokens.")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        listing.add_argument("--json", action="store_true", help="One JSON object per line.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["user"], options["name"])
        elif action == "list":
            self._list(options["user"], options["all"], options["json"])
        else:
            self._revoke(options["token_id"])

    def _create(self, username: str, name: str) -> None:
        name = name.strip()
        if not name:
            raise CommandError("--name: must not be empty")
        if len(name) > 100:
            raise CommandError("--name: at most 100 characters")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"--user: {username!r} is inactive")
        token, raw = services.create_api_token(user=user, name=name)
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.pk} ({name}) for {username}. This secret is shown once; store it now."
        )

    def _list(self, username: str, include_revoked: bool, as_json: bool) -> None:
        tokens = selectors.api_tokens(username=username, include_revoked=include_revoked)
        rows: list[dict[str, Any]] = [
            {
                "id": t.pk,
                "user": t.user.get_username(),
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in tokens
        ]
        if as_json:
            for row in rows:
                self.stdout.write(json.dumps(row))
            return
        if not rows:
            self.stdout.write("No tokens.")
            return
        header = f"{'ID':>5}  {'USER':<16} {'NAME':<24} {'PREFIX':<11} {'LAST USED':<16} STATUS"
        self.stdout.write(header)
        for row in rows:
            last = (row["last_used_at"] or "never")[:16].replace("T", " ")
            status = "revoked" if row["revoked_at"] else "active"
            self.stdout.write(
                f"{row['id']:>5}  {row['user'][:16]:<16} {row['name'][:24]:<24} "
                f"{row['prefix']:<11} {last:<16} {status}"
            )

    def _revoke(self, token_id: int) -> None:
        token = selectors.get_api_token(token_id)
        if token is None:
            raise CommandError(f"ID: no token with id {token_id}")
        if token.revoked_at is not None:
            self.stdout.write(f"Token {token_id} was already revoked.")
            return
        services.revoke_api_token(token=token, actor=None)
        self.stdout.write(f"Revoked token {token_id} ({token.name}).")
