"""How fast ``warehouse.stock.reserve`` runs under concurrency, against the floor PostgreSQL sets.

Eight threads, each with its own connection, reserve one unit at a time of random SKUs among 100 (every
reserve is its own transaction: idempotency look-up, row lock, level update, ledger insert). The floor is
the same number of bare ``UPDATE ... SET reserved = reserved + 1`` statements over the same rows, one
autocommit transaction each, from eight threads: what one row change per transaction costs with nothing
else around it. The ratio floor / reserve says how many times slower a real reservation is than that
bare update (1.0 would mean the ledger, the checks and the ORM cost nothing; higher is more overhead).

It needs PostgreSQL (``DATABASE_URL``) and never touches the data there: it creates a throwaway database
on the same server, migrates it, works in it and drops it.
"""

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from decimal import Decimal

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Sum
from psycopg import sql

from hub.catalog.models import SKU
from hub.catalog.services import save_sku
from hub.tenants.services import create_tenant
from warehouse import stock
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse
from warehouse.selectors import stock_drift

BENCH_DATABASE = "channel_hub_bench"
THREADS = 8
SKU_COUNT = 100
ON_HAND = 1_000_000
CALLS = int(os.environ.get("BENCH_RESERVE_CALLS", "4000"))  # in total, over all threads
FLOOR_SQL = "UPDATE warehouse_stocklevel SET reserved = reserved + 1 WHERE id = %s"

# A per-thread session: a context manager (opening and closing that thread's connection) that yields
# the function making call number n. The clock runs only while the calls are made.
Session = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def main() -> None:
    if not os.environ.get("DATABASE_URL") or connection.vendor != "postgresql":
        print("reserve: skipped (needs DATABASE_URL on PostgreSQL)")
        return
    with bench_database(BENCH_DATABASE):
        skus, bin_ = _stock_up()
        reserve_rate = timed_rate(_reserve_session(skus, bin_), calls=CALLS)
        _check_ledger(expected_reserved=CALLS)
        level_ids = list(StockLevel.objects.values_list("pk", flat=True))
        floor_rate = timed_rate(_update_session(_conninfo(BENCH_DATABASE), level_ids), calls=CALLS)
    print(f"reserve: {reserve_rate:.0f}/s, floor: {floor_rate:.0f}/s, ratio: {floor_rate / reserve_rate:.1f}")


@contextmanager
def bench_database(name: str) -> Iterator[None]:
    """Point Django's default database at a fresh, migrated ``name`` on the same server; drop it after.

    Django is already set up by bench/run.py, so the name is changed on the connection settings (the same
    dict as ``settings.DATABASES['default']``) while no connection is open; every thread's new connection
    then reads it. The original name is put back at the end for the benchmarks that run after this one.
    """
    connections.close_all()
    database = settings.DATABASES["default"]
    original = database["NAME"]
    _recreate(name)
    database["NAME"] = connections["default"].settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connections.close_all()
        database["NAME"] = connections["default"].settings_dict["NAME"] = original
        _drop(name)


def _conninfo(dbname: str) -> str:
    database = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=dbname,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
    )


def _maintenance(statement: sql.Composable) -> None:
    """Run CREATE/DROP DATABASE from the server's maintenance database (they cannot run in a transaction)."""
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(statement)


def _recreate(name: str) -> None:
    _drop(name)
    _maintenance(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(name: str) -> None:
    _maintenance(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _stock_up() -> tuple[list[SKU], Bin]:
    """One tenant, warehouse and bin, and SKU_COUNT SKUs with ON_HAND units each, through the services."""
    tenant = create_tenant("Bench Traders", slug="bench")
    warehouse = Warehouse.objects.create(
        tenant=tenant, code="BENCH", name="Bench warehouse", address_line1="Plot 1, MIDC", city="Pune",
        state="27", pincode="411019",
    )  # fmt: skip
    bin_ = Bin.objects.create(tenant=tenant, warehouse=warehouse, code="BENCH-01", barcode="BENCH-01")
    skus = [save_sku(tenant, fields=_sku_fields(n)) for n in range(SKU_COUNT)]
    for sku in skus:
        stock.receive(sku, bin_, ON_HAND, key=f"bench-opening-{sku.code}")
    return skus, bin_


def _sku_fields(n: int) -> dict:
    return {
        "code": f"BENCH-{n:03d}", "name": f"Bench T-shirt {n}", "hsn_code": "6109", "gst_rate": Decimal("5"),
        "mrp": Decimal("999.00"), "selling_price": Decimal("799.00"),
    }  # fmt: skip


def _reserve_session(skus: list[SKU], bin_: Bin) -> Session:
    @contextmanager
    def session(thread: int) -> Iterator[Callable[[int], None]]:
        rng = random.Random(thread)

        def call(n: int) -> None:
            stock.reserve(rng.choice(skus), bin_, 1, key=f"bench-reserve-{thread}-{n}")

        connection.ensure_connection()
        try:
            yield call
        finally:
            connections.close_all()

    return session


def _update_session(conninfo: str, level_ids: list[int]) -> Session:
    @contextmanager
    def session(thread: int) -> Iterator[Callable[[int], None]]:
        rng = random.Random(thread)
        with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor() as cursor:

            def call(n: int) -> None:
                cursor.execute(FLOOR_SQL, (rng.choice(level_ids),))

            yield call

    return session


def timed_rate(session: Session, *, calls: int, threads: int = THREADS) -> float:
    """Calls per second made by ``threads`` threads sharing ``calls``; connecting is kept off the clock."""
    shares = [calls // threads + (1 if index < calls % threads else 0) for index in range(threads)]
    ready = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with session(index) as call:
                ready.wait()
                for n in range(shares[index]):
                    call(n)
        except BaseException as exc:
            errors.append(exc)
            ready.abort()

    workers = [threading.Thread(target=run, args=(index,), name=f"bench-{index}") for index in range(threads)]
    for worker in workers:
        worker.start()
    with suppress(threading.BrokenBarrierError):  # a thread failed to connect; its error is raised below
        ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return calls / elapsed


def _check_ledger(*, expected_reserved: int) -> None:
    """A fast reserve that broke the ledger would be no result: check the invariants before reporting."""
    reserved = StockLevel.objects.aggregate(total=Sum("reserved"))["total"]
    rows = StockMovement.objects.filter(kind=StockMovement.Kind.RESERVE).count()
    drift = stock_drift()
    if reserved != expected_reserved or rows != expected_reserved or drift:
        raise RuntimeError(
            f"ledger check failed: {reserved} reserved, {rows} reserve rows, {len(drift)} drifting levels "
            f"(expected {expected_reserved}, {expected_reserved}, 0)"
        )
