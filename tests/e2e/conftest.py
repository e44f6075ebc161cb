"""The channel sandboxes on loopback for the end-to-end tests, and the hub rows that sync with them.

One server per channel per module (reset before every test). A ``Channel`` wraps a sandbox behind the
few things a test asks of it, so one test reads the same for Amazon and Shopify: add an Indian order
(two lines: ``TEE-0`` x 1 and ``TEE-1`` x 2), cancel it, break it, and read back what the hub pushed
(stock, prices, tracking). The order builders come from the connectors' own conftests.
"""

import abc
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.sandbox.amazon import SANDBOX_CREDENTIALS, AmazonSandbox
from connectors.sandbox.base import Faults, SandboxServer
from connectors.sandbox.shopify import ShopifySandbox
from tests import factories
from tests.connectors.amazon.conftest import FAST, india_item, india_order
from tests.connectors.shopify.conftest import LOCATION, SECRET, indian_order, make_connector
from warehouse import stock

CHANNEL_SKUS = ("TEE-0", "TEE-1")  # every sandbox order: TEE-0 x 1 and TEE-1 x 2
LISTED_PRICE = "499.00"  # what each listing sells at on the channel before the hub prices it
LINE_QUANTITIES = {"TEE-0": 1, "TEE-1": 2}
OPENING_STOCK = 40  # units of each hub SKU
BUFFER = 3  # units the account holds back from the channel
PAGE_SIZE = 2


class Channel(abc.ABC):
    """A sandbox as the tests see it. Order times are recent (the first sync looks back 7 days) and a
    minute apart, in the order they were added."""

    kind: str

    def __init__(self, app) -> None:
        self.app = app
        self.start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.added: list[str] = []

    @property
    @abc.abstractmethod
    def credentials(self) -> dict:
        """What the account stores to reach this sandbox."""

    @property
    @abc.abstractmethod
    def options(self) -> dict:
        """The connector options pointing at this sandbox."""

    def next_time(self) -> datetime:
        return self.start + timedelta(minutes=len(self.added))

    def add_orders(self, count: int) -> list[str]:
        return [self.add_order() for _ in range(count)]

    def break_orders(self, *order_ids: str) -> None:
        """Serve these orders malformed (the sandbox's own fault); the order itself stays good."""
        self.app.faults = Faults(**{**vars(self.app.faults), "malformed": set(order_ids)})

    def clear_calls(self) -> None:
        with self.app.lock:
            self.app.calls.clear()


class AmazonChannel(Channel):
    kind = "amazon"

    @property
    def credentials(self) -> dict:
        return dict(SANDBOX_CREDENTIALS)

    @property
    def options(self) -> dict:
        return {"base_url": self.app.url, "rate_limits": FAST, "page_size": PAGE_SIZE}

    def bad_credentials(self) -> dict:
        return {**SANDBOX_CREDENTIALS, "lwa_client_secret": "not-the-secret"}

    def add_order(self) -> str:
        number = 100 + len(self.added)
        updated = self.next_time().strftime("%Y-%m-%dT%H:%M:%SZ")
        items = [india_item(number * 10 + n, sku=sku, quantity=LINE_QUANTITIES[sku]) for n, sku in enumerate(CHANNEL_SKUS)]
        order_id = self.app.add_order(india_order(number, updated=updated), items)
        self.added.append(order_id)
        return order_id

    def cancel(self, order_id: str) -> None:
        self.app.cancel_order(order_id)

    def updated_at(self, order_id: str) -> datetime:
        return datetime.fromisoformat(self.app.orders[order_id]["LastUpdateDate"])

    def listing_fields(self, channel_sku: str) -> dict:
        return {"channel_item_id": f"B0{channel_sku.replace('-', '')}"}

    def list_skus(self) -> None:
        for sku in CHANNEL_SKUS:
            self.app.set_listing(sku, 0, price=float(LISTED_PRICE))

    def stock_requests(self) -> int:
        """Feeds created: one per batched stock push."""
        return sum(1 for method, path, status in self.app.calls if (method, path, status) == ("POST", "/feeds/2021-06-30/feeds", 202))

    price_requests = stock_requests  # prices go through the same feed flow

    def offered(self) -> dict[str, int]:
        return dict(self.app.state()["listings"])

    def prices(self) -> dict[str, Decimal]:
        """Each listing's our_price, to the paisa."""
        return {sku: Decimal(str(offer["our_price"])).quantize(Decimal("0.01")) for sku, offer in self.app.state()["prices"].items()}

    def tracking_numbers(self, order_id: str) -> list[str]:
        return [package["trackingNumber"] for package in self.app.state()["shipments"].get(order_id, [])]

    def channel_status(self, order_id: str) -> str:
        return self.app.orders[order_id]["OrderStatus"]

    def corrected_payload(self, order_id: str) -> dict:
        """What the channel holds for the order now, in the shape a failure keeps ({"order", "items"})."""
        return {"order": self.app.orders[order_id], "items": self.app.items[order_id]}


INVENTORY_ITEMS = {sku: 7000 + n for n, sku in enumerate(CHANNEL_SKUS)}
VARIANTS = {sku: 5000 + n for n, sku in enumerate(CHANNEL_SKUS)}  # the variant ids of the order builder's lines
PRODUCT = 4000  # both variants are sizes of one product


