"""The receive and putaway scanner pages, driven as the kit's script drives them (JSON) and without it."""

import uuid

import pytest

from tests.warehouse.inbound.conftest import MUG_EAN, SOCKS_EAN, TSHIRT_EAN, client_for
from warehouse import stock
from warehouse.inbound.models import GoodsReceipt, PurchaseOrder
from warehouse.models import ScanRequest, StockLevel

JSON = {"Accept": "application/json"}


def send(client, url, key="", **fields):
    """One scan or button press as scanner.js sends it: JSON, with a fresh idempotency key."""
    headers = {**JSON, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post(url, fields, content_type="application/json", headers=headers)


def on_hand(sku, bin_) -> int:
    level = StockLevel.objects.filter(sku=sku, bin=bin_).first()
    return level.on_hand if level else 0


def test_scanning_a_po_number_starts_its_grn_and_again_carries_on_with_it(picker, po):
    first = send(picker, "/scan/receive/", code=po.number.lower())
    again = send(picker, "/scan/receive/", po=str(po.pk))

    receipt = GoodsReceipt.objects.get()
    assert first.status_code == 200
    assert first.json() | {"redirect": None} == {
        "ok": True, "message": f"{receipt.number}: {po.number}, into DOCK-1. Scan the units.", "redirect": None,
        "replayed": False,
    }  # fmt: skip
    assert first.json()["redirect"] == again.json()["redirect"] == f"/scan/receive/{receipt.pk}/"


def test_an_unknown_po_number_is_refused_on_the_same_screen(picker, po):
    response = send(picker, "/scan/receive/", code="PO-404")

    assert response.status_code == 400
    body = response.json()
    assert (body["ok"], body["message"]) == (False, "No purchase order PO-404. Scan the PO number, or start a blind receipt.")
    assert body["prompt"] == "Scan the PO number"
    assert po.number in body["html"]


def test_a_blind_receipt_starts_by_scanning_a_receiving_bin(picker, items, dock, bin_a):
    asked = send(picker, "/scan/receive/", do="blind")
    wrong = send(picker, "/scan/receive/", code="A-01-01", mode="blind")
    started = send(picker, "/scan/receive/", code="DOCK-1", mode="blind")

    assert asked.json()["prompt"] == "Scan the receiving bin for the blind receipt"
    assert 'name="mode" value="blind"' in asked.json()["html"]
    assert wrong.json()["message"] == "A-01-01 is not a receiving bin; scan the label of a receiving (dock) bin."
    assert wrong.json()["prompt"] == "Scan the receiving bin for the blind receipt"
    receipt = GoodsReceipt.objects.get()
    assert receipt.is_blind and started.json()["redirect"] == f"/scan/receive/{receipt.pk}/"


@pytest.fixture
def grn_url(picker, po):
    send(picker, "/scan/receive/", code=po.number)
    return f"/scan/receive/{GoodsReceipt.objects.get().pk}/"


def test_a_unit_scan_answers_with_the_next_screen_and_counts_once(picker, grn_url, items, dock):
    first = send(picker, grn_url, key="k-1", code=TSHIRT_EAN)
    again = send(picker, grn_url, key="k-1", code=TSHIRT_EAN)

    assert first.status_code == again.status_code == 200
    assert first.json()["message"] == again.json()["message"] == "TSHIRT-RED-M +1 · 1 of 10"
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert first.json()["prompt"] == "Scan each unit"
    assert 'data-sku="TSHIRT-RED-M"' in first.json()["html"]
    assert on_hand(items["tshirt"], dock) == 1
    assert ScanRequest.objects.get(key="k-1").action == "grn.scan"


def test_a_wrong_item_is_refused_and_a_damaged_one_goes_to_the_cage(picker, grn_url, items, cage):
    wrong = send(picker, grn_url, key="k-1", code=SOCKS_EAN)
    damaged = send(picker, grn_url, key="k-2", code=MUG_EAN, damaged="on")

    assert wrong.status_code == 400
    assert wrong.json()["ok"] is False
    assert wrong.json()["message"] == "SOCKS-PACK (Ankle socks) is not on PO-000001. Set it aside; do not shelve it."
    assert damaged.json()["message"] == "MUG-WHITE: 1 damaged → DMG-1"
    assert on_hand(items["mug"], cage) == 1


def test_completing_asks_first_then_records_the_variance(picker, grn_url, po, items):
    send(picker, grn_url, key="k-1", code=TSHIRT_EAN)

    asked = send(picker, grn_url, key="k-2", do="finish")
    assert asked.json()["message"] == "Complete GRN-000001? 1 good, 0 damaged."
    assert asked.json()["scan"] is False
    assert "9 short" in asked.json()["html"] and 'value="complete"' in asked.json()["html"]
    assert GoodsReceipt.objects.get().status == "open"

    done = send(picker, grn_url, key="k-3", do="complete")
    assert done.json()["message"] == "GRN-000001 completed: 1 good, 0 damaged; MUG-WHITE 4 short; TSHIRT-RED-M 9 short"
    assert done.json()["scan"] is False
    assert "Put away now" in done.json()["html"]
    assert PurchaseOrder.objects.get().status == "partially_received"

    late = send(picker, grn_url, key="k-4", code=TSHIRT_EAN)
    assert late.json()["message"] == "GRN-000001 is completed; start a new receipt for more units."


def test_a_page_without_javascript_posts_a_form_and_gets_the_whole_page(picker, grn_url, items, dock):
    page = picker.get(grn_url).content.decode()
    assert 'inputmode="none"' in page and 'id="sk-camera"' in page and "scanner/scanner.js" in page

    response = picker.post(grn_url, {"code": TSHIRT_EAN, "key": "form-key-1"})
    replay = picker.post(grn_url, {"code": TSHIRT_EAN, "key": "form-key-1"})

    assert response.status_code == 200
    assert "TSHIRT-RED-M +1 · 1 of 10" in response.content.decode()
    assert 'data-state="ok"' in replay.content.decode()
    assert on_hand(items["tshirt"], dock) == 1


def test_putaway_from_the_dock_to_the_suggested_bin(picker, items, dock, bin_a, bin_b):
    tshirt, mug = items["tshirt"], items["mug"]
    stock.receive(tshirt, dock, 4, key="in-1")
    stock.receive(mug, dock, 2, key="in-2")
    stock.receive(tshirt, bin_b, 1, key="shelf")

    start = picker.get("/scan/putaway/").content.decode()
    assert "Waiting for putaway" in start and "TSHIRT-RED-M" in start

    bin_chosen = send(picker, "/scan/putaway/", code="DOCK-1")
    assert bin_chosen.json()["message"] == "DOCK-1: 2 items. Scan the one to put away."
    assert bin_chosen.json()["prompt"] == "Scan an item in DOCK-1"

    item = send(picker, "/scan/putaway/", code=TSHIRT_EAN, from_bin=str(dock.pk))
    assert item.json()["message"] == "Put TSHIRT-RED-M in A-01-02"
    assert "Holds 1 of TSHIRT-RED-M already" in item.json()["html"]
    assert item.json()["prompt"] == "Scan A-01-02, or another storage bin"
    assert 'data-suggested="A-01-02"' in item.json()["html"]

    state = {"from_bin": str(dock.pk), "sku": str(tshirt.pk), "quantity": "4"}
    wrong = send(picker, "/scan/putaway/", key="p-0", code=MUG_EAN, **state)
    assert wrong.json()["message"] == f"{MUG_EAN} is an item; scan the label of the bin you put TSHIRT-RED-M in."

    moved = send(picker, "/scan/putaway/", key="p-1", code="A-01-02", **state)
    replay = send(picker, "/scan/putaway/", key="p-1", code="A-01-02", **state)
    assert moved.json()["message"] == replay.json()["message"] == "4 x TSHIRT-RED-M put away in A-01-02"
    assert moved.json()["prompt"] == "Scan an item in DOCK-1"
    assert on_hand(tshirt, bin_b) == 5 and on_hand(tshirt, dock) == 0


def test_a_receiving_bin_with_one_item_goes_straight_to_its_suggestion(picker, items, dock, bin_a):
    stock.receive(items["mug"], dock, 2, key="in")

    answer = send(picker, "/scan/putaway/", code="DOCK-1").json()

    assert answer["message"] == "Put MUG-WHITE in A-01-01"
    assert "An empty storage bin" in answer["html"]
    assert 'name="quantity" value="2"' in answer["html"]


def test_finance_may_not_receive(users, po):
    finance = client_for(users["finance"])
    assert finance.get("/scan/receive/").status_code == 403
    assert finance.get("/scan/putaway/").status_code == 403


def test_another_tenants_grn_is_not_found(po, other_tenant, grn_url):
    from tests import factories

    rival = client_for(factories.make_user(other_tenant, "picker"))
    assert rival.get(grn_url).status_code == 404


def test_a_resent_blind_start_opens_one_grn(picker, items, dock):
    first = send(picker, "/scan/receive/", key="start-1", code="DOCK-1", mode="blind")
    again = send(picker, "/scan/receive/", key="start-1", code="DOCK-1", mode="blind")

    assert first.json()["redirect"] == again.json()["redirect"]
    assert again.json()["replayed"] is True
    assert GoodsReceipt.objects.count() == 1


def test_completing_an_empty_grn_is_refused_without_the_question(picker, grn_url):
    asked = send(picker, grn_url, do="finish")

    assert asked.status_code == 400
    assert asked.json()["message"] == "Nothing was scanned on GRN-000001; scan the units first."
    assert asked.json()["scan"] is True and 'value="complete"' not in asked.json()["html"]
