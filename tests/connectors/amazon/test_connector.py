"""The Amazon connector end to end: the real python-amazon-sp-api client against AmazonSandbox on loopback."""

import time
from datetime import UTC, datetime

import httpx
import pytest

from connectors import registry
from connectors.amazon import AmazonConnector
from connectors.amazon.transport import Orders, http_error, with_wait
from connectors.base import Capability, ChannelOrderState, ShipmentUpdate, StockUpdate
from connectors.errors import (
    CredentialsRejected,
    RateLimited,
    RecordRejected,
    RetriableConnectorError,
)
from connectors.sandbox.amazon import SANDBOX_CREDENTIALS
from connectors.sandbox.base import Faults
from tests.connectors.amazon.conftest import india_item, india_order

START = datetime(2025, 1, 1, tzinfo=UTC)


def add_orders(sandbox, count: int) -> list[str]:
    """``count`` amazon.in orders updated a minute apart, listed out of order."""
    ids = []
    for number in reversed(range(1, count + 1)):
        order = india_order(number, updated=f"2025-03-01T10:{number:02d}:00Z")
        ids.append(sandbox.add_order(order, [india_item(number * 10 + k, sku=f"SKU-{k}") for k in range(1, 1 + number % 3 + 1)]))
    return ids


def read_window(connector, updated_after=START):
    pages, token = [], None
    while True:
        page = connector.read_orders(updated_after=updated_after, token=token)
        pages.append(page)
        token = page.next_token
        if token is None:
            return pages


def test_registry_finds_the_amazon_connector():
    cls = registry.connector_class("amazon")
    assert cls is AmazonConnector
    assert cls.capabilities == {Capability.PULL_ORDERS, Capability.PUSH_STOCK, Capability.PUSH_PRICE, Capability.PUSH_SHIPMENT,
                                Capability.READ_STOCK, Capability.PULL_RETURNS}
    assert cls.stock_batch_size >= 10_000


def test_without_base_url_the_library_talks_to_amazon():
    client = AmazonConnector(SANDBOX_CREDENTIALS).orders_client
    assert client.endpoint == "https://sellingpartnerapi-eu.amazon.com"  # amazon.in is served from the EU region
    assert client._auth.scheme + client._auth.host + client._auth.path == "https://api.amazon.com/auth/o2/token"
    assert client.marketplace_id == "A21TJRUUN4KGV"


def test_pages_of_orders_are_read_completely_and_exactly_once(sandbox, connect):
    sandbox.items_page_size = 2  # the orders with 3 items need two getOrderItems pages
    ids = add_orders(sandbox, 7)
    pages = read_window(connect(page_size=3))
    assert [len(page.orders) for page in pages] == [3, 3, 1]
    read = [order.channel_order_id for page in pages for order in page.orders]
    assert sorted(read) == sorted(ids) and len(read) == len(set(read))
    assert read == sorted(ids)  # sorted by LastUpdateDate, which these ids follow
    assert [page.high_water for page in pages] == [datetime(2025, 3, 1, 10, minute, tzinfo=UTC) for minute in (3, 6, 7)]
    assert {order.channel_order_id: len(order.lines) for page in pages for order in page.orders} == {
        india_order(n)["AmazonOrderId"]: n % 3 + 1 for n in range(1, 8)}  # fmt: skip
    assert not any(page.failures for page in pages)
    assert [path for method, path, status in sandbox.calls if path == "/orders/v0/orders"] == ["/orders/v0/orders"] * 3


def test_every_call_waits_for_its_operations_token(sandbox, connect):
    sandbox.items_page_size = 1
    sandbox.add_order(india_order(1), [india_item(1), india_item(2)])
    connector = connect()
    asked = []
    connector.limiter = type("Recorder", (), {"acquire": lambda self, operation: asked.append(operation)})()
    connector.read_orders(updated_after=START)
    assert asked == ["createRestrictedDataToken", "getOrders", "getOrderItems", "getOrderItems"]


def test_a_pending_order_opens_and_a_cancellation_comes_through(sandbox, connect):
    pending = sandbox.add_order(india_order(1, status="Pending"), [india_item(1)])
    connector = connect()
    page = connector.read_orders(updated_after=START)
    [order] = page.orders
    assert (order.state, order.shipping_address, order.lines[0].unit_price) == (ChannelOrderState.PENDING, None, 0)

    sandbox.update_order(pending, OrderStatus="Unshipped")
    [opened] = connector.read_orders(updated_after=page.high_water).orders
    assert opened.state == ChannelOrderState.OPEN
    assert (opened.shipping_address.name, opened.lines[0].unit_price, opened.grand_total) == ("Asha Kulkarni", 599, 1298)
    assert opened.updated_at > order.updated_at

    sandbox.cancel_order(pending)
    [cancelled] = connector.read_orders(updated_after=opened.updated_at).orders
    assert (cancelled.state, cancelled.channel_status) == (ChannelOrderState.CANCELLED, "Canceled")


