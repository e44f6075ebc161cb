"""How long a stock change takes to show on the channels, with a real Celery worker and beat.

100 SKUs are listed on two accounts, an Amazon and a Shopify sandbox (threads of this process on
loopback, each keeping its published limits: the Amazon connector paces itself by Amazon's usage plans,
``AMAZON_RATES``, in buckets shared through Redis; the Shopify sandbox answers from its call and cost
buckets). ``schedules.processes`` starts a worker and beat on the same database and Redis, with
event-driven pushes on (``STOCK_PUSH_ON_CHANGE``, the default debounce). Once the schedule's first round
has run (every listing pushed), a driver process makes stock changes on the 100 SKUs through
``warehouse.stock`` at random moments over ``BENCH_PROPAGATION_SECONDS`` (60), each to a quantity the SKU
has not had before, and reports each change's moment and the quantity each account now offers. This
process watches both sandboxes; a change has reached a channel when the channel shows its offer (or a
later change's). The figure is the time from the change's commit to then, over every change and
channel: ``stock propagation p95: N s (p50: N s, changes: N, channels: N)``. A change still not on a
channel ``BENCH_PROPAGATION_SETTLE`` seconds (120: enough for Amazon's report quota) after the last one
counts with the time waited so far.

It needs PostgreSQL (``DATABASE_URL``) and Redis (``REDIS_URL``); it works in a throwaway database it
creates and drops (named after the configured one) and under a Redis key prefix of its own, deleted after.
"""

import json
import os
import queue
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import redis
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from connectors.sandbox.amazon import AmazonSandbox
from connectors.sandbox.base import SandboxApp, SandboxServer
from connectors.sandbox.shopify import ShopifySandbox

SKU_COUNT = 100
DURATION = float(os.environ.get("BENCH_PROPAGATION_SECONDS", "60"))
CHANGES = int(os.environ.get("BENCH_PROPAGATION_CHANGES", "200"))
SETTLE = float(os.environ.get("BENCH_PROPAGATION_SETTLE", "120"))
OPENING_STOCK = 500
SELLING_PRICE = Decimal("799.00")
AMAZON_BUFFER = 1  # units held back from Amazon, as in the demo
POLL = 0.1  # seconds between looks at the sandboxes
TENANT = "propagation"


def main() -> None:
    if not os.environ.get("DATABASE_URL") or connection.vendor != "postgresql":
        print("stock propagation: skipped (needs DATABASE_URL on PostgreSQL)")
        return
    if problem := _redis_problem():
        print(f"stock propagation: skipped ({problem})")
        return
    from bench.stock_reserve import bench_database

    prefix = f"bench-propagation:{uuid.uuid4().hex[:8]}:"
    name = f"{settings.DATABASES['default']['NAME']}_propagation"
    try:
        with bench_database(name), sandboxes() as apps, override_settings(STOCK_PUSH_ON_CHANGE=False):
            accounts = _set_up(apps)
            result = _measure(apps, accounts, prefix)
    finally:
        _delete_keys(prefix)
    result.report()


def _redis_problem() -> str:
    if not settings.REDIS_URL:
        return "needs REDIS_URL"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} does not answer: {exc}"
    return ""


@contextmanager
def sandboxes() -> Iterator[dict[str, SandboxApp]]:
    apps: dict[str, SandboxApp] = {"amazon": AmazonSandbox(), "shopify": ShopifySandbox()}
    with SandboxServer(apps["amazon"]) as amazon, SandboxServer(apps["shopify"]) as shopify:
        apps["amazon"].url, apps["shopify"].url = amazon.url, shopify.url
        yield apps


