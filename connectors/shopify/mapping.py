"""Shopify order payloads -> the hub's ``OrderDTO``; pure functions, no I/O.

Built against the Admin REST ``Order`` resource as Shopify publishes it (the samples in
``fixtures/shopify/`` are the ShopifyAPI library's own fixtures) and the order webhooks, whose body is
the same order object. Facts this mapping relies on:

- ``id`` is the order's numeric id, the key the hub stores (``name``, e.g. "#1001", is the shop's
  display number; it stays in the raw payload). Amounts are strings in the shop currency (``currency``).
- ``line_items[].price`` is the unit price before discounts; a line's discount is the sum of its
  ``discount_allocations`` (``total_discount`` is the legacy, presentation-only field, used only when
  there are no allocations). ``total_discounts`` is the sum of every discount, including those allocated
  to shipping lines, so shipping is taken before discounts (``shipping_lines[].price``) and
  ``total_price`` = items + shipping - ``total_discounts`` (+ ``total_tax`` unless ``taxes_included``),
  which is the hub's own check.
- Refunds stay on the order (``refunds[].refund_line_items``) and the line keeps its original
  ``quantity``; ``current_quantity`` (newer versions) is the quantity left after refunds and order edits.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import (
    AddressDTO,
    ChannelOrderState,
    LineState,
    OrderDTO,
    OrderLineDTO,
    PaymentMode,
)

ZERO = Decimal("0")

# Shopify's manual payment method is named "Cash on Delivery (COD)"; Indian COD apps use variants of it.
COD_GATEWAYS = frozenset({"cash on delivery (cod)", "cash on delivery", "cod", "cash_on_delivery"})

# financial_status -> state, for an order neither cancelled, refunded whole nor fulfilled. "pending" is
# an unpaid order (bank transfer, a failed card): imported, not allocated. "voided" and "expired" are
# authorisations that lapsed without capture: unpaid as well. Anything unknown is treated as unpaid.
FINANCIAL_STATES = {
    "pending": ChannelOrderState.PENDING,
    "authorized": ChannelOrderState.OPEN,
    "partially_paid": ChannelOrderState.OPEN,
    "paid": ChannelOrderState.OPEN,
    "partially_refunded": ChannelOrderState.OPEN,
    "refunded": ChannelOrderState.OPEN,  # only reached when part of the order has shipped
    "voided": ChannelOrderState.PENDING,
    "expired": ChannelOrderState.PENDING,
}
SHIPPED_FULFILMENT = frozenset({"fulfilled", "partial"})
# refund_line_items[].restock_type values that mean the units came back to stock as a return; older
# payloads carry only the refund's ``restock`` boolean instead ("legacy_restock").
RETURN_RESTOCKS = frozenset({"return", "legacy_restock"})


class MappingError(ValueError):
    """A Shopify payload the hub cannot read; the connector reports it as a ``RecordFailure``."""


def order_from_payload(order: Mapping[str, Any]) -> OrderDTO:
    """The hub's view of one Shopify order (REST ``orders.json`` element or an order webhook body).

    Raises ``MappingError`` naming the field when the payload cannot be read. An order without
    ``line_items`` maps to an order without lines (the published list sample is such an excerpt); the
    hub's own checks refuse it by name.
    """
    if not isinstance(order, Mapping):
        raise MappingError(f"An order is a JSON object, not {type(order).__name__}.")
    order_id = _order_id(order)
    try:
        return _order(order_id, order)
    except MappingError as exc:
        raise MappingError(f"Order {order_id}: {exc}") from exc


def _order(order_id: str, order: Mapping[str, Any]) -> OrderDTO:
    mode = payment_mode(order)
    lines = order_lines(order)
    name, email, phone = _buyer(order)
    return OrderDTO(
        channel_order_id=order_id, channel_status=channel_status(order), state=order_state(order, lines, mode),
        ordered_at=_timestamp(order, "created_at"), updated_at=_timestamp(order, "updated_at", required=False),
        lines=lines, shipping_address=_address(order.get("shipping_address"), "shipping_address", email),
        billing_address=_address(order.get("billing_address"), "billing_address", email),
        currency=str(order.get("currency") or "INR").upper(), payment_mode=mode,
        item_total=sum((line.unit_price * line.quantity for line in lines), ZERO),
        shipping_total=_shipping_total(order), discount_total=_money(order.get("total_discounts"), "total_discounts"),
        tax_total=_tax_total(order), grand_total=_money(order.get("total_price"), "total_price", required=True),
        prices_include_tax=bool(order.get("taxes_included")), buyer_name=name, buyer_email=email, buyer_phone=phone,
        raw=dict(order),
    )  # fmt: skip


# --- States -----------------------------------------------------------------------------------------


def payment_mode(order: Mapping[str, Any]) -> PaymentMode:
    """COD when the order's gateway (or any of ``payment_gateway_names``) is cash on delivery."""
    names = [order.get("gateway"), *(_list(order, "payment_gateway_names"))]
    for name in names:
        normalised = str(name or "").strip().lower()
        if normalised in COD_GATEWAYS or "cash on delivery" in normalised:
            return PaymentMode.COD
    return PaymentMode.PREPAID


