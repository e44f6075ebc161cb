"""Listings (SKU mapping) over the API (hub/channels/api.py) and save_listing (hub/channels/services.py)."""

import pytest
from django.db import IntegrityError, transaction

from hub.channels.models import Listing, ListingOutbox
from hub.channels.services import save_listing
from hub.core.errors import DomainError
from hub.orders.models import Order
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from warehouse.models import StockLevel

URL = "/api/v1/listings/"


def listing_payload(account, sku, channel_sku="AMZ-TEE-M", **fields):
    return {"account": account.pk, "sku": sku.pk, "channel_sku": channel_sku, **fields}


def test_a_listing_is_created_and_noted_in_the_outbox(api, account, sku):
    response = api.post(URL, listing_payload(account, sku, channel_item_id="B0ASIN1234"), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["account"], body["account_name"], body["sku"], body["sku_code"]) == (
        account.pk, "Amazon IN", sku.pk, "TSHIRT-RED-M",
    )  # fmt: skip
    assert (body["channel_sku"], body["channel_item_id"], body["is_active"], body["dirty"]) == (
        "AMZ-TEE-M", "B0ASIN1234", True, True,
    )  # fmt: skip
    listing = Listing.objects.get(pk=body["id"])
    assert listing.tenant == account.tenant
    assert list(ListingOutbox.objects.values_list("listing_id", "cause")) == [(listing.pk, "listing")]


def test_a_channel_sku_is_listed_once_per_account(api, account, sku, tenant, warehouse):
    factories.make_listing(account, sku, "AMZ-TEE-M")
    other_account = factories.make_account(tenant, warehouse, name="Own site")

    duplicate = api.post(URL, listing_payload(account, sku), format="json")
    elsewhere = api.post(URL, listing_payload(other_account, sku), format="json")

    assert duplicate.status_code == 400
    assert list(duplicate.json()["error"]["fields"]) == ["channel_sku"]
    assert "already mapped" in duplicate.json()["error"]["message"]
    assert elsewhere.status_code == 201
    assert Listing.objects.filter(account=account).count() == 1


