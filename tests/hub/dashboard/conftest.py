from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hub.orders.services import import_order
from tests import factories
from tests.browser import browser, browser_page  # noqa: F401  (pytest fixtures)
from tests.factories import order_dto
from warehouse import stock

PASSWORD = "pw-Test-12345"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stocked(tenant, warehouse, bin_a, bin_b, sku):
    """Acme's catalog and stock: a T-shirt with a barcode in two bins (one unit reserved), a mug with none."""
    factories.make_barcode(sku, "8901234567890", kind="ean")
    stock.receive(sku, bin_a, 12, key="grn-1", reference="GRN-0001")
    stock.receive(sku, bin_b, 3, key="grn-2")
    stock.reserve(sku, bin_a, 1, key="order-1", reference="AMZ-402-1234567")
    mug = factories.make_sku(tenant, "MUG-WHITE", name="Ceramic mug", hsn_code="6912", gst_rate="12")
    return {"sku": sku, "mug": mug, "bin_a": bin_a, "bin_b": bin_b, "warehouse": warehouse}


@pytest.fixture
def rival(other_tenant):
    """Another tenant's rows, which Acme's users must never see."""
    warehouse = factories.make_warehouse(other_tenant, "DEL9", name="Rival warehouse")
    bin_ = factories.make_bin(warehouse, "R-99", barcode="RIVAL-BIN")
    sku = factories.make_sku(other_tenant, "RIVAL-SECRET", name="Rival secret")
    factories.make_barcode(sku, "RIVAL-EAN")
    stock.receive(sku, bin_, 7, key="rival-grn")
    return {"sku": sku, "bin": bin_, "warehouse": warehouse}


@pytest.fixture
def users(tenant):
    return {
        role: factories.make_user(tenant, role, username=f"acme.{role}", password=PASSWORD)
        for role in ("admin", "operations", "finance", "picker")
    }


@pytest.fixture
def ops(users):
    return client_for(users["operations"])


@pytest.fixture
def finance(users):
    return client_for(users["finance"])


@pytest.fixture
def picker(users):
    return client_for(users["picker"])


@pytest.fixture
def amazon(tenant, warehouse, sku):
    """Acme's Amazon account, served by PNQ1, listing the T-shirt as AMZ-TSHIRT."""
    account = factories.make_account(
        tenant, warehouse, kind="amazon", name="Acme Amazon", buffer_units=2, percent_of_available=50, max_units=10,
        out_of_stock_threshold=3,
    )  # fmt: skip
    factories.make_listing(account, sku, "AMZ-TSHIRT")
    return account


def ordered(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 30, tzinfo=UTC)


@pytest.fixture
def orders(amazon, stocked):
    """Acme's Amazon orders, oldest first: allocated, waiting for an unmapped SKU, unfulfillable (wants more
    T-shirts than there are), and allocated but past its ship-by time."""
    later, earlier = timezone.now() + timedelta(days=2), timezone.now() - timedelta(hours=3)
    rows = [
        ("AMZ-1001", ("AMZ-TSHIRT", 2, "499.50"), later, "Asha Rao"),
        ("AMZ-1002", ("AMZ-MYSTERY", 1, "250"), later, "Ravi Kumar"),
        ("AMZ-1003", ("AMZ-TSHIRT", 50, "450"), later, "Meena Iyer"),
        ("AMZ-1004", ("AMZ-TSHIRT", 1, "1299"), earlier, "Kiran Shah"),
    ]
    return {
        order_id: import_order(
            amazon, order_dto(order_id, line, ordered_at=ordered(day), ship_by=ship_by, buyer_name=buyer)
        )
        for day, (order_id, line, ship_by, buyer) in enumerate(rows, 1)
    }


@pytest.fixture
def rival_order(rival):
    """An order of the rival tenant's own account, which Acme's users must never see."""
    account = factories.make_account(
        rival["sku"].tenant, rival["warehouse"], kind="flipkart", name="Rival Flipkart"
    )
    factories.make_listing(account, rival["sku"], "RIVAL-SECRET")
    return import_order(
        account, order_dto("RIVAL-9001", ("RIVAL-SECRET", 1, "100"), buyer_name="Rival buyer")
    )