def _set_up(apps: dict[str, SandboxApp]) -> dict[str, int]:
    """A tenant, a warehouse and bin, SKU_COUNT SKUs with opening stock, listed on an account per sandbox;
    the sandboxes list them at 0. Returns {channel: account id}."""
    from hub.channels.models import Listing
    from hub.channels.services import save_account, save_listing
    from hub.tenants.management.commands.seed_demo import (
        SHOPIFY_LOCATION_ID,
        asin,
        sandbox_credentials,
        shopify_inventory_item_id,
        shopify_variant_id,
    )

    tenant, bin_, skus = _stock_up()
    options = {"amazon": {"base_url": apps["amazon"].url, "timeout": 10, "page_size": 100, "feed_poll_interval": 0.2},
               "shopify": {"base_url": apps["shopify"].url, "timeout": 10}}  # fmt: skip
    accounts = {}
    for kind in ("amazon", "shopify"):
        fields = {"kind": kind, "name": f"{kind} sandbox", "options": options[kind],
                  "buffer_units": AMAZON_BUFFER if kind == "amazon" else 0}  # fmt: skip
        account = save_account(tenant, fields=fields, warehouses=[bin_.warehouse], credentials=sandbox_credentials(kind))
        for item, sku in enumerate(skus, start=1):
            ids = ({"channel_item_id": asin(item)} if kind == "amazon" else
                   {"channel_item_id": str(shopify_variant_id(item)),
                    "channel_inventory_item_id": str(shopify_inventory_item_id(item))})  # fmt: skip
            save_listing(tenant, fields={"account": account, "sku": sku, "channel_sku": sku.code, **ids})
        accounts[kind] = account.pk
    # The channels hold the catalog's price already: the price stream has nothing to send.
    Listing.objects.filter(tenant=tenant).update(last_pushed_price=SELLING_PRICE)
    for sku in skus:
        apps["amazon"].set_listing(sku.code, 0)
    apps["shopify"].stock_items(SHOPIFY_LOCATION_ID, {shopify_inventory_item_id(item): 0 for item in range(1, SKU_COUNT + 1)})
    return accounts


def _stock_up():
    from hub.catalog.services import save_sku
    from hub.tenants.services import create_tenant
    from warehouse import stock
    from warehouse.models import Bin, Warehouse

    tenant = create_tenant("Propagation Traders", slug=TENANT)
    warehouse = Warehouse.objects.create(
        tenant=tenant, code="PNQ", name="Pune", address_line1="Plot 1, MIDC", city="Pune", state="27", pincode="411019",
    )  # fmt: skip
    bin_ = Bin.objects.create(tenant=tenant, warehouse=warehouse, code="PNQ-A-01", barcode="PNQ-A-01")
    skus = []
    for n in range(SKU_COUNT):
        sku = save_sku(tenant, fields={"code": f"PROP-{n:03d}", "name": f"Propagation tee {n}", "hsn_code": "6109",
                                       "gst_rate": Decimal("5"), "mrp": Decimal("999.00"),
                                       "selling_price": SELLING_PRICE})  # fmt: skip
        stock.receive(sku, bin_, OPENING_STOCK, key=f"opening-{sku.code}")
        skus.append(sku)
    return tenant, bin_, skus


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Change:
    sku: str
    at: float  # time.monotonic() when it had committed (one clock for every process on the machine)
    offers: dict[str, int]  # channel -> the quantity it is offered after the change
    seen: dict[str, float] = field(default_factory=dict)  # channel -> when it first showed this or later


@dataclass
class Result:
    changes: list[Change]
    pushes: dict[str, int]
    first_round: float
    ended: float  # when watching stopped: the wait so far of a change that never arrived
    logs: str  # the worker's and beat's logs

    def latencies(self, channel: str | None = None) -> list[float]:
        return [change.seen.get(name, self.ended) - change.at for change in self.changes
                for name in change.offers if channel in (None, name)]  # fmt: skip

    def report(self) -> None:
        channels = sorted({name for change in self.changes for name in change.offers})
        print(f"stock propagation: first scheduled round (every listing pushed) took {self.first_round:.0f} s; "
              f"logs in {self.logs}")  # fmt: skip
        for name in channels:
            times = self.latencies(name)
            late = sum(1 for change in self.changes if name not in change.seen)
            note = f", {late} not there after {SETTLE:.0f} s (counted as waited so far)" if late else ""
            print(f"stock propagation [{name}]: p50 {_pct(times, 50):.1f} s, p95 {_pct(times, 95):.1f} s, "
                  f"max {max(times):.1f} s, {self.pushes.get(name, 0)} stock pushes{note}")  # fmt: skip
        everything = self.latencies()
        print(f"stock propagation p95: {_pct(everything, 95):.1f} s (p50: {_pct(everything, 50):.1f} s, "
              f"changes: {len(self.changes)}, channels: {len(channels)})")  # fmt: skip


