"""AmazonSandbox on its own: what it loads, how it guards its API, and Amazon's published request cases."""

import gzip
import json

import httpx
import pytest

from connectors.sandbox.amazon import SANDBOX_CREDENTIALS
from tests.connectors.amazon.conftest import (
    india_item,
    india_order,
    published_items,
    sample,
    static_responses,
)

ORDERS = "/orders/v0/orders"


@pytest.fixture
def api(sandbox):
    """An httpx client carrying the sandbox's access token, as the library would send it."""
    with httpx.Client(base_url=sandbox.url, headers={"x-amz-access-token": sandbox.access_token}) as client:
        yield client


def login(sandbox, **changes) -> httpx.Response:
    form = {"grant_type": "refresh_token", "client_id": SANDBOX_CREDENTIALS["lwa_app_id"],
            "client_secret": SANDBOX_CREDENTIALS["lwa_client_secret"], "refresh_token": SANDBOX_CREDENTIALS["refresh_token"]}  # fmt: skip
    return httpx.post(f"{sandbox.url}/auth/o2/token", data={**form, **changes})


def test_published_sandbox_files_load_as_they_are(sandbox):
    assert sandbox.load(sample("getOrders_sandbox.json")) == {"orders": 4, "items": 0, "listings": 0}
    assert sandbox.load(sample("getOrder_sandbox.json"))["orders"] == 2
    assert sandbox.load(sample("getOrderItems_sandbox.json"))["items"] == 1
    assert sandbox.state()["orders"] == 4  # the same order twice is one order
    assert sandbox.items["902-1845936-5435065"] == published_items()


def test_a_captured_getorders_body_replays_with_its_items_in_either_shape(sandbox):
    body = static_responses("getOrders_sandbox.json")[0]
    items_body = static_responses("getOrderItems_sandbox.json")[0]
    assert sandbox.load({**body, "OrderItems": [items_body]}) == {"orders": 2, "items": 1, "listings": 0}
    assert sandbox.load({**body, "OrderItems": {"902-8745147-1934268": published_items()}})["items"] == 1
    assert sandbox.load([{"Listings": {"SKU-1": 3}}, body])["listings"] == 1
    assert set(sandbox.items) == {"902-1845936-5435065", "902-8745147-1934268"}
    assert sandbox.listings == {"SKU-1": 3}


def test_login_refuses_a_wrong_secret_and_a_wrong_refresh_token(sandbox):
    assert login(sandbox).json()["access_token"] == sandbox.access_token
    assert (login(sandbox, client_secret="x").status_code, login(sandbox, client_secret="x").json()["error"]) == (401, "invalid_client")
    assert (login(sandbox, refresh_token="x").status_code, login(sandbox, refresh_token="x").json()["error"]) == (400, "invalid_grant")


def test_api_calls_need_the_access_token(sandbox):
    response = httpx.get(f"{sandbox.url}{ORDERS}", params={"MarketplaceIds": "A21TJRUUN4KGV", "LastUpdatedAfter": "2025-01-01T00:00:00Z"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"


def test_getorders_checks_its_parameters(api):
    assert api.get(ORDERS, params={"LastUpdatedAfter": "2025-01-01T00:00:00Z"}).status_code == 400
    assert api.get(ORDERS, params={"MarketplaceIds": "A21TJRUUN4KGV"}).status_code == 400
    bad_size = {"MarketplaceIds": "A21TJRUUN4KGV", "LastUpdatedAfter": "2025-01-01T00:00:00Z", "MaxResultsPerPage": "101"}
    assert api.get(ORDERS, params=bad_size).status_code == 400
    assert api.get(ORDERS, params={"MarketplaceIds": "A21TJRUUN4KGV", "NextToken": "nope"}).status_code == 400


def test_a_next_token_may_be_asked_again_and_sees_the_snapshot(sandbox, api):
    for number in range(1, 4):
        sandbox.add_order(india_order(number, updated=f"2025-03-01T10:0{number}:00Z"))
    first = api.get(ORDERS, params={"MarketplaceIds": "A21TJRUUN4KGV", "LastUpdatedAfter": "2025-03-01T10:02:00Z",
                                    "MaxResultsPerPage": "1"}).json()["payload"]  # fmt: skip
    sandbox.add_order(india_order(9, updated="2025-03-01T10:09:00Z"))  # after the window was listed
    again = [api.get(ORDERS, params={"MarketplaceIds": "A21TJRUUN4KGV", "NextToken": first["NextToken"]}).json() for _ in range(2)]
    assert again[0] == again[1]
    assert [o["AmazonOrderId"] for o in first["Orders"] + again[0]["payload"]["Orders"]] == [
        india_order(2)["AmazonOrderId"], india_order(3)["AmazonOrderId"]]  # fmt: skip
    assert "NextToken" not in again[0]["payload"]


def test_a_pending_orders_items_come_without_prices(sandbox, api):
    order_id = sandbox.add_order(india_order(1, status="Pending"), [india_item(1)])
    [item] = api.get(f"{ORDERS}/{order_id}/orderItems").json()["payload"]["OrderItems"]
    assert "ItemPrice" not in item and "ItemTax" not in item and item["QuantityOrdered"] == 2
    assert "ShippingAddress" not in api.get(f"{ORDERS}/{order_id}").json()["payload"]


def test_a_restricted_data_token_opens_the_address_of_its_path_only(sandbox, api):
    order_id = sandbox.add_order(india_order(1), [india_item(1)])
    assert "Name" not in api.get(f"{ORDERS}/{order_id}").json()["payload"]["ShippingAddress"]
    token = api.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [
        {"method": "GET", "path": f"{ORDERS}/{order_id}", "dataElements": ["shippingAddress"]}]}).json()["restrictedDataToken"]  # fmt: skip
    opened = httpx.get(f"{sandbox.url}{ORDERS}/{order_id}", headers={"x-amz-access-token": token})
    assert opened.json()["payload"]["ShippingAddress"]["Name"] == "Asha Kulkarni"
    assert httpx.get(f"{sandbox.url}{ORDERS}/{order_id}/orderItems", headers={"x-amz-access-token": token}).status_code == 403


