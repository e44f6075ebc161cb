"""Hand over, returns and a cycle count on a 360-px handheld in real headless Chromium, scanning as a
keyboard-wedge scanner does (the code typed, then Enter)."""

import re

import pytest

from hub.orders.models import Order
from tests import factories
from tests.browser import HANDHELD, browser, browser_page, log_in, screenshot  # noqa: F401  (pytest fixtures)
from tests.warehouse.shipping.test_dock_pages import packed  # noqa: F401  (a pytest fixture)
from warehouse.counts import actions as counts
from warehouse.counts.models import CycleCount
from warehouse.models import Bin, StockLevel
from warehouse.returns.models import Return, ReturnLine
from warehouse.selectors import stock_drift
from warehouse.shipping.models import Manifest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Test-12345"
A_RETURN, A_MANIFEST = re.compile(r"/scan/returns/\d+/$"), re.compile(r"/scan/dock/\d+/$")


def wedge(page, code: str) -> None:
    """What a wedge scanner does: type the code into the focused field and press Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def wait_for_message(page, text: str, state: str = "ok") -> None:
    page.locator(f'#sk-message[data-state="{state}"]', has_text=text).wait_for()


def scan_state(page) -> str:
    return page.evaluate("document.body.dataset.scanState")


def shot(page, name: str) -> None:
    """A screenshot once the colour flash of the last answer has faded."""
    page.wait_for_timeout(900)
    screenshot(page, name)


def fits(page) -> None:
    """Nothing sticks out sideways on the 360-px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]


def status_of(channel_order_id: str) -> str:
    return Order.objects.get(channel_order_id=channel_order_id).status


def on_hand(sku, code: str) -> int:
    level = StockLevel.objects.filter(sku=sku, bin__code=code).first()
    return level.on_hand if level else 0


@pytest.fixture
def handheld(browser_page, tenant):  # noqa: F811
    factories.make_user(tenant, "picker", username="acme.picker", password=PASSWORD)
    page = browser_page
    log_in(page, "acme.picker", PASSWORD)
    page.set_viewport_size(HANDHELD)
    return page


