"""``make demo``: seed_demo's sandbox accounts and listings, and run_demo's sandboxes, first sync and loop."""

import random
import re
import socket
import threading
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from connectors.sandbox.amazon import SANDBOX_CREDENTIALS
from fixtures import demo as demo_data
from hub.catalog.models import SKU
from hub.channels.management.commands import run_demo
from hub.channels.management.commands.run_demo import Demo, DemoLoop, start_demo
from hub.channels.models import ChannelAccount, Listing, ListingOutbox, SyncRun
from hub.orders.models import Order
from hub.tenants.management.commands.seed_demo import SHOPIFY_LOCATION_ID
from schedules import embedded
from schedules.models import SyncLock

AMAZON, SHOPIFY = "Amazon IN (sandbox)", "Shopify store (sandbox)"


@pytest.fixture(autouse=True)
def _no_retry_waits(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    seed()
    started = start_demo(amazon_port=0, shopify_port=0, write=lambda line: None)
    yield started
    started.stop()


def channel_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (ChannelAccount, Listing)}


@pytest.mark.django_db
def test_seed_demo_connects_two_sandbox_accounts_listing_every_sku_once():
    first_output = seed()
    first = channel_counts()
    output = seed()

    assert "2 channel accounts, 80 listings" in first_output
    assert channel_counts() == first == {"ChannelAccount": 2, "Listing": 80}
    assert "nothing to create" in output
    amazon, shopify = ChannelAccount.objects.get(name=AMAZON), ChannelAccount.objects.get(name=SHOPIFY)
    assert (amazon.kind, amazon.buffer_units, shopify.kind, shopify.buffer_units) == (
        "amazon",
        1,
        "shopify",
        0,
    )
    for account in (amazon, shopify):
        assert sorted(account.warehouses.values_list("code", flat=True)) == ["BLR", "PNQ"]
        assert account.options["base_url"].startswith("http://127.0.0.1:")
    assert amazon.credentials_dict == SANDBOX_CREDENTIALS
    assert shopify.credentials_dict["location_id"] == str(SHOPIFY_LOCATION_ID)
    codes = set(SKU.objects.values_list("code", flat=True))
    assert len(codes) == 40
    for account in (amazon, shopify):
        listings = list(account.listings.select_related("sku"))
        assert {listing.channel_sku for listing in listings} == codes
        assert all(listing.channel_sku == listing.sku.code for listing in listings)
        assert len({listing.channel_item_id for listing in listings}) == 40
    assert all(
        re.fullmatch(r"B0DEMO\d{4}", asin)
        for asin in amazon.listings.values_list("channel_item_id", flat=True)
    )
    # The demo files name the same ids as the listings: ASINs, Shopify variants and inventory items.
    for item in demo_data.catalog():
        assert amazon.listings.get(channel_sku=item.code).channel_item_id == item.asin
        listing = shopify.listings.get(channel_sku=item.code)
        assert (listing.channel_item_id, listing.channel_inventory_item_id) == (
            str(item.variant_id),
            str(item.inventory_item_id),
        )


def test_the_demo_files_are_channel_bodies_over_the_demo_skus(db):
    seed()
    codes = set(SKU.objects.values_list("code", flat=True))
    amazon = demo_data.read("amazon_orders.json")
    skus = [item["SellerSKU"] for items in amazon["OrderItems"].values() for item in items]
    shopify = demo_data.read("shopify_orders.json")["orders"]
    skus += [line["sku"] for order in shopify for line in order["line_items"]]

    assert len(amazon["payload"]["Orders"]) + len(shopify) >= 30
    assert set(skus) - codes == {demo_data.UNMAPPED_SKU}
    assert any(order["PaymentMethod"] == "COD" for order in amazon["payload"]["Orders"])
    assert any(order["gateway"] == demo_data.COD_GATEWAY for order in shopify)
    assert all(order.get("LatestShipDate") for order in amazon["payload"]["Orders"])
    # moved so that the files' "now" is the given one, each time written as it was
    now = datetime(2030, 1, 15, 12, tzinfo=UTC)
    moved = demo_data.shifted(amazon, now - demo_data.ANCHOR)
    assert moved["payload"]["LastUpdatedBefore"] <= "2030-01-15T12:00:00Z"
    assert min(order["PurchaseDate"] for order in moved["payload"]["Orders"]) >= "2030-01-13T12:00:00Z"
    assert demo_data.shifted({"t": "2025-06-02T12:00:00+05:30"}, now - demo_data.ANCHOR) == {
        "t": "2030-01-15T17:30:00+05:30"
    }


