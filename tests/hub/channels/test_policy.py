"""What a channel is offered: the policy steps with numbers, and the availability they start from."""

from decimal import Decimal

import pytest

from hub.channels.policy import OfferPolicy
from hub.channels.selectors import available_by_sku, offers
from tests import factories
from warehouse import stock
from warehouse.models import Bin


def policy(buffer=0, cap=None, percent="100", threshold=0):
    account = factories.ChannelAccountSpec(buffer, cap, Decimal(percent), threshold)
    return OfferPolicy.for_account(account)


@pytest.mark.parametrize(
    ("available", "rules", "offered"),
    [
        (10, {}, 10),
        (10, {"buffer": 3}, 7),
        (2, {"buffer": 3}, 0),  # never below zero
        (10, {"cap": 4}, 4),
        (3, {"cap": 4}, 3),
        (11, {"percent": "50"}, 5),  # rounded down
        (11, {"percent": "50", "buffer": 2}, 3),
        (4, {"threshold": 5}, 0),  # fewer than the threshold: offer nothing
        (5, {"threshold": 5}, 5),
        (100, {"percent": "40", "buffer": 5, "cap": 30, "threshold": 10}, 30),
        (-2, {}, 0),
    ],
)
def test_policy_steps(available, rules, offered):
    assert policy(**rules).offer(available).quantity == offered


def test_the_offer_says_why():
    offer = policy(buffer=2, percent="50").offer(11)

    assert offer.why == "11 available; 50% of 11: 5; buffer of 2 held back: 3"


@pytest.fixture
def two_warehouses(tenant, warehouse, bin_a):
    blr = factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123")
    return bin_a, factories.make_bin(blr, "B-01"), factories.make_bin(warehouse, "DMG", kind=Bin.Kind.DAMAGED)


def test_available_counts_sellable_bins_of_the_serving_warehouses_only(tenant, sku, warehouse, two_warehouses):
    pnq_bin, blr_bin, damaged = two_warehouses
    stock.receive(sku, pnq_bin, 6, key="a")
    stock.receive(sku, blr_bin, 4, key="b")
    stock.receive(sku, damaged, 9, key="c")
    stock.reserve(sku, pnq_bin, 2, key="d")
    pune_only = factories.make_account(tenant, warehouse)
    both = factories.make_account(tenant, warehouse, blr_bin.warehouse)

    assert available_by_sku(pune_only, [sku.pk]) == {sku.pk: 4}
    assert available_by_sku(both, [sku.pk]) == {sku.pk: 8}


def test_a_bundle_is_offered_the_whole_bundles_its_components_make(tenant, warehouse, bin_a):
    tee, cap = factories.make_sku(tenant, "TEE"), factories.make_sku(tenant, "CAP")
    combo = factories.make_sku(tenant, "TEE-2-CAP", is_bundle=True)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=combo, component=tee, quantity=2)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=combo, component=cap, quantity=1)
    stock.receive(tee, bin_a, 9, key="t")
    stock.receive(cap, bin_a, 3, key="c")
    account = factories.make_account(tenant, warehouse, buffer_units=1)
    factories.make_listing(account, combo, "COMBO")
    factories.make_listing(account, tee, "TEE")

    offered = {o.listing.channel_sku: (o.offer.available, o.quantity) for o in offers(account)}

    assert offered == {"COMBO": (3, 2), "TEE": (9, 8)}  # min(9 // 2, 3 // 1) = 3 bundles, less the buffer
