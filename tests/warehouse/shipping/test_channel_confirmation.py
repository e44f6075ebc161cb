"""The ship confirmation, run for real: an order pulled from the Shopify sandbox is picked, packed and
handed over, and the queued task (run eagerly on commit) sends the courier and AWB to the sandbox
through the real client library. The next pull finds the channel and the hub agreeing."""

import pytest

from connectors.sandbox.base import SandboxServer
from connectors.sandbox.shopify import ShopifySandbox
from hub.channels import sync
from hub.orders.models import Order, OrderEvent
from schedules.tasks import confirm_shipment
from tests import factories
from tests.e2e.conftest import CHANNEL_SKUS, channel_for, make_channel_account
from tests.warehouse.shipping.conftest import pick_all
from warehouse import stock
from warehouse.picking import services as picking
from warehouse.shipping import manifests, packing
from warehouse.shipping.models import BoxSize, Courier


@pytest.fixture(scope="module")
def sandboxes():
    """The Shopify sandbox on loopback, for the module."""
    app = ShopifySandbox()
    server = SandboxServer(app).start()
    app.url = server.url
    try:
        yield {"shopify": app}
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_retry_waits(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


@pytest.fixture
def shop(sandboxes):
    return channel_for(sandboxes, "shopify")


@pytest.fixture
def store(tenant, warehouse, shop):
    """The sandbox's account, served by the warehouse, its SKUs listed, 40 of each on the shelf."""
    skus = {code: factories.make_sku(tenant, f"HUB-{code}") for code in CHANNEL_SKUS}
    account = make_channel_account(tenant, warehouse, shop, skus)
    shelf = factories.make_bin(warehouse, "A-01-01")
    for code, sku in skus.items():
        stock.receive(sku, shelf, 40, key=f"opening-{code}")
    return account


def test_handing_over_a_channel_order_confirms_its_tracking_to_the_channel_once(
    shop, store, warehouse, packer, tenant, django_capture_on_commit_callbacks
):
    [channel_order_id] = shop.add_orders(1)
    sync.sync_orders(store)
    order = Order.objects.get(account=store, channel_order_id=channel_order_id)
    assert order.status == "allocated"
    [picklist] = picking.build_picklists(warehouse, mode="single").picklists
    picking.next_picklist(packer, warehouse)
    pick_all(picklist, packer)
    courier = Courier.objects.create(tenant=tenant, name="Delhivery", code="DLV", awb_source="series", awb_prefix="DL",
                                     awb_next=5001, awb_last=5999, awb_digits=10)  # fmt: skip
    box = BoxSize.objects.create(tenant=tenant, code="B3", name="Medium", length_mm=350, breadth_mm=250, height_mm=120)
    shipment = packing.start_packing(tenant, picklist.number, user=packer).shipment
    for item in shipment.items.select_related("sku"):
        for _ in range(item.expected):
            packing.scan_unit(shipment, item.sku.code, user=packer)
    awb = packing.finish_packing(shipment, box=box, weight_grams=700, user=packer).shipment.awb
    manifest, _ = manifests.open_manifest(courier, warehouse, user=packer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        manifests.scan_handover(manifest, awb, user=packer)

    assert len(callbacks) == 1  # the confirmation, sent only once the order is shipped in the hub
    assert awb == "DL0000005001"
    assert shop.tracking_numbers(channel_order_id) == [awb]
    assert shop.channel_status(channel_order_id) == "fulfilled"
    order.refresh_from_db()
    assert order.status == "shipped"
    assert order.events.get(kind="shipment_pushed").details == {"carrier": "Delhivery", "tracking_number": awb}

    assert confirm_shipment.delay(order.pk).get() is True  # a redelivered message sends nothing again
    assert shop.tracking_numbers(channel_order_id) == [awb]
    assert OrderEvent.objects.filter(order=order, kind="shipment_pushed").count() == 1

    sync.sync_orders(store)  # the channel now says fulfilled: the hub agrees, nothing is flagged
    order.refresh_from_db()
    assert (order.status, order.needs_attention) == ("shipped", False)
