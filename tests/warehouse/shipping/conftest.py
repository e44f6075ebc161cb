"""A pack station: a warehouse with a GSTIN, three SKUs (BLUE may be keyed), couriers, boxes, and orders
picked through the real picking services so their units wait, reserved, in the packing bin."""

from types import SimpleNamespace

import pytest

from hub.catalog.models import SKU
from hub.orders.models import Order
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.picking import services as picking
from warehouse.picking.models import Picklist
from warehouse.picking.selectors import Walk
from warehouse.selectors import stock_drift
from warehouse.shipping.models import BoxSize, Courier

GSTIN_MH = "27AAPFU0939F1ZV"  # a valid GSTIN registered in Maharashtra (27), where the warehouse is


@pytest.fixture
def warehouse(tenant):
    return factories.make_warehouse(tenant, "PNQ1", gstin=GSTIN_MH, address_line1="Plot 12, MIDC Bhosari")


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Web store")


@pytest.fixture
def floor(tenant, warehouse, account):
    """RED (HSN 6109, 5%) and GREEN scanned unit by unit, BLUE (12%) may be keyed; 10 of each in storage."""
    skus = {}
    for n, (code, keyed, rate, hsn) in enumerate((("RED", False, "5", "6109"), ("BLUE", True, "12", "6105"),
                                                  ("GREEN", False, "5", "6109"))):  # fmt: skip
        sku = factories.make_sku(tenant, code, name=f"{code.title()} T-shirt", key_quantity=keyed, gst_rate=rate,
                                 hsn_code=hsn)  # fmt: skip
        factories.make_barcode(sku, f"89000000000{n}{n}", kind="ean")
        factories.make_listing(account, sku, code)
        stock.receive(sku, factories.make_bin(warehouse, f"A-01-0{n + 1}"), 10, key=f"open-{code}")
        skus[code] = sku
    return SimpleNamespace(skus=skus, barcode={code: sku.barcodes.get().code for code, sku in skus.items()})


@pytest.fixture
def packer(tenant):
    return factories.make_user(tenant, "picker", username="pat")


@pytest.fixture
def series_courier(tenant):
    return Courier.objects.create(tenant=tenant, name="Delhivery", code="DLV", awb_source="series", awb_prefix="DL",
                                  awb_next=1001, awb_last=1003, awb_digits=8)  # fmt: skip


@pytest.fixture
def keyed_courier(tenant):
    return Courier.objects.create(tenant=tenant, name="Blue Dart", code="BD", awb_source="manual")


@pytest.fixture
def box(tenant):
    return BoxSize.objects.create(tenant=tenant, code="B2", name="Small", length_mm=300, breadth_mm=200, height_mm=100)


def pick_all(picklist: Picklist, user) -> Picklist:
    """Walk the picklist bin by bin through the picking services, then finish it."""
    for _ in range(200):
        step = Walk.of(Picklist.objects.get(pk=picklist.pk)).next()
        if step["action"] == "finish":
            return picking.finish_picklist(picklist, user=user).picklist
        if step["action"] == "scan_bin":
            picking.scan_bin(picklist, step["bin"]["barcode"], user=user)
        else:
            sku = SKU.objects.get(pk=step["sku"]["id"])
            picking.scan_item(picklist, sku.code, quantity=step["quantity_left"] if sku.key_quantity else 1, user=user)
    raise AssertionError("the walk never ended")


@pytest.fixture
def place(account):
    """place("O-1", ("RED", 2), ship_state="29"): import an order (allocated, as there is stock)."""

    def place(channel_order_id: str, *lines: tuple[str, int], on=None, price: str = "525", **fields) -> Order:
        dto = order_dto(channel_order_id, *((sku, qty, price) for sku, qty in lines), **fields)
        order = import_order(on or account, dto)
        assert order.status == "allocated", order.events.last().message
        return order

    return place


@pytest.fixture
def picked(warehouse, floor, place, packer):
    """picked(("O-1", [("RED", 2)]), ...): place the orders and pick them on one batch picklist."""

    def picked(*orders, mode: str = "batch", **fields) -> Picklist:
        for channel_order_id, lines in orders:
            place(channel_order_id, *lines, **fields)
        [picklist] = picking.build_picklists(warehouse, mode=mode, max_orders=50).picklists
        picking.next_picklist(packer, warehouse)
        return pick_all(picklist, packer)

    return picked


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(db):
    """After every flow the stock levels still equal the ledger (what ``manage.py audit_stock`` checks)."""
    yield
    assert stock_drift() == []
