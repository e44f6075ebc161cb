"""Sale-day ingest: how fast ``import_orders`` stores, allocates and reserves orders, against a bare COPY.

The issue's target is 400,000 order items (order lines) imported, allocated and reserved on a 2-core
machine in under 10 minutes, i.e. at least 670 items/s, on PostgreSQL. This runs the same loop on
``BENCH_INGEST_ITEMS`` items, twice (default 20,000, a couple of minutes in all); the issue's 400,000 is
that loop x20 (x10 with ``BENCH_INGEST_ITEMS=40000``), so the time it would take is projected from the
measured rate and printed. ``BENCH_INGEST_ITEMS=400000`` runs it for real (about an hour, both ways).

Set-up (off the clock): one tenant, two warehouses (Maharashtra 27 and Karnataka 29) with three storage
bins each, 2,000 SKUs with plenty of stock in one or two bins of each warehouse, one custom channel
account served by both warehouses, with a listing for every SKU. The orders are ``OrderDTO``\\ s of one to
three lines of SKUs picked uniformly, one to three units each, shipped to buyers in several states (by
GST code or by name), prepaid or COD; pages of 250, as a connector hands them over.

Measured:

- one process importing the pages one after another;
- two worker processes (the machine has two cores), each with its own connection, importing disjoint
  halves of another set of orders at once; the clock runs from when both are ready until both are done.

The line prints the better of the two. The floor is a ``COPY`` (psycopg ``cursor.copy()``) of the same
number of order rows and line rows, with the columns the import writes, into the same tables, in one
transaction: rows/s = (orders + lines) / s. ratio = floor / ingest says how many times slower a real
import (validation, upsert, mapping, allocation, reservation, ledger, timeline, outbox) is than writing its
rows bare.

Before printing, the run is checked: every order is stored once and allocated, every unit reserved is an
allocated line's, and no stock level drifts from the ledger (``stock_drift``).

Needs PostgreSQL (``DATABASE_URL``); it works in a throwaway database on the same server (see
``bench.stock_reserve.bench_database``) and drops it at the end. A second line gives the details: both
rates, the queries one page of 250 new orders costs, and the projected time for 400,000 items.
"""

import multiprocessing
import os
import queue
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from django.db import connection, connections
from psycopg import sql

# Nothing at module level may need Django's apps loaded: the worker processes import this module first.

BENCH_DATABASE = "channel_hub_bench_ingest"
ITEMS = int(os.environ.get("BENCH_INGEST_ITEMS", "20000"))
TARGET_ITEMS = 400_000
TARGET_SECONDS = 600
PAGE = 250
WORKERS = 2
SKU_COUNT = 2000
BINS_PER_WAREHOUSE = 3
ON_HAND = 50_000  # per level: far beyond what even the 400,000-item run takes of one SKU
SALE_DAY = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
# (state as the channel sends it, city, PIN code), weighted: most buyers are in the warehouses' states.
BUYERS = [
    ("27", "Pune", "411001"), ("Maharashtra", "Mumbai", "400001"), ("29", "Bengaluru", "560001"),
    ("Karnataka", "Mysuru", "570001"), ("07", "New Delhi", "110001"), ("33", "Chennai", "600001"),
    ("09", "Lucknow", "226001"), ("19", "Kolkata", "700001"),
]  # fmt: skip
BUYER_WEIGHTS = [25, 15, 20, 5, 15, 8, 7, 5]


def main() -> None:
    if not os.environ.get("DATABASE_URL") or connection.vendor != "postgresql":
        print("ingest: skipped (needs DATABASE_URL on PostgreSQL)")
        return
    from bench.stock_reserve import bench_database

    with bench_database(BENCH_DATABASE):
        account = set_up()
        queries, imported = queries_per_page(account)
        pages = sale_pages("S", ITEMS, seed=1)
        single = timed_single(account, pages)
        imported |= _ids(pages)
        double = timed_workers(account, "P", ITEMS, seed=2)
        imported |= _ids(sale_pages("P", ITEMS, seed=2))
        check(account, imported)
        floor = timed_copy(account, sale_pages("F", ITEMS, seed=1))
    best = max(single, double)
    projected = TARGET_ITEMS / best
    print(f"ingest: {best:.0f} items/s, floor: {floor:.0f} rows/s, ratio: {floor / best:.1f}")
    print(
        f"ingest detail: 1 process {single:.0f} items/s, {WORKERS} processes {double:.0f} items/s "
        f"({ITEMS} items each, pages of {PAGE} orders, {queries} queries per page); "
        f"{TARGET_ITEMS:,} items projected in {projected / 60:.1f} min "
        f"(target {TARGET_SECONDS // 60} min, {TARGET_ITEMS / TARGET_SECONDS:.0f} items/s)"
    )