def test_without_a_restricted_data_token_amazon_withholds_the_buyer(sandbox, connect):
    sandbox.add_order(india_order(1), [india_item(1)])
    [order] = connect(restricted_data=False).read_orders(updated_after=START).orders
    assert (order.shipping_address.name, order.shipping_address.line1, order.shipping_address.city) == ("", "", "Pune")
    assert (order.buyer_name, order.buyer_email) == ("", "")
    [full] = connect().read_orders(updated_after=START).orders
    assert (full.shipping_address.name, full.buyer_email) == ("Asha Kulkarni", "asha@marketplace.amazon.in")


def test_a_malformed_order_fails_alone_with_its_payload(sandbox, connect):
    ids = add_orders(sandbox, 3)
    broken = ids[1]
    sandbox.faults = Faults(malformed={broken})
    page = connect().read_orders(updated_after=START)
    assert sorted(order.channel_order_id for order in page.orders) == sorted(set(ids) - {broken})
    [failure] = page.failures
    assert failure.key == broken
    assert "OrderTotal.Amount 'twelve' is not an amount" in failure.error
    assert failure.payload["order"]["AmazonOrderId"] == broken
    assert failure.payload["order"]["OrderTotal"]["Amount"] == "twelve"
    assert len(failure.payload["items"]) >= 1
    assert page.high_water == datetime(2025, 3, 1, 10, 3, tzinfo=UTC)


def test_a_429_every_third_call_is_raised_not_retried(sandbox, connect):
    add_orders(sandbox, 3)
    connector = connect()
    connector.read_orders(updated_after=START)  # logged in; the counter starts from the faults
    sandbox.faults = Faults(rate_limit_every=3, retry_after=0.25)
    sandbox.calls.clear()
    with pytest.raises(RateLimited) as caught:
        connector.read_orders(updated_after=START)
    assert (caught.value.status, caught.value.retry_after) == (429, 0.25)
    statuses = [status for _, _, status in sandbox.calls]
    assert statuses[-1] == 429 and statuses.count(429) == 1 and len(statuses) <= 3  # nothing after the 429: no retry
    sandbox.faults = Faults()
    assert len(connector.read_orders(updated_after=START).orders) == 3


def test_a_500_is_retriable(sandbox, connect):
    add_orders(sandbox, 1)
    sandbox.faults = Faults(error_every=1)
    with pytest.raises(RetriableConnectorError) as caught:
        connect().read_orders(updated_after=START)
    assert not isinstance(caught.value, RateLimited)
    assert caught.value.status == 500
    assert "InternalFailure" in str(caught.value)


def test_a_timeout_and_a_closed_port_are_retriable(sandbox, connect):
    add_orders(sandbox, 1)
    sandbox.faults = Faults(delay=0.2)
    with pytest.raises(RetriableConnectorError, match="Timeout"):
        connect(timeout=0.05).read_orders(updated_after=START)
    deadline = time.monotonic() + 2
    while not [call for call in sandbox.calls if "/tokens/" in call[1]] and time.monotonic() < deadline:
        # the timed-out call is logged once its slow answer is written: let it land before the next test
        time.sleep(0.02)
    closed = AmazonConnector(SANDBOX_CREDENTIALS, options={"base_url": "http://127.0.0.1:9", "rate_limits": {}})
    with pytest.raises(RetriableConnectorError):
        closed.read_orders(updated_after=START)


@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        ({"lwa_client_secret": "wrong"}, 401),
        ({"lwa_app_id": "amzn1.application-oa2-client.other"}, 401),
        ({"refresh_token": "Atzr|revoked"}, 400),
    ],
)
def test_wrong_credentials_are_rejected(connect, credentials, status):
    with pytest.raises(CredentialsRejected) as caught:
        connect(credentials=credentials).read_orders(updated_after=START)
    assert caught.value.status == status


def test_a_revoked_access_is_rejected(sandbox, connect):
    connector = connect()
    connector.read_orders(updated_after=START)
    sandbox.faults = Faults(reject_credentials=True)
    with pytest.raises(CredentialsRejected) as caught:
        connector.read_orders(updated_after=START)
    assert caught.value.status == 403


def test_missing_credentials_are_rejected(sandbox):
    connector = AmazonConnector({"refresh_token": "x"}, options={"base_url": sandbox.url})
    with pytest.raises(CredentialsRejected):
        connector.read_orders(updated_after=START)


def test_stock_goes_in_one_feed_and_an_unknown_sku_is_rejected_alone(sandbox, connect):
    for sku in ("SKU-1", "SKU-2", "SKU-3"):
        sandbox.set_listing(sku, 0)
    updates = [StockUpdate("SKU-1", 5), StockUpdate("SKU-2", 0), StockUpdate("SKU-3", 12), StockUpdate("GHOST", 4)]
    result = connect().push_stock(updates)
    assert result.accepted == {"SKU-1", "SKU-2", "SKU-3"}
    assert list(result.rejected) == ["GHOST"] and "no listing" in result.rejected["GHOST"]
    state = sandbox.state()
    assert state["listings"] == {"SKU-1": 5, "SKU-2": 0, "SKU-3": 12}
    [feed] = state["feeds"]
    assert (feed["feedType"], feed["processingStatus"], feed["skus"]) == ("JSON_LISTINGS_FEED", "DONE", ["SKU-1", "SKU-2", "SKU-3", "GHOST"])
    assert result.request["feedId"] == feed["feedId"] and len(result.request["feed"]["messages"]) == 4
    assert result.response["report"]["summary"]["messagesInvalid"] == 1


