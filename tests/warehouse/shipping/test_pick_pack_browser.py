"""Picking a batch picklist and packing one of its orders on a 360-px handheld in real headless Chromium,
scanning like a keyboard-wedge scanner does (the code typed, then Enter). Screenshots of every screen go
to test-artifacts/screenshots/ (pick-*-handheld.png, pack-*-handheld.png)."""

import pytest

from hub.orders.models import Order
from tests.browser import HANDHELD, browser, browser_page, log_in, screenshot  # noqa: F401  (pytest fixtures)
from warehouse.picking import services as picking
from warehouse.picking.models import Picklist
from warehouse.selectors import stock_drift
from warehouse.shipping.models import Shipment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Test-12345"  # tests.factories.make_user's default


def wedge(page, code: str) -> None:
    """What a wedge scanner does: type the code into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def wait_for_message(page, text: str, state: str = "ok") -> None:
    page.locator(f'#sk-message[data-state="{state}"]', has_text=text).wait_for()


def scan_state(page) -> str:
    return page.evaluate("document.body.dataset.scanState")


def shot(page, name: str) -> None:
    """A screenshot once the colour flash of the last answer has faded, from the top of the page (a full-page
    shot of a scrolled page draws the sticky top bar where the screen was)."""
    page.wait_for_timeout(900)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def fits_the_screen(page) -> None:
    """Nothing runs off a 360-px screen sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]


@pytest.fixture
def handheld(request, packer):
    page = request.getfixturevalue("browser_page")  # imported above: this package's conftest does not
    log_in(page, packer.username, PASSWORD)
    page.set_viewport_size(HANDHELD)
    return page


@pytest.fixture
def batch(warehouse, floor, place, box, series_courier, keyed_courier):
    """One batch picklist: RED from A-01-01 (2 for O-1), BLUE from A-01-02 (2 for O-1), GREEN from A-01-03
    (1 each for O-2 and O-3)."""
    place("O-1", ("RED", 2), ("BLUE", 2))
    place("O-2", ("GREEN", 1))
    place("O-3", ("GREEN", 1))
    [picklist] = picking.build_picklists(warehouse, mode="batch", max_orders=10).picklists
    return picklist


