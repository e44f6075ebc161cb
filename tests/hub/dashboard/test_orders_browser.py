"""The orders and channels pages in a real browser: find an order that needs attention, cancel it with a
reason, and read the channel offers; on a phone the orders list scrolls inside its table, not the page."""

import pytest

from tests.browser import log_in, screenshot
from tests.hub.dashboard.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_operations_cancel_an_order_that_needs_attention(browser_page, users, orders):
    page = browser_page
    log_in(page, "acme.operations", PASSWORD)

    page.click("nav >> text=Orders")
    assert page.locator("table tbody tr").count() == 4
    assert "overdue" in page.locator('tr[data-order="AMZ-1004"]').inner_text()
    screenshot(page, "orders-desktop")

    page.click(".tabs >> text=Needs attention")
    assert page.locator(".tabs a.active").inner_text().split() == ["Needs", "attention", "1"]
    assert page.locator("table tbody tr").count() == 1
    screenshot(page, "orders-attention")

    page.click("text=AMZ-1002")
    assert page.locator("h1").inner_text().startswith("AMZ-1002")
    assert page.locator("#order-status").inner_text() == "New"
    assert "unmapped" in page.locator("table").inner_text()
    screenshot(page, "orders-detail")

    page.fill("#cancel-reason", "buyer asked to cancel")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button:has-text('Cancel order')")

    assert page.locator("#order-status").inner_text() == "Cancelled"
    assert page.locator(".alert-success").inner_text() == "Order AMZ-1002 cancelled."
    last = page.locator(".timeline-item").last
    assert "Cancelled. buyer asked to cancel" in last.inner_text()
    assert "by acme.operations" in last.inner_text()
    assert page.locator("#cancel-reason").count() == 0  # nothing left to do to a cancelled order
    screenshot(page, "orders-cancelled")


def test_dismissing_the_confirmation_keeps_the_order(browser_page, users, orders):
    page = browser_page
    log_in(page, "acme.operations", PASSWORD)
    page.goto(f"/orders/{orders['AMZ-1001'].pk}/")

    page.fill("#cancel-reason", "changed my mind")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Cancel order')")

    assert page.locator("#order-status").inner_text() == "Allocated"
    assert page.locator(".alert").count() == 0


def test_the_orders_list_fits_a_phone(browser_page, users, orders):
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "acme.operations", PASSWORD)

    page.goto("/orders/")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls inside its box
    screenshot(page, "orders-phone")

    page.goto(f"/orders/{orders['AMZ-1001'].pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "orders-detail-phone")


def test_channels_show_accounts_and_offers(browser_page, users, orders, amazon):
    page = browser_page
    log_in(page, "acme.finance", PASSWORD)

    page.click("nav >> text=Channels")
    row = page.locator('tr[data-account="Acme Amazon"]')
    assert "buffer 2 · 50% · cap 10 · zero below 3" in row.inner_text()
    screenshot(page, "channels-desktop")

    page.click("text=Acme Amazon")
    listing = page.locator('tr[data-listing="AMZ-TSHIRT"]')
    assert "11 available; 50% of 11: 5; buffer of 2 held back: 3" in listing.inner_text()
    assert "to push" in listing.inner_text()
    screenshot(page, "channels-detail")

    page.goto("/orders/")
    assert page.locator("text=Cancel order").count() == 0
    page.goto("/")
    assert page.locator('[data-figure="orders_attention"]').inner_text() == "1"
    screenshot(page, "orders-home-tiles")
