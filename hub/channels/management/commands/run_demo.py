"""``manage.py run_demo``: the channel sandboxes, the demo accounts syncing with them, and the hub.

What ``make demo`` ends with, after ``seed_demo``. Plain Python by default: SQLite, no Redis, the
schedules in-process; with ``REDIS_URL`` set, real ``celery worker`` and ``celery beat`` processes.

1. ``start_demo`` serves the Amazon and Shopify sandboxes in this process (``SandboxServer`` threads on
   loopback), loaded with the demo orders and stock of ``fixtures/demo`` (their times moved so the
   orders read as placed over the two days before the demo accounts were created);
2. points the demo accounts (seed_demo's "Amazon IN (sandbox)" and "Shopify store (sandbox)") at them:
   ``options.base_url`` is the port actually used, the credentials the sandboxes' own; every listing
   is noted for a push, since a sandbox starts with the stale quantities of its files;
3. pulls the orders and pushes the stock of both accounts once, printing what came and went;
4. runs the schedules, as production does, on the demo accounts' own minutes (every minute for orders
   and stock): without ``REDIS_URL`` the in-process scheduler thread of ``schedules.embedded`` ticks
   every ``--tick-every`` seconds with its locks in the database; with ``REDIS_URL`` a ``celery
   worker`` and a ``celery beat`` process are started (``schedules.processes``) and stock changes are
   also pushed within seconds of happening;
5. ``DemoLoop``, a daemon thread, adds a random order to one sandbox (now and then cancels one it
   added) every ``--new-orders-every`` seconds, so orders keep arriving and stock keeps leaving;
6. and the hub is served by ``runserver`` in the foreground until Ctrl-C.

With SQLite the scheduler's writes and the pages' writes queue for the database (IMMEDIATE
transactions, a 30 s timeout); a sync is a few short transactions, so a page never waits long.
"""

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.db.models import Count

import fixtures.demo as demo_data
from connectors.sandbox import sandbox_app
from connectors.sandbox.base import SandboxApp, SandboxServer
from hub.channels import outbox, sync
from hub.channels.models import ChannelAccount, ChannelKind, SyncCursor, SyncRun
from hub.channels.services import save_account
from hub.orders.models import Order
from hub.tenants.management.commands.seed_demo import (
    AMAZON_FAST_RATES,
    DEFAULT_PASSWORD,
    DEMO_ACCOUNTS,
    TENANT_SLUG,
    USERS,
    sandbox_credentials,
    sandbox_options,
)
from hub.tenants.models import Tenant
from schedules import embedded

logger = logging.getLogger(__name__)
Write = Callable[[str], object]
TRIGGER = "demo"
FIRST_PULL_DAYS = 3  # a first pull reads this far back before the fixtures' "now"
OPEN_AMAZON = frozenset({"Pending", "Unshipped"})
# Every channel call and in-process task is logged at INFO: a line every second or two of the demo.
CHATTY_LOGGERS = ("httpx", "pyactiveresource", "celery.app.trace", "kombu")


@dataclass
class DemoChannel:
    """One demo account and the sandbox it talks to."""

    account: ChannelAccount
    app: SandboxApp
    server: SandboxServer
    loaded: dict
    added: list = field(default_factory=list)  # ids of the orders the demo added while running

    @property
    def kind(self) -> str:
        return self.account.kind