def test_a_picker_hands_over_a_manifest_receives_two_returns_and_counts_a_bin(
    handheld, packed, floor, warehouse, keyed_courier, operations_user  # noqa: F811
):
    page = handheld
    one, two, three = packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}), ("O-3", {"RED": 1}))
    red, green = floor.skus["RED"], floor.skus["GREEN"]

    # Hand over ------------------------------------------------------------------------------------------
    page.goto("/scan/")
    page.click("text=Hand over")
    page.wait_for_url("**/scan/dock/")
    assert "3 packed, waiting" in page.locator("[data-courier=DLV]").inner_text()
    fits(page)
    screenshot(page, "dock-couriers-handheld")

    page.click("[data-courier=DLV]")
    page.wait_for_url(A_MANIFEST)
    manifest = Manifest.objects.get()
    wait_for_message(page, f"{manifest.number}: 3 Delhivery parcel(s). Scan each AWB as the agent takes it.")
    assert page.locator("[data-list=unscanned] li").count() == 3
    assert page.evaluate("document.activeElement.id") == "sk-code"
    fits(page)
    screenshot(page, "dock-manifest-handheld")

    wedge(page, one.awb)
    wait_for_message(page, f"AWB {one.awb} handed over; 2 to go.")
    wedge(page, "DL99999999")
    wait_for_message(page, "Unknown AWB DL99999999: no packed parcel has it. Keep the parcel back.", state="error")
    assert scan_state(page) == "error"
    assert page.locator("[data-total=left]").inner_text() == "2"
    shot(page, "dock-wrong-awb-handheld")

    page.fill("input[name=agent_name]", "Ravi Kumar")
    page.locator("input[name=agent_name]").press("Enter")  # back to the scan field
    assert page.evaluate("document.activeElement.id") == "sk-code"
    wedge(page, two.awb)
    wait_for_message(page, f"AWB {two.awb} handed over; 1 to go.")
    wedge(page, three.awb)
    wait_for_message(page, f"All 3 parcel(s) handed to Delhivery: manifest {manifest.number} is done.")
    assert scan_state(page) == "ok"
    assert page.locator("#sk-scan").is_hidden()
    assert page.locator("a[data-print]").get_attribute("href") == f"/api/v1/manifests/{manifest.pk}/manifest.pdf"
    assert "3 parcel(s) handed to Delhivery (Ravi Kumar)" in page.locator("#sk-screen").inner_text()
    assert [status_of(code) for code in ("O-1", "O-2", "O-3")] == ["shipped"] * 3
    fits(page)
    shot(page, "dock-done-handheld")

    # A customer return, graded good and put away ---------------------------------------------------------------
    page.goto("/scan/returns/")
    fits(page)
    screenshot(page, "returns-choose-handheld")
    page.click("[data-kind=customer]")
    page.wait_for_url("**/scan/returns/customer/")
    wedge(page, "O-1")
    page.wait_for_url(A_RETURN)
    wait_for_message(page, "order O-1, 1 unit(s) may come back. Scan each unit.")
    screenshot(page, "returns-customer-handheld")
    wedge(page, floor.barcode["RED"])
    wait_for_message(page, "1 x RED graded good: into bin RETURNS.")
    page.click("text=Complete return")
    wait_for_message(page, "Complete the return? 1 good, 0 damaged.")
    page.click("text=Yes, complete the return")
    wait_for_message(page, "Now put the good units away: scan the storage bin.")
    assert page.locator("#sk-prompt").inner_text() == "Scan the storage bin"
    shot(page, "returns-putaway-handheld")
    wedge(page, "A-01-01")
    wait_for_message(page, "Bin A-01-01: scan each unit you put in it.")
    wedge(page, floor.barcode["RED"])
    wait_for_message(page, "1 x RED put away in bin A-01-01. Every good unit is put away.")
    assert status_of("O-1") == "returned"
    fits(page)
    shot(page, "returns-customer-done-handheld")

    # An RTO, graded damaged -------------------------------------------------------------------------------------
    page.click("text=Next RTO")
    page.wait_for_url("**/scan/returns/rto/")
    wedge(page, two.awb)  # the AWB on the parcel names the order
    page.wait_for_url(A_RETURN)
    wait_for_message(page, "order O-2, 1 unit(s) may come back. Scan each unit.")
    page.click("label.sk-toggle")
    assert page.locator("#sk-damaged").is_checked()
    assert page.evaluate("document.activeElement.id") == "sk-code"
    screenshot(page, "returns-rto-damaged-toggle-handheld")
    wedge(page, floor.barcode["GREEN"])
    wait_for_message(page, "1 x GREEN graded damaged: into bin DAMAGED.")
    assert not page.locator("#sk-damaged").is_checked()
    page.click("text=Complete return")
    page.click("text=Yes, complete the return")
    wait_for_message(page, "complete: 0 good, 1 damaged.")
    assert page.locator("#sk-scan").is_hidden()
    shot(page, "returns-rto-done-handheld")
    assert list(ReturnLine.objects.order_by("pk").values_list("order_return__kind", "grade")) == [
        ("customer", "good"), ("rto", "damaged"),
    ]  # fmt: skip
    assert on_hand(green, "DAMAGED") == 1 and Return.objects.filter(status="completed").count() == 2

    # A cycle count with a difference ---------------------------------------------------------------------------
    shelf = Bin.objects.get(code="A-01-01")
    assert on_hand(red, "A-01-01") == 9  # ten, two picked, one returned
    count = counts.open_count(warehouse, bins=[shelf], actor=operations_user)
    page.goto("/scan/")
    page.click("text=Cycle count")
    page.wait_for_url("**/scan/count/")
    screenshot(page, "count-open-counts-handheld")
    wedge(page, "A-01-01")
    page.wait_for_url(f"**/scan/count/{count.pk}/?bin={shelf.pk}")
    assert page.locator("#sk-prompt").inner_text() == "Scan each unit in A-01-01, or the next bin"
    for n in range(1, 4):
        wedge(page, floor.barcode["RED"])
        wait_for_message(page, f"RED +1 · {n} counted in A-01-01.")
    assert "9" not in page.locator("#sk-screen").inner_text()  # blind: what the stock says is not shown
    page.fill("input[name=total]", "8")
    page.locator("input[name=total]").press("Enter")
    wedge(page, floor.barcode["RED"])
    wait_for_message(page, "RED set to 8 counted in A-01-01.")
    fits(page)
    shot(page, "count-counting-handheld")
    page.click("text=Finish the count")
    wait_for_message(page, "1 difference(s) posted.")
    assert "-1" in page.locator("[data-list=posted]").inner_text()
    fits(page)
    shot(page, "count-done-handheld")

    assert CycleCount.objects.get().status == "completed" and on_hand(red, "A-01-01") == 8
    assert stock_drift() == []


