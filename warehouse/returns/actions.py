"""The returns desk: open a return for a shipped order, scan and grade each unit, put the good units
away, complete it.

A unit graded good is received into the warehouse's returns bin (the returns/QC area: not sellable),
then put away to a storage bin, where it is sold again; a damaged unit is received into the damaged
bin. Both bins are made on first use. Every unit enters the stock through ``warehouse.stock`` under
an idempotency key of its own, with the reason ("RTO" or "customer return") and the order in the
ledger; the stock signal then notes the SKU's listings in the channel push outbox. Completing the
return tells the order (``hub.orders.actions.record_return``): lines back in full become returned, and
the order too once every shipped unit is back, and marks received the returns the channel announced for
the order (``hub.channels.ChannelReturn``).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from hub.catalog.models import SKU, Barcode
from hub.channels.models import ChannelReturn
from hub.core.errors import Conflict, DomainError
from hub.orders.actions import record_return
from hub.orders.models import Order
from hub.orders.states import OrderStatus
from warehouse import stock
from warehouse.models import Bin, Warehouse
from warehouse.returns.models import Return, ReturnLine, ReturnPutaway
from warehouse.returns.selectors import (
    Units,
    expected_by_channel,
    lines_fully_back,
    returnable_units,
    waiting_putaway,
)

REASONS = {Return.Kind.RTO: "RTO", Return.Kind.CUSTOMER: "customer return"}
LABELS = {Return.Kind.RTO: "RTO", Return.Kind.CUSTOMER: "Customer return"}
# An RTO never reached the buyer, so its order is still shipped; a customer return was delivered (or the
# channel has not said so yet).
RETURNABLE = {
    Return.Kind.RTO: frozenset({OrderStatus.SHIPPED}),
    Return.Kind.CUSTOMER: frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED}),
}
NOT_RETURNABLE = {
    Return.Kind.RTO: "an RTO is a shipped order the courier brings back undelivered",
    Return.Kind.CUSTOMER: "only a shipped or delivered order can come back",
}


class NotOnOrder(DomainError):
    code = "not_on_order"


class TooMany(Conflict):
    code = "too_many_units"


@dataclass
class Scan:
    """What one scan did: the rows written, the bin the units go into, and what the order still owes."""

    order_return: Return
    lines: list[ReturnLine]
    bin: Bin
    left_of_sku: int
    left: int


@transaction.atomic
def open_return(
    order: Order, *, kind: str, warehouse: Warehouse | None = None, reference: str = "", actor=None
) -> tuple[Return, bool]:
    """Open a return of ``order`` at ``warehouse`` (the order's own by default). An order has one open
    return at a time: scanning it again resumes that one (``created`` is False)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = Return.objects.filter(order=order, status=Return.Status.OPEN).first()
    if existing is not None:
        if existing.kind != kind:
            raise Conflict(
                f"Order {order.channel_order_id} has an open {REASONS[existing.kind]} (#{existing.pk}); "
                "complete or cancel it first.", field="kind", code="return_open",
            )  # fmt: skip
        return existing, False
    _check_returnable(order, kind)
    warehouse = warehouse or order.warehouse
    if warehouse is None:
        raise DomainError(
            f"Order {order.channel_order_id} was not shipped from a hub warehouse; say which warehouse receives it.",
            field="warehouse",
        )
    if warehouse.tenant_id != order.tenant_id:
        raise DomainError("Unknown warehouse.", field="warehouse")
    ret = Return.objects.create(
        tenant_id=order.tenant_id, warehouse=warehouse, order=order, kind=kind, reference=reference[:120],
        received_by=_user(actor),
    )  # fmt: skip
    return ret, True


def _check_returnable(order: Order, kind: str) -> None:
    if order.status not in RETURNABLE[kind]:
        why = NOT_RETURNABLE[kind]
        if kind == Return.Kind.RTO and order.status == OrderStatus.DELIVERED:
            why = "it was delivered, so it comes back as a customer return, not an RTO"
        raise Conflict(f"Order {order.channel_order_id} is {order.get_status_display().lower()}: {why}.",
                       field="code", code="not_returnable")  # fmt: skip
    units = returnable_units(order)
    if not units:
        raise Conflict(f"Order {order.channel_order_id} has no shipped units of a hub SKU.", code="not_returnable")
    if all(unit.left == 0 for unit in units):
        raise Conflict(f"Every shipped unit of order {order.channel_order_id} is back already.", code="all_returned")


@transaction.atomic
def scan_unit(order_return: Return, *, barcode: str, grade: str, quantity: int = 1, actor=None) -> Scan:
    """Receive ``quantity`` units (one per scan, or a keyed number of a ``key_quantity`` SKU) graded
    ``grade``: good ones into the returns bin, damaged ones into the damaged bin."""
    ret = _locked(order_return)
    _check_open(ret)
    if grade not in ReturnLine.Grade.values:
        raise DomainError("Grade the unit: good or damaged.", field="grade")
    sku = sku_for_barcode(ret.tenant_id, barcode)
    _check_quantity(sku, quantity)
    order = ret.order
    units = [unit for unit in returnable_units(order) if unit.sku.pk == sku.pk]
    if not units:
        raise NotOnOrder(
            f"{sku.code} is not on order {order.channel_order_id}; keep it apart for a supervisor.", field="barcode"
        )
    _check_not_too_many(order, sku, units, quantity)
    kind = Bin.Kind.RETURNS if grade == ReturnLine.Grade.GOOD else Bin.Kind.DAMAGED
    target = desk_bin(ret.warehouse, kind)
    rows, remaining = [], quantity
    for unit in units:
        take = min(unit.left, remaining)
        if take:
            rows.append(ReturnLine.objects.create(
                tenant_id=ret.tenant_id, order_return=ret, order_line=unit.line, sku=sku, quantity=take,
                grade=grade, bin=target, scanned_by=_user(actor),
            ))  # fmt: skip
            remaining -= take
    for row in rows:
        stock.receive(sku, target, row.quantity, key=f"return-line-{row.pk}", actor=actor,
                      reference=_reference(ret), reason=REASONS[ret.kind])  # fmt: skip
    left_of_sku = sum(unit.left for unit in units) - quantity
    left = sum(unit.left for unit in returnable_units(order))
    return Scan(ret, rows, target, left_of_sku, left)


def _check_not_too_many(order: Order, sku: SKU, units: list[Units], quantity: int) -> None:
    shipped, left = sum(unit.shipped for unit in units), sum(unit.left for unit in units)
    if quantity <= left:
        return
    back = shipped - left
    more = f"only {left} more can come back" if left else "no more can come back"
    raise TooMany(
        f"Order {order.channel_order_id} shipped {shipped} x {sku.code} and {back} came back already: {more}.",
        field="quantity" if quantity > 1 else "barcode",
    )


@transaction.atomic
def put_away(order_return: Return, *, barcode: str, to_bin: Bin, quantity: int = 1, actor=None) -> list[ReturnPutaway]:
    """Move good units of this return from the returns bin to the storage bin ``to_bin``, where they are
    sold again."""
    ret = _locked(order_return)
    if ret.status == Return.Status.CANCELLED:
        raise Conflict(f"Return #{ret.pk} was cancelled.", code="return_closed")
    sku = sku_for_barcode(ret.tenant_id, barcode)
    _check_quantity(sku, quantity)
    _check_storage_bin(ret, to_bin)
    waiting = [item for item in waiting_putaway(ret) if item.sku.pk == sku.pk]
    total = sum(item.quantity for item in waiting)
    if total < quantity:
        have = f"only {total}" if total else "none"
        raise Conflict(f"Good units of {sku.code} from return #{ret.pk} waiting to be put away: {have}.",
                       field="quantity" if total else "barcode", code="nothing_to_put_away")  # fmt: skip
    rows, remaining = [], quantity
    for item in waiting:
        take = min(item.quantity, remaining)
        if take:
            rows.append(ReturnPutaway.objects.create(
                tenant_id=ret.tenant_id, order_return=ret, sku=sku, from_bin=item.bin, to_bin=to_bin,
                quantity=take, put_away_by=_user(actor),
            ))  # fmt: skip
            remaining -= take
    for row in rows:
        stock.move(sku, row.from_bin, to_bin, row.quantity, key=f"return-putaway-{row.pk}", actor=actor,
                   reference=_reference(ret), reason="return put away")  # fmt: skip
    return rows


def _check_storage_bin(ret: Return, to_bin: Bin) -> None:
    if to_bin.warehouse_id != ret.warehouse_id:
        raise DomainError(f"Bin {to_bin.code} is in another warehouse than this return.", field="bin")
    if to_bin.kind != Bin.Kind.STORAGE:
        raise DomainError(
            f"Bin {to_bin.code} is a {to_bin.get_kind_display().lower()} bin; put good units in a storage bin.",
            field="bin",
        )
    if to_bin.counting_since is not None:
        raise Conflict(f"Bin {to_bin.code} is being counted; put the units in another bin.", field="bin",
                       code="bin_being_counted")  # fmt: skip


@transaction.atomic
def complete_return(order_return: Return, *, actor=None, source: str = "hub") -> Return:
    """Close the return and tell the order what came back."""
    ret = _locked(order_return)
    _check_open(ret)
    scanned = dict(ret.lines.values_list("grade").annotate(units=Sum("quantity")).order_by())
    if not scanned:
        raise Conflict("Nothing was scanned on this return: scan its units, or cancel it.", code="empty_return")
    units = returnable_units(ret.order)
    left = sum(unit.left for unit in units)
    good, damaged = scanned.get(ReturnLine.Grade.GOOD, 0), scanned.get(ReturnLine.Grade.DAMAGED, 0)
    message = (
        f"{LABELS[ret.kind]} #{ret.pk} received at {ret.warehouse.code}: {good + damaged} unit(s), "
        f"{good} good, {damaged} damaged. " + (f"{left} unit(s) still out." if left else "Every shipped unit is back.")
    )
    record_return(
        ret.order, lines=lines_fully_back(units), all_back=left == 0, message=message, actor=actor, source=source,
        return_id=ret.pk, return_kind=ret.kind, good=good, damaged=damaged, still_out=left,
    )  # fmt: skip
    ret.status, ret.completed_at = Return.Status.COMPLETED, timezone.now()
    ret.save(update_fields=["status", "completed_at"])
    expected_by_channel(ret.order).update(status=ChannelReturn.Status.RECEIVED, received_return=ret, order=ret.order, updated_at=ret.completed_at)
    return ret


@transaction.atomic
def cancel_return(order_return: Return, *, actor=None) -> Return:
    """Drop a return opened by mistake: only while nothing has been scanned on it."""
    ret = _locked(order_return)
    _check_open(ret)
    if ret.lines.exists():
        raise Conflict("Units of this return are in stock already; complete it instead.", code="return_not_empty")
    ret.status, ret.completed_at = Return.Status.CANCELLED, timezone.now()
    ret.save(update_fields=["status", "completed_at"])
    return ret


def desk_bin(warehouse: Warehouse, kind: str) -> Bin:
    """The warehouse's returns (or damaged) bin: its first active bin of that kind, made when it has none."""
    found = Bin.objects.filter(warehouse=warehouse, kind=kind, is_active=True).order_by("code").first()
    if found is not None:
        return found
    code = kind.upper()
    try:
        with transaction.atomic():
            made, _ = Bin.objects.get_or_create(
                warehouse=warehouse, code=code,
                defaults={"tenant_id": warehouse.tenant_id, "barcode": f"{warehouse.code}-{code}", "kind": kind},
            )  # fmt: skip
    except IntegrityError:
        made = None  # the barcode belongs to another bin
    if made is None or made.kind != kind or not made.is_active:
        raise Conflict(
            f"{warehouse.code} has no active {kind} bin and one cannot be made as {code}; add a bin of kind {kind}.",
            code="no_desk_bin",
        )
    return made


def sku_for_barcode(tenant_id: int, code: str) -> SKU:
    """The SKU a scanned code names: one of its barcodes, or its SKU code."""
    code = (code or "").strip()
    barcode = Barcode.objects.filter(tenant_id=tenant_id, code=code).select_related("sku").first()
    if barcode is not None:
        return barcode.sku
    sku = SKU.objects.filter(tenant_id=tenant_id, code=code).first()
    if sku is None:
        raise DomainError(f"No SKU has the barcode {code!r}." if code else "Scan a unit's barcode.", field="barcode",
                          code="unknown_barcode")  # fmt: skip
    return sku


def _check_quantity(sku: SKU, quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError("The quantity is a whole number of units, at least 1.", field="quantity")
    if quantity > 1 and not sku.key_quantity:
        raise DomainError(f"Scan each unit of {sku.code}; a quantity is keyed only for SKUs set to allow it.",
                          field="quantity", code="scan_each_unit")  # fmt: skip


def _check_open(ret: Return) -> None:
    if ret.status != Return.Status.OPEN:
        raise Conflict(f"Return #{ret.pk} is {ret.get_status_display().lower()}.", code="return_closed")


def _locked(order_return: Return) -> Return:
    return Return.objects.select_for_update(of=("self",)).select_related("order", "warehouse").get(pk=order_return.pk)


def _reference(ret: Return) -> str:
    return f"order {ret.order.channel_order_id} return {ret.pk}"


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
