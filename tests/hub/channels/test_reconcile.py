"""The daily stock reconciliation: what each channel shows for every listing, read back through the real
connectors (python-amazon-sp-api, ShopifyAPI) from the sandboxes on loopback, against what the hub offers,
and the channel corrected where they differ.

Each account lists TEE-0 and TEE-1, holds OPENING_STOCK of each and holds BUFFER units back, so the hub
offers OFFERED of each; the account fixture pushes that first, so the channel starts right.
"""

import json

import pytest

from connectors.base import (
    Capability,
    Connector,
    ListingRef,
    OrderPage,
    PushResult,
    RecordFailure,
    StockReading,
)
from connectors.sandbox.base import Faults, SandboxServer
from hub.channels import sync
from hub.channels.models import Listing, ListingOutbox, SyncFailure, SyncRun
from schedules.locks import try_lock
from tests import factories
from tests.connectors.shopify.conftest import LOCATION
from tests.e2e.conftest import (
    BUFFER,
    CHANNEL_SKUS,
    CHANNELS,
    INVENTORY_ITEMS,
    OPENING_STOCK,
    channel_for,
    make_channel_account,
)
from warehouse import stock

OFFERED = OPENING_STOCK - BUFFER
UNLISTED = "TEE-9"  # a listing the hub has and the channel does not
UNKNOWN_ITEM = 7999  # its Shopify inventory item, which the shop does not know


@pytest.fixture(scope="module")
def servers():
    """One loopback server per channel for the whole module."""
    apps, started = {}, []
    try:
        for kind, (app_class, _) in CHANNELS.items():
            app = app_class()
            started.append(SandboxServer(app).start())
            app.url = started[-1].url
            apps[kind] = app
        yield apps
    finally:
        for server in started:
            server.stop()


@pytest.fixture(params=sorted(CHANNELS))
def channel(request, servers):
    return channel_for(servers, request.param)


@pytest.fixture(autouse=True)
def _no_retry_waits(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


@pytest.fixture
def hub_skus(tenant):
    return {code: factories.make_sku(tenant, f"HUB-{code}") for code in CHANNEL_SKUS}


@pytest.fixture
def account(tenant, warehouse, bin_a, hub_skus, channel):
    """The channel's account with its two listings, stocked, and the channel showing what the hub offers."""
    account = make_channel_account(tenant, warehouse, channel, hub_skus)
    for code, sku in hub_skus.items():
        stock.receive(sku, bin_a, OPENING_STOCK, key=f"opening-{code}")
    assert sync.push_stock(account).items_pushed == 2
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)
    with channel.app.lock:  # forget that first push
        channel.app.calls.clear()
        (channel.app.feeds if channel.kind == "amazon" else channel.app.webhooks).clear()
    return account


def set_on_channel(channel, sku: str, quantity: int) -> None:
    """The channel's quantity changes behind the hub's back (a sale, an edit in the seller portal)."""
    if channel.kind == "amazon":
        channel.app.set_listing(sku, quantity)
    else:
        channel.app.stock_items(LOCATION, {INVENTORY_ITEMS.get(sku, UNKNOWN_ITEM): quantity})


def held(account) -> dict[str, int | None]:
    """What each listing last read back from the channel."""
    return dict(Listing.objects.filter(account=account).values_list("channel_sku", "channel_quantity"))


def pushed(channel) -> list[str]:
    """The channel SKUs the channel was sent a quantity of since the account was set up."""
    if channel.kind == "amazon":
        return [sku for feed in channel.app.state()["feeds"] for sku in feed["skus"]]
    skus = {item: sku for sku, item in INVENTORY_ITEMS.items()}
    return [skus[level["inventory_item_id"]] for topic, level in channel.app.webhooks if topic == "inventory_levels/update"]


def statuses(channel) -> set[int]:
    return {status for _, _, status in channel.app.calls}


