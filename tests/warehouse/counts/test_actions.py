"""Cycle counts: small differences posted at once, big ones after a supervisor's approval, bins held."""

import pytest

from hub.core.errors import Conflict, DomainError
from hub.orders import actions as order_actions
from hub.orders.services import import_order
from tests import factories
from tests.concurrency import race
from tests.factories import order_dto
from warehouse import stock
from warehouse.counts import actions
from warehouse.counts.actions import NotASupervisor
from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.models import Bin, StockLevel, StockMovement


def on_hand(sku, bin) -> int:
    return StockLevel.objects.filter(sku=sku, bin=bin).values_list("on_hand", flat=True).first() or 0


def counting_since(bin):
    return Bin.objects.get(pk=bin.pk).counting_since


def count_bin(count, bin, sku, counted, *, actor=None):
    actions.start_bin(count, bin=bin, actor=actor)
    return actions.count_units(count, bin=bin, sku=sku, counted=counted, actor=actor)


def test_a_small_difference_is_posted_at_once_as_a_cycle_count_adjustment(warehouse, stocked, sku, picker_user):
    count = actions.open_count(warehouse, bins=[stocked])
    assert counting_since(stocked) is not None

    actions.start_bin(count, bin=stocked, actor=picker_user)
    for _ in range(9):
        actions.count_units(count, bin=stocked, sku=sku, quantity=1, actor=picker_user)
    result = actions.finish_count(count, actor=picker_user)

    assert (result.count.status, len(result.posted), result.waiting) == ("completed", 1, [])
    assert on_hand(sku, stocked) == 9
    movement = StockMovement.objects.get(kind="adjust")
    assert (movement.on_hand_delta, movement.reason, movement.reference, movement.actor) == (
        -1, "cycle count", f"cycle count {count.pk}", picker_user,
    )  # fmt: skip
    assert counting_since(stocked) is None


def test_a_large_difference_waits_for_approval_and_is_posted_only_then(warehouse, stocked, sku, operations):
    count = actions.open_count(warehouse, bins=[stocked])
    count_bin(count, stocked, sku, 5)

    result = actions.finish_count(count)

    assert result.count.status == "awaiting_approval"
    assert [(line.difference, line.approval_reason) for line in result.waiting] == [(-5, "over_threshold")]
    assert on_hand(sku, stocked) == 10 and not StockMovement.objects.filter(kind="adjust").exists()
    assert counting_since(stocked) is not None  # still held until the count closes

    approved = actions.approve_count(count, actor=operations)

    assert (approved.status, approved.approved_by) == ("completed", operations)
    assert on_hand(sku, stocked) == 5
    assert counting_since(stocked) is None


def test_the_threshold_is_per_count(warehouse, stocked, sku):
    count = actions.open_count(warehouse, bins=[stocked], approval_units=5)
    count_bin(count, stocked, sku, 5)

    assert actions.finish_count(count).count.status == "completed"
    assert on_hand(sku, stocked) == 5


def test_a_picker_cannot_approve(warehouse, stocked, sku, picker_user):
    count = actions.open_count(warehouse, bins=[stocked])
    count_bin(count, stocked, sku, 1)
    actions.finish_count(count)

    with pytest.raises(NotASupervisor):
        actions.approve_count(count, actor=picker_user)
    assert on_hand(sku, stocked) == 10


def test_a_rejected_count_sends_its_bins_back_to_be_counted(warehouse, stocked, sku, operations):
    count = actions.open_count(warehouse, bins=[stocked])
    count_bin(count, stocked, sku, 1)
    actions.finish_count(count)

    rejected = actions.reject_count(count, actor=operations, reason="recount, surely")

    assert rejected.status == "counting"
    assert CountBin.objects.get(count=count).status == "pending"
    assert CountLine.objects.get(count=count).status == "rejected"
    count_bin(count, stocked, sku, 10)
    assert actions.finish_count(count).count.status == "completed"
    assert on_hand(sku, stocked) == 10 and not StockMovement.objects.filter(kind="adjust").exists()


def test_a_sku_the_bin_should_not_hold_counts_too(warehouse, stocked, sku, tenant):
    stray = factories.make_sku(tenant, "MUG-WHITE")
    count = actions.open_count(warehouse, bins=[stocked])
    actions.start_bin(count, bin=stocked)
    actions.count_units(count, bin=stocked, sku=sku, counted=10)
    line = actions.count_units(count, bin=stocked, sku=stray, quantity=1)

    assert line.expected == 0
    actions.finish_count(count)
    assert on_hand(stray, stocked) == 1


