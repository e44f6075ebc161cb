"""Receiving and putaway on a 360-px handheld in real headless Chromium, scanning like a keyboard-wedge
scanner does (the code typed, then Enter)."""

import pytest

from tests.browser import HANDHELD, log_in, screenshot
from tests.warehouse.inbound.conftest import MUG_EAN, PASSWORD, SOCKS_EAN, TSHIRT_EAN
from warehouse import stock
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder
from warehouse.models import StockLevel
from warehouse.selectors import stock_drift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wedge(page, code: str) -> None:
    """What a wedge scanner does: type the code into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def message(page) -> str:
    return page.locator("#sk-message").inner_text()


def wait_for_message(page, text: str, state: str = "ok") -> None:
    page.locator(f'#sk-message[data-state="{state}"]', has_text=text).wait_for()


def shot(page, name: str) -> None:
    """A screenshot once the colour flash of the last answer has faded."""
    page.wait_for_timeout(1000)
    screenshot(page, name)


def focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def on_hand(sku, bin_) -> int:
    level = StockLevel.objects.filter(sku=sku, bin=bin_).first()
    return level.on_hand if level else 0


@pytest.fixture
def handheld(browser_page, users):
    page = browser_page
    log_in(page, "acme.picker", PASSWORD)
    page.set_viewport_size(HANDHELD)
    return page


def test_a_picker_receives_a_po_refuses_a_wrong_item_completes_and_puts_away(
    handheld, po, items, dock, cage, bin_a, bin_b
):
    page, tshirt, mug = handheld, items["tshirt"], items["mug"]
    stock.receive(tshirt, bin_a, 2, key="already on the shelf")

    page.goto("/scan/")
    assert page.locator(".sk-menu-item").all_inner_texts()[:2] == [
        "Receive\nCount a delivery in against its PO", "Put away\nMove received units onto the shelves",
    ]  # fmt: skip
    screenshot(page, "scan-menu-handheld")

    page.click("text=Receive")
    page.wait_for_url("**/scan/receive/")
    assert focused(page) == "sk-code"
    assert page.locator("#sk-code").get_attribute("inputmode") == "none"
    assert page.locator("#sk-camera").is_hidden() == (not page.evaluate("'BarcodeDetector' in window"))
    screenshot(page, "receive-choose-po-handheld")

    wedge(page, po.number)
    page.wait_for_url("**/scan/receive/*/")
    assert page.url.endswith(f"/scan/receive/{GoodsReceipt.objects.get().pk}/")
    assert "GRN-000001: PO-000001, into DOCK-1" in message(page)
    assert focused(page) == "sk-code"

    for _ in range(3):  # three units scanned quickly: they queue and each counts once
        wedge(page, TSHIRT_EAN)
    wait_for_message(page, "TSHIRT-RED-M +1 · 3 of 10")
    for n in range(1, 4):
        wedge(page, MUG_EAN)
        wait_for_message(page, f"MUG-WHITE +1 · {n} of 4")
    assert page.evaluate("document.body.dataset.scanState") == "ok"
    shot(page, "receive-scanning-handheld")

    wedge(page, SOCKS_EAN)
    wait_for_message(page, "SOCKS-PACK (Ankle socks) is not on PO-000001", state="error")
    assert page.evaluate("document.body.dataset.scanState") == "error"
    assert page.locator("#sk-code").input_value() == ""
    assert focused(page) == "sk-code"
    screenshot(page, "receive-wrong-item-flash-handheld")  # the red flash
    shot(page, "receive-wrong-item-handheld")

    page.click("label.sk-toggle")
    assert page.locator("#sk-damaged").is_checked()
    assert focused(page) == "sk-code"  # the toggle does not keep the focus from the scanner
    wedge(page, MUG_EAN)
    wait_for_message(page, "MUG-WHITE: 1 damaged → DMG-1")
    assert not page.locator("#sk-damaged").is_checked()  # one damaged unit per toggle

    page.click("text=Complete receipt")
    wait_for_message(page, "Complete GRN-000001? 6 good, 1 damaged.")
    assert page.locator("#sk-scan").is_hidden()
    assert "7 short" in page.locator("[data-list=lines]").inner_text()
    shot(page, "receive-confirm-handheld")

    page.click("text=Yes, complete GRN-000001")
    wait_for_message(page, "GRN-000001 completed: 6 good, 1 damaged; MUG-WHITE 1 short; TSHIRT-RED-M 7 short")
    assert PurchaseOrder.objects.get().status == "partially_received"
    shot(page, "receive-completed-handheld")

    page.click("text=Put away now")
    page.wait_for_url("**/scan/putaway/")
    assert page.locator("[data-list=waiting] li").count() == 2
    screenshot(page, "putaway-waiting-handheld")

    wedge(page, "DOCK-1")
    wait_for_message(page, "DOCK-1: 2 items. Scan the one to put away.")
    wedge(page, TSHIRT_EAN)
    wait_for_message(page, "Put TSHIRT-RED-M in A-01-01")
    assert " ".join(page.locator("[data-suggested]").inner_text().split()) == "PUT IT IN A-01-01 Holds 2 of TSHIRT-RED-M already"
    assert page.locator("#sk-prompt").inner_text() == "Scan A-01-01, or another storage bin"
    assert page.locator("input[name=quantity]").input_value() == "3"
    shot(page, "putaway-suggested-handheld")

    wedge(page, "A-01-01")
    wait_for_message(page, "3 x TSHIRT-RED-M put away in A-01-01")
    assert page.locator("#sk-prompt").inner_text() == "Scan an item in DOCK-1"
    wedge(page, MUG_EAN)
    wait_for_message(page, "Put MUG-WHITE in A-01-02")
    wedge(page, "A-01-02")
    wait_for_message(page, "3 x MUG-WHITE put away in A-01-02")
    shot(page, "putaway-done-handheld")

    assert (on_hand(tshirt, bin_a), on_hand(mug, bin_b), on_hand(mug, cage)) == (5, 3, 1)
    assert on_hand(tshirt, dock) == on_hand(mug, dock) == 0
    assert stock_drift() == []


def test_a_scan_lost_on_the_network_is_sent_again_with_the_same_key_and_counts_once(handheld, po, items, dock):
    page = handheld
    page.goto("/scan/receive/")
    wedge(page, po.number)
    page.wait_for_url("**/scan/receive/*/")

    keys = []

    def flaky(route, request):
        if request.method != "POST":
            route.continue_()
            return
        keys.append(request.headers["idempotency-key"])
        if len(keys) == 1:
            route.abort("connectionreset")  # the first copy never reaches the hub
        else:
            route.continue_()

    page.route("**/scan/receive/*/", flaky)
    wedge(page, TSHIRT_EAN)
    wait_for_message(page, "TSHIRT-RED-M +1 · 1 of 10")
    wedge(page, TSHIRT_EAN)
    wait_for_message(page, "TSHIRT-RED-M +1 · 2 of 10")

    assert len(keys) == 3
    assert keys[0] == keys[1] != keys[2]  # the retry carried the first key; the next scan a new one
    assert on_hand(items["tshirt"], dock) == 2
    shot(page, "receive-after-retry-handheld")


def test_the_keyboard_button_lets_the_picker_type_a_code(handheld, po):
    page = handheld
    page.goto("/scan/receive/")
    page.click("#sk-keyboard")

    assert page.locator("#sk-code").get_attribute("inputmode") == "text"
    assert page.locator("#sk-keyboard").get_attribute("aria-pressed") == "true"
    assert focused(page) == "sk-code"
    page.fill("#sk-code", "PO-404")
    page.click("#sk-send")
    wait_for_message(page, "No purchase order PO-404", state="error")
