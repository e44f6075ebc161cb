"""Amazon SP-API payloads to the hub's neutral dataclasses and back: pure functions, no I/O.

Format facts come from Amazon's own API models (``amzn/selling-partner-api-models``), copied in
``../shared/channel-samples/amazon`` and ``fixtures/amazon``:

- Orders v0 ``Order``/``OrderItem``/``Address``/``Money`` schemas (``ordersV0_definitions_Order_OrderItem.json``):
  money is ``{"CurrencyCode", "Amount"}`` with the amount as a string; ``ItemPrice`` is "the selling price
  of the order item multiplied by the quantity ordered"; ``ShippingAddress`` and ``BuyerInfo`` are
  restricted data (names, street lines and phone only come with a Restricted Data Token) and the address
  is only given for Unshipped, PartiallyShipped, Shipped and InvoiceUnconfirmed orders; getOrderItems
  returns no prices for a Pending order.
- The JSON_LISTINGS_FEED example and its processing report (``json_listings_feed_example.json``,
  ``json_listings_feed_processing_report_example.json``) and the "Merge a listing" page: a quantity is
  a ``PATCH`` of ``/attributes/fulfillment_availability`` with ``fulfillment_channel_code`` DEFAULT
  (seller-fulfilled) and ``quantity``; the ``merge`` op changes the quantity and leaves the seller's
  handling time and restock date alone.
- The "Merge a listing" and "Manage purchasable offer" pages: a price is a ``PATCH`` of
  ``/attributes/purchasable_offer``, an array of offers each picked by ``marketplace_id``, ``currency``
  and ``audience`` (ALL by default), whose ``our_price`` is ``[{"schedule": [{"value_with_tax": 799.0}]}]``;
  ``merge`` needs those selectors and leaves the offer's other prices alone.
- Listings Items API 2021-08-01 ``getListingsItem`` (``models/listings-items-api-model/listingsItems_2021-08-01.json``):
  with ``includedData=fulfillmentAvailability`` the ``Item`` carries ``fulfillmentAvailability``, a list of
  ``{"fulfillmentChannelCode", "quantity"}`` (``quantity`` optional, at least 0); the seller's own stock is
  the DEFAULT channel's. A SKU the seller has no listing of answers 404 with an ``errors`` list.
- confirmShipment (``confirmShipment_sandbox.json``): ``marketplaceId`` and a ``packageDetail`` with
  ``packageReferenceId``, ``carrierCode``, ``trackingNumber``, an ISO 8601 ``shipDate`` (the published
  400 case is a ``02/21/2022`` date) and ``orderItems``.
"""

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from connectors.base import (
    AddressDTO,
    ChannelOrderState,
    LineState,
    OrderDTO,
    OrderLineDTO,
    PaymentMode,
    PriceUpdate,
    ShipmentUpdate,
    StockUpdate,
)

ZERO = Decimal("0.00")
PAISA = Decimal("0.01")
INDIA = "A21TJRUUN4KGV"

# Where item prices exclude sales tax (it is added on top, in ItemTax): the US and Canadian stores.
# Elsewhere (amazon.in with GST, the EU and UK with VAT, ...) ItemPrice already includes the tax.
TAX_EXCLUSIVE_MARKETPLACES = frozenset({"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"})

# The currency of a marketplace, for orders that carry no amount yet (a Pending order has no OrderTotal).
MARKETPLACE_CURRENCY = {
    INDIA: "INR", "ATVPDKIKX0DER": "USD", "A2EUQ1WTGCTBG2": "CAD", "A1AM78C64UM0Y8": "MXN", "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP", "A1PA6795UKMFR9": "EUR", "A13V1IB3VIYZZH": "EUR", "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR", "A1805IZSGTT6HS": "EUR", "A2VIGQ35RCS4UG": "AED", "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD", "A19VAU5U5O7RUS": "SGD",
}  # fmt: skip

