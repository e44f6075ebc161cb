"""A scan sent twice counts once; a refused scan is refused again; a key is one request's only."""

import pytest

from hub.core.errors import DomainError
from tests.concurrency import race
from warehouse import stock
from warehouse.models import ScanRequest, StockLevel
from warehouse.scans import KeyReused, once


def on_hand(sku, bin_a):
    return StockLevel.objects.get(sku=sku, bin=bin_a).on_hand


def test_a_scan_sent_twice_counts_once_and_gets_the_first_answer(tenant, sku, bin_a):
    calls = []

    def work():
        calls.append(1)
        stock.receive(sku, bin_a, 1, key=f"unit-{len(calls)}")  # a new ledger key per run: only `once` dedupes
        return {"scanned": len(calls)}

    first = once(tenant, "k-1", "grn.scan", work)
    again = once(tenant, "k-1", "grn.scan", work)

    assert first == ({"scanned": 1}, 200, False)
    assert again == ({"scanned": 1}, 200, True)
    assert on_hand(sku, bin_a) == 1
    assert ScanRequest.objects.get(key="k-1").response == {"scanned": 1}


def test_a_refused_scan_stores_nothing_and_is_refused_again(tenant, sku, bin_a):
    def refuse():
        stock.receive(sku, bin_a, 1, key="wrong")
        raise DomainError("That is not on this picklist.", field="barcode")

    for _ in range(2):
        with pytest.raises(DomainError, match="not on this picklist"):
            once(tenant, "k-2", "picklist.scan", refuse)
    assert not ScanRequest.objects.filter(key="k-2").exists()
    assert not StockLevel.objects.filter(sku=sku, bin=bin_a, on_hand__gt=0).exists()


def test_a_key_used_for_another_request_is_refused(tenant):
    once(tenant, "k-3", "grn.scan", lambda: {"ok": True})
    with pytest.raises(KeyReused, match="another request"):
        once(tenant, "k-3", "picklist.scan", lambda: {"ok": True})


def test_keys_are_per_tenant(tenant, other_tenant):
    assert once(tenant, "k-4", "grn.scan", lambda: {"who": "acme"})[0] == {"who": "acme"}
    assert once(other_tenant, "k-4", "grn.scan", lambda: {"who": "rival"})[0] == {"who": "rival"}


@pytest.mark.django_db(transaction=True)
def test_copies_racing_each_other_count_once(postgres, tenant, sku, bin_a):
    def send():
        return once(tenant, "k-race", "grn.scan", lambda: (stock.receive(sku, bin_a, 1, key=f"u-{id(object())}"), {"ok": 1})[1])

    outcomes = race([send] * 4)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(replayed for _, _, replayed in outcomes) == [False, True, True, True]
    assert on_hand(sku, bin_a) == 1
