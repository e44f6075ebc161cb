import pytest
from django.test import Client

from tests import factories
from tests.browser import browser, browser_page  # noqa: F401  (pytest fixtures)
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