def order_state(order: Mapping[str, Any], lines: Iterable[OrderLineDTO], mode: PaymentMode) -> ChannelOrderState:
    """What the hub acts on, in order of precedence:

    1. ``cancelled_at`` set -> CANCELLED.
    2. Every line refunded or removed -> CANCELLED, or RETURNED when any came back as a return.
    3. ``financial_status`` "refunded" with nothing shipped -> CANCELLED (a refund in full before
       fulfilment is how a merchant cancels without the cancel button; the payload may lack the refunds).
    4. ``fulfillment_status`` "fulfilled" -> SHIPPED, or DELIVERED once every successful fulfilment's
       ``shipment_status`` is "delivered".
    5. COD -> OPEN: a COD order's payment is "pending" until the courier remits, and it must ship.
    6. Otherwise by ``financial_status`` (``FINANCIAL_STATES``): pending payment -> PENDING, paid or
       authorised -> OPEN.
    """
    lines = list(lines)
    if order.get("cancelled_at"):
        return ChannelOrderState.CANCELLED
    if lines and all(line.state != LineState.OPEN for line in lines):
        returned = any(line.state == LineState.RETURNED for line in lines)
        return ChannelOrderState.RETURNED if returned else ChannelOrderState.CANCELLED
    financial, fulfilment = order.get("financial_status"), order.get("fulfillment_status")
    if financial == "refunded" and fulfilment not in SHIPPED_FULFILMENT:
        return ChannelOrderState.CANCELLED
    if fulfilment == "fulfilled":
        return ChannelOrderState.DELIVERED if _delivered(order) else ChannelOrderState.SHIPPED
    if mode == PaymentMode.COD:
        return ChannelOrderState.OPEN
    return FINANCIAL_STATES.get(str(financial or ""), ChannelOrderState.PENDING)


def channel_status(order: Mapping[str, Any]) -> str:
    """Shopify's own words, e.g. "paid/unfulfilled" or "cancelled/voided/unfulfilled"."""
    parts = [str(order.get("financial_status") or "unknown"), str(order.get("fulfillment_status") or "unfulfilled")]
    if order.get("cancelled_at"):
        parts.insert(0, "cancelled")
    return "/".join(parts)


def _delivered(order: Mapping[str, Any]) -> bool:
    fulfilments = [f for f in _list(order, "fulfillments") if isinstance(f, Mapping) and f.get("status") == "success"]
    return bool(fulfilments) and all(f.get("shipment_status") == "delivered" for f in fulfilments)


# --- Lines ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Removed:
    """Units of one line taken off the order by refunds, and whether any came back as a return."""

    quantity: int = 0
    returned: bool = False


