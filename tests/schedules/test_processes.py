"""The scheduler as it runs in production: real ``celery worker`` and ``celery beat`` processes
(``schedules.processes``) on PostgreSQL and Redis, syncing with the channel sandboxes over loopback.

The sandboxes are threads of this process; the workers reach them through each account's ``base_url``.
Every row a test writes is committed (the workers are other processes), and the processes work in the
test database, under a Redis key prefix of the test's own. Time is compressed: a tick every second and an
account's "minute" one second long (``conftest.PROCESS_SETTINGS``).

- Killed workers: with the sandboxes failing ~30% of calls (429, 500, timeouts), a worker is SIGKILLed in
  the middle of an order sync, three times; once the faults stop and the schedules catch up, every order
  is in the hub once, every quantity on the channels is what the hub offers, and the ledger is intact.
- Two beats and three workers never run one (account, stream) twice at once (the ``SyncRun`` rows).
- Three workers calling one account stay within its rate limits (the sandbox's log of calls).
"""

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from typing import TypeVar

import pytest
from django.core.management import call_command
from django.db.models import Sum

from connectors.amazon.connector import AMAZON_RATES
from connectors.amazon.transport import operation_of
from connectors.ratelimit import Rate
from connectors.sandbox.amazon import AmazonSandbox
from connectors.sandbox.base import Faults, SandboxServer
from connectors.sandbox.shopify import ShopifySandbox
from hub.catalog.models import SKU
from hub.channels.models import ChannelAccount, ListingOutbox, SyncRun
from hub.channels.selectors import offers
from hub.orders.models import Order
from schedules.locks import lock_key, redis_client
from schedules.processes import Environment, ManagedProcess, ProcessFailed, ProcessGroup, database_url
from tests import factories
from tests.e2e.conftest import CHANNEL_SKUS, LINE_QUANTITIES, AmazonChannel, Channel, ShopifyChannel
from tests.schedules import TEST_REDIS_URL
from warehouse import stock
from warehouse.models import StockLevel

T = TypeVar("T")
OPENING_STOCK = 5000  # units of each hub SKU: every order allocates
BUFFER = 3


@pytest.fixture(scope="module")
def servers():
    """An Amazon and a Shopify sandbox on loopback for the module; each test empties them."""
    apps = {"amazon": AmazonSandbox(), "shopify": ShopifySandbox()}
    with SandboxServer(apps["amazon"]) as amazon, SandboxServer(apps["shopify"]) as shopify:
        apps["amazon"].url, apps["shopify"].url = amazon.url, shopify.url
        yield apps


def channel(servers, kind: str, *, hours_ago: float = 6) -> Channel:
    """The sandbox of ``kind``, emptied, listing the channel SKUs; its orders are placed from ``hours_ago``
    on, a minute apart (in the past: a first sync reads a week back)."""
    app = servers[kind]
    app.reset()
    made = (AmazonChannel if kind == "amazon" else ShopifyChannel)(app)
    made.start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    made.list_skus()
    return made


class Shop:
    """A tenant with one warehouse stocked with the channel SKUs, and its accounts on the sandboxes."""

    def __init__(self) -> None:
        self.tenant = factories.make_tenant("Process Traders")
        self.warehouse = factories.make_warehouse(self.tenant, "PNQ")
        self.bin = factories.make_bin(self.warehouse, "A-01")
        self.skus = {code: factories.make_sku(self.tenant, f"HUB-{code}") for code in CHANNEL_SKUS}
        for code, sku in self.skus.items():
            stock.receive(sku, self.bin, OPENING_STOCK, key=f"opening-{code}")
        self.accounts: dict[int, tuple[ChannelAccount, Channel]] = {}

    def connect(self, channel: Channel, *, name: str | None = None, options: dict | None = None,
                **schedule: int) -> ChannelAccount:  # fmt: skip
        """An account on ``channel``'s sandbox listing every channel SKU; ``schedule`` sets its minutes
        (orders and stock every minute, prices and reconciliation rarely, unless given). An Amazon
        sandbox reports the account's ``rate_limits`` as its rates: the limiter follows what it reports."""
        minutes = {"order_pull_minutes": 1, "stock_push_minutes": 1, "price_push_minutes": 600,
                   "stock_reconcile_minutes": 600, **schedule}  # fmt: skip
        account = factories.make_account(
            self.tenant, self.warehouse, kind=channel.kind, name=name or f"{channel.kind} sandbox",
            credentials=json.dumps(channel.credentials), options={"base_url": channel.app.url, **(options or {})},
            buffer_units=BUFFER, **minutes,
        )  # fmt: skip
        for code, sku in self.skus.items():
            factories.make_listing(account, sku, code, **channel.listing_fields(code))
        if rates := (options or {}).get("rate_limits"):  # the sandbox says the same (x-amzn-RateLimit-Limit)
            channel.app.rate_limits = {operation: float(rate[0]) for operation, rate in rates.items()}
        self.accounts[account.pk] = (account, channel)
        return account


