"""Channel accounts over the API (hub/channels/api.py) and save_account (hub/channels/services.py)."""

import json

import pytest
from django.db import connection, transaction

from hub.channels.models import ChannelAccount, ListingOutbox
from hub.channels.services import save_account
from hub.core.errors import DomainError
from tests import factories
from tests.hub.channels.conftest import SECRET

URL = "/api/v1/channel-accounts/"


def raw_credentials(account_id: int) -> str:
    """The credentials column exactly as stored, read past the ORM's decryption."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM channels_channelaccount WHERE id = %s", [account_id])
        return cursor.fetchone()[0]


def payload(**fields):
    return {"kind": "shopify", "name": "My store", **fields}


def test_an_account_is_created_with_its_warehouses_and_encrypted_credentials(api, tenant, warehouse):
    response = api.post(
        URL,
        payload(
            credentials={"access_token": SECRET, "shop": "acme"}, warehouses=[warehouse.pk], buffer_units=2
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["name"], body["warehouses"], body["buffer_units"]) == (
        "shopify", "My store", [warehouse.pk], 2,
    )  # fmt: skip
    assert body["has_credentials"] is True
    assert "credentials" not in body
    assert SECRET not in response.content.decode()
    account = ChannelAccount.objects.get(pk=body["id"])
    assert account.tenant == tenant
    assert account.credentials_dict == {"access_token": SECRET, "shop": "acme"}
    stored = raw_credentials(account.pk)
    assert stored
    assert SECRET not in stored
    assert "access_token" not in stored


def test_credentials_are_never_in_a_response_and_a_patch_without_them_keeps_them(api, account):
    api.patch(f"{URL}{account.pk}/", {"credentials": {"token": SECRET}}, format="json")

    responses = [
        api.get(URL),
        api.get(f"{URL}{account.pk}/"),
        api.patch(f"{URL}{account.pk}/", {"name": "Renamed"}, format="json"),
        api.get(f"{URL}?search=Renamed"),
    ]

    for response in responses:
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    assert responses[1].json()["has_credentials"] is True
    account.refresh_from_db()
    assert account.credentials_dict == {"token": SECRET}


def test_new_credentials_replace_the_old_and_an_empty_object_clears_them(api, account):
    api.patch(f"{URL}{account.pk}/", {"credentials": {"token": "old"}}, format="json")

    replaced = api.patch(f"{URL}{account.pk}/", {"credentials": {"token": "new"}}, format="json")
    account.refresh_from_db()
    assert account.credentials_dict == {"token": "new"}

    cleared = api.patch(f"{URL}{account.pk}/", {"credentials": {}}, format="json")

    assert replaced.json()["has_credentials"] is True
    assert cleared.json()["has_credentials"] is False
    account.refresh_from_db()
    assert account.credentials == ""


@pytest.mark.parametrize("credentials", ["a-token", ["a", "b"], 42])
def test_credentials_must_be_a_json_object(api, credentials):
    response = api.post(URL, payload(credentials=credentials), format="json")

    assert response.status_code == 400
    assert "credentials" in response.json()["error"]["fields"]
    assert not ChannelAccount.objects.exists()


def test_another_tenants_warehouse_is_refused(api, account, theirs):
    create = api.post(URL, payload(warehouses=[theirs["warehouse"].pk]), format="json")
    update = api.patch(f"{URL}{account.pk}/", {"warehouses": [theirs["warehouse"].pk]}, format="json")

    for response in (create, update):
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"warehouses"}
        assert "RIVAL" not in response.content.decode()
    assert list(account.warehouses.all()) != [theirs["warehouse"]]
    assert ChannelAccount.objects.filter(tenant=account.tenant).count() == 1


def test_the_name_is_unique_per_channel_of_the_tenant(api, account, theirs):
    same = api.post(URL, {"kind": "amazon", "name": "Amazon IN"}, format="json")
    other_channel = api.post(URL, {"kind": "flipkart", "name": "Amazon IN"}, format="json")
    like_the_rival = api.post(URL, {"kind": "flipkart", "name": "RIVAL Flipkart"}, format="json")

    assert same.status_code == 400
    assert same.json()["error"]["fields"]["name"] == ["Another Amazon account is already named 'Amazon IN'."]
    assert other_channel.status_code == 201
    assert like_the_rival.status_code == 201


def test_the_channel_of_an_account_cannot_change(api, account):
    response = api.patch(f"{URL}{account.pk}/", {"kind": "flipkart"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("percent_of_available", "101"), ("percent_of_available", "-1"), ("buffer_units", -1),
     ("order_pull_minutes", 0), ("kind", "ebay")],
)  # fmt: skip
def test_out_of_range_settings_are_refused(api, account, field, value):
    response = api.patch(f"{URL}{account.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# The outbox ----------------------------------------------------------------------------------------


@pytest.fixture
def listings(account, tenant):
    """Three active listings of the account and an inactive one."""
    made = [factories.make_listing(account, factories.make_sku(tenant), f"CH-{n}") for n in range(3)]
    factories.make_listing(account, factories.make_sku(tenant), "CH-OFF", is_active=False)
    return made


def noted(account, cause="policy") -> set[int]:
    return set(
        ListingOutbox.objects.filter(account=account, cause=cause).values_list("listing_id", flat=True)
    )


@pytest.mark.parametrize(
    "change",
    [{"buffer_units": 2}, {"max_units": 10}, {"percent_of_available": "50"}, {"out_of_stock_threshold": 3}],
)
def test_a_policy_change_puts_every_active_listing_of_the_account_in_the_outbox(
    api, account, listings, change
):
    response = api.patch(f"{URL}{account.pk}/", change, format="json")

    assert response.status_code == 200, response.json()
    assert noted(account) == {listing.pk for listing in listings}
    assert ListingOutbox.objects.filter(account=account).count() == 3


def test_a_change_of_serving_warehouses_puts_the_listings_in_the_outbox(api, account, listings, tenant):
    second = factories.make_warehouse(tenant, "BLR1")

    response = api.patch(f"{URL}{account.pk}/", {"warehouses": [second.pk]}, format="json")

    assert response.status_code == 200
    assert noted(account) == {listing.pk for listing in listings}


def test_a_change_that_does_not_touch_the_offer_writes_no_notes(api, account, listings, warehouse):
    response = api.patch(
        f"{URL}{account.pk}/",
        {"name": "Amazon India", "order_pull_minutes": 15, "warehouses": [warehouse.pk], "buffer_units": 0,
         "credentials": {"token": "x"}},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert not ListingOutbox.objects.exists()


def test_switching_an_account_back_on_puts_its_listings_in_the_outbox(api, account, listings):
    api.patch(f"{URL}{account.pk}/", {"is_active": False}, format="json")
    assert not ListingOutbox.objects.exists()

    api.patch(f"{URL}{account.pk}/", {"is_active": True}, format="json")

    assert noted(account) == {listing.pk for listing in listings}


def test_only_the_changed_accounts_listings_are_noted(api, account, listings, tenant, warehouse):
    other = factories.make_account(tenant, warehouse, name="Own site")
    factories.make_listing(other, factories.make_sku(tenant), "SITE-1")

    api.patch(f"{URL}{account.pk}/", {"buffer_units": 5}, format="json")

    assert not ListingOutbox.objects.filter(account=other).exists()


def test_the_notes_commit_or_roll_back_with_the_policy_change(tenant, account, listings):
    seen = []

    @transaction.atomic
    def change_then_fail():
        save_account(tenant, account=account, fields={"buffer_units": 4})
        seen.append(len(noted(account)))
        raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert seen == [3]

    account.refresh_from_db()
    assert account.buffer_units == 0
    assert not ListingOutbox.objects.exists()


def test_save_account_reads_the_old_policy_from_the_database_not_from_the_instance(tenant, account, listings):
    account.buffer_units = 7  # what a ModelForm does before the admin saves

    save_account(tenant, account=account, fields={"buffer_units": 7})

    assert len(noted(account)) == 3


def test_save_account_refuses_another_tenants_warehouse_and_keeps_the_policy(
    tenant, account, listings, theirs
):
    with pytest.raises(DomainError) as caught:
        save_account(tenant, account=account, fields={"buffer_units": 9}, warehouses=[theirs["warehouse"]])

    assert caught.value.field == "warehouses"
    account.refresh_from_db()
    assert account.buffer_units == 0
    assert not ListingOutbox.objects.exists()


def test_credentials_are_stored_as_json(tenant):
    account = save_account(tenant, fields={"kind": "zepto", "name": "Zepto"}, credentials={"b": 1, "a": "x"})

    assert json.loads(ChannelAccount.objects.get(pk=account.pk).credentials) == {"a": "x", "b": 1}


def test_deleting_an_account_with_orders_is_refused(api, account, stocked):
    from hub.orders.services import import_order
    from tests.factories import order_dto

    factories.make_listing(account, stocked, "AMZ-TEE")
    import_order(account, order_dto("AMZ-1", ("AMZ-TEE", 1, "799.00")))

    response = api.delete(f"{URL}{account.pk}/")

    assert response.status_code == 409
    assert ChannelAccount.objects.filter(pk=account.pk).exists()
