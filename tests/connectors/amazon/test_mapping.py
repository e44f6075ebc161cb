"""Amazon payloads to OrderDTOs, checked against every order Amazon publishes in its sandbox cases."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.amazon.mapping import (
    AMAZON_FULFILLED_STATES,
    SELLER_FULFILLED_STATES,
    MappingError,
    line_from_item,
    order_from_payload,
    order_state,
)
from connectors.base import AddressDTO, ChannelOrderState, LineState, PaymentMode
from hub.orders.validation import check_order
from tests.connectors.amazon.conftest import (
    india_item,
    india_order,
    published_items,
    sample,
    static_responses,
)

ITEMS_BY_ORDER = {
    body["payload"]["AmazonOrderId"]: body["payload"]["OrderItems"] for body in static_responses("getOrderItems_sandbox.json")
}


def published_orders() -> list[dict]:
    """Every order in the published getOrders and getOrder cases."""
    orders = [order for body in static_responses("getOrders_sandbox.json") for order in body["payload"]["Orders"]]
    return orders + [body["payload"] for body in static_responses("getOrder_sandbox.json")]


def test_every_published_order_maps_with_its_id_status_and_dates():
    mapped = {}
    for order in published_orders():
        dto = order_from_payload(order, ITEMS_BY_ORDER.get(order["AmazonOrderId"], []))
        assert dto.channel_order_id == order["AmazonOrderId"]
        assert dto.channel_status == order["OrderStatus"]
        assert dto.updated_at == datetime.fromisoformat(order["LastUpdateDate"])
        assert dto.shipping_address is None  # withheld without a Restricted Data Token
        mapped[dto.channel_order_id] = dto
    assert {key: dto.state for key, dto in mapped.items()} == {
        "902-1845936-5435065": ChannelOrderState.OPEN,
        "902-8745147-1934268": ChannelOrderState.OPEN,
        "902-3159896-1390916": ChannelOrderState.PENDING,
        "921-3175655-0452641": ChannelOrderState.SHIPPED,  # Amazon-fulfilled: never the seller's stock
    }


def test_published_unshipped_order_with_its_items():
    order = static_responses("getOrders_sandbox.json")[0]["payload"]["Orders"][0]
    dto = order_from_payload(order, published_items())
    assert dto.ordered_at == datetime(1970, 1, 19, 3, 58, 30, tzinfo=UTC)
    assert dto.ship_by == datetime(1970, 1, 19, 4, 5, 13, tzinfo=UTC)
    assert (dto.currency, dto.payment_mode, dto.prices_include_tax) == ("USD", PaymentMode.PREPAID, False)
    [line] = dto.lines
    assert (line.channel_line_id, line.channel_sku, line.channel_item_id, line.title) == (
        "05015851154158", "NABetaASINB00551Q3CS", "B00551Q3CS", "B00551Q3CS [Card Book]")  # fmt: skip
    assert (line.quantity, line.unit_price, line.tax, line.discount, line.state) == (
        1, Decimal("10.00"), Decimal("1.01"), Decimal("0.00"), LineState.OPEN)  # fmt: skip
    assert (dto.item_total, dto.shipping_total, dto.discount_total, dto.tax_total) == (
        Decimal("10.00"), Decimal("0.00"), Decimal("0.00"), Decimal("1.01"))  # fmt: skip
    # US prices exclude sales tax: the rebuilt grand total is Amazon's OrderTotal
    assert dto.grand_total == Decimal(order["OrderTotal"]["Amount"]) == Decimal("11.01")
    assert dto.raw == {"order": order, "items": published_items()}


def test_getorder_and_getorders_copies_of_an_order_map_alike():
    from_list = static_responses("getOrders_sandbox.json")[0]["payload"]["Orders"][0]
    single = static_responses("getOrder_sandbox.json")[0]["payload"]
    assert order_from_payload(from_list, published_items()) == order_from_payload(single, published_items())


def test_published_pending_order_has_no_total_yet():
    pending = static_responses("getOrders_sandbox.json")[1]["payload"]["Orders"][0]
    dto = order_from_payload(pending, [])
    assert dto.state == ChannelOrderState.PENDING
    assert dto.currency == "USD"  # from the marketplace: a Pending order carries no OrderTotal
    assert dto.ship_by == datetime(2017, 1, 25, 19, 49, 35, tzinfo=UTC)
    assert dto.grand_total == Decimal("0.00")


def test_published_amazon_fulfilled_order():
    afn = static_responses("getOrder_sandbox.json")[1]["payload"]
    dto = order_from_payload(afn, [])
    assert (dto.state, dto.currency, dto.prices_include_tax) == (ChannelOrderState.SHIPPED, "EUR", True)
    assert dto.ordered_at == datetime(2019, 5, 7, 15, 42, 57, 58000, tzinfo=UTC)


def test_every_documented_status_has_a_state():
    documented = sample("ordersV0_definitions_Order_OrderItem.json")["Order"]["properties"]["OrderStatus"]["enum"]
    assert set(documented) == set(SELLER_FULFILLED_STATES) == set(AMAZON_FULFILLED_STATES)
    assert order_state("Unshipped", "AFN") == ChannelOrderState.SHIPPED
    assert order_state("Pending", "AFN") == ChannelOrderState.PENDING
    assert order_state("InvoiceUnconfirmed", "MFN") == ChannelOrderState.SHIPPED
    assert order_state("Unfulfillable", "AFN") == ChannelOrderState.CANCELLED
    with pytest.raises(MappingError, match="not one Amazon documents"):
        order_state("Lost")


def test_india_order_is_tax_inclusive_and_passes_the_hubs_check():
    order = india_order(1, cod=True)
    dto = order_from_payload(order, [india_item(1), india_item(2, sku="TEE-WHT-L", quantity=1, price="599.00",
                                                                tax="64.18", shipping="0.00")])  # fmt: skip
    assert (dto.currency, dto.prices_include_tax, dto.payment_mode) == ("INR", True, PaymentMode.COD)
    assert [(line.channel_sku, line.quantity, line.unit_price) for line in dto.lines] == [
        ("TEE-BLK-M", 2, Decimal("599.00")), ("TEE-WHT-L", 1, Decimal("599.00"))]  # fmt: skip
    assert (dto.item_total, dto.shipping_total, dto.tax_total, dto.grand_total) == (
        Decimal("1797.00"), Decimal("100.00"), Decimal("192.54"), Decimal("1897.00"))  # fmt: skip
    assert dto.shipping_address == AddressDTO(name="Asha Kulkarni", line1="12 FC Road", line2="Shivajinagar", city="Pune",
                                              state="MAHARASHTRA", pincode="411005", country="IN", phone="+91 98200 00000")  # fmt: skip
    assert (dto.buyer_name, dto.buyer_email, dto.buyer_phone) == ("Asha Kulkarni", "asha@marketplace.amazon.in", "+91 98200 00000")
    shipping, _ = check_order(dto)
    assert shipping.state_code == "27"


def test_item_price_is_for_the_whole_quantity_and_rounding_stays_in_the_line():
    line = line_from_item(india_item(1, quantity=3, price="100.00"))
    assert (line.unit_price, line.discount) == (Decimal("33.34"), Decimal("0.02"))
    assert line.unit_price * line.quantity - line.discount == Decimal("100.00")


def test_discounts_and_shipping_discounts_add_up_to_the_grand_total():
    item = india_item(1, price="1198.00", shipping="100.00")
    item["PromotionDiscount"] = {"CurrencyCode": "INR", "Amount": "200.00"}
    item["ShippingDiscount"] = {"CurrencyCode": "INR", "Amount": "100.00"}
    dto = order_from_payload(india_order(1), [item])
    assert (dto.lines[0].discount, dto.discount_total, dto.grand_total) == (Decimal("200.00"), Decimal("300.00"), Decimal("998.00"))
    check_order(dto)


def test_quantity_zero_line_is_cancelled_and_carries_no_money():
    cancelled = india_item(2, quantity=0, price="0.00", tax="0.00", shipping="0.00")
    dto = order_from_payload(india_order(1), [india_item(1), cancelled])
    assert [line.state for line in dto.lines] == [LineState.OPEN, LineState.CANCELLED]
    assert (dto.lines[1].quantity, dto.lines[1].unit_price) == (0, Decimal("0.00"))
    assert dto.item_total == Decimal("1198.00")


def test_cancelled_order_maps_to_cancelled():
    assert order_from_payload(india_order(1, status="Canceled"), [india_item(1)]).state == ChannelOrderState.CANCELLED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"AmazonOrderId": None}, "no AmazonOrderId"),
        ({"OrderTotal": {"CurrencyCode": "INR", "Amount": "twelve"}}, "OrderTotal.Amount 'twelve' is not an amount"),
        ({"PurchaseDate": "yesterday"}, "PurchaseDate 'yesterday' is not an ISO 8601"),
        ({"OrderStatus": "Misplaced"}, "OrderStatus 'Misplaced'"),
        ({"ShippingAddress": ["not", "an", "object"]}, "ShippingAddress should be an object"),
    ],
)
def test_malformed_order_raises_a_mapping_error_with_its_key(change, message):
    order = {**india_order(7), **change}
    with pytest.raises(MappingError, match=message) as caught:
        order_from_payload(order, [india_item(1)])
    assert caught.value.key == (order["AmazonOrderId"] or "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"QuantityOrdered": "two"}, "QuantityOrdered 'two'"),
        ({"QuantityOrdered": -1}, "QuantityOrdered -1"),
        ({"ItemPrice": {"CurrencyCode": "INR", "Amount": "NaN"}}, "ItemPrice.Amount 'NaN'"),
        ({"OrderItemId": ""}, "no OrderItemId"),
    ],
)
def test_malformed_item_raises_a_mapping_error(change, message):
    with pytest.raises(MappingError, match=message) as caught:
        order_from_payload(india_order(7), [{**india_item(1), **change}])
    assert caught.value.key == "408-0000007-0000007"