def wait_until(condition: Callable[[], T], *, timeout: float, what: str | Callable[[], str], every: float = 0.25) -> T:
    """Poll ``condition`` until it returns something true (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Not within {timeout:g} s: {what() if callable(what) else what}")
        time.sleep(every)


def start(group: ProcessGroup, *, workers: int, beats: int, concurrency: int = 1) -> None:
    for n in range(1, workers + 1):
        group.start_worker(f"worker{n}", concurrency=concurrency)
    for n in range(1, beats + 1):
        group.start_beat(f"beat{n}")
    group.wait_ready()


# --- killed workers ---------------------------------------------------------------------------------

AMAZON_ORDERS, SHOPIFY_ORDERS = 120, 180
FLAKY = {"fail_ratio": 0.3, "retry_after": 0.05, "stall": 0.5}  # timeouts stall past the clients' 0.3 s
CLIENT = {"timeout": 0.3}
KILLS = 3


@pytest.mark.postgres  # and Redis: the ``processes`` fixture skips, saying why, without either
def test_workers_killed_mid_sync_lose_no_order_and_leave_every_channel_right(servers, processes):
    amazon, shopify = channel(servers, "amazon"), channel(servers, "shopify")
    shop = Shop()
    shop.connect(amazon, options={**CLIENT, "rate_limits": {op: [1000, 1000] for op in AMAZON_RATES},
                                  "page_size": 20, "feed_poll_interval": 0.05})  # fmt: skip
    shop.connect(shopify, options={**CLIENT, "page_size": 25})
    amazon.add_orders(AMAZON_ORDERS)
    shopify.add_orders(SHOPIFY_ORDERS)
    for seed, app in enumerate(servers.values()):
        app.faults = Faults(**FLAKY, seed=seed)
    group = processes()
    start(group, workers=3, beats=1)

    killed = kill_mid_sync(group, shop, times=KILLS, rng=random.Random(5))
    for app in servers.values():
        app.faults = Faults()
    wait_until(lambda: caught_up(shop), timeout=45, what=lambda: f"the hub caught up: {differences(shop)}")
    group.stop()

    assert len(killed) == KILLS
    assert differences(shop) == {}  # still, with every process stopped
    orders = AMAZON_ORDERS + SHOPIFY_ORDERS
    assert Order.objects.filter(tenant=shop.tenant).count() == orders  # ... each once (also a unique key)
    assert reserved(shop) == {code: quantity * orders for code, quantity in LINE_QUANTITIES.items()}
    call_command("audit_stock")  # raises CommandError, listing them, if a level drifted from the ledger


def kill_mid_sync(group: ProcessGroup, shop: Shop, *, times: int, rng: random.Random) -> list[int]:
    """SIGKILL, ``times`` times, the worker running an order sync, at a random moment into the run, and
    restart it; the ids of the runs killed (each left running: its worker never finished it)."""
    killed, seen = [], set()
    deadline = time.monotonic() + 60
    while len(killed) < times:
        if time.monotonic() > deadline:
            pytest.fail(f"Only {len(killed)} of {times} kills landed in a running order sync within 60 s.")
        run = wait_until(lambda: running_order_sync(shop, exclude=seen), timeout=30,
                         what=f"an order sync running (after {len(killed)} kills)")  # fmt: skip
        seen.add(run.pk)
        time.sleep(rng.uniform(0.3, 2.5))
        worker = lock_holder(group, run.account_id, "orders")
        if worker is None:
            continue  # it finished (or failed over) meanwhile; wait for the next one
        worker.kill()
        run.refresh_from_db()
        if run.status == SyncRun.Status.RUNNING:
            killed.append(run.pk)
        worker.restart(wait=False)
    group.wait_ready()
    return killed


def running_order_sync(shop: Shop, *, exclude: set[int]) -> SyncRun | None:
    return (SyncRun.objects.filter(account__in=shop.accounts, stream="orders", status=SyncRun.Status.RUNNING)
            .exclude(pk__in=exclude).order_by("started_at").first())  # fmt: skip


def lock_holder(group: ProcessGroup, account_id: int, stream: str) -> ManagedProcess | None:
    """The worker holding the (account, stream) lock: its token names the pool process (host:pid:uuid)."""
    token = redis_client(TEST_REDIS_URL).get(lock_key(account_id, stream))
    if token is None:
        return None
    return group.holder_of(int(token.decode().split(":")[1]))


def differences(shop: Shop) -> dict:
    """What the hub and the channels disagree on: orders missing or extra, listings still to push,
    quantities on the channel that are not the hub's offer. Empty when they agree."""
    found = {}
    for account, chan in shop.accounts.values():
        hub_orders = Counter(Order.objects.filter(account=account).values_list("channel_order_id", flat=True))
        if missing := set(chan.added) - set(hub_orders):
            found[f"{account.kind}: orders missing"] = len(missing)
        if extra := {order for order, count in hub_orders.items() if order not in chan.added or count > 1}:
            found[f"{account.kind}: orders extra or twice"] = sorted(extra)
        if dirty := ListingOutbox.objects.filter(account=account).count():
            found[f"{account.kind}: outbox notes"] = dirty
        offered = {item.listing.channel_sku: item.quantity for item in offers(account)}
        if chan.offered() != offered:
            found[f"{account.kind}: channel shows"] = (chan.offered(), "hub offers", offered)
    return found


