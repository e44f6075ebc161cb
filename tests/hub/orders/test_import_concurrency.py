"""Races ``import_orders`` from real threads against PostgreSQL.

Eight workers import overlapping pages of one sale's orders (the same channel order id in several pages
and twice in one page) while they compete for SKUs that have less stock than the orders want. However
the pages interleave, every order is stored once, no unit is reserved twice, the orders left short wait
as unfulfillable, and the ledger matches the levels. Then stock arrives and the waiting orders take it,
oldest ship-by date first.
"""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from hub.orders.models import LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.services import import_orders
from tests import factories
from tests.concurrency import race
from tests.factories import order_dto
from warehouse import stock
from warehouse.models import StockLevel, StockMovement
from warehouse.selectors import stock_drift

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
PAGE = 25
ORDERS = THREADS * PAGE  # distinct channel order ids; the pages carry ~2 copies of each
RESTOCKED = "PEN"  # only ever ordered alone, one unit at a time: the restock step's SKU
# channel SKU -> units on hand per bin of (PNQ, PNQ, BLR); every SKU has far less than the orders want.
STOCK = {
    "TEE": (20, 15, 10),
    "CAP": (15, 10, 0),
    "MUG": (10, 10, 0),
    "BAG": (8, 6, 6),
    RESTOCKED: (8, 4, 0),
}


def sale_orders(rng: random.Random) -> list:
    """ORDERS distinct orders with distinct ship-by dates in shuffled order; every fifth is one PEN."""
    ship_by_minutes = list(range(ORDERS))
    rng.shuffle(ship_by_minutes)
    start = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    dtos = []
    for n in range(ORDERS):
        if n % 5 == 0:
            lines = [(RESTOCKED, 1, "49.00")]
        else:
            skus = rng.sample(["TEE", "CAP", "MUG", "BAG"], rng.choice([1, 1, 2]))
            lines = [(sku, rng.randint(1, 3), "299.00") for sku in skus]
        state, pincode = ("29", "560001") if n % 4 == 0 else ("27", "411001")
        dtos.append(
            order_dto(
                f"SALE-{n:03d}", *lines, ship_state=state, pincode=pincode,
                ship_by=start + timedelta(minutes=ship_by_minutes[n]),
                ordered_at=start - timedelta(hours=1, seconds=n),
            )
        )  # fmt: skip
    return dtos


def pages_for(dtos: list, rng: random.Random) -> list[list[list]]:
    """Two pages per thread: its own 25 orders (one of them twice), and 25 taken from two other threads'."""
    chunks = [dtos[t * PAGE : (t + 1) * PAGE] for t in range(THREADS)]
    plan = []
    for t in range(THREADS):
        own = [*chunks[t], chunks[t][0]]
        borrowed = rng.sample(chunks[(t + 1) % THREADS], 12) + rng.sample(chunks[(t + 5) % THREADS], 13)
        rng.shuffle(own)
        rng.shuffle(borrowed)
        plan.append([own, borrowed] if t % 2 == 0 else [borrowed, own])
    return plan


