"""A small warehouse floor for picking: bins whose codes sort naturally, two SKUs (one that may be keyed),
a channel account serving the warehouse, and pickers."""

from types import SimpleNamespace

import pytest

from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from warehouse import stock


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Web store")


@pytest.fixture
def floor(tenant, warehouse, account):
    """RED (scanned unit by unit) in A-01-10, BLUE (keyed quantities allowed) in A-01-02, GREEN in A-01-03."""
    bins = {code: factories.make_bin(warehouse, code) for code in ("A-01-10", "A-01-02", "A-01-03", "B-02-01")}
    skus = {}
    for code, barcode, keyed in (("RED", "8900000000011", False), ("BLUE", "8900000000028", True),
                                 ("GREEN", "8900000000035", False)):  # fmt: skip
        sku = factories.make_sku(tenant, code, name=f"{code.title()} T-shirt", key_quantity=keyed)
        factories.make_barcode(sku, barcode, kind="ean")
        factories.make_listing(account, sku, code)
        skus[code] = sku
    stock.receive(skus["RED"], bins["A-01-10"], 10, key="open-red")
    stock.receive(skus["BLUE"], bins["A-01-02"], 10, key="open-blue")
    stock.receive(skus["GREEN"], bins["A-01-03"], 10, key="open-green")
    return SimpleNamespace(bins=bins, skus=skus, barcode={c: s.barcodes.get().code for c, s in skus.items()})


@pytest.fixture
def picker(tenant):
    return factories.make_user(tenant, "picker", username="pia")


@pytest.fixture
def other_picker(tenant):
    return factories.make_user(tenant, "picker", username="raj")


@pytest.fixture
def place(account):
    """place("O-1", ("RED", 2), ship_by=...): import an order; it is allocated if there is stock."""

    def place(channel_order_id: str, *lines: tuple[str, int], on=None, **fields):
        dto = order_dto(channel_order_id, *((sku, qty, "100") for sku, qty in lines), **fields)
        return import_order(on or account, dto)

    return place
