"""Channel accounts, listings and orders in the admin (hub/channels/admin.py, hub/orders/admin.py)."""

import pytest
from django.test import Client

from hub.channels.models import ChannelAccount, Listing, ListingOutbox
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from tests.hub.channels.conftest import SECRET

ACCOUNT_ADMIN = "/admin/channels/channelaccount/"
ORDER_ADMIN = "/admin/orders/order/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def account_form(account, warehouse, **fields) -> dict:
    """The change form of ``account`` as the browser posts it."""
    return {
        "name": account.name, "is_active": "on", "buffer_units": "0", "max_units": "",
        "percent_of_available": "100", "out_of_stock_threshold": "0", "order_pull_minutes": "5", "stock_push_minutes": "10",
        "price_push_minutes": "60", "stock_reconcile_minutes": "1440", "return_pull_minutes": "60", "credentials_expire_at_0": "", "credentials_expire_at_1": "",
        "warehouses": [warehouse.pk], "new_credentials": "", **fields,
    }  # fmt: skip


@pytest.fixture
def secret_account(account):
    account.credentials = f'{{"refresh_token": "{SECRET}"}}'
    account.save()
    return account


def test_credentials_are_never_shown_in_the_admin(admin_user, secret_account):
    client = logged_in(admin_user)

    pages = [client.get(ACCOUNT_ADMIN), client.get(f"{ACCOUNT_ADMIN}{secret_account.pk}/change/"),
             client.get(f"{ACCOUNT_ADMIN}{secret_account.pk}/history/")]  # fmt: skip

    for page in pages:
        assert page.status_code == 200
        assert SECRET not in page.content.decode()
    change = pages[1].content.decode()
    assert "New credentials (JSON)" in change
    assert 'name="credentials"' not in change


