"""Importing channel orders: an idempotent, set-based upsert keyed by (account, channel order id).

``import_orders(account, dtos)`` takes a page of orders (a connector page is 100-250) and does the work
in sets: the page's orders are locked in one query, new ones inserted in one, their lines in one, their
listings looked up in one, and every order that can be allocated is planned and reserved together
(``hub.orders.allocation``). Every rule holds per order:

- Each order is checked first (``hub.orders.validation``); a bad one is refused whole, with every problem
  named, and the rest of the page goes on (all-or-nothing per order).
- The same order twice in a page, pulled again later, or by two workers at once is one order: new orders
  are inserted with ON CONFLICT DO NOTHING under the unique (account, channel order id) and then locked;
  an order that already has lines was stored by someone else and is treated as an update.
- A later import updates the channel status. A channel cancellation of an unshipped order (or of one
  line) cancels it and releases exactly what it reserved; a cancellation after shipping is flagged for
  a person, not applied. A pending order (Amazon "Pending") is kept without reserving stock until the
  channel opens it. An update older than what the hub has is ignored.
- A line whose channel SKU has no listing is kept unmapped; the order waits, flagged "unmapped SKU",
  until someone maps it (``actions.map_waiting_lines``).

``import_orders`` runs its own transaction (it retries a page that lost a deadlock, then falls back to
one order at a time), so call it outside ``transaction.atomic``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from connectors.base import ChannelOrderState, LineState, OrderDTO
from hub.channels.models import ChannelAccount, Listing
from hub.core.bulk import bulk_set
from hub.core.errors import DomainError
from hub.orders.actions import release_calls
from hub.orders.allocation import allocate_orders
from hub.orders.events import event, transition
from hub.orders.models import Order, OrderEvent, OrderLine
from hub.orders.states import BEFORE_SHIPPING, HOLDING_NO_STOCK, RESERVING, LineStatus, OrderStatus
from hub.orders.validation import Address, OrderError, check_order
from warehouse import stock

logger = logging.getLogger(__name__)
RETRIES = 3

INITIAL_STATUS = {
    ChannelOrderState.PENDING: OrderStatus.PENDING,
    ChannelOrderState.OPEN: OrderStatus.NEW,
    ChannelOrderState.CANCELLED: OrderStatus.CANCELLED,
    ChannelOrderState.SHIPPED: OrderStatus.SHIPPED,
    ChannelOrderState.DELIVERED: OrderStatus.DELIVERED,
    ChannelOrderState.RETURNED: OrderStatus.RETURNED,
}
LINE_STATUS = {LineState.OPEN: LineStatus.OPEN, LineState.CANCELLED: LineStatus.CANCELLED, LineState.RETURNED: LineStatus.RETURNED}


@dataclass
class ImportOutcome:
    channel_order_id: str
    order: Order | None = None
    created: bool = False
    changed: bool = False  # an order the hub had, which this copy changed
    error: DomainError | None = None


@dataclass(frozen=True)
class Checked:
    dto: OrderDTO
    shipping: Address | None
    billing: Address | None

    @property
    def key(self) -> str:
        return self.dto.channel_order_id


def import_order(account: ChannelAccount, dto: OrderDTO, *, actor=None, source: str = "api") -> Order:
    """Import one order; raises ``OrderError`` (naming the field) if it is refused."""
    outcome = import_orders(account, [dto], actor=actor, source=source)[0]
    if outcome.error is not None:
        raise outcome.error
    return outcome.order


def import_orders(
    account: ChannelAccount, dtos: list[OrderDTO], *, actor=None, source: str = "sync",
    checkpoint: Callable[[list[ImportOutcome]], None] | None = None,
) -> list[ImportOutcome]:  # fmt: skip
    """Import a page of orders; one outcome per dto, in order (a repeated id shares its outcome).

    ``checkpoint`` is called with the outcomes inside the transaction that stores them, so what it
    writes (a sync cursor, the failed records) commits with the orders or not at all."""
    refused: dict[int, ImportOutcome] = {}
    latest: dict[str, Checked] = {}
    for index, dto in enumerate(dtos):
        try:
            shipping, billing = check_order(dto)
        except OrderError as error:
            refused[index] = ImportOutcome(dto.channel_order_id, error=error)
            continue
        latest[dto.channel_order_id] = Checked(dto, shipping, billing)  # the last copy in the page wins
    batch = sorted(latest.values(), key=lambda c: c.key)

    def outcomes_of(stored: dict[str, ImportOutcome]) -> list[ImportOutcome]:
        return [refused.get(index) or stored[dto.channel_order_id] for index, dto in enumerate(dtos)]

    def hook(stored: dict[str, ImportOutcome]) -> None:
        if checkpoint is not None:
            checkpoint(outcomes_of(stored))

    return outcomes_of(_store(account, batch, actor=actor, source=source, hook=hook))


def _store(account, batch: list[Checked], *, actor, source, hook) -> dict[str, ImportOutcome]:
    if not batch:
        with transaction.atomic():
            hook({})
        return {}
    try:
        return _with_retries(account, batch, actor=actor, source=source, hook=hook)
    except DatabaseError:
        if len(batch) == 1:
            raise
        logger.warning("A page of %d orders failed together; importing them one at a time", len(batch), exc_info=True)
    outcomes = {}
    for checked in batch:
        try:
            outcomes.update(_with_retries(account, [checked], actor=actor, source=source, hook=None))
        except DatabaseError as exc:
            logger.exception("Order %s could not be stored", checked.key)
            outcomes[checked.key] = ImportOutcome(checked.key, error=DomainError(f"Order {checked.key} could not be stored: {exc}"))
    with transaction.atomic():
        hook(outcomes)  # every order of the page is stored or refused by now
    return outcomes


def _with_retries(account, batch, *, actor, source, hook) -> dict[str, ImportOutcome]:
    for attempt in range(1, RETRIES + 1):
        try:
            with transaction.atomic():
                stored = _import_batch(account, batch, actor=actor, source=source)
                if hook is not None:
                    hook(stored)
                return stored
        except OperationalError as exc:  # a deadlock or serialization failure: the page is retried whole
            if attempt == RETRIES or getattr(getattr(exc, "__cause__", None), "sqlstate", "") not in ("40P01", "40001"):
                raise
            logger.info("Order page lost a deadlock (attempt %d); retrying", attempt)
    raise AssertionError("unreachable")


def _import_batch(account, batch: list[Checked], *, actor, source) -> dict[str, ImportOutcome]:
    existing = _lock(account, [c.key for c in batch])
    created = _insert(account, [c for c in batch if c.key not in existing], existing)
    events: list[OrderEvent] = []
    to_allocate = _create_lines(account, [(created[c.key], c) for c in batch if c.key in created], events, actor, source)
    calls: list[stock.Call] = []
    changed, opened = [], []
    for checked in batch:
        if checked.key in existing:
            order = existing[checked.key]
            was_pending = order.status == OrderStatus.PENDING
            if _update(order, checked, events, calls, source=source):
                changed.append(order)
            if was_pending and order.status == OrderStatus.NEW:
                opened.append(order)
    to_allocate += _ready(opened, events, source)
    if calls:
        stock.post_many(calls, actor=actor)
    _save_changed(changed)
    OrderEvent.objects.bulk_create(events)
    allocate_orders(to_allocate, actor=actor, source=source)
    outcomes = {key: ImportOutcome(key, order=order, created=True) for key, order in created.items()}
    changed_ids = {order.pk for order in changed}
    outcomes.update({key: ImportOutcome(key, order=order, changed=order.pk in changed_ids) for key, order in existing.items()})
    return outcomes


UPDATABLE = (
    "status", "channel_status", "channel_updated_at", "raw_payload", "ship_by", "shipping_address", "billing_address",
    "ship_state", "ship_pincode", "warehouse", "needs_attention", "attention_reason", "updated_at",
)  # fmt: skip


def _save_changed(orders: list[Order]) -> None:
    """One write for every order of the page that a later copy changed."""
    now = timezone.now()
    for order in orders:
        order.updated_at = now
    bulk_set(Order, orders, UPDATABLE)


def _ready(opened: list[Order], events, source) -> list[Order]:
    """Of the orders the channel just opened, those to allocate now; the others wait for a mapping."""
    unmapped: dict[int, set[str]] = {}
    for order_id, channel_sku in OrderLine.objects.filter(
        order__in=opened, status=LineStatus.OPEN, sku__isnull=True
    ).values_list("order_id", "channel_sku"):
        unmapped.setdefault(order_id, set()).add(channel_sku)
    for order in opened:
        if order.pk in unmapped:
            _flag(order, f"Unmapped SKU: {', '.join(sorted(unmapped[order.pk]))}", events, source)
    return [order for order in opened if order.pk not in unmapped]


def _lock(account, keys: list[str]) -> dict[str, Order]:
    if not keys:
        return {}
    rows = (
        Order.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(account=account, channel_order_id__in=keys)
        .order_by("channel_order_id")
    )
    return {order.channel_order_id: order for order in rows}


def _insert(account, new: list[Checked], existing: dict[str, Order]) -> dict[str, Order]:
    """Insert the orders not stored yet; returns those this call created. One stored meanwhile by
    another worker (it has lines already) joins ``existing`` instead."""
    if not new:
        return {}
    Order.objects.bulk_create([_new_order(account, c) for c in new], ignore_conflicts=True)
    locked = _lock(account, [c.key for c in new])
    taken = set(OrderLine.objects.filter(order__in=list(locked.values())).values_list("order_id", flat=True))
    existing.update({key: order for key, order in locked.items() if order.pk in taken})
    return {key: order for key, order in locked.items() if order.pk not in taken}


def _new_order(account: ChannelAccount, checked: Checked) -> Order:
    dto = checked.dto
    return Order(
        tenant_id=account.tenant_id, account=account, channel_order_id=dto.channel_order_id,
        channel_status=dto.channel_status[:80], status=INITIAL_STATUS[dto.state], ordered_at=dto.ordered_at,
        ship_by=dto.ship_by, channel_updated_at=dto.updated_at, payment_mode=dto.payment_mode.value,
        currency=dto.currency.upper(), item_total=dto.item_total, shipping_total=dto.shipping_total,
        discount_total=dto.discount_total, tax_total=dto.tax_total, grand_total=dto.grand_total,
        prices_include_tax=dto.prices_include_tax, buyer_name=dto.buyer_name[:200], buyer_email=dto.buyer_email[:254],
        buyer_phone=dto.buyer_phone[:40], **_address_fields(checked), raw_payload=dto.raw,
    )  # fmt: skip


def _address_fields(checked: Checked) -> dict:
    shipping = checked.shipping
    return {
        "shipping_address": shipping.values if shipping else {},
        "billing_address": checked.billing.values if checked.billing else {},
        "ship_state": shipping.state_code if shipping else "",
        "ship_pincode": shipping.pincode if shipping else "",
    }


def _create_lines(account, pairs: list[tuple[Order, Checked]], events, actor, source) -> list[Order]:
    """Store the lines of new orders, mapped through the account's listings; returns the orders to allocate."""
    skus = {line.channel_sku for _, c in pairs for line in c.dto.lines}
    listings = {lst.channel_sku: lst for lst in Listing.objects.filter(account=account, channel_sku__in=skus, is_active=True)}
    lines, flagged, ready = [], [], []
    for order, checked in pairs:
        rows = [_line(order, line, listings.get(line.channel_sku)) for line in checked.dto.lines]
        lines += rows
        events.append(event(order, "imported", _imported_message(order, rows), actor=actor, source=source,
                            channel_status=order.channel_status))  # fmt: skip
        unmapped = sorted({row.channel_sku for row in rows if row.sku_id is None and row.status == LineStatus.OPEN})
        if unmapped:
            order.needs_attention, order.attention_reason = True, f"Unmapped SKU: {', '.join(unmapped)}"
            flagged.append(order)
            events.append(event(order, "unmapped_sku", f"Waiting: no listing maps {', '.join(unmapped)}.", source=source))
        elif order.status == OrderStatus.NEW:
            ready.append(order)
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    Order.objects.bulk_update(flagged, ["needs_attention", "attention_reason"])
    return ready