@dataclass
class Demo:
    tenant: Tenant
    channels: list[DemoChannel]

    def channel(self, kind: str) -> DemoChannel:
        return next(channel for channel in self.channels if channel.kind == kind)

    def stop(self) -> None:
        for channel in self.channels:
            channel.server.stop()

    # --- the background loop's work ------------------------------------------------------------

    def sync_round(
        self, *, since: dict[int, datetime] | None = None
    ) -> list[tuple[DemoChannel, SyncRun, SyncRun]]:
        """Pull every account's orders, then push every account's stock (an order on one channel changes
        what the others are offered); ``since`` ({account id: time}) overrides a pull's cursor. An
        account whose syncs are stopped is left out."""
        since = since or {}
        pulled = []
        for channel in self.channels:
            channel.account.refresh_from_db()
            pull = partial(sync.sync_orders, since=since.get(channel.account.pk))
            if (orders := self._run(channel, pull)) is not None:
                pulled.append((channel, orders))
        done = []
        for channel, orders in pulled:
            if (stock := self._run(channel, sync.push_stock)) is not None:
                done.append((channel, orders, stock))
        return done

    @staticmethod
    def _run(channel: DemoChannel, stream: Callable[..., SyncRun]) -> SyncRun | None:
        """One stream of the account (the sync builds its connector and closes it); None if syncs stopped."""
        try:
            return stream(channel.account, trigger=TRIGGER)
        except sync.SyncStopped as exc:
            logger.warning("Demo sync skipped: %s", exc)
            return None

    def new_order_round(self, rng: random.Random, *, cancel_chance: float = 0.15) -> str:
        """Add a random order to one sandbox, or now and then cancel one the demo added; say which."""
        channel = rng.choice(self.channels)
        if rng.random() < cancel_chance:
            cancelled = self._cancel_one(channel, rng)
            if cancelled:
                return f"{channel.account.name}: the buyer cancelled order {cancelled}"
        now = datetime.now(UTC)
        if channel.kind == ChannelKind.AMAZON:
            order, items = demo_data.random_amazon_order(rng, now)
            order_id = channel.app.add_order(order, items)
            units = sum(item["QuantityOrdered"] for item in items)
        else:
            order = channel.app.add_order(
                demo_data.random_shopify_order(rng, now, **self._next_shopify_ids(channel))
            )
            order_id, units = str(order["id"]), sum(line["quantity"] for line in order["line_items"])
        channel.added.append(order_id)
        return f"{channel.account.name}: new order {order_id} ({units} unit{'s' if units > 1 else ''})"

    def _cancel_one(self, channel: DemoChannel, rng: random.Random) -> str | None:
        app = channel.app
        with app.lock:
            if channel.kind == ChannelKind.AMAZON:
                open_ids = [i for i in channel.added if app.orders[i].get("OrderStatus") in OPEN_AMAZON]
            else:
                open_ids = [i for i in channel.added
                            if not app.orders[int(i)].get("cancelled_at") and not app.orders[int(i)].get("fulfillment_status")]  # fmt: skip
        if not open_ids:
            return None
        order_id = rng.choice(open_ids)
        if channel.kind == ChannelKind.AMAZON:
            app.cancel_order(order_id)
        else:
            app.cancel_order(int(order_id), reason="customer")
        return order_id

    @staticmethod
    def _next_shopify_ids(channel: DemoChannel) -> dict[str, int]:
        """A fresh order id (from the clock, so a rerun of the demo never repeats one) and the next number."""
        with channel.app.lock:
            orders = channel.app.orders
            order_id = 5_900_000_000_000 + int(time.time() * 1000) % 10**11
            while order_id in orders:
                order_id += 1
            number = (
                max((int(order.get("order_number") or 1000) for order in orders.values()), default=1040) + 1
            )
        return {"order_id": order_id, "number": number}


def start_demo(*, amazon_port: int = 8101, shopify_port: int = 8102, write: Write = logger.info) -> Demo:
    """Serve both sandboxes with the demo data, point the demo accounts at them and sync once.

    Ports 0 take any free ones (tests). The caller stops the servers with ``Demo.stop()``.
    """
    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    if tenant is None:
        raise CommandError("There is no demo tenant; run `manage.py seed_demo` first.")
    ports = {ChannelKind.AMAZON: amazon_port, ChannelKind.SHOPIFY: shopify_port}
    accounts = [_account(tenant, spec.kind, spec.name) for spec in DEMO_ACCOUNTS]
    anchor = min(account.created_at for account in accounts)  # the fixtures' "now": seeding time
    channels: list[DemoChannel] = []
    try:
        for account in accounts:
            channels.append(_serve(account, ports[account.kind], anchor))
        demo = Demo(tenant, channels)
        for channel in channels:
            _connect(tenant, channel)
        first = {c.account.pk: anchor - timedelta(days=FIRST_PULL_DAYS) for c in channels
                 if not SyncCursor.objects.filter(account=c.account, stream=sync.ORDERS).exists()}  # fmt: skip
        for channel, orders, stock in demo.sync_round(since=first):
            write(_summary(channel, orders, stock))
    except BaseException:
        for channel in channels:
            channel.server.stop()
        raise
    write(hub_figures(tenant))
    return demo


def _account(tenant: Tenant, kind: str, name: str) -> ChannelAccount:
    account = ChannelAccount.objects.filter(tenant=tenant, kind=kind, name=name).first()
    if account is None:
        raise CommandError(f"The demo account {name!r} is missing; run `manage.py seed_demo` to add it.")
    return account


