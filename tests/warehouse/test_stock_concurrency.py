"""Races real threads against PostgreSQL: the rules hold however the calls interleave."""

from collections import Counter

import pytest
from django.core.management import call_command

from tests import factories
from tests.concurrency import race
from warehouse import stock
from warehouse.models import StockLevel, StockMovement
from warehouse.selectors import stock_drift

pytestmark = pytest.mark.django_db(transaction=True)


def test_sixteen_threads_racing_for_the_last_units_never_over_reserve(postgres):
    tenant = factories.make_tenant()
    warehouse = factories.make_warehouse(tenant)
    bin_a, bin_b = factories.make_bin(warehouse), factories.make_bin(warehouse)
    sku = factories.make_sku(tenant)
    stock.receive(sku, bin_a, 10, key="opening")
    stock.receive(sku, bin_b, 2, key="opening-b")

    reservers = [
        (lambda n=n: stock.reserve(sku, bin_a, 1, key=f"order-{n}")) for n in range(12)
    ]
    movers = [(lambda n=n: stock.move(sku, bin_a, bin_b, 1, key=f"move-{n}")) for n in range(2)]
    adjusters = [
        lambda: stock.adjust(sku, bin_a, -1, reason="damaged", key="adjust-down"),
        lambda: stock.adjust(sku, bin_b, 1, reason="found", key="adjust-up"),
    ]
    outcomes = race(reservers + movers + adjusters)

    level_a = StockLevel.objects.get(sku=sku, bin=bin_a)
    level_b = StockLevel.objects.get(sku=sku, bin=bin_b)
    done = Counter(StockMovement.objects.values_list("kind", flat=True))
    adjusted_down = StockMovement.objects.filter(idempotency_key="adjust-down").count()
    failures = Counter(type(o).__name__ for o in outcomes if isinstance(o, Exception))

    assert set(failures) <= {"InsufficientStock"}, failures
    # 12 reservations, 2 moves and 1 write-off compete for 10 units: at least 5 are refused.
    assert failures["InsufficientStock"] >= 5
    assert 0 <= level_a.reserved <= level_a.on_hand
    assert level_a.reserved == done["reserve"]
    assert level_a.on_hand == 10 - done["move_out"] - adjusted_down
    assert level_b.on_hand == 2 + done["move_in"] + 1
    assert stock_drift() == []
    call_command("audit_stock")  # raises CommandError, listing each difference, if any level drifted


def test_the_same_call_sent_by_eight_threads_at_once_counts_once(postgres):
    tenant = factories.make_tenant()
    bin_a = factories.make_bin(factories.make_warehouse(tenant))
    sku = factories.make_sku(tenant)
    stock.receive(sku, bin_a, 5, key="opening")

    outcomes = race([lambda: stock.reserve(sku, bin_a, 2, key="order-42")] * 8)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sum(1 for o in outcomes if not o.replayed) == 1
    assert StockLevel.objects.get(sku=sku, bin=bin_a).reserved == 2
    assert StockMovement.objects.filter(idempotency_key="order-42").count() == 1
    assert stock_drift() == []


def test_receipts_racing_to_create_a_new_level_all_land(postgres):
    tenant = factories.make_tenant()
    bin_a = factories.make_bin(factories.make_warehouse(tenant))
    sku = factories.make_sku(tenant)

    outcomes = race([(lambda n=n: stock.receive(sku, bin_a, 3, key=f"grn-{n}")) for n in range(8)])

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert StockLevel.objects.get(sku=sku, bin=bin_a).on_hand == 24
    assert stock_drift() == []