def test_an_expected_sku_not_found_is_counted_as_none(warehouse, stocked, sku, bin_b):
    stock.receive(sku, bin_b, 1, key="one-in-b")
    count = actions.open_count(warehouse, bins=[stocked, bin_b])
    count_bin(count, stocked, sku, 10)
    actions.start_bin(count, bin=bin_b)  # scanned, nothing in it

    result = actions.finish_count(count)

    assert result.count.status == "completed"
    assert on_hand(sku, bin_b) == 0


def test_every_bin_must_be_scanned_before_finishing(warehouse, stocked, bin_b, sku):
    count = actions.open_count(warehouse, bins=[stocked, bin_b])
    count_bin(count, stocked, sku, 10)

    with pytest.raises(Conflict, match=r"Scan and count bin\(s\) A-01-02 first"):
        actions.finish_count(count)


def test_a_bin_under_an_open_count_is_refused_for_another(warehouse, stocked, bin_b):
    first = actions.open_count(warehouse, bins=[stocked])

    with pytest.raises(Conflict, match=f"Already being counted: A-01-01 \\(count #{first.pk}\\)"):
        actions.open_count(warehouse, bins=[bin_b, stocked])
    assert counting_since(bin_b) is None
    assert CycleCount.objects.count() == 1


def test_cancelling_frees_the_bins(warehouse, stocked, operations, sku):
    count = actions.open_count(warehouse, bins=[stocked])
    count_bin(count, stocked, sku, 1)

    assert actions.cancel_count(count, actor=operations, reason="wrong bin").status == "cancelled"
    assert counting_since(stocked) is None
    assert actions.open_count(warehouse, bins=[stocked]).status == "open"


def test_counting_fewer_than_are_reserved_needs_a_supervisor_who_is_told_which_orders_hold_them(
    warehouse, tenant, sku, bin_a, operations
):
    account = factories.make_account(tenant, warehouse)
    factories.make_listing(account, sku, "T")
    stock.receive(sku, bin_a, 4, key="opening")
    order = import_order(account, order_dto("O-7", ("T", 3, "499")))
    count = actions.open_count(warehouse, bins=[bin_a])
    count_bin(count, bin_a, sku, 2)  # 2 short: within the threshold, but 3 are reserved

    result = actions.finish_count(count)

    assert [line.approval_reason for line in result.waiting] == ["below_reserved"]
    with pytest.raises(Conflict, match=r"2 counted but 3 reserved for order\(s\) O-7; hold or cancel"):
        actions.approve_count(count, actor=operations)
    assert on_hand(sku, bin_a) == 4

    order_actions.hold_order(order, reason="stock short")
    actions.approve_count(count, actor=operations)
    assert on_hand(sku, bin_a) == 2


def test_a_bin_whose_stock_moved_while_it_was_counted_is_counted_again(warehouse, stocked, sku, bin_b):
    count = actions.open_count(warehouse, bins=[stocked])
    count_bin(count, stocked, sku, 10)
    stock.receive(sku, stocked, 2, key="late-receipt")  # put away into the bin after it was scanned

    result = actions.finish_count(count)

    assert ([b.code for b in result.recount], result.count.status) == (["A-01-01"], "counting")
    assert not StockMovement.objects.filter(kind="adjust").exists()
    count_bin(count, stocked, sku, 12)
    assert actions.finish_count(count).count.status == "completed"


def test_counting_needs_the_bin_scanned_first_and_refuses_a_bundle(warehouse, stocked, sku, tenant):
    count = actions.open_count(warehouse, bins=[stocked])
    with pytest.raises(Conflict, match="Scan bin A-01-01 first"):
        actions.count_units(count, bin=stocked, sku=sku, quantity=1)

    actions.start_bin(count, bin=stocked)
    bundle = factories.make_sku(tenant, "GIFT-SET", is_bundle=True)
    with pytest.raises(DomainError, match="GIFT-SET is a bundle"):
        actions.count_units(count, bin=stocked, sku=bundle, quantity=1)


def test_a_bin_of_another_warehouse_cannot_be_counted_here(warehouse, tenant, stocked):
    elsewhere = factories.make_bin(factories.make_warehouse(tenant, "BLR1"), "B-01")

    with pytest.raises(DomainError, match="Bin B-01 is not in PNQ1"):
        actions.open_count(warehouse, bins=[stocked, elsewhere])


@pytest.mark.django_db(transaction=True)
def test_two_counts_opened_at_once_on_one_bin_leave_it_in_one(postgres, warehouse, stocked):
    outcomes = race([lambda: actions.open_count(warehouse, bins=[stocked])] * 3)

    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Conflict", "CycleCount"]
    assert CountBin.objects.filter(bin=stocked).count() == 1