def _serve(account: ChannelAccount, port: int, anchor: datetime) -> DemoChannel:
    app = sandbox_app(account.kind)
    loaded = demo_data.load(app, account.kind, now=anchor)
    if account.kind == ChannelKind.AMAZON:  # the demo's Amazon answers at the rates the demo account paces itself to
        app.rate_limits = {operation: float(rate[0]) for operation, rate in AMAZON_FAST_RATES.items()}
    if account.kind == ChannelKind.SHOPIFY:  # the shop's products, at their MRP until the hub sends its prices
        for listing in account.listings.filter(is_active=True).exclude(channel_product_id="").select_related("sku"):
            app.add_product(int(listing.channel_product_id), {int(listing.channel_item_id): f"{listing.sku.mrp:.2f}"})
    try:
        server = SandboxServer(app, port=port).start()
    except OSError as exc:
        raise CommandError(f"Cannot serve the {account.kind} sandbox on port {port}: {exc}") from exc
    return DemoChannel(account=account, app=app, server=server, loaded=loaded)


DEMO_MINUTES = {"order_pull_minutes": 1, "stock_push_minutes": 1}  # the demo shows orders flowing at once


def _connect(tenant: Tenant, channel: DemoChannel) -> None:
    """Point the account at its sandbox (new credentials also resume stopped syncs), schedule its syncs
    every minute and note every listing for a push: the sandbox has just started with its files'
    quantities."""
    account = channel.account
    options = {**(account.options or {}), **sandbox_options(account.kind, channel.server.url)}
    channel.account = save_account(tenant, account=account, fields={"options": options, **DEMO_MINUTES},
                                   credentials=sandbox_credentials(account.kind))  # fmt: skip
    outbox.mark_account_changed(channel.account, cause="sandbox")


def _summary(channel: DemoChannel, orders: SyncRun, stock: SyncRun) -> str:
    loaded = sum(
        counts.get("orders", 0) if isinstance(counts, dict) else 0 for counts in channel.loaded.values()
    )
    return (
        f"{channel.account.name}: sandbox {channel.server.url} ({loaded} demo orders)\n"
        f"  orders: {orders.get_status_display()}: {orders.message}\n"
        f"  stock:  {stock.get_status_display()}: {stock.message}"
    )


