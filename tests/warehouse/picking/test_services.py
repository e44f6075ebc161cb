"""Picking services: building picklists, handing them out, and walking them scan by scan."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from hub.orders import actions
from hub.orders.models import LineAllocation, Order
from tests import factories
from warehouse import stock
from warehouse.models import Bin, StockLevel, StockMovement
from warehouse.picking import services
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder
from warehouse.picking.selectors import Walk, bin_path_key, ready_for_packing
from warehouse.picking.services import PicklistConflict, PickRefused
from warehouse.selectors import stock_drift

DAY = datetime(2026, 11, 22, tzinfo=UTC)


def status(channel_order_id: str) -> str:
    return Order.objects.get(channel_order_id=channel_order_id).status


def level(sku, bin) -> tuple[int, int]:
    row = StockLevel.objects.filter(sku=sku, bin=bin).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def walk_of(picklist) -> list[tuple]:
    return [(line.bin.code, line.sku.code, line.order.channel_order_id, line.quantity) for line in
            picklist.lines.select_related("bin", "sku", "order").order_by("position")]  # fmt: skip


def upcoming(picklist) -> dict:
    """What the picker is told to do next (the services lock and return fresh copies of the picklist)."""
    return Walk.of(Picklist.objects.get(pk=picklist.pk)).next()


def clean_ledger():
    assert stock_drift() == []
    call_command("audit_stock")  # raises CommandError, listing each difference, if a level drifted


def build(warehouse, mode="single", **kwargs):
    return services.build_picklists(warehouse, mode=mode, **kwargs)


def test_bin_codes_sort_in_natural_order():
    codes = ["A-01-10", "B-1", "A-01-02", "a-01-03", "A-2-1"]
    assert sorted(codes, key=bin_path_key) == ["A-01-02", "a-01-03", "A-01-10", "A-2-1", "B-1"]


# Building ------------------------------------------------------------------------------------------


def test_single_mode_makes_one_picklist_per_order_walked_in_bin_path_order(warehouse, floor, place, admin_user):
    place("O-1", ("RED", 2), ("BLUE", 1), ("GREEN", 1), ship_by=DAY)
    place("O-2", ("BLUE", 3))

    result = build(warehouse, user=admin_user)

    assert (len(result.picklists), result.orders, result.message) == (2, 2, "2 picklist(s) with 2 order(s).")
    first, second = result.picklists
    assert first.number == f"PL-{first.pk:06d}" and first.kind == "single" and first.status == "open"
    assert walk_of(first) == [("A-01-02", "BLUE", "O-1", 1), ("A-01-03", "GREEN", "O-1", 1), ("A-01-10", "RED", "O-1", 2)]
    assert walk_of(second) == [("A-01-02", "BLUE", "O-2", 3)]
    assert (status("O-1"), status("O-2")) == ("picking", "picking")
    assert Order.objects.get(channel_order_id="O-1").events.last().message == f"On picklist {first.number} (single order) in PNQ1."
    assert first.packing_bin.kind == Bin.Kind.PACKING and first.packing_bin.warehouse == warehouse


def test_batch_mode_walks_many_orders_at_once_oldest_ship_by_first(warehouse, floor, place):
    place("LATE", ("RED", 1), ("BLUE", 1), ship_by=datetime(2026, 11, 25, tzinfo=UTC))
    place("EARLY", ("RED", 2), ship_by=DAY)
    place("MID", ("GREEN", 1), ("BLUE", 2), ship_by=datetime(2026, 11, 23, tzinfo=UTC))
    place("NONE", ("GREEN", 1))

    result = build(warehouse, mode="batch", max_orders=3)

    assert [p.entries.count() for p in result.picklists] == [3, 1]
    first, second = result.picklists
    assert walk_of(first) == [
        ("A-01-02", "BLUE", "MID", 2), ("A-01-02", "BLUE", "LATE", 1), ("A-01-03", "GREEN", "MID", 1),
        ("A-01-10", "RED", "EARLY", 2), ("A-01-10", "RED", "LATE", 1),
    ]  # fmt: skip
    assert walk_of(second) == [("A-01-03", "GREEN", "NONE", 1)]
    assert first.filters == {"mode": "batch", "accounts": [], "channels": [], "ship_by_before": None, "max_orders": 3}


def test_filters_by_channel_account_channel_and_ship_by(tenant, warehouse, floor, place):
    shop = factories.make_account(tenant, warehouse, kind="shopify", name="Shop")
    for code in ("RED", "BLUE"):
        factories.make_listing(shop, floor.skus[code], code)
    place("WEB-SOON", ("RED", 1), ship_by=DAY)
    place("WEB-LATER", ("RED", 1), ship_by=datetime(2026, 11, 30, tzinfo=UTC))
    place("SHOP-SOON", ("BLUE", 1), ship_by=DAY, on=shop)
    place("SHOP-LATER", ("BLUE", 1), on=shop)

    by_account = build(warehouse, account_ids=[shop.pk])
    by_ship_by = build(warehouse, ship_by_before=datetime(2026, 11, 23, tzinfo=UTC))
    by_channel = build(warehouse, channels=["custom"])

    def orders(result):
        return sorted(o.channel_order_id for p in result.picklists for o in Order.objects.filter(picklist_entries__picklist=p))

    assert orders(by_account) == ["SHOP-LATER", "SHOP-SOON"]
    assert orders(by_ship_by) == ["WEB-SOON"]
    assert orders(by_channel) == ["WEB-LATER"]
    assert build(warehouse).picklists == []  # nothing allocated is left off a picklist


def test_an_order_reserving_in_a_bin_being_counted_waits_and_is_counted_as_skipped(warehouse, floor, place):
    place("O-1", ("RED", 1))
    place("O-2", ("BLUE", 1))
    Bin.objects.filter(pk=floor.bins["A-01-10"].pk).update(counting_since=timezone.now())

    result = build(warehouse, mode="batch")

    assert (result.orders, result.skipped_counting) == (1, 1)
    assert result.message == "1 picklist(s) with 1 order(s); skipped 1 order(s) reserving in a bin being counted: they wait."
    assert (status("O-1"), status("O-2")) == ("allocated", "picking")


def test_bad_build_requests_are_refused(warehouse, floor):
    with pytest.raises(services.DomainError, match="single or batch"):
        build(warehouse, mode="wave")
    with pytest.raises(services.DomainError, match="max_orders"):
        build(warehouse, mode="batch", max_orders=0)


# Handing out ---------------------------------------------------------------------------------------


def test_next_hands_out_the_oldest_open_picklist_and_then_the_pickers_own(warehouse, floor, place, picker, other_picker):
    place("O-1", ("RED", 1))
    place("O-2", ("BLUE", 1))
    first, second = build(warehouse).picklists

    mine = services.next_picklist(picker, warehouse)
    again = services.next_picklist(picker, warehouse)
    theirs = services.next_picklist(other_picker, warehouse)
    nobody = services.next_picklist(factories.make_user(warehouse.tenant, "picker"), warehouse)

    assert (mine.pk, again.pk, theirs.pk, nobody) == (first.pk, first.pk, second.pk, None)
    mine.refresh_from_db()
    assert (mine.status, mine.picker, mine.assigned_at is not None) == ("assigned", picker, True)


def test_only_the_picklists_picker_scans_it(warehouse, floor, place, picker, other_picker):
    place("O-1", ("RED", 1))
    (picklist,) = build(warehouse).picklists
    with pytest.raises(PicklistConflict, match="not handed to anyone"):
        services.scan_bin(picklist, "A-01-10", user=picker)
    services.next_picklist(picker, warehouse)

    with pytest.raises(PicklistConflict, match="being picked by pia") as refused:
        services.scan_bin(picklist, "A-01-10", user=other_picker)
    assert refused.value.code == "not_your_picklist"


# Picking -------------------------------------------------------------------------------------------


@pytest.fixture
def walking(warehouse, floor, place, picker):
    """O-1: 2 RED (A-01-10) and 1 BLUE (A-01-02), handed to the picker."""
    place("O-1", ("RED", 2), ("BLUE", 1))
    build(warehouse)
    return services.next_picklist(picker, warehouse)


def refused(call, *args, **kwargs) -> PickRefused:
    with pytest.raises(PickRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_walk_bin_by_bin_moves_each_unit_with_its_reservation_to_packing(walking, floor, picker, admin_user):
    red, blue, packing = floor.skus["RED"], floor.skus["BLUE"], walking.packing_bin
    assert upcoming(walking)["message"] == "Go to bin A-01-02 and scan it."

    assert services.scan_bin(walking, floor.bins["A-01-02"].barcode, user=picker).message == "Bin A-01-02: pick 1 x BLUE."
    assert upcoming(walking) | {"in_bin": None} == {
        "action": "scan_item", "bin": {"id": floor.bins["A-01-02"].pk, "code": "A-01-02", "barcode": "A-01-02"},
        "sku": {"id": blue.pk, "code": "BLUE", "name": "Blue T-shirt", "key_quantity": True}, "quantity_left": 1,
        "line": walking.lines.get(sku=blue).pk, "order": "O-1", "in_bin": None,
        "message": "Pick 1 x BLUE (Blue T-shirt) from A-01-02.",
    }  # fmt: skip
    assert services.scan_item(walking, floor.barcode["BLUE"], user=picker).message == "Picked 1 x BLUE. Bin A-01-02 done."
    services.scan_bin(walking, "A-01-10", user=picker)
    assert services.scan_item(walking, floor.barcode["RED"], user=picker).message == "Picked 1 x RED. 1 more here."
    services.scan_item(walking, "RED", user=picker)  # the SKU code serves when the label is torn

    assert upcoming(walking)["action"] == "finish"
    result = services.finish_picklist(walking, user=picker)

    assert result.message == f"Picklist {walking.number} picked: 1 order(s) ready for packing."
    walking.refresh_from_db()
    assert (walking.status, walking.finished_at is not None) == ("picked", True)
    assert list(ready_for_packing(walking.warehouse).values_list("channel_order_id", flat=True)) == ["O-1"]
    assert status("O-1") == "picking"  # packing moves it on
    assert level(red, floor.bins["A-01-10"]) == (8, 0)
    assert level(blue, floor.bins["A-01-02"]) == (9, 0)
    assert (level(red, packing), level(blue, packing)) == ((2, 2), (1, 1))
    held = LineAllocation.objects.filter(released=False).values_list("bin__code", "sku__code", "quantity")
    assert sorted(held) == [("PACKING", "BLUE", 1), ("PACKING", "RED", 2)]
    moves = StockMovement.objects.filter(reference=f"picklist {walking.number}").values_list("kind", flat=True)
    assert sorted(moves) == ["move_in", "move_in", "move_in", "move_out", "move_out", "move_out"]
    clean_ledger()


def test_wrong_bin_wrong_item_and_too_many_are_refused_saying_what_and_where(walking, floor, picker):
    wrong = refused(services.scan_bin, walking, "A-01-10", user=picker)
    assert (wrong.code, wrong.message) == ("wrong_bin", "Wrong bin: A-01-10 is not next on the path. Go to bin A-01-02 first.")
    assert refused(services.scan_bin, walking, "A-01-03", user=picker).message == (
        "Wrong bin: nothing to pick in A-01-03 on this picklist. Go to bin A-01-02."
    )
    assert refused(services.scan_bin, walking, "NOPE", user=picker).message == (
        "Unknown bin: no bin has the barcode 'NOPE'. Scan the bin's label."
    )
    first = refused(services.scan_item, walking, floor.barcode["BLUE"], user=picker)
    assert (first.code, first.message) == (
        "scan_bin_first", "Scan the bin first: no bin is scanned yet. Go to bin A-01-02 and scan it first.")

    services.scan_bin(walking, "A-01-02", user=picker)
    item = refused(services.scan_item, walking, floor.barcode["RED"], user=picker)
    assert (item.code, item.message) == (
        "wrong_item", "Wrong item: RED is not picked from bin A-01-02 but from A-01-10. Here pick 1 x BLUE.")
    assert refused(services.scan_item, walking, floor.barcode["GREEN"], user=picker).message == (
        "Wrong item: GREEN (Green T-shirt) is not on this picklist. In bin A-01-02 pick 1 x BLUE."
    )
    assert refused(services.scan_item, walking, "0000", user=picker).message == (
        "Unknown barcode '0000' in bin A-01-02: no SKU carries it. Scan the unit's product barcode."
    )
    assert refused(services.scan_bin, walking, "A-01-10", user=picker).message == (
        "Wrong bin: finish bin A-01-02 first (1 x BLUE left), or report a short pick."
    )
    too_many = refused(services.scan_item, walking, floor.barcode["BLUE"], quantity=2, user=picker)
    assert (too_many.code, too_many.message) == (
        "too_many", "Too many: only 1 more x BLUE to pick from bin A-01-02; you scanned 2.")

    services.scan_item(walking, floor.barcode["BLUE"], user=picker)
    services.scan_bin(walking, "A-01-10", user=picker)
    services.scan_item(walking, floor.barcode["RED"], user=picker)
    services.scan_item(walking, floor.barcode["RED"], user=picker)
    one_more = refused(services.scan_item, walking, floor.barcode["RED"], user=picker)
    assert (one_more.code, one_more.message) == (
        "too_many", "Too many: every unit of RED from bin A-01-10 is picked already. "
        "Everything is picked: finish the picklist and take the units to PACKING.")
    services.finish_picklist(walking, user=picker)
    with pytest.raises(PicklistConflict, match="is picked; ask for new work"):
        services.scan_item(walking, "RED", user=picker)
    assert level(floor.skus["RED"], walking.packing_bin) == (2, 2)
    clean_ledger()


def test_one_more_of_an_item_already_picked_in_full_is_too_many(warehouse, floor, place, picker):
    stock.receive(floor.skus["GREEN"], floor.bins["A-01-02"], 20, key="green-here")  # the fullest GREEN bin now
    place("O-1", ("BLUE", 1), ("GREEN", 1))
    (picklist,) = build(warehouse).picklists
    services.next_picklist(picker, warehouse)
    services.scan_bin(picklist, "A-01-02", user=picker)
    services.scan_item(picklist, floor.barcode["BLUE"], user=picker)

    again = refused(services.scan_item, picklist, floor.barcode["BLUE"], user=picker)

    assert (again.code, again.message) == (
        "too_many", "Too many: every unit of BLUE from bin A-01-02 is picked already. Still here: 1 x GREEN.")


def test_a_keyed_quantity_only_where_the_sku_allows_it(warehouse, floor, place, picker):
    place("O-1", ("BLUE", 3), ("RED", 3))
    (picklist,) = build(warehouse).picklists
    services.next_picklist(picker, warehouse)
    services.scan_bin(picklist, "A-01-02", user=picker)

    assert refused(services.scan_item, picklist, floor.barcode["BLUE"], quantity=4, user=picker).code == "too_many"
    assert services.scan_item(picklist, floor.barcode["BLUE"], quantity=3, user=picker).message == (
        "Picked 3 x BLUE. Bin A-01-02 done."
    )
    services.scan_bin(picklist, "A-01-10", user=picker)
    keyed = refused(services.scan_item, picklist, floor.barcode["RED"], quantity=3, user=picker)
    assert (keyed.code, keyed.message) == (
        "quantity_not_keyable",
        "RED is scanned unit by unit: scan each of the 3 units (a keyed quantity is not allowed for this SKU).",
    )
    assert refused(services.scan_item, picklist, floor.barcode["RED"], quantity=0, user=picker).field == "quantity"
    assert level(floor.skus["BLUE"], picklist.packing_bin) == (3, 3)


def test_same_sku_and_bin_for_several_orders_fills_their_lines_in_walk_order(warehouse, floor, place, picker):
    place("A", ("BLUE", 2), ship_by=DAY)
    place("B", ("BLUE", 3))
    (picklist,) = build(warehouse, mode="batch").picklists
    services.next_picklist(picker, warehouse)
    services.scan_bin(picklist, "A-01-02", user=picker)

    services.scan_item(picklist, floor.barcode["BLUE"], quantity=3, user=picker)

    picked = dict(picklist.lines.values_list("order__channel_order_id", "picked"))
    assert picked == {"A": 2, "B": 1}
    held = sorted(LineAllocation.objects.filter(released=False).values_list("line__order__channel_order_id", "bin__code", "quantity"))
    assert held == [("A", "PACKING", 2), ("B", "A-01-02", 2), ("B", "PACKING", 1)]
    assert upcoming(picklist)["quantity_left"] == 2
    clean_ledger()


# Short picks ---------------------------------------------------------------------------------------


def test_a_short_pick_adjusts_the_ledger_and_allocates_the_order_afresh(walking, floor, picker):
    red, elsewhere = floor.skus["RED"], floor.bins["B-02-01"]
    stock.receive(red, elsewhere, 5, key="more-red")
    services.scan_bin(walking, "A-01-02", user=picker)
    services.scan_item(walking, floor.barcode["BLUE"], user=picker)
    services.scan_bin(walking, "A-01-10", user=picker)
    services.scan_item(walking, floor.barcode["RED"], user=picker)
    line = walking.lines.get(sku=red)

    result = services.short_pick(line, missing=1, reason="shelf empty", user=picker)

    assert result.message == (
        "Short 1 x RED in bin A-01-10, recorded. Order O-1 left the picklist (allocated again to PNQ1). "
        "Set its picked units (1 x BLUE, 1 x RED) aside at PACKING for putback."
    )
    assert result.extra["left_order"] == {
        "order": "O-1", "status": "allocated", "put_back": [{"sku": "BLUE", "quantity": 1}, {"sku": "RED", "quantity": 1}],
    }  # fmt: skip
    short = StockMovement.objects.get(kind="adjust")
    assert (short.bin, short.on_hand_delta, short.reason, short.actor) == (floor.bins["A-01-10"], -1, "short pick: shelf empty", picker)
    assert level(red, floor.bins["A-01-10"]) == (8, 2)  # 10 - 1 picked - 1 missing; 2 reserved afresh
    assert level(red, walking.packing_bin) == (1, 0)  # picked, no longer reserved: waits for putback
    held = sorted(LineAllocation.objects.filter(released=False).values_list("bin__code", "sku__code", "quantity"))
    # Allocated afresh from the fullest bins: all of RED's 2 from A-01-10 (8 left) and BLUE from A-01-02.
    assert held == [("A-01-02", "BLUE", 1), ("A-01-10", "RED", 2)]
    assert status("O-1") == "allocated"
    assert set(walking.lines.values_list("status", flat=True)) == {"done", "short"}
    assert PicklistOrder.objects.get(picklist=walking).status == "left"
    kinds = list(Order.objects.get(channel_order_id="O-1").events.values_list("kind", flat=True))
    assert kinds[-2:] == ["short_pick", "status:allocated"]
    assert upcoming(walking)["action"] == "finish"
    services.finish_picklist(walking, user=picker)
    assert not ready_for_packing(walking.warehouse).exists()
    clean_ledger()


def test_a_short_pick_with_the_bin_emptied_reallocates_from_another_bin(warehouse, floor, place, picker):
    red = floor.skus["RED"]
    stock.adjust(red, floor.bins["A-01-10"], -8, reason="damaged", key="dmg")  # 2 left in A-01-10
    place("O-1", ("RED", 2))
    stock.receive(red, floor.bins["B-02-01"], 4, key="more-red")
    (picklist,) = build(warehouse).picklists
    services.next_picklist(picker, warehouse)

    services.short_pick(picklist.lines.get(), reason="", user=picker)  # not even at the bin: it is the next one

    assert StockMovement.objects.get(kind="adjust", reason="short pick").on_hand_delta == -2
    held = list(LineAllocation.objects.filter(released=False).values_list("bin__code", "quantity"))
    assert (status("O-1"), held) == ("allocated", [("B-02-01", 2)])
    clean_ledger()


def test_a_short_pick_with_no_stock_anywhere_leaves_the_order_unfulfillable(walking, floor, picker):
    services.scan_bin(walking, "A-01-02", user=picker)
    stock.adjust(floor.skus["RED"], floor.bins["A-01-10"], -8, reason="damaged", key="dmg")  # only O-1's 2 are left

    services.scan_item(walking, floor.barcode["BLUE"], user=picker)
    services.scan_bin(walking, "A-01-10", user=picker)
    result = services.short_pick(walking.lines.get(sku=floor.skus["RED"]), user=picker)

    assert "left the picklist (unfulfillable: it waits for stock)" in result.message
    assert status("O-1") == "unfulfillable"
    assert level(floor.skus["RED"], floor.bins["A-01-10"]) == (0, 0)
    assert not LineAllocation.objects.filter(released=False).exists()
    clean_ledger()


def test_a_short_pick_is_refused_away_from_the_bin_or_beyond_the_line(walking, floor, picker):
    red_line = walking.lines.get(sku=floor.skus["RED"])
    away = refused(services.short_pick, red_line, user=picker)
    assert away.message == "A short pick is reported at the bin the picker is at: A-01-10 is not next. Go to bin A-01-02 and scan it."
    services.scan_bin(walking, "A-01-02", user=picker)
    services.scan_item(walking, floor.barcode["BLUE"], user=picker)
    services.scan_bin(walking, "A-01-10", user=picker)
    assert refused(services.short_pick, red_line, missing=3, user=picker).message == (
        "Between 1 and 2 x RED can be missing on this line, not 3."
    )
    assert refused(services.short_pick, walking.lines.get(sku=floor.skus["BLUE"]), user=picker).code == "line_closed"


# Cancelling, counting, orders that change ----------------------------------------------------------


def test_cancelling_sends_the_orders_back_allocated_keeping_what_was_picked(walking, floor, picker, admin_user, warehouse):
    services.scan_bin(walking, "A-01-02", user=picker)
    services.scan_item(walking, floor.barcode["BLUE"], user=picker)

    services.cancel_picklist(walking, user=admin_user, reason="picker went home")

    walking.refresh_from_db()
    assert (walking.status, walking.cancel_reason, status("O-1")) == ("cancelled", "picker went home", "allocated")
    assert level(floor.skus["BLUE"], walking.packing_bin) == (1, 1)  # still the order's
    with pytest.raises(PicklistConflict, match="cancelled"):
        services.cancel_picklist(walking, user=admin_user)
    (again,) = build(warehouse).picklists
    assert walk_of(again) == [("A-01-10", "RED", "O-1", 2)]  # only what is not picked yet
    clean_ledger()


def test_a_bin_being_counted_is_not_picked_from(walking, floor, picker):
    Bin.objects.filter(pk=floor.bins["A-01-02"].pk).update(counting_since=timezone.now())

    counted = refused(services.scan_bin, walking, "A-01-02", user=picker)
    assert counted.code == "bin_being_counted"
    assert upcoming(walking)["message"] == "Go to bin A-01-10 and scan it."  # passed over for now
    services.scan_bin(walking, "A-01-10", user=picker)
    services.scan_item(walking, floor.barcode["RED"], user=picker)
    services.scan_item(walking, floor.barcode["RED"], user=picker)
    wait = upcoming(walking)
    assert (wait["action"], wait["message"]) == (
        "wait", "What is left is in bins being counted (A-01-02); wait for the count to close, or ask a supervisor.")
    with pytest.raises(PicklistConflict, match="1 unit"):
        services.finish_picklist(walking, user=picker)


def test_an_order_cancelled_while_being_picked_drops_its_lines_and_steals_no_reservation(warehouse, floor, place, picker):
    place("A", ("BLUE", 1))
    place("B", ("BLUE", 2))
    (picklist,) = build(warehouse, mode="batch").picklists
    services.next_picklist(picker, warehouse)
    actions.cancel_order(Order.objects.get(channel_order_id="A"), reason="buyer cancelled")

    services.scan_bin(picklist, "A-01-02", user=picker)
    assert refused(services.scan_item, picklist, floor.barcode["BLUE"], quantity=3, user=picker).code == "too_many"
    services.scan_item(picklist, floor.barcode["BLUE"], quantity=2, user=picker)
    services.finish_picklist(picklist, user=picker)

    assert dict(picklist.entries.values_list("order__channel_order_id", "status")) == {"A": "left", "B": "picked"}
    assert dict(picklist.lines.values_list("order__channel_order_id", "status")) == {"A": "dropped", "B": "done"}
    assert level(floor.skus["BLUE"], floor.bins["A-01-02"]) == (8, 0)
    clean_ledger()


def test_a_picklist_line_cannot_be_overpicked_in_the_database(walking):
    line = walking.lines.first()
    with pytest.raises(IntegrityError):
        PicklistLine.objects.filter(pk=line.pk).update(picked=line.quantity + 1)


def test_a_short_item_in_a_batch_comes_off_the_orders_last_on_the_walk_first(warehouse, floor, place, picker):
    place("O-1", ("GREEN", 1), ship_by=datetime(2026, 11, 22, tzinfo=UTC))
    place("O-2", ("GREEN", 1), ship_by=datetime(2026, 11, 23, tzinfo=UTC))
    (picklist,) = build(warehouse, mode="batch").picklists
    services.next_picklist(picker, warehouse)
    services.scan_bin(picklist, "A-01-03", user=picker)

    with pytest.raises(PickRefused, match="At most 2 x GREEN can be missing at A-01-03, not 3"):
        services.short_pick_item(picklist, floor.skus["GREEN"].pk, missing=3, user=picker)
    results = services.short_pick_item(picklist, floor.skus["GREEN"].pk, missing=1, reason="not found", user=picker)

    assert [result.extra["left_order"]["order"] for result in results] == ["O-2"]  # the later ship-by
    entries = dict(PicklistOrder.objects.filter(picklist=picklist).values_list("order__channel_order_id", "status"))
    assert entries == {"O-1": "active", "O-2": "left"}
    clean_ledger()