def test_eight_threads_importing_overlapping_pages_store_each_order_once_and_never_over_reserve(postgres):
    rng = random.Random(20261121)
    tenant = factories.make_tenant()
    pnq = factories.make_warehouse(tenant, "PNQ1", state="27")
    blr = factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123")
    bins = [factories.make_bin(pnq, "A-01"), factories.make_bin(pnq, "A-02"), factories.make_bin(blr, "B-01")]
    account = factories.make_account(tenant, pnq, blr, name="Own site")
    skus = {}
    for code, per_bin in STOCK.items():
        skus[code] = sku = factories.make_sku(tenant, code)
        factories.make_listing(account, sku, code)
        for bin_, units in zip(bins, per_bin, strict=True):
            if units:
                stock.receive(sku, bin_, units, key=f"opening-{code}-{bin_.code}")
    dtos = sale_orders(rng)
    plan = pages_for(dtos, rng)
    demand = Counter()
    for dto in dtos:
        for line in dto.lines:
            demand[line.channel_sku] += line.quantity
    assert all(demand[code] > sum(units) for code, units in STOCK.items()), "every SKU must be short"

    work = [(lambda pages=pages: [import_orders(account, page) for page in pages]) for pages in plan]
    outcomes = race(work)

    # No worker failed, no order in any page was refused, and each order was created by exactly one page.
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    results = [result for pages in outcomes for page in pages for result in page]
    assert len(results) == sum(len(page) for pages in plan for page in pages)
    assert not [r for r in results if r.error is not None]
    created_by = Counter(r.channel_order_id for pages in outcomes for page in pages for r in _distinct(page) if r.created)
    assert created_by == once(dtos)

    # Every channel order id exists once, with its lines once and one "imported" entry in its timeline.
    assert Counter(values(Order.objects.filter(account=account), "channel_order_id")) == once(dtos)
    assert OrderLine.objects.filter(order__account=account).count() == sum(len(dto.lines) for dto in dtos)
    assert set(Counter(values(OrderEvent.objects.filter(kind="imported"), "order_id")).values()) == {1}

    # Every order is either allocated (reserved once) or unfulfillable (waiting); none is left new.
    statuses = Counter(values(Order.objects.all(), "status"))
    assert set(statuses) == {"allocated", "unfulfillable"}, statuses
    assert statuses["allocated"] + statuses["unfulfillable"] == ORDERS
    assert statuses["allocated"] > 0 and statuses["unfulfillable"] > 0
    allocated = Order.objects.filter(status="allocated")
    assert set(values(allocated, "allocation_round")) == {1}
    reserve_keys = values(StockMovement.objects.filter(kind="reserve"), "idempotency_key")
    assert set(reserve_keys) == {f"order-{pk}-reserve-1" for pk in values(allocated, "pk")}
    assert set(values(Order.objects.filter(status="unfulfillable"), "warehouse")) == {None}
    waiting_messages = values(OrderEvent.objects.filter(kind="status:unfulfillable"), "message")
    assert len(waiting_messages) == statuses["unfulfillable"]
    assert all(message.startswith("Unfulfillable: no serving warehouse") for message in waiting_messages)

    # No level reserves beyond its on hand; per SKU, reserved = the active allocations = the allocated lines.
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand, level
    for code, sku in skus.items():
        reserved = total(StockLevel.objects.filter(sku=sku), "reserved")
        assert reserved == total(LineAllocation.objects.filter(sku=sku, released=False), "quantity"), code
        assert reserved == total(OrderLine.objects.filter(sku=sku, order__status="allocated"), "quantity"), code
        assert reserved <= sum(STOCK[code])
    assert stock_drift() == []
    call_command("audit_stock")  # raises CommandError, listing each difference, if any level drifted

    # Stock arrives for PEN, enough for some of the orders waiting for it. Once the receipt commits (not
    # before), those with the earliest ship-by dates take it, and the rest keep waiting.
    pen = skus[RESTOCKED]
    assert sum(level.available for level in StockLevel.objects.filter(sku=pen)) == 0
    waiting = values(Order.objects.filter(status="unfulfillable", lines__sku=pen).order_by("ship_by"), "pk")
    arrived = 5
    assert len(waiting) > arrived
    with transaction.atomic():
        stock.receive(pen, bins[1], arrived, key="grn-pen")
        assert not Order.objects.filter(pk__in=waiting, status="allocated").exists()

    assert set(values(Order.objects.filter(pk__in=waiting, status="allocated"), "pk")) == set(waiting[:arrived])
    assert set(values(Order.objects.filter(pk__in=waiting[arrived:]), "status")) == {"unfulfillable"}
    restocked = OrderEvent.objects.filter(order__in=waiting[:arrived], kind="status:allocated")
    assert sorted(values(restocked, "source")) == ["restock"] * arrived
    assert total(StockLevel.objects.filter(sku=pen), "on_hand") == sum(STOCK[RESTOCKED]) + arrived
    assert total(StockLevel.objects.filter(sku=pen), "reserved") == total(
        LineAllocation.objects.filter(sku=pen, released=False), "quantity"
    )
    assert sum(level.available for level in StockLevel.objects.filter(sku=pen)) == 0
    assert stock_drift() == []
    call_command("audit_stock")


def once(dtos) -> Counter:
    return Counter({dto.channel_order_id: 1 for dto in dtos})


def _distinct(page):
    """A page's outcomes, one per channel order id (a repeated id shares its outcome)."""
    return {r.channel_order_id: r for r in page}.values()


def values(queryset, field: str) -> list:
    return list(queryset.values_list(field, flat=True))


def total(queryset, field: str) -> int:
    return queryset.aggregate(total=Sum(field))["total"] or 0
