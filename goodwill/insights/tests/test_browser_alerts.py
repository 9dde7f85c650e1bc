"""Browser test of the alerts list: compact rows that fit the screen, paging, the kind filter,
and a row leading to its detail page with the chart. Chromium via Playwright, as in
goodwill/web/tests/test_browser.py (whose fixtures these are)."""

from __future__ import annotations

from typing import Any

from goodwill.insights.models import Alert
from goodwill.insights.tests.test_views_alerts_list import emerging, make_alert
from goodwill.insights.views import ALERT_PAGE_SIZE
from goodwill.web.tests.helpers import make_user
from goodwill.web.tests.test_browser import CHROMIUM, browser, page, pytestmark, shot, sign_in

__all__ = ["CHROMIUM", "browser", "page", "pytestmark"]  # the fixtures and marks, re-used


def test_alerts_list_is_compact_paged_and_filtered(live_server: Any, page: Any) -> None:
    make_user()
    for hour in range(ALERT_PAGE_SIZE + 3):
        make_alert(hour, topic="customer_service" if hour % 2 else "app_website")
    phrase = emerging(100, "gate change", score=9.0, observed=14)
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/alerts/")
    rows = page.locator("#alert-list tbody tr")
    assert rows.count() == ALERT_PAGE_SIZE
    # One row per alert: the page stays a few screens tall and no wider than the window.
    assert page.evaluate("document.documentElement.scrollHeight") < 4 * 900
    assert page.evaluate("document.documentElement.scrollWidth") <= 1360
    assert page.locator("#alert-list svg.sparkline").first.is_visible()
    assert "Customer service" in page.locator("#alert-list").inner_text()
    shot(page, "alerts")
    page.click("a[rel=next]")
    page.wait_for_url("**/alerts/?**page=2")
    assert rows.count() == Alert.objects.count() - ALERT_PAGE_SIZE
    page.click("[data-kind=emerging]")
    page.wait_for_url("**kind=emerging**")
    assert rows.count() == 1 and rows.first.get_attribute("data-alert") == str(phrase.pk)
    assert "1 in 1,000,000,000 by chance" in rows.first.inner_text()
    page.click("#alert-list a[data-phrase='gate change']")
    page.wait_for_url(f"**/alerts/{phrase.pk}/")
    assert page.locator(f"canvas#alert-chart-{phrase.pk}").count() == 1
    shot(page, "alert-emerging")
