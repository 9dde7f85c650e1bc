from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.accounts import services as account_services
from goodwill.web.management.commands import serve as serve_command
from goodwill.web.tests.helpers import make_user


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_token_create_list_revoke() -> None:
    user = make_user("ops")
    secret, note = run("token", "create", "--user", "ops", "--name", "grafana")
    secret = secret.strip()
    assert secret.startswith("gw_") and "shown once" in note
    found = account_services.authenticate_token(secret)
    assert found is not None and found.user == user
    listed, _ = run("token", "list", "--json")
    rows = [json.loads(line) for line in listed.splitlines()]
    assert [(r["user"], r["name"], r["revoked_at"]) for r in rows] == [("ops", "grafana", None)]
    assert secret not in listed and rows[0]["prefix"] == secret[:10]
    out, _ = run("token", "revoke", str(rows[0]["id"]))
    assert "Revoked" in out
    assert account_services.authenticate_token(secret) is None
    assert run("token", "list")[0].strip() == "No tokens."
    assert "revoked" in run("token", "list", "--all")[0]
    assert "already revoked" in run("token", "revoke", str(rows[0]["id"]))[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--user", "ghost", "--name", "x"], "--user: no user named 'ghost'"),
        (["create", "--user", "ops", "--name", "  "], "--name: must not be empty"),
        (["revoke", "424242"], "ID: no token with id 424242"),
    ],
)
def test_token_errors_name_the_argument(args: list[str], message: str) -> None:
    make_user("ops")
    with pytest.raises(CommandError, match=message):
        run("token", *args)


@pytest.mark.django_db
def test_serve_refuses_unapplied_migrations_unless_asked(monkeypatch: Any) -> None:
    served: list[dict[str, Any]] = []
    migrated: list[str] = []
    monkeypatch.setattr(serve_command, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setattr(serve_command, "scheduler_loop", lambda stop, tick: None)
    monkeypatch.setattr(serve_command, "unapplied_migrations", lambda: ["listening.0009_new"])
    monkeypatch.setattr(serve_command, "call_command", lambda name, **kw: migrated.append(name))
    with pytest.raises(CommandError, match=r"1 migration\(s\) not applied .*listening.0009_new"):
        run("serve")
    assert served == [] and migrated == []
    run("serve", "--migrate", "--port", "8123", "--threads", "2")
    assert migrated == ["migrate"]
    assert served == [{"host": "127.0.0.1", "port": 8123, "threads": 2, "ident": "goodwill"}]


@pytest.mark.django_db
def test_serve_checks_the_real_migration_state_and_arguments(monkeypatch: Any) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_command, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setattr(serve_command, "scheduler_loop", lambda stop, tick: None)
    assert serve_command.unapplied_migrations() == []  # the test database is migrated
    out, _ = run("serve", "--host", "0.0.0.0", "--port", "9000")
    assert "http://0.0.0.0:9000/" in out and served[0]["port"] == 9000
    with pytest.raises(CommandError, match="--port"):
        run("serve", "--port", "70000")
    with pytest.raises(CommandError, match="--threads"):
        run("serve", "--threads", "0")


@pytest.mark.django_db
def test_serve_runs_the_in_process_scheduler_without_redis(monkeypatch: Any, settings: Any) -> None:
    started: list[float] = []
    monkeypatch.setattr(serve_command, "serve", lambda app, **kw: None)
    monkeypatch.setattr(serve_command, "scheduler_loop", lambda stop, tick: started.append(tick))
    settings.REDIS_URL = ""
    out, _ = run("serve", "--tick", "5")
    assert "in-process scheduler" in out
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # Celery beat's job then
    run("serve")
    run("serve", "--no-scheduler")
    for _ in range(100):  # the thread calls the (patched) loop at once
        if started:
            break
        threading.Event().wait(0.01)
    assert started == [5.0]


@pytest.mark.django_db
def test_scheduler_loop_survives_a_failing_round_and_stops(monkeypatch: Any) -> None:
    from goodwill.listening import sources

    stop = threading.Event()
    rounds: list[int] = []

    def round_(**_: Any) -> None:
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("platform down")
        stop.set()

    monkeypatch.setattr(sources, "run_round", round_)
    serve_command.scheduler_loop(stop, tick=0.01)
    assert len(rounds) == 2
