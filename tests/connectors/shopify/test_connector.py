"""ShopifyConnector end to end: the real ShopifyAPI library over loopback HTTP against ShopifySandbox."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Capability, ChannelOrderState, LineState, ShipmentUpdate, StockUpdate
from connectors.errors import CredentialsRejected, RateLimited, RecordRejected, RetriableConnectorError
from connectors.registry import build
from connectors.sandbox.base import Faults, SandboxServer
from connectors.sandbox.shopify import STALE_COMPARE, ShopifySandbox
from connectors.shopify.webhooks import is_own_echo
from tests.connectors.shopify.conftest import LOCATION, START, indian_order, make_connector, sample

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def read_all(connector, updated_after=EPOCH):
    pages, token = [], None
    while True:
        page = connector.read_orders(updated_after=updated_after, token=token)
        pages.append(page)
        token = page.next_token
        if not token:
            return pages


def graphql_calls(sandbox) -> int:
    return sum(1 for method, path, _ in sandbox.calls if path.endswith("/graphql.json"))


def test_registry_builds_the_connector():
    connector = build("shopify", {"access_token": "x"}, options={"base_url": "http://127.0.0.1:1"})
    assert connector.kind == "shopify" and connector.stock_batch_size == 250
    assert connector.capabilities == {Capability.PULL_ORDERS, Capability.PUSH_STOCK, Capability.PUSH_PRICE, Capability.PUSH_SHIPMENT,
                                      Capability.WEBHOOKS, Capability.READ_STOCK, Capability.PULL_RETURNS}  # fmt: skip


def test_cursor_pages_are_read_completely_and_exactly_once(sandbox, orders):
    connector = make_connector(sandbox.url, page_size=3)
    pages = read_all(connector, updated_after=START + timedelta(minutes=1))
    ids = [order.channel_order_id for page in pages for order in page.orders]
    assert ids == [str(1002 + n) for n in range(6)]  # updated_at_min is inclusive; sorted by updated_at
    assert [len(page.orders) for page in pages] == [3, 3]
    assert [page.high_water for page in pages] == [START + timedelta(minutes=3), START + timedelta(minutes=6)]
    assert sum(1 for _, path, _ in sandbox.calls if path.endswith("/orders.json")) == 2


def test_continued_pages_send_only_the_cursor(sandbox, orders):
    connector = make_connector(sandbox.url, page_size=2)
    read_all(connector)
    requests = [call for call in sandbox.calls if call[1].endswith("/orders.json")]
    assert len(requests) == 4 and all(status == 200 for _, _, status in requests)  # a filter next to page_info is a 400


def test_cancellation_and_refund_come_through_the_next_pull(sandbox, orders):
    connector = make_connector(sandbox.url)
    high_water = read_all(connector)[-1].high_water
    sandbox.cancel_order(1003, financial_status="refunded")
    sandbox.refund_lines(1004, {10040: 1})
    changed = {o.channel_order_id: o for o in connector.read_orders(updated_after=high_water).orders}
    assert changed["1003"].state == ChannelOrderState.CANCELLED
    assert changed["1003"].channel_status == "cancelled/refunded/unfulfilled"
    assert [line.state for line in changed["1004"].lines] == [LineState.CANCELLED, LineState.OPEN]
    assert changed["1004"].state == ChannelOrderState.OPEN


def test_published_samples_load_and_come_back_mapped(sandbox):
    sandbox.load(sample("order.json"))
    sandbox.load(sample("refund.json"))
    (order,) = read_all(make_connector(sandbox.url))[0].orders
    assert order.channel_order_id == "450789469"
    assert [line.state for line in order.lines] == [LineState.CANCELLED, LineState.OPEN, LineState.CANCELLED]


def test_a_malformed_order_is_a_record_failure_and_the_rest_come_through(sandbox, orders):
    sandbox.faults = Faults(malformed={"1003"})
    page = make_connector(sandbox.url).read_orders(updated_after=EPOCH)
    assert [o.channel_order_id for o in page.orders] == ["1001", "1002", "1004", "1005", "1006", "1007"]
    (failure,) = page.failures
    assert failure.key == "1003" and failure.error.startswith("Order 1003: line_items[0].id")
    assert failure.payload["id"] == 1003 and failure.request["query"]["status"] == "any"


def test_429_is_rate_limited_with_retry_after(sandbox, orders):
    sandbox.faults = Faults(rate_limit_every=1, retry_after=3)
    with pytest.raises(RateLimited) as caught:
        make_connector(sandbox.url).read_orders(updated_after=EPOCH)
    assert caught.value.retry_after == 3.0 and caught.value.status == 429


def test_a_full_call_bucket_is_waited_for_and_then_rate_limited(sandbox, orders):
    slept = []
    connector = make_connector(sandbox.url, max_throttle_wait=0.05)
    connector.throttle.sleep = slept.append
    sandbox.rest_bucket.fill(38)
    connector.read_orders(updated_after=EPOCH)  # the bucket is now 39/40: the next call waits first
    sandbox.rest_bucket.fill(40)
    with pytest.raises(RateLimited) as caught:
        connector.read_orders(updated_after=EPOCH)
    assert slept == [0.05]  # bounded: Shopify needs ~2 s, the connector waits at most max_throttle_wait
    assert caught.value.retry_after == 2.0


def test_bad_token_is_credentials_rejected(sandbox, orders):
    connector = make_connector(sandbox.url, token="shpat_wrong")
    with pytest.raises(CredentialsRejected, match="Invalid API key or access token"):
        connector.read_orders(updated_after=EPOCH)
    with pytest.raises(CredentialsRejected):
        connector.push_stock([StockUpdate("A", 1, channel_inventory_item_id="1")])


def test_missing_credentials_are_rejected_before_any_call():
    connector = build("shopify", {"shop": "acme"}, options={})
    with pytest.raises(CredentialsRejected, match="access_token"):
        connector.read_orders(updated_after=EPOCH)


def test_server_errors_and_an_unreachable_shop_may_be_retried(sandbox, orders):
    sandbox.faults = Faults(error_every=1)
    with pytest.raises(RetriableConnectorError) as caught:
        make_connector(sandbox.url).read_orders(updated_after=EPOCH)
    assert caught.value.status == 500
    with SandboxServer(ShopifySandbox()) as gone:
        url = gone.url
    with pytest.raises(RetriableConnectorError, match="could not be reached"):
        make_connector(url).read_orders(updated_after=EPOCH)
    with pytest.raises(RetriableConnectorError, match="could not be reached"):
        make_connector(url).push_stock([StockUpdate("A", 1, channel_inventory_item_id="1")])


def test_push_of_300_updates_takes_two_graphql_calls(sandbox):
    sandbox.stock_items(LOCATION, {9000 + n: 0 for n in range(300)})
    updates = [StockUpdate(f"SKU-{n}", n % 7, channel_inventory_item_id=str(9000 + n)) for n in range(300)]
    result = make_connector(sandbox.url).push_stock(updates)
    assert graphql_calls(sandbox) == 2
    assert result.accepted == {u.channel_sku for u in updates} and result.rejected == {}
    levels = {level["inventory_item_id"]: level["available"] for level in sandbox.state()["inventory_levels"]}
    assert levels == {9000 + n: n % 7 for n in range(300)}
    assert result.response["pushed"]["9299"] == 299 % 7 and result.response["location_id"] == str(LOCATION)


def test_a_stale_compare_quantity_is_rejected_per_item(sandbox):
    sandbox.stock_items(LOCATION, {11: 5, 12: 5, 13: 5})
    updates = [StockUpdate(sku, 9, channel_inventory_item_id=item) for sku, item in (("A", "11"), ("B", "12"), ("C", "13"))]
    result = make_connector(sandbox.url).push_stock(updates, compare_quantities={"A": 5, "B": 4, "C": 5})
    assert result.accepted == {"A", "C"}
    assert result.rejected == {"B": STALE_COMPARE}
    levels = {level["inventory_item_id"]: level["available"] for level in sandbox.state()["inventory_levels"]}
    assert levels == {11: 9, 12: 5, 13: 9}
    assert graphql_calls(sandbox) == 2  # Shopify applies an input whole: A and C went again without B


def test_unknown_items_and_listings_without_an_inventory_item_are_rejected(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    updates = [StockUpdate("A", 1, channel_inventory_item_id="11"), StockUpdate("B", 1, channel_inventory_item_id="404"),
               StockUpdate("C", 1), StockUpdate("D", 1, channel_inventory_item_id="11")]  # fmt: skip
    result = make_connector(sandbox.url).push_stock(updates)
    assert result.accepted == {"A"}
    assert result.rejected == {"B": "The specified inventory item could not be found.",
                               "C": "The listing has no Shopify inventory item id.",
                               "D": "Inventory item 11 is set by another SKU in the same push."}  # fmt: skip


def test_the_webhook_echo_of_a_push_is_recognised(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    result = make_connector(sandbox.url).push_stock([StockUpdate("A", 8, channel_inventory_item_id="11")])
    (echo,) = [payload for topic, payload in sandbox.webhooks if topic == "inventory_levels/update"]
    assert is_own_echo(echo, result.response["pushed"], result.response["location_id"])
    sandbox.stock_items(LOCATION, {11: 7})  # a sale on Shopify
    assert not is_own_echo(sandbox.state()["inventory_levels"][0], result.response["pushed"], LOCATION)


def test_stock_on_2026_04_uses_change_from_quantity(sandbox):
    sandbox.stock_items(LOCATION, {11: 5, 12: 5})
    connector = make_connector(sandbox.url, version="2026-04")
    result = connector.push_stock([StockUpdate("A", 2, channel_inventory_item_id="11"), StockUpdate("B", 2, channel_inventory_item_id="12")],
                                  compare_quantities={"B": 3})  # fmt: skip
    assert result.accepted == {"A"} and "changeFromQuantity" in result.rejected["B"]


def test_graphql_throttled_is_rate_limited(sandbox):
    sandbox.stock_items(LOCATION, {11: 5})
    sandbox.cost_bucket.fill(1995)
    with pytest.raises(RateLimited) as caught:
        make_connector(sandbox.url).push_stock([StockUpdate("A", 1, channel_inventory_item_id="11")])
    assert caught.value.retry_after >= 1.0 and caught.value.response["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_fulfillment_with_tracking_is_stored_and_a_repeat_is_a_no_op(sandbox, orders):
    connector = make_connector(sandbox.url)
    update = ShipmentUpdate("1002", "Delhivery", "DLV123456", datetime.now(UTC), lines=(("10020", 1), ("10021", 2)))
    connector.push_shipment(update)
    connector.push_shipment(update)
    (fulfillment,) = sandbox.state()["fulfillments"]
    assert (fulfillment["order_id"], fulfillment["tracking_company"], fulfillment["tracking_number"]) == (1002, "Delhivery", "DLV123456")
    assert {(line["id"], line["quantity"]) for line in fulfillment["line_items"]} == {(10020, 1), (10021, 2)}
    shipped = {o.channel_order_id: o for o in connector.read_orders(updated_after=EPOCH).orders}["1002"]
    assert shipped.state == ChannelOrderState.SHIPPED


def test_partial_fulfillment_then_the_rest(sandbox, orders):
    connector = make_connector(sandbox.url, version="2024-07")  # fulfillmentCreateV2
    connector.push_shipment(ShipmentUpdate("1003", "Blue Dart", "BD-1", datetime.now(UTC), lines=(("10031", 1),)))
    assert sandbox.orders[1003]["fulfillment_status"] == "partial"
    connector.push_shipment(ShipmentUpdate("1003", "Blue Dart", "BD-2", datetime.now(UTC), lines=()))
    assert sandbox.orders[1003]["fulfillment_status"] == "fulfilled"
    assert [f["tracking_number"] for f in sandbox.state()["fulfillments"]] == ["BD-1", "BD-2"]


def test_fulfillment_of_more_than_is_left_or_of_an_unknown_order_is_rejected(sandbox, orders):
    connector = make_connector(sandbox.url)
    with pytest.raises(RecordRejected, match="only 1 left"):
        connector.push_shipment(ShipmentUpdate("1001", "Delhivery", "X", datetime.now(UTC), lines=(("10010", 2),)))
    with pytest.raises(RecordRejected, match="no order 999"):
        connector.push_shipment(ShipmentUpdate("999", "Delhivery", "X", datetime.now(UTC), lines=()))
    assert sandbox.state()["fulfillments"] == []


def test_sandbox_refuses_the_renamed_mutation_on_an_old_version(sandbox, orders):
    connector = make_connector(sandbox.url, version="2024-07")
    with pytest.raises(RecordRejected, match="doesn't exist on type 'Mutation'"):
        connector.client.graphql("mutation m($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
                                 {"f": {}}, operation="fulfillmentCreate")  # fmt: skip


def test_two_shops_in_parallel_threads_keep_their_own_settings():
    apps = [ShopifySandbox(access_token=f"shpat_{n}") for n in range(2)]
    for n, app in enumerate(apps):
        for k in range(3):
            app.add_order(indian_order(5000 * (n + 1) + k, updated_at=START + timedelta(minutes=k)))
    with SandboxServer(apps[0]) as first, SandboxServer(apps[1]) as second:
        connectors = [make_connector(first.url, token="shpat_0"), make_connector(second.url, token="shpat_1")]
        seen: list[set] = [set(), set()]
        errors: list[Exception] = []

        def pull(n: int) -> None:
            try:
                for _ in range(10):
                    seen[n].update(o.channel_order_id for o in connectors[n].read_orders(updated_after=EPOCH).orders)
            except Exception as exc:  # collected for the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=pull, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert seen == [{"5000", "5001", "5002"}, {"10000", "10001", "10002"}]