def test_a_drifted_listing_is_read_shown_and_corrected_and_a_matching_one_is_left_alone(channel, account):
    set_on_channel(channel, "TEE-0", 5)

    run = sync.reconcile_stock(account, trigger="schedule")

    assert (run.stream, run.status, run.trigger) == ("reconcile", "succeeded", "schedule")
    assert run.message == f"2 read, 1 differed (TEE-0: channel had 5, hub offers {OFFERED}), 1 corrected."
    assert (run.items_pushed, run.items_rejected, run.errors) == (1, 0, 0)
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)  # the channel is right again
    assert held(account) == {"TEE-0": 5, "TEE-1": OFFERED}  # what the channel showed when it was read
    assert not Listing.objects.filter(account=account, channel_quantity_at__isnull=True).exists()
    correction = SyncRun.objects.get(account=account, stream="stock", trigger="reconcile")
    assert (correction.status, correction.items_pushed) == ("succeeded", 1)  # TEE-1 matched: not sent
    assert pushed(channel) == ["TEE-0"]
    assert not ListingOutbox.objects.filter(account=account).exists()


def test_when_the_channel_shows_what_the_hub_offers_nothing_is_pushed(channel, account):
    run = sync.reconcile_stock(account)

    assert (run.status, run.message) == ("succeeded", "2 read, 0 differed, 0 corrected.")
    assert held(account) == dict.fromkeys(CHANNEL_SKUS, OFFERED)
    assert not SyncRun.objects.filter(account=account, stream="stock", trigger="reconcile").exists()
    assert pushed(channel) == []
    assert not ListingOutbox.objects.exists()


def test_the_offer_compared_is_the_policys_not_what_was_last_pushed(channel, account, hub_skus, bin_a):
    stock.receive(hub_skus["TEE-1"], bin_a, 10, key="more-tee-1")  # noted in the outbox; not pushed yet
    account.max_units = 20
    account.save(update_fields=["max_units"])  # a policy change the push has not sent either

    run = sync.reconcile_stock(account)

    assert run.message == (f"2 read, 2 differed (TEE-0: channel had {OFFERED}, hub offers 20; "
                           f"TEE-1: channel had {OFFERED}, hub offers 20), 2 corrected.")  # fmt: skip
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, 20)


def test_a_listing_the_channel_does_not_know_is_a_failure_and_the_run_partial(channel, account, tenant):
    listing = factories.make_listing(account, factories.make_sku(tenant, "HUB-TEE-9"), UNLISTED, channel_item_id="B0TEE9",
                                     channel_inventory_item_id=str(UNKNOWN_ITEM))  # fmt: skip
    set_on_channel(channel, "TEE-1", 0)

    run = sync.reconcile_stock(account)

    assert (run.status, run.errors) == ("partial", 1)
    assert run.message == f"2 read, 1 differed (TEE-1: channel had 0, hub offers {OFFERED}), 1 corrected, 1 could not be read."
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)  # the others were reconciled all the same
    failure = SyncFailure.objects.get(account=account)
    assert (failure.stream, failure.record_key, failure.status, failure.run) == ("reconcile", UNLISTED, "open", run)
    expected = "404 NOT_FOUND: SKU 'TEE-9' not found" if channel.kind == "amazon" else f"Shopify has no inventory item {UNKNOWN_ITEM}."
    assert expected in failure.error
    assert held(account)[UNLISTED] is None

    set_on_channel(channel, UNLISTED, 4)  # the seller lists it; the hub has none of it to offer
    sync.retry_failure(failure)

    failure.refresh_from_db()
    listing.refresh_from_db()
    assert failure.status == "resolved"
    assert listing.channel_quantity == 4
    on_channel = channel.app.listings[UNLISTED] if channel.kind == "amazon" else channel.app.levels[(UNKNOWN_ITEM, LOCATION)]["available"]
    assert on_channel == 0


