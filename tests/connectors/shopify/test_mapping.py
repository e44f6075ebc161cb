"""connectors/shopify/mapping.py against Shopify's published order payloads."""

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.base import ChannelOrderState, LineState, PaymentMode
from connectors.shopify.mapping import MappingError, order_from_payload
from hub.orders.validation import check_order
from tests.connectors.shopify.conftest import START, indian_order, sample

EST = timezone(timedelta(hours=-5))


def test_orders_json_published_list_element():
    raw = sample("orders.json")["orders"][0]
    dto = order_from_payload(raw)
    assert dto.channel_order_id == "450789469"
    assert dto.raw["name"] == "#1001"
    assert dto.channel_status == "partially_refunded/unfulfilled"
    assert dto.state == ChannelOrderState.OPEN
    assert dto.payment_mode == PaymentMode.PREPAID
    assert dto.ordered_at == datetime(2008, 1, 10, 11, 0, tzinfo=EST)
    assert dto.updated_at == datetime(2008, 1, 10, 11, 0, tzinfo=EST)
    assert dto.lines == ()  # the published list sample is an excerpt without line_items
    assert (dto.currency, dto.grand_total, dto.tax_total, dto.discount_total) == ("USD", Decimal("598.94"), Decimal("11.94"), Decimal("10.00"))
    assert dto.shipping_total == Decimal("0.00")  # no shipping_lines: total_shipping_price_set
    assert dto.prices_include_tax is False
    assert (dto.buyer_name, dto.buyer_email, dto.buyer_phone) == ("Bob Norman", "bob.norman@hostmail.com", "+557734881234")
    address = dto.shipping_address
    assert (address.name, address.line1, address.line2, address.city) == ("Bob Norman", "Chestnut Street 92", "", "Louisville")
    assert (address.state, address.pincode, address.country, address.phone) == ("Kentucky", "40202", "US", "555-625-1199")


def test_order_json_published_order():
    dto = order_from_payload(sample("order.json")["order"])
    assert dto.channel_order_id == "450789469"
    assert dto.channel_status == "authorized/unfulfilled"
    assert dto.state == ChannelOrderState.OPEN  # authorised payment: to be fulfilled
    assert [line.channel_line_id for line in dto.lines] == ["466157049", "518995019", "703073504"]
    assert [line.channel_sku for line in dto.lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert [line.channel_item_id for line in dto.lines] == ["39072856", "49148385", "457924702"]
    assert [line.title for line in dto.lines] == ["IPod Nano - 8gb - green", "IPod Nano - 8gb - red", "IPod Nano - 8gb - black"]
    assert {(line.quantity, line.unit_price, line.discount, line.tax, line.state) for line in dto.lines} == {
        (1, Decimal("199.00"), Decimal("0"), Decimal("0"), LineState.OPEN)
    }
    assert dto.item_total == Decimal("597.00")
    assert (dto.shipping_total, dto.discount_total, dto.tax_total, dto.grand_total) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("11.94"), Decimal("409.94"))  # fmt: skip
    assert dto.billing_address.state == "Kentucky" and dto.shipping_address.pincode == "40202"
    assert dto.raw == sample("order.json")["order"]


def test_refund_json_applied_to_its_order_cancels_the_refunded_unfulfilled_lines():
    order = sample("order.json")["order"]
    refund = sample("refund.json")["refund"]
    assert refund["order_id"] == order["id"]
    dto = order_from_payload({**order, "refunds": [refund]})
    states = {line.channel_line_id: line.state for line in dto.lines}
    assert states == {"466157049": LineState.CANCELLED, "518995019": LineState.OPEN, "703073504": LineState.CANCELLED}
    assert dto.state == ChannelOrderState.OPEN  # one line still to ship


def test_refund_of_every_line_cancels_an_unfulfilled_order():
    order = sample("order.json")["order"]
    refund = copy.deepcopy(sample("refund.json")["refund"])
    refund["refund_line_items"].append({"id": 1, "quantity": 1, "line_item_id": 518995019, "restock_type": "cancel"})
    assert order_from_payload({**order, "refunds": [refund]}).state == ChannelOrderState.CANCELLED


def test_refund_after_shipping_returns_only_what_came_back():
    order = indian_order(7, updated_at=START, lines=2)
    for item in order["line_items"]:
        item["fulfillment_status"] = "fulfilled"
    order["fulfillment_status"] = "fulfilled"
    back = {"line_item_id": 70, "quantity": 1, "restock_type": "return"}
    money_only = {"line_item_id": 71, "quantity": 2, "restock_type": "no_restock"}
    order["refunds"] = [{"id": 1, "restock": False, "refund_line_items": [back, money_only]}]
    dto = order_from_payload(order)
    assert [line.state for line in dto.lines] == [LineState.RETURNED, LineState.OPEN]
    assert dto.state == ChannelOrderState.SHIPPED