def caught_up(shop: Shop) -> bool:
    return not differences(shop)


def reserved(shop: Shop) -> dict[str, int]:
    return {code: StockLevel.objects.filter(sku=sku).aggregate(total=Sum("reserved"))["total"] or 0
            for code, sku in shop.skus.items()}  # fmt: skip


# --- two beats, three workers ------------------------------------------------------------------------

STREAMS = ("orders", "stock", "prices", "reconcile", "returns")
RUNS_EACH = 4  # finished runs of every (account, stream) before the beats stop


@pytest.mark.postgres  # and Redis: the ``processes`` fixture skips, saying why, without either
def test_two_beats_and_three_workers_never_run_one_stream_of_an_account_twice_at_once(servers, processes):
    amazon, shopify = channel(servers, "amazon"), channel(servers, "shopify")
    for app in servers.values():
        app.faults = Faults(delay=0.02)  # every call takes a while, so runs are long enough to overlap
    shop = Shop()
    every_minute = dict.fromkeys(("order_pull_minutes", "stock_push_minutes", "price_push_minutes",
                                  "stock_reconcile_minutes", "return_pull_minutes"), 1)  # fmt: skip
    for n in (1, 2):
        shop.connect(amazon, name=f"Amazon {n}", options={"page_size": 5, "feed_poll_interval": 0.05,
                     "rate_limits": {op: [1000, 1000] for op in AMAZON_RATES}}, **every_minute)  # fmt: skip
        shop.connect(shopify, name=f"Shopify {n}", options={"page_size": 5}, **every_minute)
    amazon.add_orders(10)
    shopify.add_orders(10)
    group = processes()
    start(group, workers=3, beats=2, concurrency=2)

    def enough_runs() -> bool:
        amazon.add_order()  # orders keep coming: pulls import, stock moves, pushes have work
        shopify.add_order()
        return min(finished_runs(shop).values(), default=0) >= RUNS_EACH

    wait_until(enough_runs, timeout=40, every=0.5, what=lambda: f"{RUNS_EACH} runs of each: {finished_runs(shop)}")
    for beat in ("beat1", "beat2"):
        group[beat].stop()
    group.stop()

    runs = SyncRun.objects.filter(account__in=shop.accounts).order_by("started_at")
    assert not runs.filter(status=SyncRun.Status.RUNNING).exists()
    by_stream: dict[tuple[int, str], list[SyncRun]] = {}
    for run in runs:
        by_stream.setdefault((run.account_id, run.stream), []).append(run)
    assert {stream for _, stream in by_stream} == set(STREAMS)
    overlaps = [(earlier, later) for streams in by_stream.values() for earlier, later in combinations(streams, 2)
                if later.started_at < earlier.finished_at]  # any two, in the order they started  # fmt: skip
    assert overlaps == [], "runs of one (account, stream) overlapped:\n" + "\n".join(map(overlap, overlaps))
    skipped = sum(process.output().count("already running elsewhere; skipped") for process in group)
    assert skipped > 0  # the beats did queue streams that were running: the locks had work to do