def _pct(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _measure(apps: dict[str, SandboxApp], accounts: dict[str, int], prefix: str) -> Result:
    from django.utils import timezone

    from hub.channels.models import SyncRun
    from schedules.processes import Environment, ProcessGroup

    env = Environment.from_settings(key_prefix=prefix,
                                    extra={"STOCK_PUSH_ON_CHANGE": "1", "LOG_LEVEL": "WARNING"})  # fmt: skip
    with ProcessGroup(env) as group:
        group.start_worker("worker", concurrency=2)
        group.start_beat()
        group.wait_ready()
        started = time.monotonic()
        group.send("schedules.tick")  # the first round now, not at beat's first tick (30 s on)
        _wait_for_first_round(apps, accounts, group)
        first_round = time.monotonic() - started
        driving = timezone.now()
        changes, ended = _drive_and_watch(apps, env, group)
        pushes = {kind: SyncRun.objects.filter(stream="stock", account_id=pk, started_at__gte=driving).count()
                  for kind, pk in accounts.items()}  # fmt: skip
    return Result(changes, pushes, first_round, ended, str(group.directory))


def _wait_for_first_round(apps: dict[str, SandboxApp], accounts: dict[str, int], group, timeout: float = 300) -> None:
    """Until every stream's first scheduled run has finished and both channels show every listing's offer."""
    from hub.channels.models import ChannelAccount
    from hub.channels.selectors import offers
    from schedules.planner import streams_of

    deadline = time.monotonic() + timeout
    wanted = {(pk, stream.name) for pk in accounts.values() for stream in streams_of(ChannelAccount.objects.get(pk=pk))}
    while True:
        finished = _finished_streams(accounts)
        if wanted <= finished and all(
            _shown(apps, kind) == {item.listing.channel_sku: item.quantity for item in offers(ChannelAccount.objects.get(pk=pk))}
            for kind, pk in accounts.items()
        ):  # fmt: skip
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"The first scheduled round did not finish in {timeout:g} s; missing: "
                               f"{sorted(wanted - finished)}\n{group.log_tails()}")  # fmt: skip
        time.sleep(0.5)


def _finished_streams(accounts: dict[str, int]) -> set[tuple[int, str]]:
    from hub.channels.models import SyncRun

    return set(SyncRun.objects.filter(account_id__in=accounts.values(), finished_at__isnull=False)
               .values_list("account_id", "stream"))  # fmt: skip


def _shown(apps: dict[str, SandboxApp], kind: str) -> dict[str, int]:
    """What a sandbox shows now: {channel SKU: quantity}."""
    from hub.tenants.management.commands.seed_demo import SHOPIFY_LOCATION_ID, shopify_inventory_item_id

    app = apps[kind]
    with app.lock:
        if kind == "amazon":
            return dict(app.listings)
        return {f"PROP-{item - 1:03d}": app.levels[(shopify_inventory_item_id(item), SHOPIFY_LOCATION_ID)]["available"]
                for item in range(1, SKU_COUNT + 1)}  # fmt: skip


def _drive_and_watch(apps: dict[str, SandboxApp], env, group) -> tuple[list[Change], float]:
    """Run the driver process; watch the sandboxes until every change is on both channels (or SETTLE)."""
    import subprocess

    from schedules.processes import ROOT

    with open(group.directory / "driver.log", "wb") as errors:
        driver = subprocess.Popen([sys.executable, "-m", "bench.stock_propagation", "--drive"], cwd=ROOT,
                                  env=env.variables(), stdout=subprocess.PIPE, stderr=errors, text=True)  # fmt: skip
        try:
            return _watch(apps, driver, group)
        finally:
            if driver.poll() is None:
                driver.kill()
            driver.wait()


