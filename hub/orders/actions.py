"""What people (and the channels) do to an order after it is imported: cancel, hold, release a hold,
retry allocation, map a SKU that was unknown, and record the units that came back (a return). Each
locks the order, checks the transition table, changes stock only through ``warehouse.stock``, and
writes the timeline."""

from collections.abc import Iterable

from django.db import transaction

from hub.core.errors import Conflict
from hub.orders.allocation import allocate_orders
from hub.orders.events import event, transition
from hub.orders.models import LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.states import RESERVING, InvalidTransition, LineStatus, OrderStatus
from warehouse import stock


def release_calls(lines: Iterable[OrderLine], *, reason: str) -> list[stock.Call]:
    """Stock calls giving back every active reservation of these lines; marks the allocations released
    (the caller posts the calls in the same transaction)."""
    allocations = list(
        LineAllocation.objects.filter(line__in=list(lines), released=False).select_related("bin", "sku", "line__order")
    )
    if not allocations:
        return []
    LineAllocation.objects.filter(pk__in=[a.pk for a in allocations]).update(released=True)
    return [
        stock.Call(
            key=f"allocation-{a.pk}-release",
            changes=[stock.Change(a.sku, a.bin, stock.Kind.RELEASE, reserved=-a.quantity)],
            reference=f"order {a.line.order.channel_order_id}", reason=reason,
        )
        for a in allocations
    ]


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("account").get(pk=order.pk)


@transaction.atomic
def cancel_order(order: Order, *, actor=None, reason: str = "", source: str = "hub") -> Order:
    """Cancel an order that has not shipped: every open line is cancelled and its stock released."""
    order = _locked(order)
    lines = list(order.lines.filter(status=LineStatus.OPEN))
    events = [transition(order, OrderStatus.CANCELLED, f"Cancelled. {reason}".strip(), actor=actor, source=source)]
    _post(release_calls(lines, reason="order cancelled"), actor)
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=LineStatus.CANCELLED)
    order.warehouse, order.needs_attention, order.attention_reason = None, False, ""  # nothing left to do
    order.save(update_fields=["status", "warehouse", "needs_attention", "attention_reason", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    return order


@transaction.atomic
def hold_order(order: Order, *, actor=None, reason: str = "", source: str = "hub") -> Order:
    """Put an order on hold; an allocated order gives its stock back until the hold is released."""
    order = _locked(order)
    was_reserving = order.status in RESERVING
    event_row = transition(order, OrderStatus.ON_HOLD, f"Put on hold. {reason}".strip(), actor=actor, source=source)
    if was_reserving:
        _post(release_calls(order.lines.filter(status=LineStatus.OPEN), reason="order on hold"), actor)
        order.warehouse = None
    order.save(update_fields=["status", "warehouse", "updated_at"])
    event_row.save()
    return order


@transaction.atomic
def release_hold(order: Order, *, actor=None, source: str = "hub") -> Order:
    """Take an order off hold: it is allocated again, or goes back to pending if the channel had not
    opened it yet when it was held."""
    order = _locked(order)
    held = order.events.filter(kind=f"status:{OrderStatus.ON_HOLD}").order_by("-pk").first()
    was_pending = held is not None and held.details.get("previous") == OrderStatus.PENDING
    target = OrderStatus.PENDING if was_pending else OrderStatus.NEW
    transition(order, target, "Hold released.", actor=actor, source=source).save()
    order.save(update_fields=["status", "updated_at"])
    return _allocate_if_ready(order, actor=actor, source=source)


@transaction.atomic
def allocate_order(order: Order, *, actor=None, source: str = "hub") -> Order:
    """Try again to allocate a new or unfulfillable order (a person pressed "allocate")."""
    order = _locked(order)
    if order.status not in (OrderStatus.NEW, OrderStatus.UNFULFILLABLE):
        raise InvalidTransition(order.status, OrderStatus.ALLOCATED)
    if _has_unmapped(order):
        raise Conflict("The order has lines whose channel SKU is not mapped; map them first.", code="unmapped_sku")
    return _allocate_if_ready(order, actor=actor, source=source)


@transaction.atomic
def reallocate_order(order: Order, *, actor=None, reason: str, source: str = "hub") -> Order:
    """Give back whatever a picking order still holds and allocate it afresh (a short pick found fewer
    units than were reserved): it is allocated again from the stock there is now, or waits unfulfillable."""
    order = _locked(order)
    if order.status != OrderStatus.PICKING:
        raise InvalidTransition(order.status, OrderStatus.ALLOCATED)
    _post(release_calls(order.lines.filter(status=LineStatus.OPEN), reason=reason), actor)
    order.warehouse = None  # chosen again by the allocation
    allocate_orders([order], actor=actor, source=source)
    return order


def _allocate_if_ready(order: Order, *, actor, source) -> Order:
    if order.status in (OrderStatus.NEW, OrderStatus.UNFULFILLABLE) and not _has_unmapped(order):
        allocate_orders([order], actor=actor, source=source)
    return order


def _has_unmapped(order: Order) -> bool:
    return order.lines.filter(status=LineStatus.OPEN, sku__isnull=True).exists()


@transaction.atomic
def map_waiting_lines(listing, *, actor=None) -> list[Order]:
    """A channel SKU was just mapped: give its waiting lines the SKU, and allocate each order that now
    has every line mapped. Returns the orders that were completed."""
    lines = OrderLine.objects.filter(
        order__account_id=listing.account_id, channel_sku=listing.channel_sku, sku__isnull=True
    )
    order_ids = list(lines.values_list("order_id", flat=True).distinct())
    if not order_ids:
        return []
    lines.update(sku_id=listing.sku_id, listing=listing)
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=order_ids)
        .order_by("account_id", "channel_order_id")  # the order every importer locks in: no deadlock
    )
    complete = [o for o in orders if not _has_unmapped(o)]
    for order in complete:
        order.needs_attention, order.attention_reason = False, ""
    Order.objects.bulk_update(complete, ["needs_attention", "attention_reason"])
    OrderEvent.objects.bulk_create(
        event(o, "mapped", f"Channel SKU {listing.channel_sku} mapped to {listing.sku.code}.", actor=actor) for o in orders
    )
    allocate_orders([o for o in complete if o.status == OrderStatus.NEW], actor=actor)
    return complete


@transaction.atomic
def record_return(
    order: Order, *, lines: Iterable[OrderLine], all_back: bool, message: str, actor=None, source: str = "hub",
    **details,
) -> Order:
    """Units of a shipped or delivered order came back (received by ``warehouse.returns``): ``lines`` came
    back in full and become returned, and when ``all_back`` (every shipped unit is back) the order becomes
    returned. A partial return keeps the order's status; the timeline records the return either way."""
    order = _locked(order)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise InvalidTransition(order.status, OrderStatus.RETURNED)
    OrderLine.objects.filter(order=order, pk__in=[line.pk for line in lines]).exclude(
        status=LineStatus.CANCELLED
    ).update(status=LineStatus.RETURNED)
    if not all_back:
        event(order, "returned_partly", message, actor=actor, source=source, **details).save()
        return order
    transition(order, OrderStatus.RETURNED, message, actor=actor, source=source, **details).save()
    order.needs_attention, order.attention_reason = False, ""  # "the channel reports it returned": it is here
    order.save(update_fields=["status", "needs_attention", "attention_reason", "updated_at"])
    return order


def _post(calls: list[stock.Call], actor) -> None:
    if calls:
        stock.post_many(calls, actor=actor)