# OrderStatus (the ordersV0 enum) for seller-fulfilled (MFN) orders.
SELLER_FULFILLED_STATES = {
    "Pending": ChannelOrderState.PENDING,  # payment not authorised yet: import, do not allocate
    "PendingAvailability": ChannelOrderState.PENDING,  # a pre-order before its release date
    "Unshipped": ChannelOrderState.OPEN,
    "PartiallyShipped": ChannelOrderState.OPEN,  # the rest is still the seller's to ship
    "Shipped": ChannelOrderState.SHIPPED,
    "InvoiceUnconfirmed": ChannelOrderState.SHIPPED,  # "all items in the order have been shipped"
    "Canceled": ChannelOrderState.CANCELLED,
    # Amazon documents Unfulfillable for Amazon-fulfilled orders only; should one come for a seller
    # order, it will not be shipped, so its reservation is released like a cancellation's.
    "Unfulfillable": ChannelOrderState.CANCELLED,
}

# Amazon-fulfilled (AFN, FBA) orders leave from Amazon's warehouses: the hub records them for sales and
# reconciliation but must never allocate the seller's own stock to them. Once Amazon has the order
# (Unshipped onwards) it is SHIPPED as far as the seller's warehouses go; before that it is PENDING;
# Canceled and Unfulfillable ("cannot be fulfilled", Multi-Channel orders) are CANCELLED.
AMAZON_FULFILLED_STATES = {
    **dict.fromkeys(("Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"), ChannelOrderState.SHIPPED),
    "Pending": ChannelOrderState.PENDING,
    "PendingAvailability": ChannelOrderState.PENDING,
    "Canceled": ChannelOrderState.CANCELLED,
    "Unfulfillable": ChannelOrderState.CANCELLED,
}

ORDER_REQUIRED = ("AmazonOrderId", "LastUpdateDate", "OrderStatus", "PurchaseDate")  # ordersV0 "required"
ITEM_REQUIRED = ("ASIN", "OrderItemId", "QuantityOrdered")
RESTRICTED_RESOURCES = ["buyerInfo", "shippingAddress"]  # the RDT data elements getOrders accepts

FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FULFILMENT_PATH = "/attributes/fulfillment_availability"
SELLER_FULFILLED = "DEFAULT"  # fulfillment_channel_code of the seller's own stock
GENERIC_PRODUCT_TYPE = "PRODUCT"  # the product type that carries only offer attributes
OFFER_PATH = "/attributes/purchasable_offer"
ALL_BUYERS = "ALL"  # the purchasable_offer audience of ordinary buyers (Amazon Business prices are another)