# --- set-up -------------------------------------------------------------------------------------------


def set_up():
    """The tenant, warehouses, bins, SKUs, stock, account and listings; returns the account."""
    from hub.catalog.models import SKU
    from hub.channels.models import ChannelAccount, Listing
    from hub.tenants.services import create_tenant
    from warehouse import stock
    from warehouse.models import Bin, Warehouse

    tenant = create_tenant("Bench Sale Traders", slug="bench-sale")
    warehouses = [
        Warehouse.objects.create(
            tenant=tenant, code=code, name=f"{city} warehouse", address_line1="Plot 1", city=city, state=state,
            pincode=pincode,
        )
        for code, city, state, pincode in [("PNQ", "Pune", "27", "411019"), ("BLR", "Bengaluru", "29", "562123")]
    ]  # fmt: skip
    bins = {
        warehouse.pk: [
            Bin.objects.create(tenant=tenant, warehouse=warehouse, code=code, barcode=code)
            for code in (f"{warehouse.code}-{n}" for n in range(BINS_PER_WAREHOUSE))
        ]
        for warehouse in warehouses
    }  # fmt: skip
    rates = [Decimal("5"), Decimal("12"), Decimal("18")]
    skus = SKU.objects.bulk_create(
        SKU(tenant=tenant, code=f"SALE-{n:05d}", name=f"Sale item {n}", hsn_code="6109", gst_rate=rates[n % 3],
            mrp=Decimal("1999.00"), selling_price=_price(n))
        for n in range(SKU_COUNT)
    )  # fmt: skip
    rng = random.Random(0)
    calls = []
    for sku in skus:
        changes = []
        for warehouse in warehouses:
            for bin_ in rng.sample(bins[warehouse.pk], rng.choice([1, 2])):
                changes.append(stock.Change(sku, bin_, stock.Kind.RECEIVE, on_hand=ON_HAND))
        calls.append(stock.Call(key=f"opening-{sku.code}", changes=changes, reason="opening stock"))
    for start in range(0, len(calls), 200):
        stock.post_many(calls[start : start + 200])
    account = ChannelAccount.objects.create(tenant=tenant, kind="custom", name="Sale site")
    account.warehouses.set(warehouses)
    Listing.objects.bulk_create(
        Listing(tenant=tenant, account=account, sku=sku, channel_sku=_channel_sku(n))
        for n, sku in enumerate(skus)
    )
    return account


def _price(n: int) -> Decimal:
    return Decimal(199 + (n * 37) % 1500) + Decimal("0.50") * (n % 2)


def _channel_sku(n: int) -> str:
    return f"SITE-{n:05d}"


# --- the orders ---------------------------------------------------------------------------------------


def sale_pages(prefix: str, items: int, *, seed: int) -> list[list]:
    """Pages of ``PAGE`` OrderDTOs holding ``items`` lines in all; ids start with ``prefix``."""
    orders = list(_sale_orders(prefix, items, random.Random(seed)))
    return [orders[start : start + PAGE] for start in range(0, len(orders), PAGE)]