def test_exceptions_are_flows_a_short_handover_and_a_count_a_supervisor_approves(
    handheld, packed, floor, operations_user  # noqa: F811
):
    page = handheld
    one = packed(("O-1", {"RED": 1}), ("O-2", {"GREEN": 1}))[0]

    # A parcel is missing at the dock: hand over without it, after a question ---------------------------------
    page.goto("/scan/dock/")
    page.click("[data-courier=DLV]")
    page.wait_for_url(A_MANIFEST)
    wedge(page, one.awb)
    wait_for_message(page, f"AWB {one.awb} handed over; 1 to go.")
    page.click("text=Hand over without the 1 unscanned")
    wait_for_message(page, "Hand over 1 parcel(s) to Delhivery? The 1 unscanned go back to packed")
    assert page.locator("#sk-scan").is_hidden()
    fits(page)
    shot(page, "dock-short-confirm-handheld")
    page.click("text=Yes, hand over 1 without them")
    wait_for_message(page, "1 parcel(s) shipped; 1 unscanned parcel(s) back to packed.")
    assert (status_of("O-1"), status_of("O-2")) == ("shipped", "packed")

    # A supervisor opens a count by scanning bins; the picker counts blind; the supervisor approves ----------
    log_in(page, "acme.ops", PASSWORD)
    page.goto("/scan/count/")
    page.click("text=New count: scan the bins")
    page.wait_for_url("**/scan/count/new/")
    wedge(page, "A-01-01")
    wait_for_message(page, "Bin A-01-01 added: 1 bin(s).")
    wedge(page, "A-01-02")
    wait_for_message(page, "Bin A-01-02 added: 2 bin(s).")
    fits(page)
    shot(page, "count-new-handheld")
    page.click("text=Open the count of 2 bin(s)")
    page.wait_for_url(re.compile(r"/scan/count/\d+/$"))
    count_url = page.url

    log_in(page, "acme.picker", PASSWORD)
    page.goto(count_url)
    wedge(page, "A-01-01")
    wait_for_message(page, "Counting bin A-01-01")
    page.fill("input[name=total]", "3")
    page.locator("input[name=total]").press("Enter")
    wedge(page, floor.barcode["RED"])
    wait_for_message(page, "RED set to 3 counted in A-01-01.")
    wedge(page, "A-01-02")  # the next bin
    wait_for_message(page, "Counting bin A-01-02")
    page.fill("input[name=total]", "10")
    page.locator("input[name=total]").press("Enter")
    wedge(page, floor.barcode["BLUE"])
    wait_for_message(page, "BLUE set to 10 counted in A-01-02.")
    page.click("text=Finish the count")
    wait_for_message(page, "0 difference(s) posted; 1 wait for a supervisor's approval.")
    screen = page.locator("#sk-screen").inner_text()
    assert "Waiting for a supervisor's approval" in screen and "-6" not in screen and "Approve" not in screen
    fits(page)
    shot(page, "count-waiting-picker-handheld")

    log_in(page, "acme.ops", PASSWORD)
    page.goto(count_url)
    assert "9 expected, 3 counted" in page.locator("[data-list=waiting]").inner_text()
    fits(page)
    screenshot(page, "count-approve-supervisor-handheld")
    page.click("text=Approve: post the differences")
    wait_for_message(page, "is complete, 1 adjustment(s) posted.")
    assert on_hand(floor.skus["RED"], "A-01-01") == 3
    fits(page)
    shot(page, "count-approved-handheld")
    assert stock_drift() == []


@pytest.fixture
def operations_user(tenant):
    return factories.make_user(tenant, "operations", username="acme.ops", password=PASSWORD)
