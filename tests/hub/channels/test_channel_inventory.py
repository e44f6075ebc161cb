"""What each listing of an account would be offered: GET /api/v1/channel-inventory/?account=ID."""

import pytest

from hub.channels.models import ListingOutbox
from tests import factories
from warehouse import stock

URL = "/api/v1/channel-inventory/"


def test_a_buffer_of_2_and_50_percent_offer_3_of_11(api, account, stocked):
    account.buffer_units, account.percent_of_available = 2, 50
    account.save()
    listing = factories.make_listing(account, stocked, "AMZ-TEE-M")

    response = api.get(f"{URL}?account={account.pk}")

    assert response.status_code == 200, response.json()
    assert response.json()["count"] == 1
    assert response.json()["results"] == [
        {
            "listing": listing.pk, "channel_sku": "AMZ-TEE-M", "sku": stocked.pk, "sku_code": "TSHIRT-RED-M",
            "available": 11, "quantity": 3, "why": "11 available; 50% of 11: 5; buffer of 2 held back: 3",
            "dirty": False, "last_pushed_quantity": None,
        }
    ]  # fmt: skip


def test_the_threshold_and_cap_explain_themselves(api, account, stocked, tenant):
    account.out_of_stock_threshold, account.max_units = 20, 4
    account.save()
    factories.make_listing(account, stocked, "LOW")
    plenty = factories.make_sku(tenant, "PLENTY")
    stock.receive(plenty, factories.make_bin(account.warehouses.get(), "B-01"), 50, key="plenty")
    factories.make_listing(account, plenty, "PLENTY")

    results = {row["channel_sku"]: row for row in api.get(f"{URL}?account={account.pk}").json()["results"]}

    assert (results["LOW"]["quantity"], results["PLENTY"]["quantity"]) == (0, 4)
    assert "out-of-stock threshold of 20" in results["LOW"]["why"]
    assert results["PLENTY"]["why"] == "50 available; capped at 4"


def test_only_stock_in_the_accounts_warehouses_counts(api, account, stocked, tenant):
    elsewhere = factories.make_warehouse(tenant, "DEL1")
    stock.receive(stocked, factories.make_bin(elsewhere, "D-01"), 100, key="delhi")
    factories.make_listing(account, stocked, "AMZ-TEE-M")

    row = api.get(f"{URL}?account={account.pk}").json()["results"][0]

    assert (row["available"], row["quantity"]) == (11, 11)


def test_the_dirty_flag_and_filters(api, account, stocked, tenant):
    dirty = factories.make_listing(account, stocked, "AMZ-A")
    factories.make_listing(account, factories.make_sku(tenant, "OTHER"), "AMZ-B")
    factories.make_listing(account, factories.make_sku(tenant, "OFF"), "AMZ-OFF", is_active=False)
    ListingOutbox.objects.create(tenant=tenant, account=account, listing=dirty)

    def skus(query=""):
        return [row["channel_sku"] for row in api.get(f"{URL}?account={account.pk}{query}").json()["results"]]

    assert skus() == ["AMZ-A", "AMZ-B"]  # active listings only
    assert skus("&dirty=true") == ["AMZ-A"]
    assert skus("&sku_code=other") == ["AMZ-B"]
    assert skus("&search=TSHIRT") == ["AMZ-A"]


def test_it_is_paginated(api, account, tenant):
    for n in range(5):
        factories.make_listing(account, factories.make_sku(tenant, f"S-{n}"), f"CH-{n}")

    page = api.get(f"{URL}?account={account.pk}&page_size=2&page=2").json()

    assert page["count"] == 5
    assert [row["channel_sku"] for row in page["results"]] == ["CH-2", "CH-3"]
    assert page["next"] and page["previous"]


@pytest.mark.parametrize("query", ["", "?account=", "?account=999999", "?account=abc"])
def test_the_account_is_required_and_must_be_known(api, account, query):
    response = api.get(f"{URL}{query}")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["account"]