class MappingError(ValueError):
    """An Amazon payload the hub cannot read; ``key`` is its AmazonOrderId when there was one."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key


# --- orders -----------------------------------------------------------------------------------------


def order_from_payload(order: Mapping[str, Any], items: list[Mapping[str, Any]]) -> OrderDTO:
    """An ``OrderDTO`` from a getOrders ``Order`` and its getOrderItems ``OrderItems`` (every page).

    Totals are rebuilt from the items so that they add up the way the hub checks them
    (``grand = items + shipping - discounts``, plus tax where prices exclude it):

    - ``item_total`` = the items' ``ItemPrice`` (Amazon's price of the whole quantity);
    - ``shipping_total`` = ``ShippingPrice`` plus any ``CODFee`` less ``CODFeeDiscount``;
    - ``discount_total`` = ``PromotionDiscount`` plus ``ShippingDiscount``;
    - ``tax_total`` = ``ItemTax`` + ``ShippingTax`` less the tax on the discounts.

    On amazon.in (and in VAT marketplaces) ``ItemPrice`` includes GST, so ``prices_include_tax`` is true
    and the tax is only reported. In the US and Canada the price excludes sales tax, which Amazon adds on
    top: ``prices_include_tax`` is false and the grand total adds the tax. The published US sample shows
    it: ``ItemPrice`` 10.00 + ``ItemTax`` 1.01 = ``OrderTotal`` 11.01. ``OrderTotal`` itself is checked to
    be an amount and kept in ``raw``; it is absent while an order is Pending (and so are item prices).
    """
    key = str(order.get("AmazonOrderId") or "")
    try:
        return _order(order, items, key)
    except MappingError as error:
        error.key = error.key or key
        raise


def _order(order: Mapping[str, Any], items: list[Mapping[str, Any]], key: str) -> OrderDTO:
    _require(order, ORDER_REQUIRED, "Order")
    marketplace = str(order.get("MarketplaceId") or "")
    inclusive = marketplace not in TAX_EXCLUSIVE_MARKETPLACES
    lines = tuple(line_from_item(item) for item in items)
    totals = _totals(items, lines, inclusive=inclusive)
    buyer = order.get("BuyerInfo") or {}
    address = address_from_payload(order.get("ShippingAddress"))
    return OrderDTO(
        channel_order_id=key, channel_status=str(order["OrderStatus"]),
        state=order_state(order["OrderStatus"], order.get("FulfillmentChannel")),
        ordered_at=timestamp(order["PurchaseDate"], "PurchaseDate"), lines=lines, shipping_address=address,
        currency=_currency(order, items, marketplace), payment_mode=payment_mode(order), prices_include_tax=inclusive,
        ship_by=timestamp(order["LatestShipDate"], "LatestShipDate") if order.get("LatestShipDate") else None,
        buyer_name=str(buyer.get("BuyerName") or ""), buyer_email=str(buyer.get("BuyerEmail") or ""),
        buyer_phone=address.phone if address else "", updated_at=timestamp(order["LastUpdateDate"], "LastUpdateDate"),
        raw={"order": dict(order), "items": [dict(item) for item in items]}, **totals,
    )  # fmt: skip


def order_state(status: str, fulfillment_channel: str | None = None) -> ChannelOrderState:
    """The hub's state for an ``OrderStatus``; Amazon-fulfilled (AFN) orders never ask for the seller's stock."""
    table = AMAZON_FULFILLED_STATES if fulfillment_channel == "AFN" else SELLER_FULFILLED_STATES
    try:
        return table[status]
    except (KeyError, TypeError):
        raise MappingError(f"OrderStatus {status!r} is not one Amazon documents.") from None


def payment_mode(order: Mapping[str, Any]) -> PaymentMode:
    """COD when ``PaymentMethod`` says so, or ``PaymentMethodDetails`` lists it (amazon.in does both)."""
    details = order.get("PaymentMethodDetails") or []
    return PaymentMode.COD if order.get("PaymentMethod") == "COD" or "COD" in details else PaymentMode.PREPAID


def line_from_item(item: Mapping[str, Any]) -> OrderLineDTO:
    """One ``OrderItem``. A quantity of 0 is an item Amazon cancelled: the line is CANCELLED and carries no money.

    ``ItemPrice`` is for the whole quantity, so the unit price is ``ItemPrice / quantity``, rounded up to the
    paisa; what rounding added is put in the line's discount, so the line's net stays exactly Amazon's.
    """
    _require(item, ITEM_REQUIRED, "OrderItem")
    quantity = _quantity(item["QuantityOrdered"])
    common = {"channel_line_id": str(item["OrderItemId"]), "channel_sku": str(item.get("SellerSKU") or ""),
              "title": str(item.get("Title") or ""), "channel_item_id": str(item["ASIN"])}  # fmt: skip
    if quantity == 0:
        return OrderLineDTO(**common, quantity=0, unit_price=ZERO, state=LineState.CANCELLED)
    price = money(item.get("ItemPrice"), "ItemPrice")
    unit = (price / quantity).quantize(PAISA, rounding=ROUND_CEILING)
    discount = money(item.get("PromotionDiscount"), "PromotionDiscount") + (unit * quantity - price)
    return OrderLineDTO(**common, quantity=quantity, unit_price=unit, discount=discount,
                        tax=money(item.get("ItemTax"), "ItemTax"))  # fmt: skip


def _totals(items: list[Mapping[str, Any]], lines: tuple[OrderLineDTO, ...], *, inclusive: bool) -> dict[str, Decimal]:
    live = [item for item, line in zip(items, lines, strict=True) if line.state != LineState.CANCELLED]
    item_total = sum((line.unit_price * line.quantity for line in lines), ZERO)
    shipping = _sum(live, "ShippingPrice") + _sum(live, "CODFee") - _sum(live, "CODFeeDiscount")
    discount = sum((line.discount for line in lines), ZERO) + _sum(live, "ShippingDiscount")
    tax = (_sum(live, "ItemTax") + _sum(live, "ShippingTax") - _sum(live, "PromotionDiscountTax")
           - _sum(live, "ShippingDiscountTax"))  # fmt: skip
    grand = item_total + shipping - discount + (ZERO if inclusive else tax)
    return {"item_total": item_total, "shipping_total": shipping, "discount_total": discount, "tax_total": tax,
            "grand_total": grand}  # fmt: skip


def _sum(items: Iterable[Mapping[str, Any]], name: str) -> Decimal:
    return sum((money(item.get(name), name) for item in items), ZERO)


def _currency(order: Mapping[str, Any], items: list[Mapping[str, Any]], marketplace: str) -> str:
    total = order.get("OrderTotal")
    if total is not None:
        money(total, "OrderTotal")  # a broken total is a broken order, even though the totals are rebuilt
    amounts = [total] + [item.get(name) for item in items for name in ("ItemPrice", "ItemTax")]
    for amount in amounts:
        if isinstance(amount, Mapping) and amount.get("CurrencyCode"):
            return str(amount["CurrencyCode"]).upper()
    return MARKETPLACE_CURRENCY.get(marketplace, "INR")


def address_from_payload(address: Mapping[str, Any] | None) -> AddressDTO | None:
    """An ``Address`` as given (a foreign one too: the hub zero-rates exports). Without a Restricted Data
    Token Amazon leaves out the name, street lines and phone; they stay empty and the hub says so."""
    if not address:
        return None
    if not isinstance(address, Mapping):
        raise MappingError(f"ShippingAddress should be an object, not {type(address).__name__}.")
    line2 = ", ".join(str(address[name]) for name in ("AddressLine2", "AddressLine3") if address.get(name))
    return AddressDTO(
        name=str(address.get("Name") or ""), line1=str(address.get("AddressLine1") or ""), line2=line2,
        city=str(address.get("City") or ""), state=str(address.get("StateOrRegion") or ""),
        pincode=str(address.get("PostalCode") or ""), country=str(address.get("CountryCode") or "IN").upper(),
        phone=str(address.get("Phone") or ""),
    )  # fmt: skip


# --- values -------------------------------------------------------------------------------------------


def money(value: Any, field: str) -> Decimal:
    """The ``Amount`` of a ``Money`` object, to the paisa; an absent one is 0 (Pending orders carry none)."""
    if value is None:
        return ZERO
    amount = value.get("Amount") if isinstance(value, Mapping) else value
    if amount in (None, ""):
        return ZERO
    try:
        result = Decimal(str(amount))
    except InvalidOperation:
        raise MappingError(f"{field}.Amount {amount!r} is not an amount.") from None
    if not result.is_finite() or isinstance(amount, bool):
        raise MappingError(f"{field}.Amount {amount!r} is not an amount.")
    return result.quantize(PAISA, rounding=ROUND_HALF_UP)


def timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 time as Amazon writes it (``2019-05-07T15:42:57.058Z``), aware, in UTC."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{field} {value!r} is not an ISO 8601 date and time.") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def amazon_time(moment: datetime) -> str:
    """A time the way SP-API takes it in a query or body: ISO 8601, UTC, ``Z``."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise MappingError(f"QuantityOrdered {value!r} is not a whole number of at least 0.")
    return int(value)


