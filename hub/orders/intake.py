"""Orders of a ``custom`` channel account (a store's own site, B2B, phone orders) sent in the hub's own shape.

Marketplace orders come from each channel's sync; a custom account has no channel to pull from, so its
orders are posted (``POST /api/v1/orders/``) or uploaded (``orders/import/``). Both turn the same shape
into an ``OrderDTO`` here and import it through ``hub.orders.services.import_orders``, so a custom order
gets the same checks, idempotency (keyed by the channel order id), allocation and timeline as any other:

- posting the same order again changes nothing; a changed status or address updates it, and status
  ``cancelled`` cancels it and releases its stock (how a store cancels an order it sent);
- an order's lines are fixed once it is imported (stock was reserved for them): posting it again with
  other lines, quantities or prices is refused (409 ``order_changed``) rather than silently ignored;
  the store cancels it and posts a new order instead;
- ``item_total`` is the lines' unit price x quantity when it is left out; ``grand_total`` must equal
  items + shipping - discount (+ tax when the prices exclude it), as ``hub.orders.validation`` checks.

The shape, as typed values (``hub.orders.serializers.OrderIntakeSerializer`` reads JSON into it, and
``hub.orders.imports`` reads an order's rows into it)::

    channel_order_id, ordered_at, ship_by?, updated_at?, status (open | pending | cancelled),
    payment_mode (prepaid | cod), currency, item_total?, shipping_total, discount_total, tax_total,
    grand_total, prices_include_tax, buyer {name, email, phone},
    shipping_address {name, line1, line2, city, state, pincode, phone}?, billing_address?,
    lines [{line_id?, sku, title, quantity, unit_price, discount}]

A refusal names the field in that shape (``lines[0].sku``, not the DTO's ``lines[0].channel_sku``).
"""

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from connectors.base import AddressDTO, ChannelOrderState, OrderDTO, OrderLineDTO, PaymentMode
from hub.channels.models import ChannelAccount, ChannelKind
from hub.core.errors import DomainError
from hub.core.imports import chunked
from hub.orders.models import Order, OrderLine
from hub.orders.services import import_orders
from hub.orders.validation import OrderError, check_order

STATES = {
    "open": ChannelOrderState.OPEN,
    "pending": ChannelOrderState.PENDING,
    "cancelled": ChannelOrderState.CANCELLED,
}
ADDRESS_PARTS = ("name", "line1", "line2", "city", "state", "pincode", "phone")
# The DTO's names for what the hub's shape calls otherwise: of the order, and of a line.
ORDER_NAMES = {"state": "status"}
LINE_NAMES = {"channel_sku": "sku", "channel_line_id": "line_id"}
_LINE_FIELD = re.compile(r"^(?P<line>lines\[\d+\])\.(?P<name>\w+)$")
LINE_FACTS = ("channel_sku", "quantity", "unit_price")  # what may not change once a line is imported


class OrderChanged(OrderError):
    """An order posted again with other lines than it was imported with."""

    code = "order_changed"
    status = 409


def check_intake_account(account: ChannelAccount) -> None:
    """Only an active custom account takes orders from outside: a marketplace's orders come from its
    sync, and a second way in would let the two disagree."""
    if account.kind != ChannelKind.CUSTOM:
        name = account.get_kind_display()
        article = "an" if name[:1].lower() in "aeiou" else "a"
        raise DomainError(
            f"Orders of {article} {name} account come from its sync; post orders only to a custom account.",
            field="account",
            code="not_custom",
        )
    if not account.is_active:
        raise DomainError(f"The account {account.name} is inactive; activate it first.", field="account")


def build_order(values: dict[str, Any], *, raw: dict) -> OrderDTO:
    """The ``OrderDTO`` of one order in the hub's shape (typed values, see the module docstring)."""
    lines = tuple(_line(line, position) for position, line in enumerate(values["lines"], start=1))
    items = values.get("item_total")
    if items is None:
        items = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    buyer = values.get("buyer") or {}
    status = values.get("status") or "open"
    return OrderDTO(
        channel_order_id=values["channel_order_id"], channel_status=status, state=STATES[status],
        ordered_at=values["ordered_at"], ship_by=values.get("ship_by"), updated_at=values.get("updated_at"),
        lines=lines, shipping_address=_address(values.get("shipping_address")),
        billing_address=_address(values.get("billing_address")), currency=values.get("currency") or "INR",
        payment_mode=PaymentMode(values.get("payment_mode") or PaymentMode.PREPAID), item_total=items,
        shipping_total=values.get("shipping_total", Decimal("0")), discount_total=values.get("discount_total", Decimal("0")),
        tax_total=values.get("tax_total", Decimal("0")), grand_total=values["grand_total"],
        prices_include_tax=values.get("prices_include_tax", True), buyer_name=buyer.get("name", ""),
        buyer_email=buyer.get("email", ""), buyer_phone=buyer.get("phone", ""), raw=raw,
    )  # fmt: skip


