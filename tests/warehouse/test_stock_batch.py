"""stock.post_many: several calls under one set of locks, all or none, each idempotent."""

import pytest

from warehouse import stock
from warehouse.models import StockLevel, StockMovement
from warehouse.selectors import stock_drift


def call(key, *changes):
    return stock.Call(key=key, changes=list(changes))


def test_calls_apply_in_order_on_the_running_levels(sku, bin_a):
    stock.receive(sku, bin_a, 3, key="r")
    reserve = stock.Kind.RESERVE

    results = stock.post_many(
        [call("o1", stock.Change(sku, bin_a, reserve, reserved=2)), call("o2", stock.Change(sku, bin_a, reserve, reserved=1))]
    )

    assert [r.movements[0].reserved_after for r in results] == [2, 3]
    assert StockLevel.objects.get().reserved == 3
    assert stock_drift() == []


def test_one_call_that_cannot_be_applied_fails_the_whole_batch(sku, bin_a):
    stock.receive(sku, bin_a, 3, key="r")
    reserve = stock.Kind.RESERVE

    with pytest.raises(stock.InsufficientStock):
        stock.post_many(
            [call("o1", stock.Change(sku, bin_a, reserve, reserved=2)), call("o2", stock.Change(sku, bin_a, reserve, reserved=2))]
        )

    assert StockLevel.objects.get().reserved == 0
    assert not StockMovement.objects.filter(idempotency_key__in=["o1", "o2"]).exists()


def test_a_batch_replays_the_calls_it_has_seen_and_applies_the_new_ones(sku, bin_a):
    stock.receive(sku, bin_a, 5, key="r")
    first = call("o1", stock.Change(sku, bin_a, stock.Kind.RESERVE, reserved=2))
    stock.post_many([first])

    results = stock.post_many([first, call("o2", stock.Change(sku, bin_a, stock.Kind.RESERVE, reserved=1))])

    assert [r.replayed for r in results] == [True, False]
    assert StockLevel.objects.get().reserved == 3


def test_two_calls_in_a_batch_cannot_share_a_key(sku, bin_a):
    change = stock.Change(sku, bin_a, stock.Kind.RECEIVE, on_hand=1)

    with pytest.raises(stock.StockError, match="share an idempotency key"):
        stock.post_many([call("k", change), call("k", change)])


def test_every_change_sends_one_stock_changed_signal_saying_what_was_restocked(sku, bin_a, bin_b):
    from warehouse.signals import stock_changed

    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    stock_changed.connect(listener)
    try:
        stock.receive(sku, bin_a, 5, key="r")
        stock.reserve(sku, bin_a, 2, key="o")
        stock.release(sku, bin_a, 1, key="x")
    finally:
        stock_changed.disconnect(listener)

    assert [s["restocked_sku_ids"] for s in seen] == [{sku.pk}, set(), {sku.pk}]
    assert all(s["sku_ids"] == {sku.pk} and s["warehouse_ids"] == {bin_a.warehouse_id} for s in seen)
