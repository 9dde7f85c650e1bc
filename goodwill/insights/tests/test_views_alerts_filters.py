"""The alerts list's filters: status, kind, topic and channel each survive every tab, pager and
filter link, and the tab counts count what the tab would show."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from goodwill.insights.models import Alert
from goodwill.insights.tests.test_views_alerts_list import emerging, make_alert
from goodwill.insights.views import ALERT_PAGE_SIZE

FILTERS = {"status": "", "kind": "spike", "topic": "billing", "channel": "x"}


def _page(client: Any, query: str) -> str:
    response = client.get(reverse("insights:alerts") + query)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)}


def _links(html: str, marker: str) -> dict[str, dict[str, str]]:
    """The href of each link carrying `marker` (e.g. data-status), keyed by the marker's value,
    as a dict of query parameters (an empty value kept)."""
    found = re.findall(rf'href="([^"]*)"[^>]*{marker}="([^"]*)"', html)
    return {
        value: {
            k: v[0]
            for k, v in parse_qs(
                urlsplit(html_lib.unescape(href)).query, keep_blank_values=True
            ).items()
        }
        for href, value in found
    }


def _world() -> dict[str, list[Alert]]:
    wanted = [
        make_alert(h, topic="billing", channel="x", series_key=f"billing|negative|x|{h}")
        for h in range(ALERT_PAGE_SIZE + 2)
    ]
    wanted.append(make_alert(50, topic="billing", channel="x", status=Alert.Status.RESOLVED))
    others = [
        make_alert(60, topic="billing"),  # all channels
        make_alert(61, topic="refund", channel="x"),
        emerging(62, "gate change"),
        make_alert(63, topic="billing", channel="facebook"),
    ]
    return {"wanted": wanted, "others": others}


@pytest.mark.django_db
def test_every_link_keeps_the_other_filters(signed_in: Any) -> None:
    world = _world()
    query = "?" + "&".join(f"{k}={v}" for k, v in FILTERS.items())
    first = _page(signed_in, query)
    assert _rows(first) <= {a.pk for a in world["wanted"]}
    assert len(_rows(first)) == ALERT_PAGE_SIZE
    for status, params in _links(first, "data-status").items():
        assert params == {**FILTERS, "status": status}
    for kind, params in _links(first, "data-kind").items():
        assert params == {**FILTERS, "kind": kind}
    pager = re.findall(r'href="([^"]*)"[^>]*rel="next"', first)
    assert len(pager) == 1
    params = {
        k: v[0]
        for k, v in parse_qs(
            urlsplit(html_lib.unescape(pager[0])).query, keep_blank_values=True
        ).items()
    }
    assert params == {**FILTERS, "page": "2"}
    second = _page(signed_in, "?" + html_lib.unescape(pager[0]).split("?", 1)[1])
    assert _rows(first) | _rows(second) == {a.pk for a in world["wanted"]}
    assert not _rows(first) & _rows(second)
    # The second page's tabs drop the page but keep the filters.
    for status, params in _links(second, "data-status").items():
        assert params == {**FILTERS, "status": status}


@pytest.mark.django_db
def test_tab_counts_count_what_each_tab_shows(signed_in: Any) -> None:
    world = _world()
    html = _page(signed_in, "?status=&kind=spike&topic=billing&channel=x")
    counts = dict(re.findall(r'data-status="(\w*)">[^<]*<span class="faint">([\d,]+)</span>', html))
    wanted = world["wanted"]
    assert counts == {
        "open": str(len(wanted) - 1),
        "acknowledged": "0",
        "resolved": "1",
        "": str(len(wanted)),
    }
    emerging_only = _page(signed_in, "?kind=emerging")
    assert 'data-status="open">Open <span class="faint">1</span>' in emerging_only


@pytest.mark.django_db
def test_a_filter_chip_drops_only_its_own_filter(signed_in: Any) -> None:
    world = _world()
    html = _page(signed_in, "?status=resolved&topic=billing&channel=x&page=1")
    assert "Topic: Billing ×" in html and "Channel: X / Twitter ×" in html
    clear = {k: v for v, k in re.findall(r'href="([^"]*)" data-clear="(\w+)"', html)}
    params = parse_qs(urlsplit(html_lib.unescape(clear["channel"])).query, keep_blank_values=True)
    assert params == {"status": ["resolved"], "topic": ["billing"]}
    any_channel = _page(signed_in, html_lib.unescape(clear["channel"]))
    assert _rows(any_channel) == {world["wanted"][-1].pk}  # the one resolved billing alert
    empty = _page(signed_in, "?status=acknowledged&kind=spike&topic=billing&channel=x")
    assert not _rows(empty)
    assert "No acknowledged spike alerts for topic Billing and channel X / Twitter." in empty
    assert "goodwill alerts scan</code>." not in empty  # the filters hid them: no scan hint


@pytest.mark.django_db
def test_the_scan_hint_shows_only_when_no_alert_was_ever_raised(signed_in: Any) -> None:
    assert "run it now with" in _page(signed_in, "")
    make_alert(0, status=Alert.Status.RESOLVED)
    open_empty = _page(signed_in, "")
    assert not _rows(open_empty) and "No open alerts." in open_empty
    assert "run it now with" not in open_empty
