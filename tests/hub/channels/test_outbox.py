"""The stock push outbox: written with every stock change, read with the quantity to send, cleared safely."""

import pytest
from django.db import transaction

from hub.channels import outbox
from hub.channels.models import ListingOutbox
from hub.channels.selectors import dirty_listings
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from warehouse import stock


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, name="Shop", buffer_units=1)


def dirty(account):
    return {item.offer.listing.channel_sku: item.offer.quantity for item in dirty_listings(account)}


def test_a_stock_movement_marks_the_listings_of_accounts_the_warehouse_serves(tenant, account, sku, bin_a):
    far = factories.make_account(tenant, factories.make_warehouse(tenant, "BLR1", state="29", pincode="562123"))
    factories.make_listing(account, sku, "SHOP-TEE")
    factories.make_listing(far, sku, "FAR-TEE")

    stock.receive(sku, bin_a, 5, key="r")

    assert dirty(account) == {"SHOP-TEE": 4}
    assert dirty(far) == {}


def test_a_component_change_marks_the_bundle_listing(tenant, account, bin_a):
    sock = factories.make_sku(tenant, "SOCK")
    combo = factories.make_sku(tenant, "SOCK-3", is_bundle=True)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=combo, component=sock, quantity=3)
    factories.make_listing(account, combo, "COMBO")

    stock.receive(sock, bin_a, 10, key="r")

    assert dirty(account) == {"COMBO": 2}  # 3 bundles, less the buffer of 1


def test_a_stock_call_that_rolls_back_leaves_no_note(account, sku, bin_a):
    factories.make_listing(account, sku, "SHOP-TEE")

    def receive_then_fail():
        with transaction.atomic():
            stock.receive(sku, bin_a, 5, key="r")
            raise RuntimeError("the caller failed after the stock call")

    with pytest.raises(RuntimeError):
        receive_then_fail()

    assert not ListingOutbox.objects.exists()


def test_clearing_keeps_notes_written_after_the_push_read_them(account, sku, bin_a):
    factories.make_listing(account, sku, "SHOP-TEE")
    stock.receive(sku, bin_a, 5, key="r1")
    read = {item.offer.listing.pk: item.last_note_id for item in dirty_listings(account)}

    stock.receive(sku, bin_a, 2, key="r2")  # arrives while the push is in flight
    outbox.clear(account, read)

    assert dirty(account) == {"SHOP-TEE": 6}
    outbox.clear(account, {item.offer.listing.pk: item.last_note_id for item in dirty_listings(account)})
    assert dirty(account) == {}


def test_a_cancellation_pulled_from_the_channel_puts_the_listing_in_the_outbox_with_the_right_quantity(
    account, sku, bin_a
):
    listing = factories.make_listing(account, sku, "SHOP-TEE")
    stock.receive(sku, bin_a, 5, key="r")
    import_order(account, order_dto("SO-1", ("SHOP-TEE", 3, "799")))
    outbox.clear(account, outbox.pending_notes(account))
    assert dirty(account) == {}

    import_order(account, order_dto("SO-1", ("SHOP-TEE", 3, "799"), state="cancelled"))

    assert dirty(account) == {"SHOP-TEE": 4}  # 5 available again, less the buffer
    assert listing.outbox.count() == 1


def test_a_policy_change_marks_every_listing_of_the_account(tenant, account):
    for code in ("A", "B", "C"):
        factories.make_listing(account, factories.make_sku(tenant, code))

    assert outbox.mark_account_changed(account) == 3
    assert set(dirty(account)) == {"A", "B", "C"}
