"""Order actions: cancel, hold, release the hold, retry allocation; and orders waiting for stock."""

import pytest

from hub.orders import actions
from hub.orders.models import Order
from hub.orders.services import import_order
from hub.orders.states import InvalidTransition
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.models import StockLevel
from warehouse.selectors import stock_drift


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse)


@pytest.fixture
def listed(account, sku):
    factories.make_listing(account, sku, "T")
    return sku


def reserved():
    return sum(StockLevel.objects.values_list("reserved", flat=True))


def test_cancelling_releases_the_reservation_and_records_who(account, listed, bin_a, admin_user):
    stock.receive(listed, bin_a, 5, key="r")
    order = import_order(account, order_dto("O-1", ("T", 2, "100")))

    order = actions.cancel_order(order, actor=admin_user, reason="buyer called")

    assert (order.status, reserved()) == ("cancelled", 0)
    last = order.events.last()
    assert (last.kind, last.actor, last.message) == ("status:cancelled", admin_user, "Cancelled. buyer called")
    assert stock_drift() == []


def test_an_illegal_transition_raises_and_changes_nothing(account, listed, bin_a):
    stock.receive(listed, bin_a, 5, key="r")
    order = import_order(account, order_dto("O-1", ("T", 2, "100")))
    Order.objects.filter(pk=order.pk).update(status="shipped")

    with pytest.raises(InvalidTransition, match="from shipped to cancelled"):
        actions.cancel_order(order)

    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert reserved() == 2


def test_hold_gives_the_stock_back_and_releasing_the_hold_allocates_again(account, listed, bin_a):
    stock.receive(listed, bin_a, 5, key="r")
    order = import_order(account, order_dto("O-1", ("T", 2, "100")))

    held = actions.hold_order(order, reason="fraud check")
    assert (held.status, reserved()) == ("on_hold", 0)

    released = actions.release_hold(order)
    assert (Order.objects.get(pk=released.pk).status, reserved()) == ("allocated", 2)
    assert stock_drift() == []


def test_retrying_allocation_after_stock_arrives(account, listed, bin_a, django_capture_on_commit_callbacks):
    order = import_order(account, order_dto("O-1", ("T", 2, "100")))
    assert Order.objects.get(pk=order.pk).status == "unfulfillable"

    stock.receive(listed, bin_a, 1, key="r1")  # not enough yet; no retry task either (no on-commit in this test)
    assert actions.allocate_order(order).status == "unfulfillable"

    stock.receive(listed, bin_a, 1, key="r2")
    assert Order.objects.get(pk=actions.allocate_order(order).pk).status == "allocated"


def test_stock_arriving_allocates_waiting_orders_oldest_ship_by_first(account, listed, bin_a, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    early, late = datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    late_order = import_order(account, order_dto("LATE", ("T", 2, "100"), ship_by=late))
    early_order = import_order(account, order_dto("EARLY", ("T", 2, "100"), ship_by=early))

    with django_capture_on_commit_callbacks(execute=True):
        stock.receive(listed, bin_a, 3, key="grn")

    statuses = dict(Order.objects.values_list("channel_order_id", "status"))
    assert statuses == {"EARLY": "allocated", "LATE": "unfulfillable"}
    assert reserved() == 2
    assert early_order.pk and late_order.pk


def test_cancelling_an_order_waiting_on_an_unmapped_sku_clears_its_attention_flag(account):
    order = import_order(account, order_dto("O-9", ("UNKNOWN", 1, "100")))
    assert order.needs_attention

    order = actions.cancel_order(order, reason="duplicate")

    assert (order.status, order.needs_attention, order.attention_reason, order.warehouse) == ("cancelled", False, "", None)


def test_releasing_the_hold_of_a_pending_order_puts_it_back_to_pending(account, listed, bin_a):
    stock.receive(listed, bin_a, 5, key="r")
    order = import_order(account, order_dto("AMZ-1", ("T", 1, "100"), state="pending", shipping_address=None))
    actions.hold_order(order, reason="check")

    order = actions.release_hold(order)

    assert (order.status, reserved()) == ("pending", 0)
