"""warehouse/stock.py: the one writer of stock levels."""

import pytest

from hub.core.errors import DomainError
from tests import factories
from warehouse import stock
from warehouse.models import StockLevel, StockMovement
from warehouse.selectors import stock_drift


def level(sku, bin_):
    return StockLevel.objects.get(sku=sku, bin=bin_)


def test_receive_creates_the_level_and_one_ledger_row(sku, bin_a):
    result = stock.receive(sku, bin_a, 10, key="grn-1", reference="GRN-1")

    assert (level(sku, bin_a).on_hand, level(sku, bin_a).reserved) == (10, 0)
    assert [(m.kind, m.on_hand_delta, m.on_hand_after, m.reference) for m in result.movements] == [
        ("receive", 10, 10, "GRN-1")
    ]
    assert stock_drift() == []


def test_reserve_release_and_consume_keep_reserved_within_on_hand(sku, bin_a):
    stock.receive(sku, bin_a, 5, key="r")
    stock.reserve(sku, bin_a, 3, key="order-1")
    stock.release(sku, bin_a, 1, key="order-1-cancel-line")
    stock.consume(sku, bin_a, 2, key="order-1-ship")

    lvl = level(sku, bin_a)
    assert (lvl.on_hand, lvl.reserved, lvl.available) == (3, 0, 3)
    assert stock_drift() == []


def test_cannot_reserve_beyond_available(sku, bin_a):
    stock.receive(sku, bin_a, 4, key="r")
    stock.reserve(sku, bin_a, 3, key="o1")

    with pytest.raises(stock.InsufficientStock, match="Only 1 units .* available"):
        stock.reserve(sku, bin_a, 2, key="o2")

    assert level(sku, bin_a).reserved == 3
    assert not StockMovement.objects.filter(idempotency_key="o2").exists()


def test_move_takes_only_unreserved_units_and_keeps_the_total(sku, bin_a, bin_b):
    stock.receive(sku, bin_a, 10, key="r")
    stock.reserve(sku, bin_a, 7, key="o1")

    with pytest.raises(stock.InsufficientStock, match="7 of the 10 units .* reserved"):
        stock.move(sku, bin_a, bin_b, 4, key="m1")
    stock.move(sku, bin_a, bin_b, 3, key="m2")

    assert (level(sku, bin_a).on_hand, level(sku, bin_b).on_hand) == (7, 3)
    assert list(StockMovement.objects.filter(idempotency_key="m2").order_by("seq").values_list("kind", "on_hand_delta")) == [
        ("move_out", -3),
        ("move_in", 3),
    ]


def test_move_between_warehouses_is_refused(tenant, sku, bin_a):
    far_bin = factories.make_bin(factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123"))
    stock.receive(sku, bin_a, 2, key="r")

    with pytest.raises(stock.StockError, match="different warehouses"):
        stock.move(sku, bin_a, far_bin, 1, key="m")


def test_adjust_needs_a_reason_and_cannot_go_negative(sku, bin_a):
    stock.receive(sku, bin_a, 2, key="r")

    with pytest.raises(stock.StockError, match="reason"):
        stock.adjust(sku, bin_a, -1, reason=" ", key="a1")
    with pytest.raises(stock.InsufficientStock, match="Only 2 units"):
        stock.adjust(sku, bin_a, -3, reason="lost", key="a2")
    stock.adjust(sku, bin_a, -2, reason="damaged in rain", key="a3")

    assert level(sku, bin_a).on_hand == 0
    assert StockMovement.objects.get(idempotency_key="a3").reason == "damaged in rain"


def test_adjust_down_cannot_eat_into_reserved_units(sku, bin_a):
    stock.receive(sku, bin_a, 5, key="r")
    stock.reserve(sku, bin_a, 4, key="o")

    with pytest.raises(stock.InsufficientStock, match="4 of the 5 units"):
        stock.adjust(sku, bin_a, -2, reason="count", key="a")


def test_release_more_than_reserved_is_refused(sku, bin_a):
    stock.receive(sku, bin_a, 5, key="r")
    stock.reserve(sku, bin_a, 1, key="o")

    with pytest.raises(stock.InsufficientStock, match="Only 1 units .* reserved"):
        stock.release(sku, bin_a, 2, key="x")


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, None, 10**12])
def test_quantities_must_be_positive_whole_numbers(sku, bin_a, bad):
    with pytest.raises(stock.StockError) as error:
        stock.receive(sku, bin_a, bad, key="r")

    assert error.value.field == "quantity"
    assert not StockLevel.objects.exists()


def test_replaying_a_call_with_the_same_key_changes_nothing(sku, bin_a):
    first = stock.receive(sku, bin_a, 10, key="grn-7")
    again = stock.receive(sku, bin_a, 10, key="grn-7")

    assert again.replayed and not first.replayed
    assert [m.pk for m in again.movements] == [m.pk for m in first.movements]
    assert level(sku, bin_a).on_hand == 10
    assert StockMovement.objects.count() == 1


def test_the_same_key_for_a_different_change_is_refused(sku, bin_a):
    stock.receive(sku, bin_a, 10, key="k")

    with pytest.raises(stock.IdempotencyConflict):
        stock.receive(sku, bin_a, 11, key="k")
    assert level(sku, bin_a).on_hand == 10


def test_keys_are_per_tenant(sku, bin_a, other_tenant):
    other_sku = factories.make_sku(other_tenant)
    other_bin = factories.make_bin(factories.make_warehouse(other_tenant))

    stock.receive(sku, bin_a, 1, key="same")
    stock.receive(other_sku, other_bin, 2, key="same")

    assert level(other_sku, other_bin).on_hand == 2


def test_a_sku_and_a_bin_of_different_tenants_cannot_meet(sku, other_tenant):
    foreign_bin = factories.make_bin(factories.make_warehouse(other_tenant))

    with pytest.raises(DomainError, match="different tenants"):
        stock.receive(sku, foreign_bin, 1, key="x")


def test_bundles_hold_no_stock_of_their_own(tenant, bin_a):
    bundle = factories.make_sku(tenant, "COMBO", is_bundle=True)

    with pytest.raises(stock.StockError, match="bundle"):
        stock.receive(bundle, bin_a, 1, key="x")


def test_inactive_bins_take_no_new_stock(sku, bin_a):
    bin_a.is_active = False
    bin_a.save()

    with pytest.raises(stock.StockError, match="inactive"):
        stock.receive(sku, bin_a, 1, key="x")


def test_ledger_rows_cannot_be_edited_or_deleted(sku, bin_a):
    movement = stock.receive(sku, bin_a, 1, key="x").movements[0]

    movement.on_hand_delta = 100
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()
