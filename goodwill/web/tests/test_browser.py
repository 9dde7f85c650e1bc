"""Browser tests: Playwright's sync API driving Debian's Chromium against the live server.

Screenshots land in GOODWILL_HOME/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from goodwill.web.tests.helpers import HOSTILE, PASSWORD, buy, ingest, make_user, post

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
# one unless told it is safe (it is: the loop is Playwright's, not ours).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            headless=True,
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def shot(page: Any, name: str) -> None:
    folder = Path(settings.GOODWILL_HOME) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str) -> None:
    page.goto(base + "/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def a_small_world() -> None:
    texts = [
        ("x", "maria_g", "@AcmeHelp my order #4411 still hasn't shipped 😤 it's been 9 days", 14),
        ("x", "acmehelp", "So sorry Maria! Could you DM us your order email? ^Sam", 2),
        ("reddit", "throwaway_88", "Does anyone know if the Acme blender works with 110V?", 31),
        ("facebook", "Tom Becker", "Best customer service I've had all year, thanks Priya!", 58),
        ("instagram", "lena.bakes", "The new colours are gorgeous 😍 when is the teal back?", 120),
        ("review", "J. Ortega", "Arrived broken. Second time. Cancelling my subscription.", 3),
        ("email", "li.wei", "Hi, can I change the delivery address for my last order?", 0),
        ("x", "mallory", HOSTILE, 1),
    ]
    items = []
    for i, (channel, author, text, likes) in enumerate(texts):
        company = author == "acmehelp"
        reply = "w0" if company else ""
        items.append(
            post(
                f"w{i}",
                author,
                i * 37,
                channel=channel,
                text=text,
                likes=likes,
                company=company,
                reply_to=reply,
                followers=1200 + 37 * i,
            )
        )
    ingest(items)
    buy("SHOP-1", "49.90", "120.00", "15.25")


def test_sign_in_and_home_counts_go_live(live_server: Any, page: Any) -> None:
    make_user()
    a_small_world()
    page.goto(live_server.url + "/")
    page.wait_for_url("**/accounts/login/**")
    shot(page, "login")
    sign_in(page, live_server.url)
    assert page.locator('[data-count="messages"]').inner_text() == "8"
    assert page.locator('[data-count="conversations"]').inner_text() == "7"
    shot(page, "home")
    ingest([post(f"n{i}", f"newbie{i}", 500 + i, channel="bluesky") for i in range(4)])
    # What the 10-second poll does, without waiting for it: htmx swaps in the counts partial.
    page.evaluate("htmx.trigger('#counts', 'every 10s')")
    page.wait_for_function("document.querySelector('[data-count=\"messages\"]').innerText === '12'")
    assert page.locator('[data-channel="bluesky"]').count() == 1


def test_messages_page_shows_script_as_text(live_server: Any, page: Any) -> None:
    make_user()
    a_small_world()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server.url)
    page.click("nav >> text=Messages")
    page.wait_for_url("**/messages/")
    assert page.get_by_text(HOSTILE, exact=True).count() == 1
    assert page.locator("#messages img").count() == 0
    shot(page, "messages")
    page.fill("input[name=q]", "order")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**/messages/?**")
    assert page.locator("#messages tbody tr").count() == 3
    page.goto(live_server.url + "/inbox/")
    shot(page, "inbox")
    page.locator("#conversations a:has-text('Open')").last.click()
    page.wait_for_url("**/inbox/*/")
    assert page.locator("#first-response").inner_text() == "37 min"
    shot(page, "conversation")
    assert dialogs == []


def test_customer_page(live_server: Any, page: Any) -> None:
    make_user()
    a_small_world()
    sign_in(page, live_server.url)
    page.click("nav >> text=Customers")
    page.fill("input[name=q]", "maria")
    page.click("button:has-text('Search')")
    page.locator("#customers a").first.click()
    page.wait_for_url("**/customers/*/")
    assert "@maria_g" in page.locator("#identities").inner_text()
    assert "hasn't shipped" in page.locator("#customer-messages").inner_text()
    shot(page, "customer")
    page.goto(live_server.url + "/customers/")
    shot(page, "customers")


def test_customer_side_column_fits_and_rtl_posts_read_right_to_left(
    live_server: Any, page: Any
) -> None:
    from goodwill.listening.models import Message

    make_user()
    a_small_world()
    ingest(
        [
            post(
                "rtl1",
                "averyveryveryverylonghandlewithnobreaksatallanywhere",
                900,
                text="مرحبا، طلبي رقم 4411 لم يصل بعد!",
                followers=123456789,
            )
        ]
    )
    message = Message.objects.select_related("author").get(external_id="rtl1")
    assert message.author is not None
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/customers/{message.author.customer_id}/")
    # The identities table used to be wider than its card: the followers column was cut off.
    overflow = page.evaluate(
        "(() => { const t = document.getElementById('identities');"
        " const card = t.closest('.card'); return t.scrollWidth - card.clientWidth; })()"
    )
    assert overflow <= 0
    assert page.locator("#identities").get_by_text("123,456,789").is_visible()
    direction = page.evaluate(
        "getComputedStyle(document.querySelector('#customer-messages .msg-text')).unicodeBidi"
    )
    assert direction == "plaintext"  # each paragraph takes the direction of its own text
    shot(page, "customer-rtl")
    page.goto(f"{live_server.url}/customers/999999/")
    assert page.title() == "Page not found · Goodwill"
    assert page.locator("nav[aria-label=Main]").is_visible()
    shot(page, "not-found")


@pytest.mark.parametrize("width", [390, 800])
def test_pages_fit_narrow_screens(live_server: Any, browser: Any, width: int) -> None:
    # At tablet width the customer page was 945 px wide (a grid column sized to its longest
    # line); on a phone the sidebar left the page 160 px. Tables may scroll inside their card.
    make_user()
    a_small_world()
    ingest([post("wide", "maria.gonzalez.longaddress@example.org", 999, channel="email")])
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        sign_in(tab, live_server.url)
        for path in ("/inbox/", "/messages/", "/customers/"):
            tab.goto(live_server.url + path)
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, path
        tab.locator("#customers a").first.click()
        tab.wait_for_url("**/customers/*/")
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        assert tab.locator("nav[aria-label=Main] >> text=Inbox").is_visible()
        shot(tab, f"customer-{width}px")
    finally:
        context.close()