def _line(values: dict[str, Any], position: int) -> OrderLineDTO:
    return OrderLineDTO(
        channel_line_id=str(values.get("line_id") or position), channel_sku=values["sku"],
        title=values.get("title", ""), quantity=values["quantity"], unit_price=values["unit_price"],
        discount=values.get("discount", Decimal("0")),
    )  # fmt: skip


def _address(values: dict[str, str] | None) -> AddressDTO | None:
    if not values:
        return None
    return AddressDTO(**{part: values.get(part, "") for part in ADDRESS_PARTS})


def shape_field(path: str) -> str:
    """A field path of ``hub.orders.validation`` in the hub's shape: ``lines[1].channel_sku`` is ``lines[1].sku``."""
    if match := _LINE_FIELD.match(path):
        return f"{match['line']}.{LINE_NAMES.get(match['name'], match['name'])}"
    return ORDER_NAMES.get(path, path)


def in_shape(error: DomainError) -> DomainError:
    """An order refusal with its fields named as the poster named them."""
    if not isinstance(error, OrderError):
        return error
    return type(error)(
        error.channel_order_id, [(shape_field(field), reason) for field, reason in error.problems]
    )


def changed_orders(account: ChannelAccount, dtos: list[OrderDTO]) -> dict[str, OrderChanged]:
    """The orders among ``dtos`` already imported with other lines, by channel order id.

    ``import_orders`` keeps an order's lines as first imported; a store that edits an order and posts it
    again must hear that the edit was not applied. A cancellation is not checked: it ends the order
    whatever its lines say.
    """
    keys = [dto.channel_order_id for dto in dtos if dto.state != ChannelOrderState.CANCELLED]
    stored: dict[str, dict[str, tuple]] = defaultdict(dict)
    for chunk in chunked(keys):
        lines = OrderLine.objects.filter(order__account=account, order__channel_order_id__in=chunk)
        for key, line_id, *facts in lines.values_list(
            "order__channel_order_id", "channel_line_id", *LINE_FACTS
        ):
            stored[key][line_id] = tuple(facts)
    changes = {
        dto.channel_order_id: _changes(dto, stored[dto.channel_order_id])
        for dto in dtos
        if dto.channel_order_id in stored
    }
    return {key: error for key, error in changes.items() if error is not None}


def _changes(dto: OrderDTO, stored: dict[str, tuple]) -> OrderChanged | None:
    advice = "an imported order's lines cannot change; cancel it and post a new order"
    if {line.channel_line_id for line in dto.lines} != set(stored):
        ids = ", ".join(sorted(stored))
        return OrderChanged(
            dto.channel_order_id, [("lines", f"The order was imported with line ids {ids}; {advice}.")]
        )
    problems = [
        (f"lines[{index}].{name}", f"Was {before} when the order was imported; {advice}.")
        for index, line in enumerate(dto.lines)
        for name, before in zip(LINE_FACTS, stored[line.channel_line_id], strict=True)
        if getattr(line, name) != before
    ]
    return OrderChanged(dto.channel_order_id, problems) if problems else None


def receive_order(
    account: ChannelAccount, dto: OrderDTO, *, actor=None, source: str = "api"
) -> tuple[Order, bool]:
    """Import one order of a custom account; returns (order, created). Raises ``DomainError`` naming
    the field (``OrderError`` for the order itself, ``OrderChanged`` for an edit of an imported one),
    having written nothing for this order."""
    check_intake_account(account)
    try:
        check_order(dto)  # before comparing lines: a malformed order is a 400 whether or not it exists
    except OrderError as error:
        raise in_shape(error) from None
    if changed := changed_orders(account, [dto]):
        raise in_shape(changed[dto.channel_order_id])
    outcome = import_orders(account, [dto], actor=actor, source=source)[0]
    if outcome.error is not None:
        raise in_shape(outcome.error)
    return outcome.order, outcome.created