def test_a_picker_picks_a_batch_with_a_refusal_and_a_short_pick_then_packs_and_prints(handheld, batch, floor):
    page, number = handheld, batch.number

    page.goto("/scan/")
    assert "Pick" in page.locator("[data-flow=pick]").inner_text()
    page.click("[data-flow=pick]")
    page.wait_for_url("**/scan/pick/")
    shot(page, "pick-get-work-handheld")

    page.click("text=Get work")
    page.wait_for_url(f"**/scan/pick/{batch.pk}/")
    wait_for_message(page, f"{number}: 3 order(s), 6 unit(s) in 3 bin(s). Go to bin A-01-01 and scan it.")
    assert page.locator("#sk-prompt").inner_text() == "Scan bin A-01-01"
    fits_the_screen(page)
    shot(page, "pick-go-to-bin-handheld")

    wedge(page, "A-01-01")
    wait_for_message(page, "Bin A-01-01: pick 2 x RED.")
    assert page.locator("input[name=quantity]").count() == 0  # RED is scanned unit by unit
    shot(page, "pick-at-bin-handheld")

    wedge(page, floor.barcode["GREEN"])
    wait_for_message(page, "Wrong item: GREEN is not picked from bin A-01-01 but from A-01-03.", state="error")
    assert scan_state(page) == "error"
    assert page.evaluate("document.activeElement.id") == "sk-code"
    screenshot(page, "pick-wrong-item-flash-handheld")
    shot(page, "pick-wrong-item-handheld")

    wedge(page, floor.barcode["RED"])
    wedge(page, floor.barcode["RED"])
    wait_for_message(page, "Picked 1 x RED. Bin A-01-01 done.")
    assert scan_state(page) == "ok"
    wedge(page, "A-01-02")
    wait_for_message(page, "Bin A-01-02: pick 2 x BLUE.")
    page.fill("input[name=quantity]", "2")  # BLUE may be keyed: one scan for both
    page.press("input[name=quantity]", "Enter")  # back to the scan field, sending nothing
    shot(page, "pick-keyed-quantity-handheld")
    wedge(page, floor.barcode["BLUE"])
    wait_for_message(page, "Picked 2 x BLUE. Bin A-01-02 done.")

    wedge(page, "A-01-03")
    wait_for_message(page, "Bin A-01-03: pick 2 x GREEN.")
    page.click("text=Short pick")
    wait_for_message(page, "Short pick in bin A-01-03: how many are missing?")
    assert page.locator("#sk-scan").is_hidden()
    page.fill("input[name=missing]", "1")
    page.click("label:has-text('Not in the bin')")
    shot(page, "pick-short-handheld")
    page.click("text=Confirm: GREEN short")
    wait_for_message(page, "Short 1 x GREEN in bin A-01-03, recorded. Order O-3 left the picklist")
    assert page.locator("#sk-prompt").inner_text() == "Scan each unit"
    shot(page, "pick-after-short-handheld")

    wedge(page, floor.barcode["GREEN"])
    wait_for_message(page, "Picked 1 x GREEN. Bin A-01-03 done.")
    assert page.locator("#sk-scan").is_hidden()
    shot(page, "pick-finish-handheld")
    page.click(f"button:has-text('Finish {number}')")
    page.wait_for_url("**/scan/")
    wait_for_message(page, f"Picklist {number} picked: take the tote to packing (PACKING). 2 order(s) ready to pack.")
    assert Picklist.objects.get(pk=batch.pk).status == "picked"
    assert Order.objects.get(channel_order_id="O-3").status == "allocated"  # on the next picklist, from the 8 left
    shot(page, "pick-done-menu-handheld")

    # Packing ------------------------------------------------------------------------------------------------

    page.click("[data-flow=pack]")
    page.wait_for_url("**/scan/pack/")
    assert page.locator("[data-list=waiting] li").count() == 2
    shot(page, "pack-start-handheld")

    wedge(page, number)
    wait_for_message(page, f"Picklist {number} has 2 orders to pack")
    assert page.locator("#sk-prompt").inner_text() == "Scan a unit to find its order, or the order"
    shot(page, "pack-choose-order-handheld")

    wedge(page, floor.barcode["RED"])
    page.wait_for_url("**/scan/pack/*/")
    wait_for_message(page, "RED is for order O-1: box opened. 1 x RED in the box. 3 unit(s) to go.")
    fits_the_screen(page)
    shot(page, "pack-box-handheld")

    wedge(page, floor.barcode["GREEN"])
    wait_for_message(page, "Not in this order: GREEN (Green T-shirt) is not on order O-1.", state="error")
    assert scan_state(page) == "error"
    shot(page, "pack-wrong-item-handheld")

    for code in ("RED", "BLUE", "BLUE"):
        wedge(page, floor.barcode[code])
    wait_for_message(page, "1 x BLUE in the box. All units in.")
    assert page.locator("#sk-prompt").inner_text() == "Scan a box code, or tap one"
    shot(page, "pack-all-in-handheld")

    page.click("button[name=choose_box][value=B2]")
    wait_for_message(page, "Box B2. Key the weight and choose the courier, then Finish.")
    page.fill("input[name=weight_grams]", "640")
    page.click("button[name=choose_courier]:has-text('Blue Dart')")
    wait_for_message(page, "Box B2, Blue Dart. Scan the Blue Dart AWB, then Finish.")
    assert page.locator("input[name=weight_grams]").input_value() == "640"  # kept across the step
    wedge(page, "BD-40077001")  # the AWB label, scanned into the scan field
    wait_for_message(page, "Blue Dart AWB BD-40077001. Tap Finish.")
    assert page.locator("input[name=awb]").input_value() == "BD-40077001"
    fits_the_screen(page)
    shot(page, "pack-finish-handheld")

    page.click("text=Finish and print")
    wait_for_message(page, "Packed order O-1: Blue Dart AWB BD-40077001, invoice INV/")
    shipment = Shipment.objects.get(order__channel_order_id="O-1")
    assert (shipment.status, shipment.box.code, shipment.weight_grams) == ("packed", "B2", 640)
    assert Order.objects.get(channel_order_id="O-1").status == "packed"
    shot(page, "pack-print-handheld")

    for name in ("invoice", "label"):
        link = page.locator(f"a[data-document={name}]")
        assert link.get_attribute("target") == "_blank"
        pdf = page.request.get(link.get_attribute("href"))  # the page's own session
        assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
        assert pdf.body()[:5] == b"%PDF-"

    page.click("text=Next order")
    page.wait_for_url("**/scan/pack/")
    assert page.locator("[data-list=waiting]").inner_text().startswith("O-2")
    shot(page, "pack-next-order-handheld")

    page.goto("/scan/pick/")
    page.click("text=Get work")  # O-3 waits to be put on a new picklist: no work yet
    wait_for_message(page, "No picklists waiting in PNQ1.")
    assert page.locator("[data-state=no-work]").is_visible()
    shot(page, "pick-no-work-handheld")
    assert stock_drift() == []