def test_partial_refund_keeps_the_line_open_and_an_order_edit_removal_cancels_it():
    order = indian_order(8, updated_at=START, lines=2)  # quantities 1 and 2
    order["refunds"] = [{"id": 1, "refund_line_items": [{"line_item_id": 81, "quantity": 1, "restock_type": "cancel"}]}]
    order["line_items"][0]["current_quantity"] = 0  # removed by an order edit, no refund
    assert [line.state for line in order_from_payload(order).lines] == [LineState.CANCELLED, LineState.OPEN]


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({"financial_status": "paid"}, ChannelOrderState.OPEN),
        ({"financial_status": "authorized"}, ChannelOrderState.OPEN),
        ({"financial_status": "partially_paid"}, ChannelOrderState.OPEN),
        ({"financial_status": "pending"}, ChannelOrderState.PENDING),
        ({"financial_status": "voided"}, ChannelOrderState.PENDING),
        ({"financial_status": None}, ChannelOrderState.PENDING),
        ({"financial_status": "pending", "gateway": "Cash on Delivery (COD)", "payment_gateway_names": ["Cash on Delivery (COD)"]},
         ChannelOrderState.OPEN),
        ({"financial_status": "refunded"}, ChannelOrderState.CANCELLED),
        ({"cancelled_at": "2025-04-02T10:00:00+05:30", "financial_status": "voided"}, ChannelOrderState.CANCELLED),
        ({"fulfillment_status": "fulfilled"}, ChannelOrderState.SHIPPED),
        ({"fulfillment_status": "partial"}, ChannelOrderState.OPEN),
        ({"fulfillment_status": "fulfilled", "fulfillments": [{"status": "success", "shipment_status": "delivered"}]},
         ChannelOrderState.DELIVERED),
    ],
)  # fmt: skip
def test_order_state(changes, state):
    assert order_from_payload({**indian_order(9, updated_at=START), **changes}).state == state


def test_cod_gateway_sets_the_payment_mode():
    dto = order_from_payload(indian_order(10, updated_at=START, gateway="Cash on Delivery (COD)", financial_status="pending"))
    assert (dto.payment_mode, dto.state, dto.channel_status) == (PaymentMode.COD, ChannelOrderState.OPEN, "pending/unfulfilled")


def test_indian_order_lines_totals_and_the_hubs_own_checks():
    dto = order_from_payload(indian_order(11, updated_at=START, lines=2))
    assert [(line.channel_sku, line.quantity, line.unit_price, line.discount, line.tax) for line in dto.lines] == [
        ("TEE-0", 1, Decimal("499.00"), Decimal("25.00"), Decimal("76.12")),
        ("TEE-1", 2, Decimal("499.00"), Decimal("25.00"), Decimal("152.24")),
    ]
    assert (dto.item_total, dto.shipping_total, dto.discount_total, dto.grand_total) == (
        Decimal("1497.00"), Decimal("100.00"), Decimal("50.00"), Decimal("1547.00"))  # fmt: skip
    assert dto.prices_include_tax and dto.currency == "INR"
    shipping, _ = check_order(dto)  # the hub accepts it: totals add up, Maharashtra, a valid PIN code
    assert (shipping.state_code, shipping.pincode) == ("27", "411005")


def test_empty_sku_falls_back_to_the_variant_id():
    order = indian_order(12, updated_at=START, lines=1)
    order["line_items"][0]["sku"] = ""
    assert order_from_payload(order).lines[0].channel_sku == "5000"


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda o: o.pop("id"), "id: None is not a Shopify id"),
        (lambda o: o.update(created_at="yesterday"), "created_at: 'yesterday' is not an ISO 8601 time"),
        (lambda o: o.update(updated_at="2025-04-01T10:00:00"), "updated_at: '2025-04-01T10:00:00' has no time zone"),
        (lambda o: o.update(line_items="none"), "line_items: a list is expected"),
        (lambda o: o["line_items"][0].update(quantity="two"), "line_items[0].quantity: 'two' is not a quantity"),
        (lambda o: o["line_items"][0].update(price="free"), "line_items[0].price: 'free' is not an amount"),
        (lambda o: o.pop("total_price"), "total_price is missing"),
        (lambda o: o.update(shipping_address="Pune"), "shipping_address: an address is a JSON object"),
    ],
)  # fmt: skip
def test_malformed_order_raises_a_mapping_error_naming_the_field(break_it, message):
    order = indian_order(13, updated_at=START)
    break_it(order)
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace("[", r"\[").replace("]", r"\]")):
        order_from_payload(order)


def test_not_an_object():
    with pytest.raises(MappingError, match="JSON object"):
        order_from_payload(["not", "an", "order"])