def _require(payload: Mapping[str, Any], names: tuple[str, ...], what: str) -> None:
    if not isinstance(payload, Mapping):
        raise MappingError(f"An {what} should be an object, not {type(payload).__name__}.")
    missing = [name for name in names if payload.get(name) in (None, "")]
    if missing:
        raise MappingError(f"The {what} has no {', '.join(missing)}.")


# --- stock and prices: the JSON_LISTINGS_FEED -------------------------------------------------------


def listings_feed(seller_id: str, updates: list[StockUpdate], *, product_type: str = GENERIC_PRODUCT_TYPE) -> dict:
    """A JSON_LISTINGS_FEED with one ``PATCH`` message per SKU, as in the published example's message 5.

    ``messageId`` counts from 1 in the order given; a SKU given twice is sent once, with its last
    quantity. The header leaves out the example's ``report`` block, which asks Amazon to attach each
    listing's whole state to the processing report: the per-SKU ``issues`` are what the hub reads.
    """
    patches = {
        update.channel_sku: {"op": "merge", "path": FULFILMENT_PATH,
                             "value": [{"fulfillment_channel_code": SELLER_FULFILLED, "quantity": update.quantity}]}
        for update in updates
    }  # fmt: skip
    return _patch_feed(seller_id, patches, product_type)


