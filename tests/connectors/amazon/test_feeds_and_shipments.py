"""The JSON_LISTINGS_FEED, its processing report and the confirmShipment body, against Amazon's examples."""

from datetime import UTC, datetime

import pytest

from connectors.amazon.mapping import (
    MappingError,
    confirm_shipment_body,
    feed_message_ids,
    feed_results,
    listings_feed,
)
from connectors.base import ShipmentUpdate, StockUpdate
from tests.connectors.amazon.conftest import sample, static_responses


def shape(value):
    """The structure of a JSON value: its keys all the way down, with lists reduced to their first element."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def test_feed_messages_have_the_published_patch_structure():
    example = sample("json_listings_feed_example.json")
    published_merge = next(m for m in example["messages"] if m["operationType"] == "PATCH" and m["patches"][0]["op"] == "merge")
    feed = listings_feed("A2SELLER", [StockUpdate("SKU-1", 5), StockUpdate("SKU-2", 0), StockUpdate("SKU-3", 12)])
    assert [shape(message) for message in feed["messages"]] == [shape(published_merge)] * 3
    assert [(m["messageId"], m["sku"]) for m in feed["messages"]] == [(1, "SKU-1"), (2, "SKU-2"), (3, "SKU-3")]
    patch = feed["messages"][2]["patches"][0]
    assert (patch["op"], patch["path"]) == (published_merge["patches"][0]["op"], published_merge["patches"][0]["path"])
    assert patch["value"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 12}]
    assert feed["header"] == {"sellerId": "A2SELLER", "version": example["header"]["version"],
                              "issueLocale": example["header"]["issueLocale"]}  # fmt: skip


def test_a_sku_given_twice_is_sent_once_with_its_last_quantity():
    feed = listings_feed("A2SELLER", [StockUpdate("SKU-1", 5), StockUpdate("SKU-1", 3)])
    assert feed_message_ids(feed) == {1: "SKU-1"}
    assert feed["messages"][0]["patches"][0]["value"][0]["quantity"] == 3


def test_published_processing_report_rejects_per_sku_and_ignores_warnings():
    ids = feed_message_ids(sample("json_listings_feed_example.json"))
    accepted, rejected = feed_results(sample("json_listings_feed_processing_report_example.json"), ids)
    assert accepted == {"My-SKU-A", "My-SKU-D", "My-SKU-E"}
    assert set(rejected) == {"My-SKU-B", "My-SKU-C"}
    assert rejected["My-SKU-B"] == ("90220: '[batteries_required]' is required but not supplied.; "
                                    "90220: '[supplier_declared_dg_hz_regulation]' is required but not supplied.")  # fmt: skip
    assert rejected["My-SKU-C"].startswith("99022: The field")


def test_an_issue_without_a_sku_is_found_by_its_message_id():
    report = {"issues": [{"messageId": 2, "code": "8560", "severity": "ERROR", "message": "SKU mismatch"}]}
    assert feed_results(report, {1: "A", 2: "B"}) == (frozenset({"A"}), {"B": "8560: SKU mismatch"})


def test_a_feed_level_error_rejects_every_sku():
    report = {"issues": [{"code": "4000", "severity": "ERROR", "message": "The feed is not valid JSON."}]}
    accepted, rejected = feed_results(report, {1: "A", 2: "B"})
    assert (accepted, set(rejected)) == (frozenset(), {"A", "B"})


def test_a_report_that_is_not_a_report_is_a_mapping_error():
    with pytest.raises(MappingError):
        feed_results({"issues": "none"}, {1: "A"})


def test_confirm_shipment_body_has_the_published_structure():
    published = static_responses("confirmShipment_sandbox.json", "204")
    request = sample("confirmShipment_sandbox.json")["204"]["static"][0]["request"]["parameters"]["body"]["value"]
    assert published == [{}]
    update = ShipmentUpdate("408-0000001-0000001", "Delhivery", "DLV123456789", datetime(2025, 3, 2, 6, 30, tzinfo=UTC),
                            (("00000000000001", 2),), carrier_code="Delhivery", ship_method="Surface")  # fmt: skip
    body = confirm_shipment_body(update, "A21TJRUUN4KGV")
    assert set(body) == set(request)
    assert set(body["packageDetail"]) <= set(request["packageDetail"])
    assert body["packageDetail"]["orderItems"] == [{"orderItemId": "00000000000001", "quantity": 2}]
    assert body["packageDetail"]["shipDate"] == "2025-03-02T06:30:00Z"
    assert body["packageDetail"]["packageReferenceId"].isdigit()
    assert (body["packageDetail"]["carrierCode"], body["packageDetail"]["carrierName"]) == ("Delhivery", "Delhivery")


def test_a_package_keeps_its_reference_and_an_unknown_carrier_is_other():
    def body(tracking: str) -> dict:
        update = ShipmentUpdate("1", "Local Courier", tracking, datetime(2025, 3, 2, tzinfo=UTC), (("1", 1),))
        return confirm_shipment_body(update, "A21TJRUUN4KGV")["packageDetail"]

    assert body("T-1")["packageReferenceId"] == body("T-1")["packageReferenceId"] != body("T-2")["packageReferenceId"]
    assert (body("T-1")["carrierCode"], body("T-1")["carrierName"]) == ("Other", "Local Courier")
    assert "shippingMethod" not in body("T-1")