def overlap(runs: tuple[SyncRun, SyncRun]) -> str:
    return f"account {runs[0].account_id} {runs[0].stream}: " + " and ".join(
        f"run {run.pk} ({run.trigger}, {run.started_at:%H:%M:%S.%f} to {run.finished_at:%H:%M:%S.%f})" for run in runs)


def finished_runs(shop: Shop) -> dict[tuple[int, str], int]:
    counts = Counter(SyncRun.objects.filter(account__in=shop.accounts, finished_at__isnull=False)
                     .values_list("account_id", "stream"))  # fmt: skip
    return {(account, stream): counts[account, stream] for account in shop.accounts for stream in STREAMS}


# --- the rate limiter across workers ------------------------------------------------------------------

# Low rates (per second, burst) for every Amazon operation, so three busy workers would exceed them.
LOW_RATES = {operation: Rate(2, 2) for operation in AMAZON_RATES} | {
    "getOrderItems": Rate(8, 4), "createRestrictedDataToken": Rate(3, 2), "createFeed": Rate(1, 2),
    "getFeedDocument": Rate(1, 2),
}  # fmt: skip
# The sandbox sees a call when it arrives, a moment after the worker took its token: calls that took
# their tokens 1/rate apart may arrive a little closer. The check allows this much arrival jitter.
JITTER = 0.2
DRIVE_SECONDS = 12
# A worker's log line for a task that ran a stream (it returns the run's id, or a list of them).
SYNCED = re.compile(r"Task schedules\.(sync_account|push_account_stock)\[[^\]]*\] succeeded in [^:]*: \[?\d")


@pytest.mark.postgres  # and Redis: the ``processes`` fixture skips, saying why, without either
def test_three_workers_keep_to_the_accounts_rate_limits(servers, processes):
    amazon = channel(servers, "amazon", hours_ago=3)
    shop = Shop()
    account = shop.connect(amazon, options={"rate_limits": {op: [r.per_second, r.burst] for op, r in LOW_RATES.items()},
                                            "page_size": 10, "feed_poll_interval": 0.05})  # fmt: skip
    amazon.add_orders(40)
    group = processes()
    start(group, workers=3, beats=0)

    sku = shop.skus[CHANNEL_SKUS[0]]
    for n in range(int(DRIVE_SECONDS / 0.3)):  # pulls, stock pushes and price pushes, all the time
        group.send("schedules.sync_account", account.pk, orders=True, stock=False)
        group.send("schedules.push_account_stock", account.pk)
        group.send("schedules.sync_account", account.pk, orders=False, stock=False, prices=True)
        amazon.add_orders(2)
        stock.receive(sku, shop.bin, 1, key=f"more-{n}")  # a change to push
        SKU.objects.filter(tenant=shop.tenant).update(selling_price=Decimal("500.00") + n)  # a price to push
        time.sleep(0.3)
    group.stop(grace=5)

    calls = calls_by_operation(amazon.app.call_log)
    for operation in ("getOrderItems", "createFeed", "getFeedDocument"):  # the limits were reached
        rate = LOW_RATES[operation]
        assert len(calls.get(operation, [])) > rate.burst + rate.per_second * DRIVE_SECONDS / 2, (operation, len(calls.get(operation, [])))
    too_many = {op: worst for op, times in calls.items() if op in LOW_RATES and (worst := over_limit(times, LOW_RATES[op]))}
    assert too_many == {}
    busy = [process.name for process in group if SYNCED.search(process.output())]
    assert len(busy) >= 2, busy  # the calls came from more than one worker