def test_new_credentials_replace_the_stored_ones_and_are_not_echoed(admin_user, secret_account, warehouse):
    client = logged_in(admin_user)
    url = f"{ACCOUNT_ADMIN}{secret_account.pk}/change/"

    response = client.post(
        url, account_form(secret_account, warehouse, new_credentials='{"refresh_token": "fresh-1"}')
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    secret_account.refresh_from_db()
    assert secret_account.credentials_dict == {"refresh_token": "fresh-1"}
    assert "fresh-1" not in client.get(url).content.decode()


def test_blank_new_credentials_keep_the_stored_ones(admin_user, secret_account, warehouse):
    logged_in(admin_user).post(
        f"{ACCOUNT_ADMIN}{secret_account.pk}/change/", account_form(secret_account, warehouse)
    )

    secret_account.refresh_from_db()
    assert secret_account.credentials_dict == {"refresh_token": SECRET}


@pytest.mark.parametrize("text", ["{not json " + SECRET, f'["{SECRET}"]'])
def test_bad_new_credentials_are_refused_without_echoing_them(admin_user, secret_account, warehouse, text):
    response = logged_in(admin_user).post(
        f"{ACCOUNT_ADMIN}{secret_account.pk}/change/",
        account_form(secret_account, warehouse, new_credentials=text),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" in page
    assert SECRET not in page


def test_a_policy_change_in_the_admin_puts_the_listings_in_the_outbox(admin_user, account, warehouse, sku):
    listing = factories.make_listing(account, sku, "AMZ-TEE-M")

    response = logged_in(admin_user).post(
        f"{ACCOUNT_ADMIN}{account.pk}/change/", account_form(account, warehouse, buffer_units="4")
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.buffer_units == 4
    assert list(ListingOutbox.objects.values_list("listing_id", "cause")) == [(listing.pk, "policy")]


def test_an_account_added_in_the_admin_belongs_to_the_admins_tenant(admin_user, tenant, warehouse):
    response = logged_in(admin_user).post(
        f"{ACCOUNT_ADMIN}add/",
        {
            **account_form(ChannelAccount(name="Blinkit"), warehouse, new_credentials='{"key": "k"}'),
            "kind": "blinkit",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    account = ChannelAccount.objects.get(name="Blinkit")
    assert (account.tenant, account.credentials_dict, list(account.warehouses.all())) == (
        tenant, {"key": "k"}, [warehouse],
    )  # fmt: skip


def test_a_duplicate_account_name_is_a_form_error(admin_user, account, warehouse):
    response = logged_in(admin_user).post(
        f"{ACCOUNT_ADMIN}add/", {**account_form(account, warehouse), "kind": account.kind}
    )

    assert response.status_code == 200
    assert "already named" in response.content.decode()
    assert ChannelAccount.objects.count() == 1


def test_only_the_tenants_accounts_and_warehouses_are_offered(admin_user, account, theirs):
    client = logged_in(admin_user)

    listing_page = client.get(ACCOUNT_ADMIN).content.decode()
    add_page = client.get(f"{ACCOUNT_ADMIN}add/").content.decode()

    assert account.name in listing_page
    assert "RIVAL" not in listing_page
    assert "RIVAL" not in add_page
    assert client.get(f"{ACCOUNT_ADMIN}{theirs['account'].pk}/change/").status_code == 302


def test_a_listing_added_in_the_admin_allocates_the_waiting_order(admin_user, account, stocked):
    order = import_order(account, order_dto("402-7", ("AMZ-TEE-M", 1, "799.00")))

    response = logged_in(admin_user).post(
        "/admin/channels/listing/add/",
        {"account": account.pk, "sku": stocked.pk, "channel_sku": "AMZ-TEE-M", "is_active": "on"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    listing = Listing.objects.get(channel_sku="AMZ-TEE-M")
    assert listing.tenant == account.tenant
    order.refresh_from_db()
    assert order.status == "allocated"
    assert ListingOutbox.objects.filter(listing=listing).exists()


def test_a_duplicate_listing_in_the_admin_is_a_form_error(admin_user, account, sku):
    factories.make_listing(account, sku, "AMZ-TEE-M")

    response = logged_in(admin_user).post(
        "/admin/channels/listing/add/", {"account": account.pk, "sku": sku.pk, "channel_sku": "AMZ-TEE-M"}
    )

    assert response.status_code == 200
    assert Listing.objects.count() == 1


def test_finance_views_accounts_but_cannot_change_them(tenant, secret_account):
    client = logged_in(factories.make_user(tenant, "finance"))

    page = client.get(f"{ACCOUNT_ADMIN}{secret_account.pk}/change/")

    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert "New credentials" not in page.content.decode()
    assert client.get(f"{ACCOUNT_ADMIN}add/").status_code == 403


def test_a_picker_has_no_channel_admin(tenant, account):
    client = logged_in(factories.make_user(tenant, "picker"))

    assert client.get(ACCOUNT_ADMIN).status_code == 302  # not staff: sent to the login page


# Orders -----------------------------------------------------------------------------------------------


@pytest.fixture
def order(account, stocked):
    factories.make_listing(account, stocked, "AMZ-TEE-M")
    return import_order(account, order_dto("402-ADMIN", ("AMZ-TEE-M", 2, "799.00")))


def test_an_order_page_shows_its_lines_and_timeline_read_only(admin_user, order):
    page = logged_in(admin_user).get(f"{ORDER_ADMIN}{order.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "402-ADMIN" in html
    assert "AMZ-TEE-M" in html
    assert "Timeline" in html
    assert "status:allocated" in html
    assert 'name="_save"' not in html


def test_orders_are_neither_added_nor_deleted_in_the_admin(admin_user, order):
    client = logged_in(admin_user)

    assert client.get(f"{ORDER_ADMIN}add/").status_code == 403
    assert client.post(f"{ORDER_ADMIN}{order.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_cancel_action_goes_through_the_order_actions(admin_user, order):
    response = logged_in(admin_user).post(
        ORDER_ADMIN, {"action": "cancel_selected", "_selected_action": [order.pk]}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.events.filter(kind="status:cancelled").exists()


def test_another_tenants_orders_are_not_listed(admin_user, order, other_tenant):
    rival_account = factories.make_account(other_tenant, name="RIVAL site")
    import_order(rival_account, order_dto("RIVAL-ORDER", ("RIVAL-CH", 1, "10.00")))
    client = logged_in(admin_user)

    page = client.get(ORDER_ADMIN).content.decode()

    assert "402-ADMIN" in page
    assert "RIVAL" not in page


def test_finance_views_orders_without_actions(tenant, order):
    client = logged_in(factories.make_user(tenant, "finance"))

    listing = client.get(ORDER_ADMIN)
    client.post(ORDER_ADMIN, {"action": "cancel_selected", "_selected_action": [order.pk]})

    assert listing.status_code == 200
    assert "cancel_selected" not in listing.content.decode()
    assert client.get(f"{ORDER_ADMIN}{order.pk}/change/").status_code == 200
    order.refresh_from_db()
    assert order.status == "allocated"
