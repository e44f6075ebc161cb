"""Stock reads: the GraphQL ``nodes`` query of inventory levels through the real ShopifyAPI library against
ShopifySandbox on loopback, and the pure reading of its answer."""

import pytest

from connectors.base import Capability, ListingRef, StockUpdate
from connectors.errors import CredentialsRejected, RateLimited, RecordRejected, RetriableConnectorError
from connectors.sandbox.base import Faults
from connectors.shopify import ShopifyConnector
from connectors.shopify.stock import LEVELS_QUERY, stock_reading
from tests.connectors.shopify.conftest import LOCATION, make_connector

ELSEWHERE = 905684978  # another location of the shop


def ref(sku: str, item: int | str | None) -> ListingRef:
    return ListingRef(sku, channel_item_id="5000", channel_inventory_item_id="" if item is None else str(item))


def graphql_calls(sandbox) -> list[int]:
    return [status for method, path, status in sandbox.calls if path.endswith("/graphql.json")]


def test_the_connector_claims_stock_reads():
    assert Capability.READ_STOCK in ShopifyConnector.capabilities
    assert ShopifyConnector.stock_read_batch_size <= 250  # Shopify takes at most 250 ids in one input


def test_available_quantities_at_the_accounts_location_are_read_in_one_query(sandbox):
    sandbox.stock_items(LOCATION, {11: 5, 12: 0, 13: -2})  # -2: oversold on Shopify
    sandbox.stock_items(ELSEWHERE, {11: 40})

    reading = make_connector(sandbox.url).read_stock([ref("A", 11), ref("B", "gid://shopify/InventoryItem/12"), ref("C", 13)])

    assert reading.quantities == {"A": 5, "B": 0, "C": -2}
    assert reading.failures == []
    assert graphql_calls(sandbox) == [200]


def test_pushed_quantities_are_read_back(sandbox):
    sandbox.stock_items(LOCATION, {11: 0, 12: 0})
    connector = make_connector(sandbox.url)
    connector.push_stock([StockUpdate("A", 9, channel_inventory_item_id="11"), StockUpdate("B", 3, channel_inventory_item_id="12")])
    sandbox.stock_items(LOCATION, {12: 2})  # a sale on Shopify since

    assert connector.read_stock([ref("A", 11), ref("B", 12)]).quantities == {"A": 9, "B": 2}


def test_unknown_unstocked_unaddressed_and_malformed_items_fail_alone(sandbox):
    sandbox.stock_items(LOCATION, {11: 5, 14: 6})
    sandbox.stock_items(ELSEWHERE, {12: 7})
    sandbox.faults = Faults(malformed={"14"})

    reading = make_connector(sandbox.url).read_stock([ref("A", 11), ref("B", 12), ref("C", 404), ref("D", None),
                                                      ref("E", "variant-5"), ref("F", 14)])  # fmt: skip

    assert reading.quantities == {"A": 5}
    assert {failure.key: failure.error for failure in reading.failures} == {
        "B": f"Inventory item 12 is not stocked at location {LOCATION}.",
        "C": "Shopify has no inventory item 404.",
        "D": "The listing has no Shopify inventory item id.",
        "E": "'variant-5' is not a Shopify inventory item id.",
        "F": "Shopify's available quantity of inventory item 14 is 'several', not a whole number.",
    }
    malformed = next(failure for failure in reading.failures if failure.key == "F")
    assert malformed.payload["node"]["inventoryLevel"]["quantities"] == [{"name": "available", "quantity": "several"}]
    assert graphql_calls(sandbox) == [200]  # D and E were never asked about


def test_250_items_take_three_queries_whose_cost_the_throttle_follows(sandbox):
    sandbox.stock_items(LOCATION, {9000 + n: n % 7 for n in range(250)})
    connector = make_connector(sandbox.url)

    reading = connector.read_stock([ref(f"SKU-{n}", 9000 + n) for n in range(250)])

    assert reading.quantities == {f"SKU-{n}": n % 7 for n in range(250)}
    assert graphql_calls(sandbox) == [200, 200, 200]  # 100, 100 and 50 items
    assert connector.throttle.graphql.last_cost == 1 + 3 * 50  # the last answer's extensions.cost
    assert connector.throttle.graphql.available < connector.throttle.graphql.maximum


def test_the_sandbox_reports_cost_and_refuses_more_than_250_ids(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    client = make_connector(sandbox.url).client
    ids = [f"gid://shopify/InventoryItem/{n}" for n in range(251)]
    with pytest.raises(RecordRejected, match="maximum allowed of 250"):
        client.graphql(LEVELS_QUERY, {"ids": ids, "locationId": f"gid://shopify/Location/{LOCATION}"}, operation="inventoryLevels")
    data = client.graphql(LEVELS_QUERY, {"ids": ids[11:12], "locationId": f"gid://shopify/Location/{LOCATION}"},
                          operation="inventoryLevels")  # fmt: skip
    assert data == {"nodes": [{"id": "gid://shopify/InventoryItem/11",
                               "inventoryLevel": {"quantities": [{"name": "available", "quantity": 5}]}}]}  # fmt: skip
    assert client.throttle.graphql.last_cost == 4


def test_a_read_of_an_answer_without_the_listing_is_a_failure():
    listings = [ref("A", 11), ref("B", 12)]
    reading = stock_reading(listings, LOCATION, {"nodes": [{"id": "gid://shopify/InventoryItem/11",
                                                           "inventoryLevel": {"quantities": [{"name": "available", "quantity": 3}]}}]})  # fmt: skip
    assert reading.quantities == {"A": 3}
    assert [(failure.key, failure.error) for failure in reading.failures] == [("B", "Shopify has no inventory item 12.")]


def test_throttling_errors_and_refused_credentials_fail_the_whole_read(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    listings = [ref("A", 11)]
    sandbox.cost_bucket.fill(1999)
    with pytest.raises(RateLimited) as throttled:
        make_connector(sandbox.url).read_stock(listings)
    assert throttled.value.response["errors"][0]["extensions"]["code"] == "THROTTLED"
    sandbox.cost_bucket.fill(0)
    sandbox.faults = Faults(error_every=1)
    with pytest.raises(RetriableConnectorError) as failed:
        make_connector(sandbox.url).read_stock(listings)
    assert failed.value.status == 500
    sandbox.faults = Faults()
    with pytest.raises(CredentialsRejected, match="Invalid API key or access token"):
        make_connector(sandbox.url, token="shpat_revoked").read_stock(listings)
