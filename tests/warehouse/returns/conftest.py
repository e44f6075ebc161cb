import pytest

from hub.orders.models import LineAllocation, Order
from hub.orders.services import import_order
from hub.orders.states import LineStatus
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.selectors import stock_drift


def ship(order: Order, *, status: str = "shipped") -> Order:
    """Ship an allocated order as the shipping code will: its reserved units leave through
    ``stock.consume``, its lines and the order become shipped (or delivered)."""
    allocations = LineAllocation.objects.filter(line__order=order, released=False).select_related("sku", "bin")
    for allocation in allocations:
        stock.consume(allocation.sku, allocation.bin, allocation.quantity, key=f"test-ship-{allocation.pk}",
                      reference=f"order {order.channel_order_id}", reason="shipped")  # fmt: skip
    order.lines.filter(status=LineStatus.OPEN).update(status=LineStatus.SHIPPED)
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(db):
    """After every flow the stock levels still equal the ledger (what ``manage.py audit_stock`` checks)."""
    yield
    assert stock_drift() == []


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse)


@pytest.fixture
def listing(account, sku):
    return factories.make_listing(account, sku, "T")


@pytest.fixture
def other_sku(tenant, account):
    sku = factories.make_sku(tenant, "MUG-WHITE")
    factories.make_listing(account, sku, "M")
    return sku


@pytest.fixture
def stocked(listing, sku, bin_a, other_sku):
    stock.receive(sku, bin_a, 10, key="opening")
    stock.receive(other_sku, bin_a, 10, key="opening-mug")
    return bin_a


@pytest.fixture
def shipped(account, stocked):
    """Order O-1: two T-shirts, shipped."""
    return ship(import_order(account, order_dto("O-1", ("T", 2, "499"))))


@pytest.fixture
def delivered(account, stocked):
    return ship(import_order(account, order_dto("O-2", ("T", 2, "499"))), status="delivered")