def _sale_orders(prefix: str, items: int, rng: random.Random):
    from connectors.base import AddressDTO, ChannelOrderState, OrderDTO, OrderLineDTO, PaymentMode

    n = 0
    while items > 0:
        count = min(items, rng.choices([1, 2, 3], weights=[50, 30, 20])[0])
        items -= count
        order_id = f"{prefix}-{n:07d}"
        lines = tuple(
            OrderLineDTO(
                channel_line_id=f"{order_id}-{k}", channel_sku=_channel_sku(sku), quantity=quantity,
                unit_price=_price(sku), title=f"Sale item {sku}", channel_item_id=f"ITEM{sku:05d}",
            )
            for k, sku in enumerate(rng.sample(range(SKU_COUNT), count), 1)
            for quantity in [rng.choices([1, 2, 3], weights=[75, 18, 7])[0]]
        )  # fmt: skip
        state, city, pincode = rng.choices(BUYERS, weights=BUYER_WEIGHTS)[0]
        items_total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        shipping = Decimal("0") if items_total >= 499 else Decimal("49")
        discount = Decimal("50") if items_total >= 1500 else Decimal("0")
        cod = rng.random() < 0.3
        ordered_at = SALE_DAY + timedelta(seconds=n % 86_400)
        buyer = f"Buyer {n}"
        address = AddressDTO(
            name=buyer, line1=f"{n % 500} Main Road", city=city, state=state, pincode=pincode, phone="9800000000"
        )
        yield OrderDTO(
            channel_order_id=order_id, channel_status="Open", state=ChannelOrderState.OPEN, ordered_at=ordered_at,
            lines=lines, shipping_address=address,
            payment_mode=PaymentMode.COD if cod else PaymentMode.PREPAID, item_total=items_total,
            shipping_total=shipping, discount_total=discount, grand_total=items_total + shipping - discount,
            ship_by=ordered_at + timedelta(hours=rng.choice([24, 48, 72])), buyer_name=buyer,
            buyer_email=f"buyer{n}@example.com", buyer_phone="9800000000", updated_at=ordered_at,
            raw={"id": order_id, "status": "Open", "lines": [line.channel_line_id for line in lines]},
        )  # fmt: skip
        n += 1


def _ids(pages: list[list]) -> set[str]:
    return {dto.channel_order_id for page in pages for dto in page}


def _line_count(pages: list[list]) -> int:
    return sum(len(dto.lines) for page in pages for dto in page)


# --- the clocks ---------------------------------------------------------------------------------------


def import_pages(account, pages: list[list]) -> None:
    from hub.orders.services import import_orders

    for page in pages:
        refused = [outcome for outcome in import_orders(account, page) if outcome.error is not None]
        if refused:
            raise RuntimeError(f"{len(refused)} orders refused, e.g. {refused[0].error}")


def queries_per_page(account) -> tuple[int, set[str]]:
    """The queries one page of PAGE new orders costs (one extra page, off the clock), and its order ids."""
    from django.test.utils import CaptureQueriesContext

    page = sale_pages("Q", PAGE * 3, seed=3)[:1]
    with CaptureQueriesContext(connection) as captured:
        import_pages(account, page)
    return len(captured.captured_queries), _ids(page)


def timed_single(account, pages: list[list]) -> float:
    connection.ensure_connection()
    started = time.perf_counter()
    import_pages(account, pages)
    return _line_count(pages) / (time.perf_counter() - started)


def timed_workers(account, prefix: str, items: int, *, seed: int, workers: int = WORKERS) -> float:
    """Items/s of ``workers`` processes importing disjoint pages of one set of orders at once.

    The workers are spawned, so the script that started Python must keep its work under
    ``if __name__ == "__main__"`` (bench/run.py does), or each worker would run it again.
    """
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connection or lock
    go, results = context.Event(), context.Queue()
    connections.close_all()
    database = connection.settings_dict["NAME"]
    processes = [
        context.Process(
            target=_worker, name=f"ingest-{index}",
            args=(database, account.pk, prefix, items, seed, index, workers, go, results),
        )
        for index in range(workers)
    ]  # fmt: skip
    for process in processes:
        process.start()
    try:
        for _ in processes:  # each worker says it is set up (or why it is not)
            _expect(_next(results, processes), "ready")
        started = time.perf_counter()
        go.set()
        items_done = sum(_expect(_next(results, processes), "done") for _ in processes)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return items_done / elapsed


def _next(results, processes) -> tuple[str, object]:
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"an ingest worker died (exit code {dead[0]}; see its traceback)") from None