def test_the_demo_imports_the_orders_of_both_sandboxes_and_pushes_stock_to_both(demo):
    amazon, shopify = demo.channel("amazon"), demo.channel("shopify")
    orders = Order.objects.filter(tenant=demo.tenant)

    for channel in (amazon, shopify):
        channel.account.refresh_from_db()
        assert channel.account.options["base_url"] == channel.server.url
        assert orders.filter(account=channel.account).count() == len(channel.app.orders) > 10
        assert not SyncRun.objects.filter(account=channel.account).exclude(status="succeeded").exists()
    live = orders.exclude(status__in=["cancelled", "pending"])
    assert live.filter(status="allocated").count() >= 0.8 * live.count()
    attention = list(orders.filter(needs_attention=True))
    assert [(o.account_id, o.attention_reason) for o in attention] == [
        (amazon.account.pk, f"Unmapped SKU: {demo_data.UNMAPPED_SKU}")
    ]
    assert orders.filter(payment_mode="cod", account=amazon.account).exists()
    assert orders.filter(payment_mode="cod", account=shopify.account).exists()
    allocated = orders.filter(status="allocated").select_related("warehouse")
    assert any(order.ship_state != order.warehouse.state for order in allocated), "an inter-state order"
    assert any(order.ship_state == order.warehouse.state for order in allocated), "an intra-state order"
    assert all(order.ship_by for order in orders.filter(account=amazon.account))

    # Stock went out: every listing's quantity is in its sandbox, and Amazon is offered one unit less.
    assert not ListingOutbox.objects.exists()
    pushed = {listing.channel_sku: listing.last_pushed_quantity for listing in amazon.account.listings.all()}
    assert amazon.app.state()["listings"] == {**pushed, demo_data.UNMAPPED_SKU: 3}
    by_item = {int(listing.channel_inventory_item_id): listing for listing in shopify.account.listings.all()}
    levels = {
        level["inventory_item_id"]: level["available"] for level in shopify.app.state()["inventory_levels"]
    }
    assert levels == {item: listing.last_pushed_quantity for item, listing in by_item.items()}
    for listing in by_item.values():
        assert pushed[listing.channel_sku] == max(0, listing.last_pushed_quantity - 1)
    assert any(quantity > 10 for quantity in levels.values())  # not the files' stale 10s


def test_the_demo_accounts_take_the_hubs_prices(demo):
    from hub.channels import sync

    for channel in demo.channels:
        run = sync.push_prices(channel.account)
        assert (run.status, run.items_pushed, run.items_rejected) == ("succeeded", 40, 0), run.message


def test_a_loop_round_adds_an_order_that_the_next_sync_imports(demo):
    before = Order.objects.count()

    message = demo.new_order_round(random.Random(7), cancel_chance=0)
    rounds = demo.sync_round()

    channel = next(channel for channel in demo.channels if channel.added)
    assert "new order" in message and channel.added[0] in message
    assert Order.objects.count() == before + 1
    order = Order.objects.get(account=channel.account, channel_order_id=channel.added[0])
    assert order.status == "allocated"
    assert [(c.kind, o.status, s.status) for c, o, s in rounds] == [
        ("amazon", "succeeded", "succeeded"),
        ("shopify", "succeeded", "succeeded"),
    ]
    assert sum(stock.items_pushed for _, _, stock in rounds) >= 1  # the reservation changed what is offered