def _watch(apps: dict[str, SandboxApp], driver, group) -> tuple[list[Change], float]:
    reported: queue.Queue[Change] = queue.Queue()
    reader = threading.Thread(target=_read_changes, args=(driver.stdout, reported), daemon=True)
    reader.start()
    changes: list[Change] = []
    last_change = None
    while True:
        while not reported.empty():
            changes.append(reported.get())
        now = time.monotonic()
        _note_seen(changes, {kind: _shown(apps, kind) for kind in apps}, now)
        done = driver.poll() is not None and not reader.is_alive() and reported.empty()
        if done and last_change is None:
            last_change = max((change.at for change in changes), default=now)
            if driver.returncode:
                log = (group.directory / "driver.log").read_text(errors="replace")[-4000:]
                raise RuntimeError(f"The driver failed ({driver.returncode}):\n{log}\n{group.log_tails()}")
        if done and all(len(change.seen) == len(change.offers) for change in changes):
            return changes, now
        if last_change is not None and now - last_change > SETTLE:
            return changes, now
        time.sleep(POLL)


def _read_changes(stream, reported: queue.Queue) -> None:
    for line in stream:
        data = json.loads(line)
        reported.put(Change(data["sku"], data["at"], data["offers"]))


def _note_seen(changes: list[Change], shown: dict[str, dict[str, int]], now: float) -> None:
    """A change has reached a channel once the channel shows its offer or a later change's of the SKU."""
    by_sku: dict[str, list[Change]] = {}
    for change in changes:
        by_sku.setdefault(change.sku, []).append(change)
    for sku, history in by_sku.items():
        for channel, quantities in shown.items():
            current = quantities.get(sku)
            reached = max((i for i, change in enumerate(history) if change.offers.get(channel) == current), default=-1)
            for change in history[: reached + 1]:
                change.seen.setdefault(channel, now)


def _delete_keys(prefix: str) -> None:
    if not settings.REDIS_URL:
        return
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


# --- the driver: a process of its own, with the worker's settings (its pushes reach that worker) -------


def drive(*, duration: float = DURATION, changes: int = CHANGES, seed: int = 20) -> None:
    """Make ``changes`` stock changes at random moments over ``duration`` seconds, each setting a SKU to an
    on-hand quantity it has not had; print each as a JSON line once committed: its SKU, moment and the
    quantity every account is offered now."""
    from hub.catalog.models import SKU
    from hub.channels.models import ChannelAccount, Listing
    from hub.channels.selectors import offers
    from warehouse import stock
    from warehouse.models import Bin

    rng = random.Random(seed)
    skus = list(SKU.objects.filter(tenant__slug=TENANT).order_by("code"))
    bin_ = Bin.objects.get(tenant__slug=TENANT)
    accounts = list(ChannelAccount.objects.filter(tenant__slug=TENANT))
    on_hand = dict.fromkeys((sku.pk for sku in skus), OPENING_STOCK)
    had = {sku.pk: {OPENING_STOCK} for sku in skus}
    start = time.monotonic()
    for n, moment in enumerate(sorted(rng.uniform(0, duration) for _ in range(changes))):
        time.sleep(max(0.0, start + moment - time.monotonic()))
        sku = rng.choice(skus)
        delta = rng.choice([d for d in (-3, -2, -1, 1, 2, 3, 4, 5) if on_hand[sku.pk] + d not in had[sku.pk]])
        if delta > 0:
            stock.receive(sku, bin_, delta, key=f"propagation-{n}")
        else:
            stock.adjust(sku, bin_, delta, key=f"propagation-{n}", reason="Benchmark count")
        at = time.monotonic()
        on_hand[sku.pk] += delta
        had[sku.pk].add(on_hand[sku.pk])
        offered = {account.kind: next(item.quantity for item in offers(account, Listing.objects.filter(account=account, sku=sku)))
                   for account in accounts}  # fmt: skip
        print(json.dumps({"sku": sku.code, "at": at, "offers": offered}), flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["--drive"]:
    import django

    django.setup()
    drive()