def test_renaming_a_listing_onto_a_taken_channel_sku_is_refused(api, account, sku):
    factories.make_listing(account, sku, "TAKEN")
    listing = factories.make_listing(account, sku, "FREE")

    response = api.patch(f"{URL}{listing.pk}/", {"channel_sku": "TAKEN"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["channel_sku"]


def test_the_database_refuses_a_duplicate_channel_sku_too(account, sku):
    factories.make_listing(account, sku, "AMZ-TEE-M")

    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(tenant=account.tenant, account=account, sku=sku, channel_sku="AMZ-TEE-M")


def test_a_duplicate_that_slips_past_the_check_still_answers_as_a_duplicate(
    tenant, account, sku, monkeypatch
):
    """Two writers checked at once; the one that loses the unique constraint gets the same answer."""
    from hub.channels import services

    factories.make_listing(account, sku, "AMZ-TEE-M")
    real, calls = services._check_channel_sku, []

    def check_too_early(listing):
        calls.append(listing.channel_sku)
        if len(calls) > 1:  # the check before saving saw nothing; the one after the error runs for real
            real(listing)

    monkeypatch.setattr(services, "_check_channel_sku", check_too_early)

    with pytest.raises(DomainError) as caught:
        save_listing(tenant, fields={"account": account, "sku": sku, "channel_sku": "AMZ-TEE-M"})

    assert caught.value.field == "channel_sku"
    assert calls == ["AMZ-TEE-M", "AMZ-TEE-M"]
    assert Listing.objects.filter(account=account).count() == 1


def test_creating_a_listing_allocates_the_order_waiting_on_that_channel_sku(api, account, stocked):
    order = import_order(account, order_dto("402-1", ("AMZ-TEE-M", 2, "799.00")))
    assert (order.status, order.needs_attention) == ("new", True)

    response = api.post(URL, listing_payload(account, stocked), format="json")

    assert response.status_code == 201, response.json()
    order.refresh_from_db()
    assert (order.status, order.needs_attention) == ("allocated", False)
    line = order.lines.get()
    assert (line.sku, line.listing_id) == (stocked, response.json()["id"])
    assert sum(StockLevel.objects.filter(sku=stocked).values_list("reserved", flat=True)) == 2
    assert "mapped" in [event.kind for event in order.events.all()]


def test_renaming_a_listings_channel_sku_maps_the_orders_waiting_on_the_new_one(api, account, stocked):
    listing = factories.make_listing(account, stocked, "OLD-CODE")
    order = import_order(account, order_dto("402-2", ("NEW-CODE", 1, "799.00")))

    api.patch(f"{URL}{listing.pk}/", {"channel_sku": "NEW-CODE"}, format="json")

    order.refresh_from_db()
    assert order.status == "allocated"


def test_an_inactive_listing_maps_nothing_until_it_is_switched_on(api, account, stocked):
    order = import_order(account, order_dto("402-3", ("AMZ-TEE-M", 1, "799.00")))

    created = api.post(URL, listing_payload(account, stocked, is_active=False), format="json")
    order.refresh_from_db()
    assert order.status == "new"
    assert not ListingOutbox.objects.exists()

    api.patch(f"{URL}{created.json()['id']}/", {"is_active": True}, format="json")

    order.refresh_from_db()
    assert order.status == "allocated"


def test_an_update_notes_the_listing_again(api, account, sku, tenant):
    listing = factories.make_listing(account, sku, "AMZ-TEE-M")
    other_sku = factories.make_sku(tenant, "TSHIRT-BLUE-M")

    response = api.patch(f"{URL}{listing.pk}/", {"sku": other_sku.pk}, format="json")

    assert response.status_code == 200
    assert (response.json()["sku_code"], response.json()["dirty"]) == ("TSHIRT-BLUE-M", True)
    assert ListingOutbox.objects.filter(listing=listing).count() == 1


def test_a_listing_stays_on_its_account(api, account, sku, tenant, warehouse):
    listing = factories.make_listing(account, sku, "AMZ-TEE-M")
    other = factories.make_account(tenant, warehouse, name="Own site")

    response = api.patch(f"{URL}{listing.pk}/", {"account": other.pk}, format="json")

    assert response.status_code == 400
    assert "account" in response.json()["error"]["fields"]


def test_another_tenants_account_or_sku_is_refused(api, account, sku, theirs):
    their_account = api.post(URL, listing_payload(theirs["account"], sku), format="json")
    their_sku = api.post(URL, listing_payload(account, theirs["sku"]), format="json")

    assert their_account.status_code == 400
    assert list(their_account.json()["error"]["fields"]) == ["account"]
    assert their_sku.status_code == 400
    assert list(their_sku.json()["error"]["fields"]) == ["sku"]
    assert not Listing.objects.filter(tenant=account.tenant).exists()


def test_save_listing_refuses_another_tenants_rows(tenant, account, sku, theirs):
    with pytest.raises(DomainError) as caught:
        save_listing(tenant, fields={"account": account, "sku": theirs["sku"], "channel_sku": "X"})

    assert caught.value.field == "sku"


def test_deleting_a_listing_keeps_the_order_lines_it_mapped(api, account, stocked):
    listing = factories.make_listing(account, stocked, "AMZ-TEE-M")
    order = import_order(account, order_dto("402-4", ("AMZ-TEE-M", 1, "799.00")))

    response = api.delete(f"{URL}{listing.pk}/")

    assert response.status_code == 204
    line = order.lines.get()
    assert (line.sku, line.listing) == (stocked, None)
    assert Order.objects.filter(pk=order.pk).exists()


# Filters and search -------------------------------------------------------------------------------


@pytest.fixture
def catalogue(account, sku, tenant, warehouse):
    """Three listings over two accounts; the first is dirty, the last inactive."""
    blue = factories.make_sku(tenant, "TSHIRT-BLUE-M", name="Blue tee")
    site = factories.make_account(tenant, warehouse, name="Own site")
    red = factories.make_listing(account, sku, "AMZ-RED", channel_item_id="B0RED")
    blue_amz = factories.make_listing(account, blue, "AMZ-BLUE")
    blue_site = factories.make_listing(site, blue, "SITE-BLUE", is_active=False)
    ListingOutbox.objects.create(tenant=tenant, account=account, listing=red)
    return {"red": red, "blue_amz": blue_amz, "blue_site": blue_site, "site": site, "blue": blue}


def channel_skus(api, query: str) -> list[str]:
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.json()
    return [item["channel_sku"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["AMZ-BLUE", "AMZ-RED", "SITE-BLUE"]),
        ("account={account}", ["AMZ-BLUE", "AMZ-RED"]),
        ("account={site}", ["SITE-BLUE"]),
        ("sku={blue}", ["AMZ-BLUE", "SITE-BLUE"]),
        ("sku_code=tshirt-red-m", ["AMZ-RED"]),
        ("channel_sku=amz-blue", ["AMZ-BLUE"]),
        ("is_active=false", ["SITE-BLUE"]),
        ("dirty=true", ["AMZ-RED"]),
        ("dirty=false", ["AMZ-BLUE", "SITE-BLUE"]),
        ("search=B0RED", ["AMZ-RED"]),
        ("search=Blue tee", ["AMZ-BLUE", "SITE-BLUE"]),
        ("search=Own site", ["SITE-BLUE"]),
    ],
)
def test_listings_filter_and_search(api, account, catalogue, query, expected):
    query = query.format(account=account.pk, site=catalogue["site"].pk, blue=catalogue["blue"].pk)

    assert sorted(channel_skus(api, query)) == expected


def test_the_dirty_flag_is_in_each_listing(api, catalogue):
    body = api.get(f"{URL}{catalogue['red'].pk}/").json()

    assert body["dirty"] is True


def test_save_listing_does_not_touch_another_tenants_listing(tenant, theirs):
    with pytest.raises(DomainError):
        save_listing(tenant, listing=theirs["listing"], fields={"channel_sku": "MINE"})

    assert Listing.objects.get(pk=theirs["listing"].pk).channel_sku == "RIVAL-CH"
