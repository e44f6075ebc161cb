"""Acme's inbound world: a supplier, a dock, a damaged cage, storage bins, three items, and an open PO."""

import pytest
from django.test import Client

from tests import factories
from tests.browser import browser, browser_page  # noqa: F401  (pytest fixtures)
from tests.conftest import api_client_for
from warehouse.inbound import services
from warehouse.inbound.models import Supplier
from warehouse.models import Bin

PASSWORD = "pw-Test-12345"
GSTIN = "27AAPFU0939F1ZV"
TSHIRT_EAN, MUG_EAN, SOCKS_EAN = "8901234567890", "8901234500017", "8901234500024"


@pytest.fixture
def supplier(tenant):
    return Supplier.objects.create(tenant=tenant, name="Tiruppur Knits", gstin=GSTIN, contact_name="Selvi")


@pytest.fixture
def dock(warehouse):
    return factories.make_bin(warehouse, "DOCK-1", kind=Bin.Kind.RECEIVING)


@pytest.fixture
def cage(warehouse):
    return factories.make_bin(warehouse, "DMG-1", kind=Bin.Kind.DAMAGED)


@pytest.fixture
def items(tenant, sku):
    """The T-shirt (on the PO), a mug (on the PO), socks sold in packs keyed by quantity (not on the PO)."""
    factories.make_barcode(sku, TSHIRT_EAN, kind="ean")
    mug = factories.make_sku(tenant, "MUG-WHITE", name="Ceramic mug", hsn_code="6912", gst_rate="12")
    factories.make_barcode(mug, MUG_EAN, kind="ean")
    socks = factories.make_sku(tenant, "SOCKS-PACK", name="Ankle socks", hsn_code="6115", key_quantity=True)
    factories.make_barcode(socks, SOCKS_EAN, kind="ean")
    return {"tshirt": sku, "mug": mug, "socks": socks}


def make_po(tenant, supplier, warehouse, *lines, open_it=True, number=""):
    """A PO of (sku, quantity[, unit cost]) lines, opened unless told not to."""
    po = services.create_purchase_order(
        tenant, supplier=supplier, warehouse=warehouse, number=number,
        lines=[services.LineInput(line[0], line[1], *line[2:]) for line in lines],
    )  # fmt: skip
    return services.open_purchase_order(po) if open_it else po


@pytest.fixture
def po(tenant, supplier, warehouse, items, dock, cage):
    """PO-000001: 10 T-shirts and 4 mugs, open."""
    return make_po(tenant, supplier, warehouse, (items["tshirt"], 10, 250), (items["mug"], 4, 120))


@pytest.fixture
def users(tenant):
    return {
        role: factories.make_user(tenant, role, username=f"acme.{role}", password=PASSWORD)
        for role in ("admin", "operations", "finance", "picker")
    }


@pytest.fixture
def apis(users):
    return {role: api_client_for(user) for role, user in users.items()}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def picker(users):
    return client_for(users["picker"])