def test_429s_and_500s_while_reading_are_retried_and_nothing_is_lost(channel, account, monkeypatch):
    set_on_channel(channel, "TEE-0", 5)
    set_on_channel(channel, "TEE-1", 50)
    connector = sync.connector_for(account)
    read = connector.read_stock

    def read_then_recover(listings):  # the channel is healthy again once the read has gone through
        reading = read(listings)
        channel.app.faults = Faults()
        return reading

    monkeypatch.setattr(connector, "read_stock", read_then_recover)
    channel.app.faults = Faults(rate_limit_every=2, error_every=3, retry_after=0.5)
    channel.app._counter = 1  # so the very next call is the 2nd: 429, 500, 429, then one goes through

    run = sync.reconcile_stock(account, connector=connector)

    assert {429, 500} <= statuses(channel)
    assert (run.status, run.errors) == ("succeeded", 0), run.message
    assert run.message == (f"2 read, 2 differed (TEE-0: channel had 5, hub offers {OFFERED}; "
                           f"TEE-1: channel had 50, hub offers {OFFERED}), 2 corrected.")  # fmt: skip
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)


def test_a_read_that_keeps_failing_fails_the_run_and_changes_nothing(channel, account, settings):
    settings.SYNC_RETRY_ATTEMPTS = 3
    set_on_channel(channel, "TEE-0", 5)
    channel.app.faults = Faults(error_every=1)

    run = sync.reconcile_stock(account)

    assert run.status == "failed"
    assert run.message.startswith("RetriableConnectorError: ") and "Before it stopped: 0 read, 0 differed" in run.message
    assert held(account) == dict.fromkeys(CHANNEL_SKUS)
    assert not ListingOutbox.objects.exists()
    channel.app.faults = Faults()
    assert channel.offered()["TEE-0"] == 5


def test_a_correction_the_channel_cannot_take_now_waits_in_the_outbox(channel, account, settings, monkeypatch):
    settings.SYNC_RETRY_ATTEMPTS = 2
    set_on_channel(channel, "TEE-0", 5)
    connector = sync.connector_for(account)
    read = connector.read_stock

    def read_then_fail(listings):  # the channel goes down after answering the read
        reading = read(listings)
        channel.app.faults = Faults(error_every=1)
        return reading

    monkeypatch.setattr(connector, "read_stock", read_then_fail)

    run = sync.reconcile_stock(account, connector=connector)

    assert run.status == "failed"
    assert run.message.startswith(f"2 read, 1 differed (TEE-0: channel had 5, hub offers {OFFERED}), 0 corrected. "
                                  "The correction failed: RetriableConnectorError")  # fmt: skip
    assert list(ListingOutbox.objects.values_list("listing__channel_sku", "cause")) == [("TEE-0", "reconcile")]

    channel.app.faults = Faults()
    assert sync.push_stock(account).items_pushed == 1  # the next stock push corrects it
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)


def test_while_a_stock_push_runs_the_corrections_wait_in_the_outbox_for_it(channel, account):
    set_on_channel(channel, "TEE-0", 5)
    running = try_lock(account.pk, "stock")  # a scheduled stock push of the account is under way
    try:
        run = sync.reconcile_stock(account)
    finally:
        running.release()

    assert run.status == "succeeded"
    assert run.message == (f"2 read, 1 differed (TEE-0: channel had 5, hub offers {OFFERED}). Not corrected yet: a stock "
                           "push of the account was running; the differences wait in the outbox for the next one.")  # fmt: skip
    assert not SyncRun.objects.filter(account=account, stream="stock", trigger="reconcile").exists()  # none alongside it
    assert pushed(channel) == []
    assert list(ListingOutbox.objects.values_list("listing__channel_sku", "cause")) == [("TEE-0", "reconcile")]
    assert sync.push_stock(account).items_pushed == 1
    assert channel.offered() == dict.fromkeys(CHANNEL_SKUS, OFFERED)


def test_rejected_credentials_stop_the_account(channel, account):
    account.credentials = json.dumps(channel.bad_credentials())
    account.save(update_fields=["credentials"])

    run = sync.reconcile_stock(account)

    account.refresh_from_db()
    assert run.status == "failed" and run.message.startswith("The channel rejected the credentials")
    assert account.syncs_stopped_at is not None and "Credentials rejected" in account.alert
    with pytest.raises(sync.SyncStopped):
        sync.reconcile_stock(account)


