"""The pure halves of stock pushes (stock.py), fulfilments (fulfillment.py) and the buckets (throttle.py)."""

from datetime import UTC, datetime

import pytest

from connectors.base import ShipmentUpdate, StockUpdate
from connectors.shopify.fulfillment import (
    ShipmentMismatch,
    fulfillment_create_document,
    fulfillment_input,
    fulfillment_mutation_name,
)
from connectors.shopify.stock import inventory_set_input, inventory_set_mutation, stock_outcome
from connectors.shopify.throttle import CostBucket, RestBucket, Throttle

UPDATES = [StockUpdate("A", 5, channel_inventory_item_id="11"), StockUpdate("B", 0, channel_inventory_item_id="12")]


def test_input_without_known_quantities_ignores_the_compare_check():
    variables = inventory_set_input(UPDATES, "905684977", "correction")
    assert variables == {"unchecked": {
        "name": "available", "reason": "correction", "ignoreCompareQuantity": True,
        "quantities": [
            {"inventoryItemId": "gid://shopify/InventoryItem/11", "locationId": "gid://shopify/Location/905684977", "quantity": 5},
            {"inventoryItemId": "gid://shopify/InventoryItem/12", "locationId": "gid://shopify/Location/905684977", "quantity": 0},
        ]}}  # fmt: skip


def test_known_quantities_are_compared_in_their_own_aliased_field():
    mutation = inventory_set_mutation(UPDATES, "905684977", compare_quantities={"B": 3})
    assert mutation.variables["checked"]["ignoreCompareQuantity"] is False
    assert mutation.variables["checked"]["quantities"][0]["compareQuantity"] == 3
    assert [u.channel_sku for u in mutation.groups["checked"]] == ["B"]
    assert [u.channel_sku for u in mutation.groups["unchecked"]] == ["A"]
    assert "checked: inventorySetQuantities(input: $checked)" in mutation.document
    assert "unchecked: inventorySetQuantities(input: $unchecked)" in mutation.document


def test_from_2026_04_each_quantity_carries_change_from_and_the_call_an_idempotency_key():
    mutation = inventory_set_mutation(UPDATES, "905684977", compare_quantities={"B": 3}, api_version="2026-04", idempotency_key="k-1")
    assert [q["changeFromQuantity"] for q in mutation.variables["input"]["quantities"]] == [None, 3]
    assert mutation.variables["idempotencyKey"] == "k-1"
    assert "@idempotent(key: $idempotencyKey)" in mutation.document


def test_user_errors_reject_their_quantity_and_the_unapplied_rest_is_retried():
    mutation = inventory_set_mutation(UPDATES, "1")
    error = {"code": "COMPARE_QUANTITY_STALE", "field": ["input", "quantities", "1", "compareQuantity"], "message": "stale"}
    outcome = stock_outcome(mutation, {"unchecked": {"inventoryAdjustmentGroup": None, "userErrors": [error]}})
    assert (outcome.accepted, outcome.rejected, [u.channel_sku for u in outcome.retry]) == ((), {"B": "stale"}, ["A"])
    applied = stock_outcome(mutation, {"unchecked": {"inventoryAdjustmentGroup": {"id": "g"}, "userErrors": [error]}})
    assert [u.channel_sku for u in applied.accepted] == ["A"] and not applied.retry
    general = {"code": "INVALID_REASON", "field": ["input", "reason"], "message": "The specified reason is invalid."}
    refused = stock_outcome(mutation, {"unchecked": {"inventoryAdjustmentGroup": None, "userErrors": [general]}})
    assert refused.rejected == {"A": "The specified reason is invalid.", "B": "The specified reason is invalid."}


FULFILLMENT_ORDER = {"fulfillments": [], "fulfillmentOrders": {"nodes": [
    {"id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED", "lineItems": {"nodes": [
        {"id": "gid://shopify/FulfillmentOrderLineItem/90", "remainingQuantity": 0, "lineItem": {"id": "gid://shopify/LineItem/9"}}]}},
    {"id": "gid://shopify/FulfillmentOrder/2", "status": "OPEN", "lineItems": {"nodes": [
        {"id": "gid://shopify/FulfillmentOrderLineItem/91", "remainingQuantity": 2, "lineItem": {"id": "gid://shopify/LineItem/9"}},
        {"id": "gid://shopify/FulfillmentOrderLineItem/92", "remainingQuantity": 1, "lineItem": {"id": "gid://shopify/LineItem/8"}}]}},
]}}  # fmt: skip


def shipment(*lines) -> ShipmentUpdate:
    return ShipmentUpdate("77", "Delhivery", "DL-1", datetime(2025, 4, 2, tzinfo=UTC), lines=tuple(lines))


def test_fulfillment_input_takes_the_lines_from_open_fulfillment_orders():
    assert fulfillment_input(shipment(("9", 2)), FULFILLMENT_ORDER) == {
        "notifyCustomer": False, "trackingInfo": {"company": "Delhivery", "number": "DL-1"},
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2",
                                         "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/91", "quantity": 2}]}],
    }  # fmt: skip
    everything = fulfillment_input(shipment(), FULFILLMENT_ORDER)["lineItemsByFulfillmentOrder"]
    assert everything == [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2"}]
    with pytest.raises(ShipmentMismatch, match="Line 9: 3 to ship, but only 2 left"):
        fulfillment_input(shipment(("9", 3)), FULFILLMENT_ORDER)


def test_fulfillment_mutation_is_picked_by_api_version():
    assert fulfillment_mutation_name("2024-07") == "fulfillmentCreateV2"
    assert fulfillment_mutation_name("2024-10") == "fulfillmentCreate"
    assert fulfillment_mutation_name("2025-01") == "fulfillmentCreate"
    assert "fulfillmentCreateV2(fulfillment: $fulfillment)" in fulfillment_create_document("2024-04")
    assert "$fulfillment: FulfillmentInput!" in fulfillment_create_document("2025-01")


def test_rest_bucket_waits_only_near_the_limit():
    bucket = RestBucket(leak_rate=2.0)
    bucket.observe("10/40", now=0.0)
    assert bucket.wait(now=0.0) == 0
    bucket.observe("39/40", now=0.0)
    assert bucket.wait(now=0.0) == pytest.approx(2.0)  # 40 - 4 headroom: 4 calls to leak at 2/s
    assert bucket.wait(now=2.0) == 0
    bucket.observe("garbage", now=5.0)
    assert bucket.used == 39


def test_cost_bucket_waits_for_the_points_a_query_needs():
    bucket = CostBucket()
    assert bucket.wait(10, now=0.0) == 0  # nothing known yet
    bucket.observe({"requestedQueryCost": 10, "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 4,
                                                                  "restoreRate": 100.0}}, now=0.0)  # fmt: skip
    assert bucket.wait(10, now=0.0) == pytest.approx(0.06)
    assert bucket.wait(10, now=1.0) == 0


def test_throttle_bounds_its_wait():
    slept = []
    throttle = Throttle(max_wait=0.5, clock=lambda: 0.0, sleep=slept.append)
    throttle.after_rest({"X-Shopify-Shop-Api-Call-Limit": "40/40"})
    assert throttle.before_rest() == 0.5 and slept == [0.5]
