from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from goodwill.web.tests.helpers import PASSWORD, ingest, post

PAGES = ["home", "conversations:list", "listening:messages", "customers:list"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(client: Any, name: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.django_db
def test_sign_in_then_out(client: Any, user: Any) -> None:
    page = client.get(reverse("accounts:login"))
    assert b'name="password"' in page.content
    bad = client.post(reverse("accounts:login"), {"username": "agent", "password": "nope"})
    assert bad.status_code == 200 and b"alert-error" in bad.content
    good = client.post(reverse("accounts:login"), {"username": "agent", "password": PASSWORD})
    assert good.status_code == 302 and good["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    # Logging out is a POST (a GET could be triggered by any page); afterwards pages redirect.
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def _counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">([\d,]+)<', html))


def _channel_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-channel="(\w+)".*?<strong>([\d,]+)</strong>', html, flags=re.S)
    return {ch: int(n.replace(",", "")) for ch, n in found}


@pytest.mark.django_db
def test_home_counts_and_live_partial(signed_in: Any) -> None:
    ingest([post("1", "al"), post("2", "acme", 5, reply_to="1", company=True), post("3", "bo")])
    ingest([post("r1", "cy", channel="reddit")])
    page = signed_in.get(reverse("home"))
    html = page.content.decode()
    assert _counts(html) == {"messages": "4", "customers": "3", "conversations": "3"}
    assert _channel_counts(html) == {"x": 3, "reddit": 1}
    assert 'hx-trigger="every 10s"' in html
    assert "HX-Request" in page["Vary"]

    ingest([post(f"n{i}", f"new{i}", channel="email") for i in range(5)])
    partial = signed_in.get(reverse("home"), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<section id="counts"')
    assert _counts(body) == {"messages": "9", "customers": "8", "conversations": "8"}
    assert _channel_counts(body) == {"email": 5, "x": 3, "reddit": 1}


@pytest.mark.django_db
def test_home_renders_social_text_escaped(signed_in: Any) -> None:
    ingest([post("1", "al", text="<script>alert(1)</script>")])
    html = signed_in.get(reverse("home")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_navigation_has_no_dead_links(signed_in: Any) -> None:
    ingest([post("1", "al"), post("2", "acme", 5, reply_to="1", company=True)])
    html = signed_in.get(reverse("home")).content.decode()
    links = set(re.findall(r'<a [^>]*href="(/[^"]*)"', html))
    assert {reverse(n) for n in PAGES} <= links
    for link in sorted(links):
        response = signed_in.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
