"""Prices as a JSON_LISTINGS_FEED: the purchasable_offer patches, and the feed flow through the sandbox."""

import json
from decimal import Decimal

import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.mapping import INDIA, MappingError, feed_message_ids, listings_feed, price_feed
from connectors.base import Capability, PriceUpdate, StockUpdate
from tests.connectors.amazon.conftest import sample

FEEDS = "/feeds/2021-06-30/feeds"


def price(sku: str, amount: str, mrp: str | None = "999.00") -> PriceUpdate:
    return PriceUpdate(sku, Decimal(amount), Decimal(mrp) if mrp else None)


def offer(amount: float, marketplace: str = INDIA) -> list[dict]:
    """The documented purchasable_offer value: the offer's selectors and its our_price, GST included."""
    return [{"marketplace_id": marketplace, "currency": "INR", "audience": "ALL",
             "our_price": [{"schedule": [{"value_with_tax": amount}]}]}]  # fmt: skip


def feeds_created(sandbox) -> int:
    return sum(1 for method, path, status in sandbox.calls if (method, path, status) == ("POST", FEEDS, 202))


# --- the feed ------------------------------------------------------------------------------------------


def test_each_sku_is_one_patch_merging_its_offers_our_price():
    example = sample("json_listings_feed_example.json")
    published = next(m for m in example["messages"] if m["operationType"] == "PATCH" and m["patches"][0]["op"] == "merge")
    feed = price_feed("A2SELLER", [price("SKU-1", "799"), price("SKU-2", "1249.50"), price("SKU-3", "0.99")])

    assert feed["header"] == listings_feed("A2SELLER", [])["header"]  # the stock feed's header
    assert [sorted(message) for message in feed["messages"]] == [sorted(published)] * 3
    assert feed_message_ids(feed) == {1: "SKU-1", 2: "SKU-2", 3: "SKU-3"}
    patches = [message["patches"] for message in feed["messages"]]
    assert patches[0] == [{"op": "merge", "path": "/attributes/purchasable_offer", "value": offer(799.0)}]
    assert [p[0]["value"] for p in patches[1:]] == [offer(1249.5), offer(0.99)]
    assert {(m["operationType"], m["productType"]) for m in feed["messages"]} == {("PATCH", "PRODUCT")}


def test_the_marketplace_product_type_and_currency_are_the_callers():
    update = PriceUpdate("SKU-1", Decimal("10"), None, currency="AED")
    [message] = price_feed("A2SELLER", [update], product_type="SHIRT", marketplace_id="A2VIGQ35RCS4UG")["messages"]
    assert message["productType"] == "SHIRT"
    assert message["patches"][0]["value"] == [{**offer(10.0, "A2VIGQ35RCS4UG")[0], "currency": "AED"}]


def test_prices_travel_as_json_numbers_to_the_paisa_and_a_repeated_sku_keeps_its_last_price():
    feed = price_feed("A2SELLER", [price("SKU-1", "1234.555"), price("SKU-2", "5"), price("SKU-1", "1999.10")])
    assert feed_message_ids(feed) == {1: "SKU-1", 2: "SKU-2"}
    text = json.dumps(feed)
    assert '"value_with_tax": 1999.1}' in text and '"value_with_tax": 5.0}' in text
    assert json.loads(text)["messages"][0]["patches"][0]["value"][0]["our_price"][0]["schedule"][0]["value_with_tax"] == 1999.1


def test_a_price_that_is_not_an_amount_cannot_be_written():
    with pytest.raises(MappingError, match="SKU-1"):
        price_feed("A2SELLER", [price("SKU-1", "NaN")])


def test_amazon_takes_prices_in_feeds_of_thousands():
    assert Capability.PUSH_PRICE in AmazonConnector.capabilities
    assert AmazonConnector.price_batch_size == 10_000


# --- through the sandbox -------------------------------------------------------------------------------


def test_three_prices_go_in_one_feed_and_a_negative_one_is_rejected_alone(sandbox, connect):
    for sku in ("SKU-1", "SKU-2", "SKU-3", "SKU-4"):
        sandbox.set_listing(sku, 5)
    updates = [price("SKU-1", "799"), price("SKU-2", "1249.50"), price("SKU-3", "399"), price("SKU-4", "-1")]

    result = connect().push_price(updates)

    assert result.accepted == {"SKU-1", "SKU-2", "SKU-3"}
    assert list(result.rejected) == ["SKU-4"] and "below 0" in result.rejected["SKU-4"]
    assert feeds_created(sandbox) == 1
    state = sandbox.state()
    assert {sku: offer["our_price"] for sku, offer in state["prices"].items()} == {"SKU-1": 799.0, "SKU-2": 1249.5, "SKU-3": 399.0}
    assert state["prices"]["SKU-1"] == {"marketplace_id": INDIA, "currency": "INR", "audience": "ALL", "our_price": 799.0}
    assert state["listings"] == dict.fromkeys(("SKU-1", "SKU-2", "SKU-3", "SKU-4"), 5)  # quantities untouched
    [feed] = state["feeds"]
    assert (feed["processingStatus"], feed["skus"], feed["summary"]["messagesInvalid"]) == ("DONE", ["SKU-1", "SKU-2", "SKU-3", "SKU-4"], 1)
    assert result.request["feedId"] == feed["feedId"] and result.response["report"]["summary"]["messagesAccepted"] == 3


def test_an_unknown_sku_and_a_non_numeric_price_are_rejected_per_sku(sandbox, connect):
    sandbox.set_listing("SKU-1", 0)
    sandbox.set_listing("SKU-2", 0)
    connector = connect()
    feed = price_feed(connector.seller_id, [price("SKU-1", "100"), price("SKU-2", "100"), price("GHOST", "100")])
    feed["messages"][1]["patches"][0]["value"][0]["our_price"][0]["schedule"][0]["value_with_tax"] = "one hundred"

    result = connector._submit_feed(feed)  # the shared feed flow, with a feed the mapping would never write

    assert result.accepted == {"SKU-1"}
    assert "is not a number" in result.rejected["SKU-2"] and "no listing" in result.rejected["GHOST"]
    assert sandbox.state()["prices"] == {"SKU-1": {"marketplace_id": INDIA, "currency": "INR", "audience": "ALL", "our_price": 100.0}}


def test_a_listed_price_is_changed_in_its_offer(sandbox, connect):
    sandbox.set_listing("SKU-1", 3, price=899.0)
    assert connect().push_price([price("SKU-1", "749")]).accepted == {"SKU-1"}
    assert sandbox.state()["prices"] == {"SKU-1": {"marketplace_id": INDIA, "currency": "INR", "audience": "ALL", "our_price": 749.0}}
    assert sandbox.state()["listings"] == {"SKU-1": 3}


def test_stock_and_prices_share_one_feed_flow(sandbox, connect):
    sandbox.set_listing("SKU-1", 0)
    connector = connect()
    assert connector.push_stock([StockUpdate("SKU-1", 4)]).accepted == {"SKU-1"}
    assert connector.push_price([price("SKU-1", "500")]).accepted == {"SKU-1"}
    calls = [(method, path.split("/")[3]) for method, path, _ in sandbox.calls if path.startswith("/feeds/")]
    assert calls[: len(calls) // 2] == calls[len(calls) // 2 :]  # the same calls, in the same order
    assert (sandbox.state()["listings"], sandbox.state()["prices"]["SKU-1"]["our_price"]) == ({"SKU-1": 4}, 500.0)


def test_no_prices_make_no_calls(sandbox, connect):
    assert connect().push_price([]).accepted == frozenset()
    assert sandbox.calls == []
