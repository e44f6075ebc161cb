"""Credentials about to expire raise an alert a week ahead (API and admin); renewing them clears it."""

from datetime import timedelta

from django.utils import timezone

from hub.channels.models import ChannelAccount
from hub.channels.services import flag_expiring_credentials, save_account
from schedules import tasks
from tests import factories


def test_an_account_whose_token_expires_within_a_week_shows_an_alert(tenant, warehouse, api, monkeypatch):
    monkeypatch.setattr("schedules.planner.tick", lambda: [])  # these accounts have no channel to sync with
    soon = factories.make_account(tenant, warehouse, kind="shopify", name="Store",
                                  credentials_expire_at=timezone.now() + timedelta(days=3, hours=1))  # fmt: skip
    later = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon",
                                   credentials_expire_at=timezone.now() + timedelta(days=30))  # fmt: skip

    assert tasks.tick()["expiring"] == 1

    alerting = api.get("/api/v1/channel-accounts/?alerting=true").json()["results"]
    assert [row["name"] for row in alerting] == ["Store"]
    assert alerting[0]["alert"].startswith("Credentials expire in 3 days: the Shopify credentials expire on")
    later.refresh_from_db()
    assert later.alert == ""
    assert soon.pk


def test_expired_credentials_say_so(tenant, warehouse):
    account = factories.make_account(tenant, warehouse, kind="shopify", name="Store",
                                     credentials_expire_at=timezone.now() - timedelta(hours=2))  # fmt: skip
    flag_expiring_credentials()

    account.refresh_from_db()
    assert account.alert.startswith("Credentials expired: the Shopify credentials expired on")


def test_a_louder_alert_is_left_in_place(tenant, warehouse):
    account = factories.make_account(tenant, warehouse, kind="shopify", name="Store", alert="The orders sync keeps failing",
                                     credentials_expire_at=timezone.now() + timedelta(days=1))  # fmt: skip
    assert flag_expiring_credentials() == []
    account.refresh_from_db()
    assert account.alert == "The orders sync keeps failing"


def test_new_credentials_with_their_expiry_clear_the_alert(tenant, warehouse):
    account = factories.make_account(tenant, warehouse, kind="shopify", name="Store",
                                     credentials_expire_at=timezone.now() + timedelta(days=1))  # fmt: skip
    flag_expiring_credentials()
    renewed = (timezone.now() + timedelta(days=90)).replace(microsecond=0)

    account = save_account(tenant, account=account, fields={},
                           credentials={"access_token": "shpat_new", "expires_at": renewed.isoformat()})  # fmt: skip
    flag_expiring_credentials()

    account.refresh_from_db()
    assert (account.alert, account.credentials_expire_at) == ("", renewed)


def test_a_date_moved_on_in_the_admin_or_api_clears_the_alert(tenant, warehouse, api):
    account = factories.make_account(tenant, warehouse, kind="shopify", name="Store",
                                     credentials_expire_at=timezone.now() + timedelta(days=1))  # fmt: skip
    flag_expiring_credentials()
    later = (timezone.now() + timedelta(days=60)).isoformat()

    response = api.patch(f"/api/v1/channel-accounts/{account.pk}/", {"credentials_expire_at": later}, format="json")
    flag_expiring_credentials()

    assert response.status_code == 200
    assert ChannelAccount.objects.get(pk=account.pk).alert == ""