def _line(order: Order, line, listing: Listing | None) -> OrderLine:
    return OrderLine(
        tenant_id=order.tenant_id, order=order, channel_line_id=line.channel_line_id, channel_sku=line.channel_sku,
        channel_item_id=line.channel_item_id, title=line.title[:255], listing=listing,
        sku_id=listing.sku_id if listing else None, quantity=line.quantity, unit_price=line.unit_price,
        discount=line.discount, line_total=line.unit_price * line.quantity - line.discount,
        status=LINE_STATUS[line.state],
    )  # fmt: skip


def _imported_message(order: Order, rows: list[OrderLine]) -> str:
    units = sum(row.quantity for row in rows)
    return f"Imported from {order.account.name}: {len(rows)} line(s), {units} unit(s), channel status {order.channel_status or '-'}."


def _update(order: Order, checked: Checked, events, calls, *, source) -> bool:
    """Apply a later copy of an order in memory (and its stock releases as ``calls``); True if it changed."""
    dto = checked.dto
    if dto.updated_at and order.channel_updated_at and dto.updated_at < order.channel_updated_at:
        return False  # an older copy than the hub has (pages overlap, pulls race)
    changed = _refresh(order, checked, events, source)
    if dto.state == ChannelOrderState.CANCELLED:
        changed |= _channel_cancelled(order, events, calls, source)
    elif dto.state == ChannelOrderState.OPEN and order.status == OrderStatus.PENDING:
        events.append(transition(order, OrderStatus.NEW, "The channel opened the order.", source=source))
        changed = True
    elif dto.state == ChannelOrderState.SHIPPED and order.status in HOLDING_NO_STOCK:
        events.append(transition(order, OrderStatus.SHIPPED, "Shipped by the channel; no stock of ours was used.", source=source))
        order.needs_attention, order.attention_reason = False, ""
        changed = True
    elif dto.state == ChannelOrderState.SHIPPED and order.status in RESERVING:
        changed |= _flag(order, "The channel reports the order shipped, but the hub has not shipped it.", events, source)
    elif dto.state == ChannelOrderState.DELIVERED and order.status == OrderStatus.SHIPPED:
        events.append(transition(order, OrderStatus.DELIVERED, "Delivered, says the channel.", source=source))
        changed = True
    elif dto.state == ChannelOrderState.RETURNED and order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        changed |= _flag(order, "The channel reports the order returned; receive it at the returns desk.", events, source)
    changed |= _cancel_lines(order, dto, events, calls, source)
    return changed