def order_lines(order: Mapping[str, Any]) -> tuple[OrderLineDTO, ...]:
    removed = refunded_lines(order)
    return tuple(_line(item, index, removed) for index, item in enumerate(_list(order, "line_items")))


def refunded_lines(order: Mapping[str, Any]) -> dict[str, Removed]:
    """{line item id: what the order's refunds took off it}.

    Every refunded unit counts, whatever its ``restock_type``: Shopify takes a refunded unfulfilled unit
    off the fulfilment order whether or not it goes back to stock, so the hub must not ship it. Restock
    matters only for a line already shipped: "return" (or the legacy ``restock: true``) means the goods
    came back.
    """
    removed: dict[str, Removed] = {}
    for refund in _list(order, "refunds"):
        if not isinstance(refund, Mapping):
            raise MappingError("refunds: each refund is a JSON object.")
        for item in _list(refund, "refund_line_items"):
            line_id = _id(item.get("line_item_id") if isinstance(item, Mapping) else None, "refund_line_items.line_item_id")
            quantity = _quantity(item.get("quantity"), "refund_line_items.quantity")
            restock = item.get("restock_type") or ("legacy_restock" if refund.get("restock") else "no_restock")
            before = removed.get(line_id, Removed())
            removed[line_id] = Removed(before.quantity + quantity, before.returned or restock in RETURN_RESTOCKS)
    return removed


def _line(item: Any, index: int, removed: Mapping[str, Removed]) -> OrderLineDTO:
    where = f"line_items[{index}]"
    if not isinstance(item, Mapping):
        raise MappingError(f"{where}: each line item is a JSON object.")
    line_id = _id(item.get("id"), f"{where}.id")
    quantity = _quantity(item.get("quantity"), f"{where}.quantity")
    variant = str(item.get("variant_id") or "")
    return OrderLineDTO(
        channel_line_id=line_id, channel_sku=str(item.get("sku") or "").strip() or variant, quantity=quantity,
        unit_price=_money(item.get("price"), f"{where}.price", required=True),
        title=str(item.get("name") or item.get("title") or ""), discount=_line_discount(item, where),
        tax=_sum_prices(item.get("tax_lines"), f"{where}.tax_lines"), channel_item_id=variant,
        state=line_state(item, quantity, removed.get(line_id, Removed())),
    )  # fmt: skip


def line_state(item: Mapping[str, Any], quantity: int, removed: Removed) -> LineState:
    """OPEN unless the whole line is off the order (refunded, or removed by an order edit, which shows as
    ``current_quantity`` 0): then CANCELLED if it had not shipped, RETURNED if it had and came back, and
    OPEN if it had shipped and only the money went back. A partly refunded line stays OPEN (the hub
    keeps one state per line; the refund is in the raw payload)."""
    current = item.get("current_quantity")
    taken = max(removed.quantity, quantity - current if _is_int(current) else 0)
    if quantity == 0 or taken < quantity:
        return LineState.OPEN
    if item.get("fulfillment_status") not in SHIPPED_FULFILMENT:
        return LineState.CANCELLED
    return LineState.RETURNED if removed.returned else LineState.OPEN


def _line_discount(item: Mapping[str, Any], where: str) -> Decimal:
    allocations = item.get("discount_allocations")
    if allocations:
        return _sum_money((a.get("amount") if isinstance(a, Mapping) else a for a in allocations), f"{where}.discount_allocations")
    return _money(item.get("total_discount"), f"{where}.total_discount")


# --- Totals, addresses, buyer -----------------------------------------------------------------------


def _shipping_total(order: Mapping[str, Any]) -> Decimal:
    if "shipping_lines" in order:
        return _sum_prices(order.get("shipping_lines"), "shipping_lines")
    total = order.get("total_shipping_price_set") or {}
    return _money((total.get("shop_money") or {}).get("amount") if isinstance(total, Mapping) else None, "total_shipping_price_set")