def _expect(message: tuple[str, object], kind: str):
    if message[0] != kind:
        raise RuntimeError(f"an ingest worker failed:\n{message[1]}")
    return message[1]


def _worker(database, account_id, prefix, items, seed, index, workers, go, results) -> None:
    """One process: set Django up on the bench database, wait for the go, import its share of the pages."""
    import traceback

    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
        import django
        from django.conf import settings

        django.setup()
        settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = database
        from hub.channels.models import ChannelAccount

        account = ChannelAccount.objects.get(pk=account_id)
        pages = sale_pages(prefix, items, seed=seed)[index::workers]
        connection.ensure_connection()
        results.put(("ready", index))
        go.wait()
        import_pages(account, pages)
        results.put(("done", _line_count(pages)))
    except BaseException:
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def timed_copy(account, pages: list[list]) -> float:
    """Rows/s of COPYing the order and line rows the import would write for ``pages``, bare."""
    from bench.stock_reserve import _conninfo
    from hub.orders.models import Order, OrderLine

    order_columns, order_rows, line_columns, line_rows = _rows(account, [dto for page in pages for dto in page])
    tables = [(Order, order_columns, order_rows), (OrderLine, line_columns, line_rows)]
    with psycopg.connect(_conninfo(connection.settings_dict["NAME"])) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        with conn.transaction():
            for model, columns, rows in tables:
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(model._meta.db_table),
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                )
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
        elapsed = time.perf_counter() - started
    return (len(order_rows) + len(line_rows)) / elapsed


def _rows(account, dtos: list) -> tuple[list[str], list[tuple], list[str], list[tuple]]:
    """The order and line rows as ``import_orders`` builds them (ids drawn from the sequence beforehand)."""
    from hub.channels.models import Listing
    from hub.orders.models import Order, OrderLine
    from hub.orders.services import Checked, _line, _new_order
    from hub.orders.validation import check_order

    listings = {listing.channel_sku: listing for listing in Listing.objects.filter(account=account)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Order._meta.db_table, len(dtos)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    orders, lines = [], []
    for pk, dto in zip(ids, dtos, strict=True):
        order = _new_order(account, Checked(dto, *check_order(dto)))
        order.pk = pk
        orders.append(order)
        lines += [_line(order, line, listings[line.channel_sku]) for line in dto.lines]
    return (*_model_rows(Order, orders, with_pk=True), *_model_rows(OrderLine, lines, with_pk=False))


def _model_rows(model, objects: list, *, with_pk: bool) -> tuple[list[str], list[tuple]]:
    from django.utils import timezone

    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    now = timezone.now()
    for obj in objects:
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(obj, field.attname, now)
    rows = [
        tuple(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields) for obj in objects
    ]
    return [field.column for field in fields], rows


# --- the check ----------------------------------------------------------------------------------------


def check(account, imported: set[str]) -> None:
    """A fast import that lost or doubled orders or broke the ledger would be no result."""
    from django.db.models import Count, Sum

    from hub.orders.models import LineAllocation, Order, OrderLine
    from warehouse.models import StockLevel
    from warehouse.selectors import stock_drift

    stored = Order.objects.filter(account=account)
    ids = list(stored.values_list("channel_order_id", flat=True))
    statuses = dict(stored.values_list("status").annotate(n=Count("id")).order_by())
    if len(ids) != len(imported) or set(ids) != imported:
        raise RuntimeError(f"{len(ids)} orders stored ({len(set(ids))} distinct) for {len(imported)} imported")
    if statuses != {"allocated": len(imported)}:
        raise RuntimeError(f"expected every order allocated, got {statuses}")
    reserved = StockLevel.objects.aggregate(total=Sum("reserved"))["total"]
    allocated = LineAllocation.objects.filter(released=False).aggregate(total=Sum("quantity"))["total"]
    ordered = OrderLine.objects.filter(order__status="allocated").aggregate(total=Sum("quantity"))["total"]
    drift = stock_drift()
    if not reserved == allocated == ordered or drift:
        raise RuntimeError(
            f"stock check failed: {reserved} reserved, {allocated} allocated, {ordered} ordered, "
            f"{len(drift)} drifting levels"
        )