def _refresh(order: Order, checked: Checked, events, source) -> bool:
    dto = checked.dto
    changed = False
    if dto.channel_status != order.channel_status:
        events.append(event(order, "channel_status", f"Channel status {order.channel_status or '-'} -> {dto.channel_status}.",
                            source=source, previous=order.channel_status))  # fmt: skip
        order.channel_status = dto.channel_status[:80]
        changed = True
    if checked.shipping and checked.shipping.values != order.shipping_address:
        for name, value in _address_fields(checked).items():
            setattr(order, name, value)
        changed = True
    if dto.updated_at and dto.updated_at != order.channel_updated_at:
        order.channel_updated_at, order.raw_payload, order.ship_by = dto.updated_at, dto.raw, dto.ship_by or order.ship_by
        changed = True
    return changed


def _channel_cancelled(order: Order, events, calls, source) -> bool:
    if order.status == OrderStatus.CANCELLED:
        return False
    if order.status not in BEFORE_SHIPPING:
        return _flag(order, f"The channel cancelled the order after it was {order.status}; check with the courier.", events, source)
    lines = list(order.lines.filter(status=LineStatus.OPEN))
    calls += release_calls(lines, reason="cancelled by the channel")
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=LineStatus.CANCELLED)
    events.append(transition(order, OrderStatus.CANCELLED, "Cancelled by the channel; reserved stock released.", source=source))
    order.warehouse, order.needs_attention, order.attention_reason = None, False, ""  # nothing left to do
    return True


