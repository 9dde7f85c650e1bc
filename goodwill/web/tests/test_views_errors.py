"""Error pages and the shell's navigation: what a person sees when a link is wrong or not theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from goodwill.web.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_not_found_keeps_the_app_shell_and_shows_the_path_as_text(signed_in: Any) -> None:
    response = signed_in.get("/no-such-page/<script>alert(1)</script>/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found · Goodwill</title>" in html
    assert 'aria-label="Main"' in html  # the navigation is still there
    assert 'data-status="404"' in html
    assert "<script>alert(1)</script>" not in html  # Django quotes the path; it is escaped too
    assert "/no-such-page/%3Cscript%3Ealert%281%29%3C/script%3E/" in html
    assert f'href="{reverse("customers:list")}"' in html


def test_a_missing_record_is_the_same_page(signed_in: Any) -> None:
    response = signed_in.get(reverse("customers:detail", args=[987654]))
    assert response.status_code == 404
    assert 'data-status="404"' in response.content.decode()


def test_not_found_before_signing_in_uses_the_sign_in_layout(client: Any) -> None:
    html = client.get("/no-such-page/").content.decode()
    assert 'data-status="404"' in html and 'class="auth"' in html
    assert 'aria-label="Main"' not in html  # no app navigation for a stranger


def test_forbidden_says_why_and_who_is_signed_in(signed_in: Any) -> None:
    response = signed_in.get(reverse("sources:add"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Not allowed · Goodwill</title>" in html
    assert "You may not add, change, run or delete sources" in html
    assert "&#x27;sources.manage&#x27; capability, held by administrator." in html
    assert "signed in as <strong>agent</strong>" in html
    assert 'aria-label="Main"' in html


def test_server_error_page_renders_without_a_request() -> None:
    html = render_to_string("500.html")
    assert "<title>Something went wrong · Goodwill</title>" in html and 'data-status="500"' in html


@pytest.mark.parametrize(
    ("staff", "superuser", "shown"),
    [(False, False, False), (True, False, False), (True, True, True)],
)
def test_admin_link_only_for_those_who_can_use_the_admin_site(
    client: Any, staff: bool, superuser: bool, shown: bool
) -> None:
    # Every role is a staff login, but only administrators (superusers) can do anything on
    # the admin site; the others got a link to an empty "no permission" page.
    user = make_user("someone")
    user.is_staff, user.is_superuser = staff, superuser
    user.save()
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("admin:index")}"' in html) is shown


def test_an_expired_form_says_so_instead_of_django_s_csrf_page() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Form expired · Goodwill</title>" in html and "Nothing was saved" in html
    assert "CSRF verification failed" not in html