def price_feed(seller_id: str, updates: list[PriceUpdate], *, product_type: str = GENERIC_PRODUCT_TYPE,
               marketplace_id: str = INDIA) -> dict:  # fmt: skip
    """A JSON_LISTINGS_FEED with one ``PATCH`` of ``/attributes/purchasable_offer`` per SKU: its ``our_price``.

    The offer is picked by its selectors (``marketplace_id``, ``currency`` and ``audience``: ALL, the
    ordinary buyer, not business pricing) and changed with the ``merge`` op, which Amazon's "Merge a
    listing" page documents for ``purchasable_offer``: only ``our_price`` is replaced, so a sale price
    (``discounted_price``) or the seller's minimum and maximum allowed prices set in Seller Central are
    kept. A ``replace`` would drop them. ``value_with_tax`` is the price GST included, as amazon.in sells.

    Only ``our_price`` is sent, although ``PriceUpdate`` carries the MRP: the MRP and the reference price
    (``list_price``) are other attributes whose requirements differ by product type, so they stay as the
    listing has them. The hub's part is never to ask for more than the MRP (``hub.channels.sync``).

    As in ``listings_feed``, a SKU given twice is sent once with its last price.
    """
    patches = {update.channel_sku: {"op": "merge", "path": OFFER_PATH, "value": [_offer(update, marketplace_id)]}
               for update in updates}  # fmt: skip
    return _patch_feed(seller_id, patches, product_type)


def _offer(update: PriceUpdate, marketplace_id: str) -> dict:
    return {"marketplace_id": marketplace_id, "currency": update.currency, "audience": ALL_BUYERS,
            "our_price": [{"schedule": [{"value_with_tax": _amount(update)}]}]}  # fmt: skip


def _amount(update: PriceUpdate) -> float:
    """The price as a JSON number, to the paisa. Amazon's schema types it a number, so it travels as a
    float; a two-decimal amount survives that exactly (``json`` writes floats by their shortest repr)."""
    if not Decimal(update.price).is_finite():
        raise MappingError(f"The price {update.price} of {update.channel_sku} is not an amount.")
    return float(Decimal(update.price).quantize(PAISA, rounding=ROUND_HALF_UP))