def _cancel_lines(order: Order, dto: OrderDTO, events, calls, source) -> bool:
    """Lines the channel cancelled one at a time (the rest of the order goes on)."""
    cancelled_ids = {line.channel_line_id for line in dto.lines if line.state == LineState.CANCELLED}
    if not cancelled_ids or order.status == OrderStatus.CANCELLED:
        return False
    lines = list(order.lines.filter(status=LineStatus.OPEN, channel_line_id__in=cancelled_ids))
    if not lines:
        return False
    if order.status not in BEFORE_SHIPPING:
        return _flag(order, f"The channel cancelled {len(lines)} line(s) after shipping.", events, source)
    calls += release_calls(lines, reason="line cancelled by the channel")
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=LineStatus.CANCELLED)
    events.append(event(order, "line_cancelled", f"The channel cancelled {', '.join(line.channel_sku for line in lines)}.",
                        source=source, lines=[line.channel_line_id for line in lines]))  # fmt: skip
    if not order.lines.filter(status=LineStatus.OPEN).exists():
        events.append(transition(order, OrderStatus.CANCELLED, "Every line was cancelled.", source=source))
    return True


def _flag(order: Order, reason: str, events, source) -> bool:
    if order.needs_attention and order.attention_reason == reason:
        return False
    order.needs_attention, order.attention_reason = True, reason[:255]
    events.append(event(order, "attention", reason, source=source))
    return True


__all__ = ["ImportOutcome", "import_order", "import_orders"]
