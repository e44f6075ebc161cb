"""Inbound services: POs, receiving (over/short, wrong items, damaged units), putaway, and the ledger."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.core.errors import Conflict, DomainError
from tests import factories
from tests.warehouse.inbound.conftest import MUG_EAN, SOCKS_EAN, TSHIRT_EAN, make_po
from warehouse import stock
from warehouse.inbound import selectors, services
from warehouse.inbound.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder
from warehouse.models import Bin, StockLevel, StockMovement
from warehouse.selectors import stock_drift
from warehouse.sellable import SELLABLE_BIN_KINDS

Status = PurchaseOrder.Status


def on_hand(sku, bin_) -> int:
    level = StockLevel.objects.filter(sku=sku, bin=bin_).first()
    return level.on_hand if level else 0


def scan(receipt, barcode, times=1, **kwargs):
    for n in range(times):
        services.receive_scan(receipt, barcode=barcode, key=f"{barcode}-{n}-{kwargs}", **kwargs)


# Purchase orders ------------------------------------------------------------------------------------------


def test_a_po_is_numbered_and_opens_only_with_lines(tenant, supplier, warehouse, items):
    empty = make_po(tenant, supplier, warehouse, open_it=False)
    assert empty.number == "PO-000001"
    assert empty.status == Status.DRAFT

    with pytest.raises(DomainError, match="has no lines") as refused:
        services.open_purchase_order(empty)
    assert refused.value.field == "lines"

    services.update_purchase_order(empty, lines=[services.LineInput(items["mug"], 3, Decimal("99.50"))])
    opened = services.open_purchase_order(empty)
    assert opened.status == Status.OPEN
    assert make_po(tenant, supplier, warehouse, (items["mug"], 1), open_it=False).number == "PO-000002"


def test_po_lines_are_checked_and_name_the_line(tenant, supplier, warehouse, items):
    bundle = factories.make_sku(tenant, "GIFT-BOX", is_bundle=True)
    cases = [
        ([(items["mug"], 1), (items["mug"], 2)], "lines[1].sku", "on line 1 already"),
        ([(items["mug"], 1), (bundle, 2)], "lines[1].sku", "is a bundle"),
        ([(items["mug"], 0)], "lines[0].quantity_ordered", "at least 1"),
        ([(items["mug"], 1, Decimal("-1"))], "lines[0].unit_cost", "cannot be negative"),
    ]
    for lines, field, words in cases:
        with pytest.raises(DomainError, match=words) as refused:
            make_po(tenant, supplier, warehouse, *lines, open_it=False)
        assert refused.value.field == field
    assert not PurchaseOrder.objects.exists()


def test_an_open_po_is_no_longer_edited_and_a_received_one_not_cancelled(tenant, po, items):
    with pytest.raises(Conflict, match="only a draft PO can be edited"):
        services.update_purchase_order(po, notes="late")
    receipt = services.start_receipt(tenant, purchase_order=po)
    with pytest.raises(Conflict, match=f"has goods receipt {receipt.number}; close the PO"):
        services.cancel_purchase_order(po)
    with pytest.raises(Conflict, match="still open against"):
        services.close_purchase_order(po)


def test_a_po_number_is_unique_per_tenant(tenant, other_tenant, supplier, warehouse, items):
    make_po(tenant, supplier, warehouse, (items["mug"], 1), number="ACME-77")
    with pytest.raises(Conflict, match="ACME-77 exists already"):
        make_po(tenant, supplier, warehouse, (items["mug"], 1), number="ACME-77")

    rival_supplier = type(supplier).objects.create(tenant=other_tenant, name="Rival supplier")
    rival_wh = factories.make_warehouse(other_tenant, "DEL9")
    rival_sku = factories.make_sku(other_tenant, "R-1")
    assert make_po(other_tenant, rival_supplier, rival_wh, (rival_sku, 1), number="ACME-77").number == "ACME-77"


def test_only_open_pos_are_received_against(tenant, supplier, warehouse, items, dock):
    draft = make_po(tenant, supplier, warehouse, (items["mug"], 1), open_it=False)
    with pytest.raises(Conflict, match="is a draft; open it"):
        services.start_receipt(tenant, purchase_order=draft)
    cancelled = services.cancel_purchase_order(make_po(tenant, supplier, warehouse, (items["mug"], 1)))
    with pytest.raises(Conflict, match="is cancelled"):
        services.start_receipt(tenant, purchase_order=cancelled)


# Receiving ------------------------------------------------------------------------------------------------


def test_receiving_over_two_grns_records_short_and_over_per_po_line(tenant, po, items, dock):
    tshirt, mug = items["tshirt"], items["mug"]
    first = services.start_receipt(tenant, purchase_order=po)
    scan(first, TSHIRT_EAN, 6)
    scan(first, MUG_EAN, 5)  # one more mug than ordered
    services.complete_receipt(first)

    po.refresh_from_db()
    assert po.status == Status.PARTIALLY_RECEIVED
    lines = {line.sku_id: line for line in first.lines.all()}
    assert (lines[tshirt.pk].quantity_ordered, lines[tshirt.pk].received_before, lines[tshirt.pk].variance) == (10, 0, -4)
    assert (lines[mug.pk].quantity_ordered, lines[mug.pk].variance) == (4, 1)
    assert {line.sku_id: (line.quantity_received, line.short, line.over) for line in po.lines.all()} == {
        tshirt.pk: (6, 4, 0), mug.pk: (5, 0, 1),
    }  # fmt: skip

    second = services.start_receipt(tenant, purchase_order=po)
    assert second.number == "GRN-000002"
    scan(second, TSHIRT_EAN, 4)
    services.complete_receipt(second)

    po.refresh_from_db()
    assert po.status == Status.RECEIVED
    lines = {line.sku_id: line for line in second.lines.all()}
    assert (lines[tshirt.pk].received_before, lines[tshirt.pk].quantity_good, lines[tshirt.pk].variance) == (6, 4, 0)
    # The mug was not scanned on the second GRN; it still gets a line recording where it stands.
    assert (lines[mug.pk].quantity_good, lines[mug.pk].received_before, lines[mug.pk].variance) == (0, 5, 1)
    assert on_hand(tshirt, dock) == 10 and on_hand(mug, dock) == 5
    with pytest.raises(Conflict, match="received in full; receive extra units on a blind receipt"):
        services.start_receipt(tenant, purchase_order=po)
    assert stock_drift() == []


def test_every_received_unit_is_in_the_ledger_under_the_grn_number(tenant, po, items, dock, admin_user):
    receipt = services.start_receipt(tenant, purchase_order=po, actor=admin_user)
    services.receive_scan(receipt, barcode=TSHIRT_EAN, key="scan-1", actor=admin_user)

    movement = StockMovement.objects.get()
    assert (movement.kind, movement.bin_id, movement.on_hand_delta) == ("receive", dock.pk, 1)
    assert movement.reference == receipt.number
    assert movement.idempotency_key == f"grn:{receipt.pk}:scan-1"
    assert movement.actor == admin_user


def test_the_same_scan_key_counts_once(tenant, po, items, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)
    first = services.receive_scan(receipt, barcode=TSHIRT_EAN, key="k-1")
    again = services.receive_scan(receipt, barcode=TSHIRT_EAN, key="k-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert receipt.lines.get().quantity_good == 1
    assert on_hand(items["tshirt"], dock) == 1


def test_an_item_not_on_the_po_is_refused_and_nothing_moves(tenant, po, items, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)

    with pytest.raises(services.NotOnOrder) as refused:
        services.receive_scan(receipt, barcode=SOCKS_EAN, key="k")

    assert refused.value.message == f"SOCKS-PACK (Ankle socks) is not on {po.number}. Set it aside; do not shelve it."
    assert refused.value.field == "barcode"
    assert not receipt.lines.exists()
    assert not StockMovement.objects.exists()


def test_an_unknown_barcode_or_a_bin_label_is_refused_saying_which(tenant, po, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)

    with pytest.raises(services.UnknownBarcode, match="Unknown barcode 0000: no item has it"):
        services.receive_scan(receipt, barcode="0000", key="k1")
    with pytest.raises(services.UnknownBarcode, match="DOCK-1 is a bin label, not an item"):
        services.receive_scan(receipt, barcode="DOCK-1", key="k2")


def test_a_sku_code_typed_by_hand_is_accepted(tenant, po, items, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)
    services.receive_scan(receipt, barcode="mug-white", key="k")
    assert on_hand(items["mug"], dock) == 1


def test_damaged_units_go_to_the_damaged_bin_are_not_sellable_and_leave_the_line_short(tenant, po, items, dock, cage):
    receipt = services.start_receipt(tenant, purchase_order=po)
    scan(receipt, MUG_EAN, 3)
    result = services.receive_scan(receipt, barcode=MUG_EAN, key="broken", damaged=True)

    assert result.bin == cage
    assert (on_hand(items["mug"], dock), on_hand(items["mug"], cage)) == (3, 1)
    assert Bin.Kind.DAMAGED not in SELLABLE_BIN_KINDS
    assert StockMovement.objects.get(idempotency_key=f"grn:{receipt.pk}:broken").reason == "damaged on arrival"

    services.complete_receipt(receipt)
    mug_line = po.lines.get(sku=items["mug"])
    assert (mug_line.quantity_received, mug_line.quantity_damaged, mug_line.short) == (3, 1, 1)
    assert receipt.lines.get(sku=items["mug"]).variance == -1


def test_a_damaged_unit_without_a_damaged_bin_is_refused(tenant, supplier, warehouse, items, dock):
    po = make_po(tenant, supplier, warehouse, (items["mug"], 2))
    receipt = services.start_receipt(tenant, purchase_order=po)

    with pytest.raises(DomainError, match="PNQ1 has no damaged bin") as refused:
        services.receive_scan(receipt, barcode=MUG_EAN, key="k", damaged=True)
    assert refused.value.field == "damaged"


def test_a_keyed_quantity_only_for_skus_that_allow_it(tenant, supplier, warehouse, items, dock):
    po = make_po(tenant, supplier, warehouse, (items["socks"], 120), (items["mug"], 2))
    receipt = services.start_receipt(tenant, purchase_order=po)

    services.receive_scan(receipt, barcode=SOCKS_EAN, key="k1", quantity=60)
    with pytest.raises(DomainError, match="Scan each unit of MUG-WHITE") as refused:
        services.receive_scan(receipt, barcode=MUG_EAN, key="k2", quantity=2)

    assert refused.value.field == "quantity"
    assert on_hand(items["socks"], dock) == 60
    assert on_hand(items["mug"], dock) == 0


def test_a_blind_grn_takes_any_active_item_but_no_inactive_one(tenant, items, dock, warehouse):
    receipt = services.start_receipt(tenant, receiving_bin=dock)
    assert (receipt.is_blind, receipt.warehouse, receipt.receiving_bin) == (True, warehouse, dock)

    scan(receipt, SOCKS_EAN)
    scan(receipt, TSHIRT_EAN, 2)
    items["mug"].is_active = False
    items["mug"].save()
    with pytest.raises(DomainError, match="MUG-WHITE is inactive"):
        services.receive_scan(receipt, barcode=MUG_EAN, key="k")

    services.complete_receipt(receipt)
    assert {line.sku.code: (line.quantity_good, line.variance) for line in receipt.lines.all()} == {
        "SOCKS-PACK": (1, None), "TSHIRT-RED-M": (2, None),
    }  # fmt: skip


def test_a_receipt_needs_a_receiving_bin_of_its_warehouse(tenant, warehouse, bin_a, items):
    with pytest.raises(DomainError, match="PNQ1 has no active receiving bin"):
        services.start_receipt(tenant, warehouse=warehouse)
    with pytest.raises(DomainError, match="A-01-01 is not an active receiving bin"):
        services.start_receipt(tenant, receiving_bin=bin_a)
    with pytest.raises(DomainError, match="needs a warehouse or a receiving bin"):
        services.start_receipt(tenant)


def test_a_completed_grn_takes_no_more_scans_and_completes_once(tenant, po, items, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)
    with pytest.raises(DomainError, match="Nothing was scanned"):
        services.complete_receipt(receipt)
    scan(receipt, TSHIRT_EAN)
    services.complete_receipt(receipt)

    with pytest.raises(Conflict, match="completed already"):
        services.complete_receipt(receipt)
    with pytest.raises(Conflict, match="is completed; start a new receipt"):
        services.receive_scan(receipt, barcode=TSHIRT_EAN, key="late")
    assert GoodsReceipt.objects.get().status == GoodsReceipt.Status.COMPLETED


def test_a_closed_po_stops_receiving_whatever_is_short(tenant, po, items, dock):
    receipt = services.start_receipt(tenant, purchase_order=po)
    scan(receipt, TSHIRT_EAN, 2)
    services.complete_receipt(receipt)

    services.close_purchase_order(po)

    with pytest.raises(Conflict, match="is closed"):
        services.start_receipt(tenant, purchase_order=po)


# Putaway --------------------------------------------------------------------------------------------------


@pytest.fixture
def shelves(warehouse):
    return {code: factories.make_bin(warehouse, code) for code in ("B-01", "B-02", "B-03", "C-01", "C-02")}


def receive_into(dock, sku, quantity, key):
    stock.receive(sku, dock, quantity, key=key)


def test_putaway_suggests_the_storage_bin_holding_most_of_the_sku(items, dock, shelves):
    tshirt = items["tshirt"]
    stock.receive(tshirt, shelves["B-02"], 3, key="a")
    stock.receive(tshirt, shelves["B-03"], 7, key="b")
    receive_into(dock, tshirt, 5, "dock")

    suggestion = selectors.suggest_putaway_bin(tshirt, dock)

    assert (suggestion.bin.code, suggestion.holding) == ("B-03", 7)
    assert suggestion.reason == "holds 7 of TSHIRT-RED-M already"


def test_putaway_skips_bins_under_a_cycle_count_and_inactive_ones(items, dock, shelves):
    tshirt = items["tshirt"]
    stock.receive(tshirt, shelves["B-03"], 9, key="a")
    stock.receive(tshirt, shelves["C-01"], 5, key="b")
    stock.receive(tshirt, shelves["B-02"], 2, key="c")
    shelves["B-03"].counting_since = datetime(2026, 11, 20, tzinfo=UTC)
    shelves["B-03"].save()
    shelves["C-01"].is_active = False
    shelves["C-01"].save()

    assert selectors.suggest_putaway_bin(tshirt, dock).bin.code == "B-02"


def test_putaway_suggests_an_empty_storage_bin_when_none_holds_the_sku(items, dock, shelves, bin_a, bin_b):
    mug = items["mug"]
    stock.receive(items["tshirt"], bin_a, 1, key="a-01-01 taken")  # not empty
    shelves["B-01"].counting_since = datetime(2026, 11, 20, tzinfo=UTC)  # empty, but being counted
    shelves["B-01"].save()

    suggestion = selectors.suggest_putaway_bin(mug, dock)

    assert (suggestion.bin.code, suggestion.reason, suggestion.holding) == ("A-01-02", "an empty storage bin", 0)


def test_no_suggestion_when_every_storage_bin_is_taken(items, dock, bin_a):
    stock.receive(items["tshirt"], bin_a, 1, key="full")
    assert selectors.suggest_putaway_bin(items["mug"], dock) is None


def test_put_away_moves_the_units_and_replays_by_key(items, dock, bin_a, admin_user):
    mug = items["mug"]
    receive_into(dock, mug, 5, "in")

    services.put_away(mug, dock, bin_a, 3, key="p1", actor=admin_user)
    again = services.put_away(mug, dock, bin_a, 3, key="p1", actor=admin_user)

    assert again.replayed
    assert (on_hand(mug, dock), on_hand(mug, bin_a)) == (2, 3)
    moved = StockMovement.objects.filter(idempotency_key="putaway:p1").order_by("seq")
    assert [(m.kind, m.on_hand_delta, m.reference) for m in moved] == [
        ("move_out", -3, "putaway from DOCK-1"), ("move_in", 3, "putaway from DOCK-1"),
    ]  # fmt: skip
    assert stock_drift() == []


def test_put_away_refuses_counting_bins_wrong_kinds_other_warehouses_and_too_many(tenant, items, dock, cage, bin_a, bin_b):
    mug = items["mug"]
    receive_into(dock, mug, 2, "in")
    bin_b.counting_since = datetime(2026, 11, 20, tzinfo=UTC)
    bin_b.save()
    elsewhere = factories.make_bin(factories.make_warehouse(tenant, "BLR1"), "Z-01")

    refusals = [
        (lambda: services.put_away(mug, dock, bin_b, 1, key="1"), "A-01-02 is being counted", "to_bin"),
        (lambda: services.put_away(mug, dock, cage, 1, key="2"), "DMG-1 is a damaged bin; put the units in a storage", "to_bin"),
        (lambda: services.put_away(mug, bin_a, dock, 1, key="3"), "A-01-01 is a storage bin; putaway takes", "from_bin"),
        (lambda: services.put_away(mug, dock, elsewhere, 1, key="4"), "Z-01 is in BLR1, not in PNQ1", "to_bin"),
        (lambda: services.put_away(mug, dock, bin_a, 3, key="5"), "Only 2 units of MUG-WHITE in bin DOCK-1", "quantity"),
    ]  # fmt: skip
    for call, words, field in refusals:
        with pytest.raises(DomainError, match=words) as refused:
            call()
        assert refused.value.field == field
    assert on_hand(mug, dock) == 2


# Concurrency (PostgreSQL) ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_handhelds_racing_on_one_grn_count_every_unit_once(postgres, tenant, po, items, dock):
    from tests.concurrency import race
    from warehouse.scans import once

    receipt = services.start_receipt(tenant, purchase_order=po)

    def scanner(key):
        def send():
            return once(tenant, key, "grn.scan", lambda: {
                "good": services.receive_scan(receipt, barcode=TSHIRT_EAN, key=key).line.quantity_good
            })  # fmt: skip

        return send

    # Six distinct scans, two of them sent twice (a retry racing its original).
    outcomes = race([scanner(f"u{n}") for n in range(6)] + [scanner("u0"), scanner("u1")])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert receipt.lines.get().quantity_good == 6
    assert on_hand(items["tshirt"], dock) == 6
    assert stock_drift() == []


@pytest.mark.django_db(transaction=True)
def test_two_grns_of_one_po_completing_at_once_add_up(postgres, tenant, po, items, dock):
    from tests.concurrency import race

    first, second = (services.start_receipt(tenant, purchase_order=po) for _ in range(2))
    scan(first, TSHIRT_EAN, 6)
    scan(second, TSHIRT_EAN, 4)
    scan(second, MUG_EAN, 4)

    outcomes = race([lambda: services.complete_receipt(first), lambda: services.complete_receipt(second)])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    po.refresh_from_db()
    assert po.status == Status.RECEIVED
    assert {line.sku.code: line.quantity_received for line in po.lines.all()} == {"TSHIRT-RED-M": 10, "MUG-WHITE": 4}
    tshirt_lines = GoodsReceiptLine.objects.filter(sku=items["tshirt"], receipt__in=[first, second])
    befores = [line.received_before for line in tshirt_lines]
    assert sorted(befores) in ([0, 4], [0, 6])  # one completed first, the other saw its units