def hub_figures(tenant: Tenant) -> str:
    """One line on the hub's demo orders: how many, by status, and how many need a person."""
    orders = Order.objects.filter(tenant=tenant)
    by_status = dict(orders.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    parts = ", ".join(
        f"{count} {status}" for status, count in sorted(by_status.items(), key=lambda kv: -kv[1])
    )
    attention = orders.filter(needs_attention=True).exclude(status="cancelled").count()
    return f"Orders in the hub: {orders.count()} ({parts or 'none'}); {attention} need attention"


class DemoLoop(threading.Thread):
    """Every ``new_orders_every`` seconds a new (or cancelled) order in a sandbox; the schedules pull it.
    Errors are logged and the loop goes on; database connections are closed after each round."""

    def __init__(self, demo: Demo, *, new_orders_every: float, write: Write = logger.info,
                 rng: random.Random | None = None) -> None:  # fmt: skip
        super().__init__(name="demo-loop", daemon=True)
        self.demo, self.new_orders_every = demo, new_orders_every
        self.write, self.rng = write, rng or random.Random()  # noqa: S311 (demo data, not secrets)
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        if self.new_orders_every <= 0:
            return
        try:
            while not self.stopping.wait(self.new_orders_every):
                self._guarded("adding an order", lambda: self.write(self.demo.new_order_round(self.rng)))
        finally:
            connection.close()

    def _guarded(self, what: str, work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:
            logger.exception("The demo loop failed %s; it goes on", what)
        finally:
            close_old_connections()


class SyncLog:
    """After each scheduler tick, one line per sync run since the last that brought or sent something,
    or failed (what a person watching the demo wants to see; the quiet runs are on the dashboard)."""

    def __init__(self, tenant: Tenant, write: Write) -> None:
        self.tenant, self.write = tenant, write
        self.seen = SyncRun.objects.filter(tenant=tenant).order_by("-pk").values_list("pk", flat=True).first() or 0

    def __call__(self, counts: dict | None = None) -> None:
        runs = list(SyncRun.objects.filter(tenant=self.tenant, pk__gt=self.seen).exclude(status=SyncRun.Status.RUNNING)
                    .select_related("account").order_by("pk"))  # fmt: skip
        for run in runs:
            self.seen = max(self.seen, run.pk)
            busy = run.orders_created or run.orders_updated or run.items_pushed or run.items_rejected or run.errors
            if busy or run.status == SyncRun.Status.FAILED:
                self.write(f"{run.account.name}: {run.stream} {run.get_status_display().lower()}: {run.message}")


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _quiet(names: tuple[str, ...]) -> dict[str, int]:
    """Raise these loggers to WARNING; returns their levels before, to put back."""
    before = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)
    return before


class Command(BaseCommand):
    help = (
        "Serve the channel sandboxes with demo orders, sync the demo accounts with them, and serve the hub."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Where the hub listens")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--amazon-port", type=int, default=8101, help="The Amazon sandbox's port on 127.0.0.1"
        )
        parser.add_argument(
            "--shopify-port", type=int, default=8102, help="The Shopify sandbox's port on 127.0.0.1"
        )
        parser.add_argument("--tick-every", type=float, default=10,
                            help="Seconds between scheduler ticks, in-process mode (0: no background syncs)")  # fmt: skip
        parser.add_argument("--new-orders-every", type=float, default=60,
                            help="Seconds between new demo orders (0: none)")  # fmt: skip

    def handle(self, *args, host, port, amazon_port, shopify_port, tick_every, new_orders_every, **options) -> None:
        # A SIGTERM (a service manager, `timeout`) ends the demo like Ctrl-C does: the finally blocks below
        # stop the sandboxes, the scheduler and the Celery worker and beat this command started.
        before = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        quieted = _quiet(CHATTY_LOGGERS)
        try:
            self.stdout.write("Starting the channel sandboxes and a first sync of the demo accounts...")
            demo = start_demo(amazon_port=amazon_port, shopify_port=shopify_port, write=self.stdout.write)
            stop_schedules = lambda: None  # noqa: E731
            loop = DemoLoop(demo, new_orders_every=new_orders_every, write=self._log)
            try:
                stop_schedules, cadence = self._start_schedules(demo, tick_every)
                loop.start()
                self._banner(demo, host, port, cadence, new_orders_every)
                call_command("runserver", f"{host}:{port}", use_reloader=False)
            finally:
                loop.stop()
                stop_schedules()
                demo.stop()
        finally:
            for name, level in quieted.items():
                logging.getLogger(name).setLevel(level)
            signal.signal(signal.SIGTERM, before)

    def _start_schedules(self, demo: Demo, tick_every: float) -> tuple[Callable[[], None], str]:
        """Run the schedules in the background; returns how to stop them and a line saying how they run."""
        if tick_every <= 0:
            return (lambda: None), "no background syncs"
        log = SyncLog(demo.tenant, self._log)
        if settings.REDIS_URL:
            return self._start_celery(log), "Celery worker and beat processes (REDIS_URL)"
        scheduler = embedded.start(every=tick_every, on_tick=log)
        return (lambda: scheduler.stop(timeout=30)), f"the in-process scheduler, ticking every {tick_every:g} s"

    def _start_celery(self, log: SyncLog) -> Callable[[], None]:
        """A ``celery worker`` and a ``celery beat`` on this database and Redis (their logs in a temporary
        directory), and a thread printing what their syncs did; returns how to stop them all."""
        from schedules.processes import Environment, ProcessGroup

        group = ProcessGroup(Environment.from_settings())
        try:
            group.start_worker("demo-worker", concurrency=2)
            group.start_beat("demo-beat")
            group.wait_ready()
        except Exception:
            group.stop()
            raise
        self.stdout.write(f"Celery worker and beat are running; their logs: {group.directory}")
        watching = threading.Event()

        def watch() -> None:
            while not watching.wait(5):
                try:
                    log()
                except Exception:
                    logger.exception("Could not read the demo's sync runs; trying again")
                finally:
                    close_old_connections()

        watcher = threading.Thread(target=watch, name="demo-sync-log", daemon=True)
        watcher.start()

        def stop() -> None:
            watching.set()
            watcher.join(10)
            group.stop()

        return stop

    def _log(self, line: str) -> None:
        self.stdout.write(f"[demo {datetime.now().astimezone():%H:%M:%S}] {line}")

    def _banner(self, demo: Demo, host: str, port: int, cadence: str, new_orders_every: float) -> None:
        url = f"http://{host}:{port}"
        users = ", ".join(username for username, _ in USERS)
        self.stdout.write(self.style.SUCCESS(f"\nThe hub: {url}/ (sign in at {url}/login/)"))
        self.stdout.write(f"  logins: {users}; password {DEFAULT_PASSWORD} (unless changed since)")
        for channel in demo.channels:
            self.stdout.write(f"  {channel.account.name}: {channel.server.url}/_sandbox/state "
                              f"(what the channel holds, and the stock the hub pushed)")  # fmt: skip
        orders = f"a new order every {new_orders_every:g} s" if new_orders_every > 0 else "no new orders"
        self.stdout.write(f"  in the background: syncs on each account's schedule (orders and stock every minute) "
                          f"by {cadence}; {orders}. Ctrl-C stops everything.\n")  # fmt: skip