def test_a_negative_quantity_is_rejected_by_the_channel(sandbox, connect):
    sandbox.set_listing("SKU-1", 7)
    result = connect().push_stock([StockUpdate("SKU-1", -2)])
    assert (result.accepted, list(result.rejected)) == (frozenset(), ["SKU-1"])
    assert sandbox.state()["listings"] == {"SKU-1": 7}


def test_a_feed_in_progress_is_polled_then_read(sandbox, connect):
    sandbox.set_listing("SKU-1", 0)
    sandbox.feed_checks_in_progress = 2
    connector = connect(feed_poll_interval=7)
    slept = []
    connector.sleep = slept.append
    assert connector.push_stock([StockUpdate("SKU-1", 9)]).accepted == {"SKU-1"}
    assert slept == [7, 7]
    assert [path.split("/")[-2] for _, path, _ in sandbox.calls if "/feeds/2021-06-30/feeds/" in path] == ["feeds"] * 3


def test_a_feed_that_stays_in_progress_is_retried_later(sandbox, connect):
    sandbox.set_listing("SKU-1", 0)
    sandbox.feed_checks_in_progress = 5
    connector = connect(feed_poll_attempts=3)
    connector.sleep = lambda seconds: None
    with pytest.raises(RetriableConnectorError, match="not processed after 3 checks"):
        connector.push_stock([StockUpdate("SKU-1", 9)])


def test_no_updates_make_no_calls(sandbox, connect):
    assert connect().push_stock([]).accepted == frozenset()
    assert sandbox.calls == []


def test_shipment_confirmation_stores_carrier_and_tracking(sandbox, connect):
    order_id = sandbox.add_order(india_order(1), [india_item(1, quantity=2)])
    update = ShipmentUpdate(order_id, "Delhivery", "DLV0001", datetime(2025, 3, 2, 6, 30, tzinfo=UTC),
                            (("00000000000001", 2),), carrier_code="Delhivery")  # fmt: skip
    connector = connect()
    connector.push_shipment(update)
    connector.push_shipment(update)  # a retried confirmation is the same package
    [package] = sandbox.state()["shipments"][order_id]
    assert (package["carrierCode"], package["carrierName"], package["trackingNumber"]) == ("Delhivery", "Delhivery", "DLV0001")
    assert package["orderItems"] == [{"orderItemId": "00000000000001", "quantity": 2}]
    assert sandbox.state()["order_statuses"][order_id] == "Shipped"
    [shipped] = connector.read_orders(updated_after=START).orders
    assert shipped.state == ChannelOrderState.SHIPPED


def test_a_shipment_amazon_refuses_is_a_record_rejection(sandbox, connect):
    order_id = sandbox.add_order(india_order(1), [india_item(1)])
    sandbox.cancel_order(order_id)
    update = ShipmentUpdate(order_id, "Delhivery", "DLV0001", datetime(2025, 3, 2, tzinfo=UTC), (("00000000000001", 1),))
    with pytest.raises(RecordRejected, match="Canceled"):
        connect().push_shipment(update)
    with pytest.raises(RecordRejected) as caught:
        connect().push_shipment(ShipmentUpdate("408-9999999-9999999", "X", "T", datetime(2025, 3, 2, tzinfo=UTC), (("1", 1),)))
    assert caught.value.status == 404


def test_amazons_rate_header_becomes_the_wait():
    request = httpx.Request("GET", "https://sellingpartnerapi-eu.amazon.com/orders/v0/orders")
    error = http_error(httpx.Response(429, headers={"x-amzn-RateLimit-Limit": "0.5"}, json={"errors": []}, request=request))
    assert isinstance(error, RateLimited) and error.retry_after == 2.0
    silent = http_error(httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "slow down"}]}, request=request))
    assert with_wait(silent, 0.0167).retry_after == pytest.approx(59.88, abs=0.01)  # getOrders' published rate


def test_a_5xx_without_an_errors_body_is_still_an_error():
    request = httpx.Request("GET", "https://sellingpartnerapi-eu.amazon.com/orders/v0/orders")
    error = http_error(httpx.Response(502, text="<html>Bad Gateway</html>", request=request))
    assert isinstance(error, RetriableConnectorError) and error.status == 502
    assert error.response["body"] == "<html>Bad Gateway</html>"


def test_the_library_client_sends_the_real_host(sandbox, connect):
    client = connect().orders_client
    assert isinstance(client, Orders)
    assert client.headers["host"] == sandbox.url.removeprefix("http://")