def _tax_total(order: Mapping[str, Any]) -> Decimal:
    if order.get("total_tax") is not None:
        return _money(order.get("total_tax"), "total_tax")
    return _sum_prices(order.get("tax_lines"), "tax_lines")


def _address(raw: Any, field: str, email: str) -> AddressDTO | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise MappingError(f"{field}: an address is a JSON object.")
    name = str(raw.get("name") or " ".join(str(raw.get(k) or "") for k in ("first_name", "last_name"))).strip()
    return AddressDTO(
        name=name, line1=_text(raw, "address1"), line2=_text(raw, "address2"), city=_text(raw, "city"),
        state=_text(raw, "province") or _text(raw, "province_code"), pincode=_text(raw, "zip"),
        country=_text(raw, "country_code") or _text(raw, "country") or "IN", phone=_text(raw, "phone"), email=email,
    )  # fmt: skip


def _buyer(order: Mapping[str, Any]) -> tuple[str, str, str]:
    customer = order.get("customer") if isinstance(order.get("customer"), Mapping) else {}
    addresses = [a for a in (order.get("billing_address"), order.get("shipping_address")) if isinstance(a, Mapping)]
    name = " ".join(str(customer.get(k) or "") for k in ("first_name", "last_name")).strip()
    name = name or next((str(a.get("name")) for a in addresses if a.get("name")), "")
    email = str(order.get("email") or order.get("contact_email") or customer.get("email") or "")
    phones = [order.get("phone"), customer.get("phone"), *(a.get("phone") for a in addresses)]
    return name, email, str(next((p for p in phones if p), ""))


# --- Scalars ----------------------------------------------------------------------------------------


def _order_id(order: Mapping[str, Any]) -> str:
    return _id(order.get("id"), "id")


def _id(value: Any, field: str) -> str:
    """Shopify ids are positive integers (JSON numbers; strings of digits are accepted)."""
    if _is_int(value) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return str(int(value))
    raise MappingError(f"{field}: {value!r} is not a Shopify id.")


def _quantity(value: Any, field: str) -> int:
    if _is_int(value) and value >= 0:
        return value
    raise MappingError(f"{field}: {value!r} is not a quantity.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _timestamp(order: Mapping[str, Any], field: str, *, required: bool = True) -> datetime | None:
    """Shopify times are ISO 8601 with the shop's offset ("2008-01-10T11:00:00-05:00")."""
    value = order.get(field)
    if value is None and not required:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{field}: {value!r} is not an ISO 8601 time.") from None
    if parsed.tzinfo is None:
        raise MappingError(f"{field}: {value!r} has no time zone offset.")
    return parsed


def _money(value: Any, field: str, *, required: bool = False) -> Decimal:
    if value is None or value == "":
        if required:
            raise MappingError(f"{field} is missing.")
        return ZERO
    if isinstance(value, bool):
        raise MappingError(f"{field}: {value!r} is not an amount.")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{field}: {value!r} is not an amount.") from None
    if not amount.is_finite():
        raise MappingError(f"{field}: {value!r} is not an amount.")
    return amount


def _sum_money(values: Iterable[Any], field: str) -> Decimal:
    return sum((_money(value, field) for value in values), ZERO)


def _sum_prices(rows: Any, field: str) -> Decimal:
    """The sum of ``price`` over a list of tax lines, shipping lines and the like."""
    if rows is None:
        return ZERO
    if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
        raise MappingError(f"{field}: a list of JSON objects is expected.")
    return _sum_money((row.get("price") for row in rows), f"{field}.price")


def _list(container: Mapping[str, Any], field: str) -> list:
    value = container.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingError(f"{field}: a list is expected, not {type(value).__name__}.")
    return value


def _text(raw: Mapping[str, Any], field: str) -> str:
    return str(raw.get(field) or "").strip()