def _patch_feed(seller_id: str, patches: Mapping[str, dict], product_type: str) -> dict:
    """The feed document: one PATCH message per SKU of ``{sku: patch}``, numbered from 1 in order."""
    messages = [
        {"messageId": number, "sku": sku, "operationType": "PATCH", "productType": product_type, "patches": [patch]}
        for number, (sku, patch) in enumerate(patches.items(), start=1)
    ]
    return {"header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"}, "messages": messages}


def feed_message_ids(feed: Mapping[str, Any]) -> dict[int, str]:
    """``{messageId: sku}`` of a feed built by ``listings_feed`` or ``price_feed``."""
    return {int(message["messageId"]): str(message["sku"]) for message in feed.get("messages", [])}


def feed_results(report: Mapping[str, Any], message_ids: Mapping[int, str]) -> tuple[frozenset[str], dict[str, str]]:
    """Which SKUs a processing report accepted, and why it rejected the others.

    An issue of severity ERROR rejects its message's SKU; warnings do not. The issue's own ``sku`` is
    trusted first, then its ``messageId`` (the published examples disagree: the report names My-SKU-B for
    messageId 4, which is My-SKU-D in the feed example). An ERROR that names neither is about the whole
    feed (a FATAL feed) and rejects every SKU in it.
    """
    if not isinstance(report, Mapping) or not isinstance(report.get("issues", []), list):
        raise MappingError("The processing report is not a JSON_LISTINGS_FEED report.")
    skus = set(message_ids.values())
    reasons: dict[str, list[str]] = {}
    for issue in report.get("issues", []):
        if str(issue.get("severity", "")).upper() != "ERROR":
            continue
        text = f"{issue.get('code', '')}: {issue.get('message', '')}".strip(": ")
        sku = issue.get("sku") or message_ids.get(_int(issue.get("messageId")))
        for target in [sku] if sku else sorted(skus):
            reasons.setdefault(str(target), []).append(text)
    rejected = {sku: "; ".join(texts) for sku, texts in reasons.items() if sku in skus}
    return frozenset(skus - rejected.keys()), rejected


def seller_fulfilled_quantity(item: Any) -> int:
    """The seller-fulfilled (DEFAULT) quantity of a getListingsItem ``Item`` read with fulfillmentAvailability."""
    if not isinstance(item, Mapping):
        raise MappingError(f"A listings item should be an object, not {type(item).__name__}.")
    availability = item.get("fulfillmentAvailability")
    if not isinstance(availability, list):
        raise MappingError("The listings item has no fulfillmentAvailability.")
    entry = next((e for e in availability if isinstance(e, Mapping) and e.get("fulfillmentChannelCode") == SELLER_FULFILLED), None)
    if entry is None:
        raise MappingError(f"The listings item has no seller-fulfilled ({SELLER_FULFILLED}) availability.")
    quantity = entry.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise MappingError(f"The {SELLER_FULFILLED} quantity {quantity!r} is not a whole number of at least 0.")
    return quantity


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- shipments ------------------------------------------------------------------------------------------


def confirm_shipment_body(update: ShipmentUpdate, marketplace_id: str) -> dict:
    """The confirmShipment request body for one package.

    ``packageReferenceId`` must be a positive number unique within the order; it is derived from the
    tracking number, so a retried confirmation names the same package and a second package another.
    ``carrierCode`` is Amazon's code for the carrier when the hub knows it, else "Other" with the carrier's
    name in ``carrierName``.
    """
    reference = int(hashlib.sha256(update.tracking_number.encode()).hexdigest()[:8], 16) % 999_999_999 + 1
    detail = {
        "packageReferenceId": str(reference), "carrierCode": update.carrier_code or "Other",
        "carrierName": update.carrier, "trackingNumber": update.tracking_number,
        "shipDate": amazon_time(update.shipped_at),
        "orderItems": [{"orderItemId": line_id, "quantity": quantity} for line_id, quantity in update.lines],
    }  # fmt: skip
    if update.ship_method:
        detail["shippingMethod"] = update.ship_method
    return {"marketplaceId": marketplace_id, "packageDetail": detail}