def test_published_confirm_shipment_requests_get_amazons_answers(sandbox, api):
    """Amazon's own confirmShipment cases: the 204 body is accepted, the one with a 02/21/2022 date refused."""
    cases = sample("confirmShipment_sandbox.json")
    ok = cases["204"]["static"][0]["request"]["parameters"]
    bad = cases["400"]["static"][0]["request"]["parameters"]
    order_id = ok["orderId"]["value"]
    item = {**published_items()[0], "OrderItemId": "79039765272157"}
    sandbox.add_order({**static_responses("getOrder_sandbox.json")[0]["payload"], "AmazonOrderId": order_id}, [item])
    refused = api.post(f"{ORDERS}/{order_id}/shipmentConfirmation", json=bad["body"]["value"])
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (400, "InvalidInput")
    accepted = api.post(f"{ORDERS}/{order_id}/shipmentConfirmation", json=ok["body"]["value"])
    assert (accepted.status_code, accepted.content) == (204, b"")
    assert sandbox.state()["shipments"][order_id][0]["trackingNumber"] == "112345678"
    assert sandbox.state()["order_statuses"][order_id] == "Shipped"


def test_a_feed_that_is_not_json_ends_fatal_with_a_report(sandbox, api):
    document = api.post("/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
    assert httpx.put(document["url"], content=b"{not json").status_code == 200
    feed_id = api.post("/feeds/2021-06-30/feeds", json={"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": ["A21TJRUUN4KGV"],
                                                      "inputFeedDocumentId": document["feedDocumentId"]}).json()["feedId"]  # fmt: skip
    feed = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "FATAL"
    report_document = api.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
    assert report_document["compressionAlgorithm"] == "GZIP"
    report = json.loads(gzip.decompress(httpx.get(report_document["url"]).content))
    assert report["issues"][0]["severity"] == "ERROR" and "messageId" not in report["issues"][0]


def test_other_feed_types_are_refused(api):
    response = api.post("/feeds/2021-06-30/feeds", json={"feedType": "POST_INVENTORY_AVAILABILITY_DATA",
                                                         "marketplaceIds": ["A21TJRUUN4KGV"], "inputFeedDocumentId": "x"})  # fmt: skip
    assert response.status_code == 400


def test_state_and_reset(sandbox):
    sandbox.add_order(india_order(1), [india_item(1)])
    sandbox.set_listing("SKU-1", 4)
    assert sandbox.state() | {"calls": 0} == {"orders": 1, "order_statuses": {india_order(1)["AmazonOrderId"]: "Unshipped"},
                                             "listings": {"SKU-1": 4}, "prices": {}, "feeds": [], "shipments": {}, "calls": 0}  # fmt: skip
    sandbox.reset()
    assert (sandbox.state()["orders"], sandbox.state()["listings"]) == (0, {})


def test_control_endpoints_load_and_report_state(sandbox):
    loaded = httpx.post(f"{sandbox.url}/_sandbox/load", json=sample("getOrders_sandbox.json")).json()
    assert loaded["orders"] == 4
    assert httpx.get(f"{sandbox.url}/_sandbox/state").json()["orders"] == 3