def calls_by_operation(log: Iterable) -> dict[str, list[float]]:
    """When each rate-limited operation's calls arrived, in order."""
    found: dict[str, list[float]] = {}
    for call in log:
        if operation := operation_of(call.method, call.path):
            found.setdefault(operation, []).append(call.at)
    return {operation: sorted(times) for operation, times in found.items()}


def over_limit(times: list[float], rate: Rate, *, jitter: float = JITTER) -> str:
    """The worst window of ``times`` holding more calls than the bucket allows (burst + rate x its
    length, plus ``jitter``), described; "" when none does."""
    worst, described = 0.0, ""
    for i, first in enumerate(times):
        for j in range(i, len(times)):
            span = times[j] - first
            excess = (j - i + 1) - (rate.burst + rate.per_second * (span + jitter))
            if excess > worst + 1e-9:
                worst, described = excess, f"{j - i + 1} calls in {span:.2f} s (allowed {rate.burst} + {rate.per_second:g}/s)"
    return described


def test_the_window_check_sees_calls_beyond_the_limit():
    rate = Rate(1, 2)
    assert over_limit([0.0, 0.0, 1.0, 2.0, 3.0], rate) == ""
    assert over_limit([0.0, 0.0, 0.5, 2.0], rate) == "3 calls in 0.50 s (allowed 2 + 1/s)"
    assert over_limit([t / 2 for t in range(10)], rate) != ""  # twice the rate: sooner or later too many


# --- the harness itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(("database", "url"), [
    ({"ENGINE": "django.db.backends.postgresql", "NAME": "test_hub", "USER": "hub", "PASSWORD": "p@ss:word",
      "HOST": "127.0.0.1", "PORT": 5432, "OPTIONS": {"sslmode": "require"}},
     "postgresql://hub:p%40ss%3Aword@127.0.0.1:5432/test_hub?sslmode=require"),
    ({"ENGINE": "django.db.backends.postgresql", "NAME": "hub", "USER": "postgres", "HOST": "/var/run/postgresql"},
     "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/hub"),
    ({"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/hub/db.sqlite3"}, "sqlite:////srv/hub/db.sqlite3"),
])  # fmt: skip
def test_a_database_becomes_the_url_the_settings_parse_back(database, url):
    import dj_database_url

    assert database_url(database) == url
    parsed = dj_database_url.parse(url)
    assert {key: parsed[key] for key in database if key != "ENGINE"} == {k: v for k, v in database.items() if k != "ENGINE"}


def test_the_processes_get_the_hubs_connections_prefix_and_extra_settings():
    env = Environment("postgresql://postgres@127.0.0.1/hub", "redis://127.0.0.1:6379/3", key_prefix="t:",
                      extra={"SCHEDULE_TICK_SECONDS": 1})  # fmt: skip

    variables = env.variables()

    expected = {"DATABASE_URL": "postgresql://postgres@127.0.0.1/hub", "REDIS_URL": "redis://127.0.0.1:6379/3",
                "REDIS_KEY_PREFIX": "t:", "DJANGO_SETTINGS_MODULE": "hub.settings",
                "SCHEDULE_TICK_SECONDS": "1"}  # fmt: skip
    assert {name: variables[name] for name in expected} == expected
    assert env.celery_app().conf.broker_transport_options == {"global_keyprefix": "t:"}
    with pytest.raises(ValueError, match="REDIS_URL"):
        Environment("sqlite:///db.sqlite3", "").variables()


def test_a_process_that_exits_before_it_is_ready_fails_with_its_log(tmp_path):
    env = Environment("sqlite:///unused", "redis://127.0.0.1:6379/15", app="no_such_module")
    with ProcessGroup(env, directory=tmp_path) as group:
        group.start_worker("broken")
        with pytest.raises(ProcessFailed, match=r"(?s)broken exited \(code [1-9]\d*\) before it was ready.*no_such_module"):
            group.wait_ready(timeout=30)
        with pytest.raises(ValueError, match="INFO"):
            group.start_beat(loglevel="WARNING")
    assert not group["broken"].running