# --- against a scripted connector: many listings, and a channel that cannot report its stock ---------------


class ScriptedChannel(Connector):
    """Reports ``shown`` ({channel SKU: quantity}) three listings a read; takes every stock push."""

    kind = "scripted"
    capabilities = frozenset({Capability.READ_STOCK, Capability.PUSH_STOCK})
    stock_read_batch_size = 3

    def __init__(self, shown: dict[str, int]):
        super().__init__({})
        self.shown = shown
        self.reads: list[list[str]] = []
        self.pushes: list[list[tuple[str, int]]] = []

    def read_orders(self, *, updated_after, token=None):
        return OrderPage([])

    def read_stock(self, listings: list[ListingRef]) -> StockReading:
        self.reads.append([listing.channel_sku for listing in listings])
        return StockReading({listing.channel_sku: self.shown[listing.channel_sku] for listing in listings if listing.channel_sku in self.shown},
                            [RecordFailure(listing.channel_sku, "SKU not found") for listing in listings if listing.channel_sku not in self.shown])  # fmt: skip

    def push_stock(self, updates):
        self.pushes.append([(update.channel_sku, update.quantity) for update in updates])
        return PushResult(frozenset(update.channel_sku for update in updates))


class PushOnlyChannel(ScriptedChannel):
    capabilities = frozenset({Capability.PUSH_STOCK})


@pytest.fixture
def many(tenant, warehouse, bin_a):
    """An account with eight listings of SKUs holding 0 to 7 units, offered all of them."""
    account = factories.make_account(tenant, warehouse, kind="flipkart", name="Flipkart")
    for n in range(8):
        sku = factories.make_sku(tenant, f"KURTA-{n}")
        if n:
            stock.receive(sku, bin_a, n, key=f"kurta-{n}")
        factories.make_listing(account, sku, f"K-{n}")
    ListingOutbox.objects.all().delete()
    return account


def test_the_message_names_the_first_differences_and_counts_the_rest(many):
    connector = ScriptedChannel({f"K-{n}": 100 + n for n in range(7)} | {"K-7": 7})  # K-7 matches

    run = sync.reconcile_stock(many, connector=connector)

    assert connector.reads == [["K-0", "K-1", "K-2"], ["K-3", "K-4", "K-5"], ["K-6", "K-7"]]
    assert connector.pushes == [[(f"K-{n}", n) for n in range(7)]]  # the offered quantity, the matching one left out
    assert (run.status, run.pages, run.items_pushed) == ("succeeded", 3, 7)
    assert run.message == ("8 read, 7 differed (K-0: channel had 100, hub offers 0; K-1: channel had 101, hub offers 1; "
                           "K-2: channel had 102, hub offers 2; K-3: channel had 103, hub offers 3; "
                           "K-4: channel had 104, hub offers 4; and 2 more), 7 corrected.")  # fmt: skip


def test_a_failure_already_open_is_kept_once_and_resolves_when_the_listing_reads(many):
    shown = {f"K-{n}": n for n in range(7)}  # K-7 is not on the channel
    sync.reconcile_stock(many, connector=ScriptedChannel(shown))
    again = sync.reconcile_stock(many, connector=ScriptedChannel(shown))

    failure = SyncFailure.objects.get(account=many)
    assert (failure.record_key, failure.attempts, failure.run, failure.status) == ("K-7", 2, again, "open")
    assert again.message == "7 read, 0 differed, 0 corrected, 1 could not be read."

    sync.reconcile_stock(many, connector=ScriptedChannel(shown | {"K-7": 7}))

    failure.refresh_from_db()
    assert failure.status == "resolved"


def test_a_channel_that_cannot_report_its_stock_is_skipped_with_a_message(many):
    connector = PushOnlyChannel({"K-1": 50})

    run = sync.reconcile_stock(many, connector=connector)

    assert (run.stream, run.status) == ("reconcile", "succeeded")
    assert run.message == "Skipped: the Flipkart connector cannot report the stock the channel holds."
    assert (connector.reads, connector.pushes) == ([], [])
    assert set(held(many).values()) == {None}