def test_a_cancelled_demo_order_releases_its_stock_and_the_push_gives_it_back(demo):
    shopify = Demo(demo.tenant, [demo.channel("shopify")])
    rng = random.Random(3)
    shopify.new_order_round(rng, cancel_chance=0)
    shopify.sync_round()
    order = Order.objects.get(channel_order_id=shopify.channels[0].added[0])
    line = order.lines.select_related("listing").first()
    reserved_quantity = line.listing.last_pushed_quantity

    message = shopify.new_order_round(rng, cancel_chance=1)
    shopify.sync_round()

    assert "cancelled" in message
    order.refresh_from_db()
    line.listing.refresh_from_db()
    assert order.status == "cancelled"
    assert line.listing.last_pushed_quantity == reserved_quantity + line.quantity


def test_the_loop_keeps_going_after_a_failed_round_and_stops_when_told():
    calls = {"orders": 0}
    enough = threading.Event()

    class Flaky:
        def new_order_round(self, rng):
            calls["orders"] += 1
            if calls["orders"] >= 3:
                enough.set()
            raise RuntimeError("sandbox hiccup")

    loop = DemoLoop(Flaky(), new_orders_every=0.01, write=lambda line: None)
    loop.start()
    assert enough.wait(5)
    loop.stop()
    loop.join(5)

    assert not loop.is_alive()
    assert calls["orders"] >= 3


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_in_process_scheduler_keeps_orders_flowing(settings):
    settings.REDIS_URL = ""
    settings.SCHEDULE_MINUTE_SECONDS = 0.2  # the demo accounts' "every minute", in a fifth of a second
    seed()
    demo = start_demo(amazon_port=0, shopify_port=0, write=lambda line: None)
    lines = []
    scheduler = None
    try:
        log = run_demo.SyncLog(demo.tenant, lines.append)
        rng = random.Random(11)
        added = [demo.new_order_round(rng, cancel_chance=0) for _ in range(3)]
        ids = [channel_id for channel in demo.channels for channel_id in channel.added]
        for channel in demo.channels:  # prices and reconciliation ran a moment ago: this test is about orders
            for stream in ("prices", "reconcile"):
                SyncRun.objects.create(tenant=demo.tenant, account=channel.account, stream=stream, status="succeeded")
        arrived = threading.Event()

        def after_tick(counts):  # in the scheduler's thread: SQLite's shared test database has one writer
            log(counts)
            if Order.objects.filter(channel_order_id__in=ids).count() == 3:
                arrived.set()

        scheduler = embedded.start(every=0.1, on_tick=after_tick)
        assert arrived.wait(30), lines
    finally:
        if scheduler is not None:
            scheduler.stop(timeout=30)
        demo.stop()

    assert len(added) == 3
    assert any("orders succeeded" in line and "1 new" in line for line in lines), lines
    assert not SyncLock.objects.exists()  # every lock released


@pytest.mark.django_db
def test_run_demo_serves_the_hub_after_the_setup_and_stops_the_sandboxes(monkeypatch):
    seed()
    served = {}

    def runserver(name, address, **options):
        served.update(name=name, address=address, **options)

    monkeypatch.setattr(run_demo, "call_command", runserver)
    out = StringIO()

    call_command("run_demo", "--port", "8123", "--amazon-port", "0", "--shopify-port", "0", "--tick-every", "0",
                 "--new-orders-every", "0", stdout=out)  # fmt: skip

    text = out.getvalue()
    assert served == {"name": "runserver", "address": "127.0.0.1:8123", "use_reloader": False}
    assert "40 pushed, 0 rejected" in text
    assert "demo-ops" in text and "demo-pass-123" in text
    urls = re.findall(r"(http://127\.0\.0\.1:\d+)/_sandbox/state", text)
    assert len(urls) == 2
    assert urls == [ChannelAccount.objects.get(name=name).options["base_url"] for name in (AMAZON, SHOPIFY)]
    for url in urls:  # stopped once the hub stops serving
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=1).close()