class ShopifyChannel(Channel):
    kind = "shopify"
    # The credentials the sandbox accepts: exactly those the Shopify connector tests use.
    _credentials = make_connector("http://127.0.0.1").credentials

    @property
    def credentials(self) -> dict:
        return dict(self._credentials)

    @property
    def options(self) -> dict:
        return {"base_url": self.app.url, "page_size": PAGE_SIZE, "timeout": 5}

    def bad_credentials(self) -> dict:
        return {**self._credentials, "access_token": "shpat_revoked"}

    @property
    def webhook_secret(self) -> str:
        return SECRET

    def add_order(self) -> str:
        order = self.app.add_order(indian_order(1001 + len(self.added), updated_at=self.next_time(), lines=len(CHANNEL_SKUS)))
        assert {line["sku"]: line["quantity"] for line in order["line_items"]} == LINE_QUANTITIES  # the builder's lines
        self.added.append(str(order["id"]))
        return str(order["id"])

    def cancel(self, order_id: str) -> None:
        self.app.cancel_order(int(order_id))

    def updated_at(self, order_id: str) -> datetime:
        return datetime.fromisoformat(self.app.orders[int(order_id)]["updated_at"])

    def listing_fields(self, channel_sku: str) -> dict:
        return {"channel_item_id": str(VARIANTS[channel_sku]), "channel_product_id": str(PRODUCT),
                "channel_inventory_item_id": str(INVENTORY_ITEMS[channel_sku])}  # fmt: skip

    def list_skus(self) -> None:
        self.app.stock_items(LOCATION, dict.fromkeys(INVENTORY_ITEMS.values(), 0))
        self.app.add_product(PRODUCT, dict.fromkeys(VARIANTS.values(), LISTED_PRICE))

    def stock_requests(self) -> int:
        """GraphQL calls (the stock tests make no other): one inventorySetQuantities per batched push."""
        return sum(1 for method, path, status in self.app.calls if method == "POST" and path.endswith("/graphql.json") and status == 200)

    price_requests = stock_requests  # one productVariantsBulkUpdate call per batched price push

    def offered(self) -> dict[str, int]:
        return {sku: self.app.levels[(item, LOCATION)]["available"] for sku, item in INVENTORY_ITEMS.items()}

    def prices(self) -> dict[str, Decimal]:
        return {sku: Decimal(self.app.variants[variant]["price"]) for sku, variant in VARIANTS.items()}

    def tracking_numbers(self, order_id: str) -> list[str]:
        return [f["tracking_number"] for f in self.app.state()["fulfillments"] if str(f["order_id"]) == order_id]

    def channel_status(self, order_id: str) -> str:
        return self.app.orders[int(order_id)].get("fulfillment_status") or "unfulfilled"

    def corrected_payload(self, order_id: str) -> dict:
        return self.app.orders[int(order_id)]


CHANNELS = {"amazon": (AmazonSandbox, AmazonChannel), "shopify": (ShopifySandbox, ShopifyChannel)}


@pytest.fixture(scope="module")
def servers():
    """One loopback server per channel for the whole module."""
    apps = {}
    started = []
    try:
        for kind, (app_class, _) in CHANNELS.items():
            app = app_class()
            server = SandboxServer(app).start()
            started.append(server)
            app.url = server.url
            apps[kind] = app
        yield apps
    finally:
        for server in started:
            server.stop()


def channel_for(servers, kind: str) -> Channel:
    app = servers[kind]
    app.reset()
    if kind == "amazon":
        app.items_page_size, app.feed_checks_in_progress = 30, 0
    channel = CHANNELS[kind][1](app)
    channel.list_skus()
    return channel


@pytest.fixture(params=sorted(CHANNELS))
def channel(request, servers) -> Channel:
    """Each channel's sandbox in turn, emptied."""
    return channel_for(servers, request.param)


@pytest.fixture
def shopify(servers) -> ShopifyChannel:
    return channel_for(servers, "shopify")


@pytest.fixture(autouse=True)
def _no_retry_waits(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


@pytest.fixture
def hub_skus(tenant):
    """A hub SKU per channel SKU."""
    return {sku: factories.make_sku(tenant, f"HUB-{sku}") for sku in CHANNEL_SKUS}


def make_channel_account(tenant, warehouse, channel: Channel, hub_skus: dict, **fields):
    account = factories.make_account(
        tenant, warehouse, kind=channel.kind, name=f"{channel.kind} sandbox", credentials=json.dumps(channel.credentials),
        options=channel.options, buffer_units=BUFFER, **fields,
    )  # fmt: skip
    for channel_sku, sku in hub_skus.items():
        factories.make_listing(account, sku, channel_sku, **channel.listing_fields(channel_sku))
    return account


@pytest.fixture
def account(tenant, warehouse, bin_a, hub_skus, channel):
    """The channel's account, served by the warehouse, its SKUs listed, OPENING_STOCK of each on hand."""
    account = make_channel_account(tenant, warehouse, channel, hub_skus)
    for code, sku in hub_skus.items():
        stock.receive(sku, bin_a, OPENING_STOCK, key=f"opening-{code}")
    return account
