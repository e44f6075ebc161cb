"""Picking: picklists built from a warehouse's allocated orders, handed to one picker at a time, and
walked bin by bin, each scan checked on the spot.

- **Build** (``build_picklists``, in ``building``): allocated orders of the warehouse that are on no live
  picklist, one per picklist or many in a batch, in the bins' natural order; the orders become PICKING.
- **Hand out** (``next_picklist``): the picker's own unfinished picklist, else the oldest open one, taken
  under ``select_for_update(skip_locked=True)`` on PostgreSQL so two pickers never get the same one.
- **Pick** (``scan``, or ``scan_bin`` and ``scan_item``): the picker scans the next bin on the path, then
  each unit (or one unit and a keyed quantity where the SKU allows). A picked unit moves, with its
  reservation, from the bin to the warehouse's packing bin (one ``warehouse.stock`` call), and the order's allocation rows
  move with it (split where partial), so shipping later consumes from the packing bin and a count of the
  storage bin finds what the ledger says.
- **Short pick** (``short_pick``): units missing in the bin. The order gives back everything it holds,
  the bin's on hand goes down by the missing units in the ledger (reason "short pick"), the order leaves
  the picklist and is allocated afresh (``hub.orders.actions.reallocate_order``): allocated again, from
  another bin when there is stock, or unfulfillable. Units of it already picked stay in the packing bin,
  no longer reserved: the answer says to set them aside there for putback (a stock move to a storage bin).
- **Finish** (``finish_picklist``): every line picked (or short): the picklist is picked, its orders stay
  PICKING with a "picked" timeline row and are ready for packing (``selectors.ready_for_packing``).
- **Cancel** (``cancel_picklist``): the orders go back to ALLOCATED keeping every reservation (units
  already picked stay reserved in the packing bin), to be put on another picklist.

Each scan runs once per idempotency key: the API wraps these calls in ``warehouse.scans.once``.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from hub.catalog.models import SKU, Barcode
from hub.core.bulk import bulk_set
from hub.core.errors import Conflict, DomainError
from hub.orders.actions import reallocate_order, release_calls
from hub.orders.events import event, transition
from hub.orders.models import LineAllocation, Order, OrderEvent
from hub.orders.states import LineStatus, OrderStatus
from warehouse import stock
from warehouse.models import Bin, Warehouse
from warehouse.picking.building import MAX_BATCH, BuildResult, build_picklists, packing_bin
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder
from warehouse.picking.selectors import Stop, Walk

__all__ = [
    "MAX_BATCH", "BuildResult", "PickRefused", "PicklistConflict", "ScanResult", "build_picklists", "cancel_picklist",
    "finish_picklist", "next_picklist", "packing_bin", "scan", "scan_bin", "scan_item", "short_pick",
]  # fmt: skip

SHORT_PICK = "short pick"


class PickRefused(DomainError):
    """A scan refused on the spot (wrong bin, wrong item, too many): 400, saying what and where."""

    code = "pick_refused"


class PicklistConflict(Conflict):
    code = "picklist_conflict"


@dataclass
class ScanResult:
    picklist: Picklist
    message: str
    extra: dict = field(default_factory=dict)


# Handing out ---------------------------------------------------------------------------------------


def next_picklist(user, warehouse: Warehouse) -> Picklist | None:
    """The picker's unfinished picklist in this warehouse, else the oldest open one, now theirs; None when
    there is no work. Two pickers asking at once never get the same picklist."""
    with transaction.atomic():
        mine = Picklist.objects.filter(
            tenant_id=user.tenant_id, warehouse=warehouse, picker=user, status__in=Picklist.HELD
        ).order_by("assigned_at", "pk")
        if (own := mine.first()) is not None:
            return own
        for _ in range(3):
            open_ones = Picklist.objects.filter(
                tenant_id=user.tenant_id, warehouse=warehouse, status=Picklist.Status.OPEN, picker__isnull=True
            ).order_by("created_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                open_ones = open_ones.select_for_update(skip_locked=True)
            picklist = open_ones.first()
            if picklist is None:
                return None
            now = timezone.now()
            taken = Picklist.objects.filter(pk=picklist.pk, status=Picklist.Status.OPEN, picker__isnull=True).update(
                status=Picklist.Status.ASSIGNED, picker=user, assigned_at=now
            )
            if taken:  # else another picker took it between the read and the write (no skip_locked here)
                picklist.status, picklist.picker, picklist.assigned_at = Picklist.Status.ASSIGNED, user, now
                return picklist
        return None


# Picking -------------------------------------------------------------------------------------------


def scan(picklist: Picklist, barcode: str, *, quantity: int = 1, user) -> ScanResult:
    """One input for every scan, so the page needs no mode: a bin's label scans the bin, a unit's barcode
    the unit. A code that is both (a bad labelling) is a unit while the picker stands at a bin with work."""
    code = (barcode or "").strip()
    is_bin = (
        Bin.objects.filter(tenant_id=picklist.tenant_id, barcode=code).exists()
        or Bin.objects.filter(warehouse_id=picklist.warehouse_id, code__iexact=code).exists()
    )
    is_unit = (
        Barcode.objects.filter(tenant_id=picklist.tenant_id, code=code).exists()
        or SKU.objects.filter(tenant_id=picklist.tenant_id, code=code).exists()
    )
    if not (is_bin or is_unit):
        raise PickRefused(f"Unknown barcode {code!r}: no bin or unit carries it. Scan the label again.",
                          code="unknown_barcode", field="barcode")  # fmt: skip
    if is_bin and (not is_unit or Walk.of(picklist).next()["action"] != "scan_item"):
        return scan_bin(picklist, code, user=user)
    return scan_item(picklist, code, quantity=quantity, user=user)


@transaction.atomic
def scan_bin(picklist: Picklist, barcode: str, *, user) -> ScanResult:
    """The picker is at a bin: it must be the next one on the path (or the one they are at)."""
    picklist = _take(picklist, user)
    bin = _find_bin(picklist, barcode)
    walk = Walk.of(picklist)
    if bin.counting_since:
        raise PickRefused(
            f"Bin {bin.code} is being counted; nothing is picked from it until the count closes. "
            f"{walk.next()['message']}", code="bin_being_counted", field="barcode",
        )  # fmt: skip
    target = walk.next_bin
    if target is None or bin.pk != target.pk:
        raise PickRefused(_wrong_bin(walk, bin), code="wrong_bin", field="barcode")
    picklist.current_bin = bin
    if picklist.status == Picklist.Status.ASSIGNED:
        picklist.status, picklist.started_at = Picklist.Status.PICKING, timezone.now()
    picklist.save(update_fields=["current_bin", "status", "started_at"])
    items = ", ".join(f"{stop.left} x {stop.sku.code}" for stop in walk.stops_at(bin.pk))
    return ScanResult(picklist, f"Bin {bin.code}: pick {items}.")


def _wrong_bin(walk: Walk, bin: Bin) -> str:
    target = walk.next_bin
    if target is None:
        return f"Wrong bin: {bin.code}. {walk.next()['message']}"
    if not walk.stops_at(bin.pk):
        return f"Wrong bin: nothing to pick in {bin.code} on this picklist. Go to bin {target.code}."
    if walk.picklist.current_bin_id == target.pk:
        left = ", ".join(f"{stop.left} x {stop.sku.code}" for stop in walk.stops_at(target.pk))
        return f"Wrong bin: finish bin {target.code} first ({left} left), or report a short pick."
    return f"Wrong bin: {bin.code} is not next on the path. Go to bin {target.code} first."


@transaction.atomic
def scan_item(picklist: Picklist, barcode: str, *, quantity: int = 1, user) -> ScanResult:
    """A unit scanned at the current bin (or one scan and ``quantity`` keyed, where the SKU allows)."""
    picklist = _take(picklist, user)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise PickRefused(f"quantity must be a whole number of units, 1 or more, not {quantity!r}.", field="quantity")
    sku = _find_sku(picklist, barcode)
    if quantity > 1 and not sku.key_quantity:
        raise PickRefused(
            f"{sku.code} is scanned unit by unit: scan each of the {quantity} units (a keyed quantity is not "
            "allowed for this SKU).", code="quantity_not_keyable", field="quantity",
        )  # fmt: skip
    walk = Walk.of(picklist)
    stop = _stop_for(walk, sku, quantity)
    _pick(picklist, stop, quantity, user)
    message = f"Picked {quantity} x {sku.code}." + (f" {stop.left} more here." if stop.left else "")
    if not any(other.left for other in walk.stops_at(stop.bin.pk)):  # the stops' lines were just updated
        message += f" Bin {stop.bin.code} done."
    return ScanResult(picklist, message)


def _stop_for(walk: Walk, sku: SKU, quantity: int) -> Stop:
    """The stop at the current bin for ``sku``, or a refusal saying what is wrong and where to go."""
    picklist, target = walk.picklist, walk.next_bin
    current = picklist.current_bin
    if current is None or not walk.stops_at(current.pk):
        where = f"Go to bin {target.code} and scan it first." if target else walk.next()["message"]
        if current is not None and any(line.bin_id == current.pk and line.sku_id == sku.pk for line in walk.lines):
            raise PickRefused(f"Too many: every unit of {sku.code} from bin {current.code} is picked already. {where}",
                              code="too_many", field="barcode")  # fmt: skip
        done = f"bin {current.code} is done" if current is not None else "no bin is scanned yet"
        raise PickRefused(f"Scan the bin first: {done}. {where}", code="scan_bin_first", field="barcode")
    if current.counting_since:
        raise PickRefused(f"Bin {current.code} is being counted; nothing is picked from it until the count closes.",
                          code="bin_being_counted", field="barcode")  # fmt: skip
    here = walk.stops_at(current.pk)
    stop = next((s for s in here if s.sku.pk == sku.pk), None)
    expected = ", ".join(f"{s.left} x {s.sku.code}" for s in here)
    if stop is None:
        if any(line.bin_id == current.pk and line.sku_id == sku.pk for line in walk.lines):
            raise PickRefused(f"Too many: every unit of {sku.code} from bin {current.code} is picked already. "
                              f"Still here: {expected}.", code="too_many", field="barcode")  # fmt: skip
        elsewhere = walk.bins_with(sku.pk)
        if elsewhere:
            raise PickRefused(f"Wrong item: {sku.code} is not picked from bin {current.code} but from "
                              f"{', '.join(elsewhere)}. Here pick {expected}.", code="wrong_item", field="barcode")  # fmt: skip
        raise PickRefused(f"Wrong item: {sku.code} ({sku.name}) is not on this picklist. In bin {current.code} pick "
                          f"{expected}.", code="wrong_item", field="barcode")  # fmt: skip
    if quantity > stop.left:
        raise PickRefused(f"Too many: only {stop.left} more x {sku.code} to pick from bin {current.code}; "
                          f"you scanned {quantity}.", code="too_many", field="quantity")  # fmt: skip
    return stop


def _pick(picklist: Picklist, stop: Stop, quantity: int, user) -> None:
    """Move ``quantity`` units with their reservations from the stop's bin to the packing bin, filling
    the stop's lines in walk order, and move the orders' allocation rows with them."""
    portions, left = [], quantity
    for line in stop.lines:
        take = min(left, line.left)
        if take:
            portions.append((line, take))
            left -= take
    _lock_orders({line.order_id for line, _ in portions})
    for line, take in portions:
        _move_allocation(line, take, picklist.packing_bin)
        line.picked += take
        if line.picked + line.short == line.quantity:
            line.status = PicklistLine.Status.DONE
    picklist.scan_count += 1
    stock.post(
        [
            stock.Change(stop.sku, stop.bin, stock.Kind.MOVE_OUT, on_hand=-quantity, reserved=-quantity),
            stock.Change(stop.sku, picklist.packing_bin, stock.Kind.MOVE_IN, on_hand=quantity, reserved=quantity),
        ],
        key=f"picklist-{picklist.pk}-scan-{picklist.scan_count}", actor=user,
        reference=f"picklist {picklist.number}", reason="picked",
    )  # fmt: skip
    PicklistLine.objects.bulk_update([line for line, _ in portions], ["picked", "status"])
    picklist.save(update_fields=["scan_count"])


def _move_allocation(line: PicklistLine, quantity: int, packing: Bin) -> None:
    """The order line's reservation of ``quantity`` units moves from the line's bin to the packing bin:
    the bin's row shrinks (or moves whole), the packing bin's row grows (or is made)."""
    rows = list(
        LineAllocation.objects.select_for_update()
        .filter(line_id=line.order_line_id, sku_id=line.sku_id, bin_id__in=[line.bin_id, packing.pk], released=False)
        .order_by("pk")
    )
    sources = [row for row in rows if row.bin_id == line.bin_id]
    target = next((row for row in rows if row.bin_id == packing.pk), None)
    held = sum(row.quantity for row in sources)
    if held < quantity:
        raise PicklistConflict(
            f"Order {line.order.channel_order_id} holds {held} x {line.sku.code} in bin {line.bin.code}, not "
            f"{quantity}: its reservation changed. Ask a supervisor to cancel and rebuild the picklist.",
            code="reservation_changed",
        )
    left = quantity
    for row in sources:
        take = min(left, row.quantity)
        if not take:
            continue
        left -= take
        if target is None and take == row.quantity:
            row.bin = packing  # the whole row moves
            row.save(update_fields=["bin"])
            target = row
            continue
        row.quantity -= take
        if row.quantity:
            row.save(update_fields=["quantity"])
        else:
            row.delete()
        if target is None:
            target = LineAllocation.objects.create(
                tenant_id=row.tenant_id, line_id=row.line_id, bin=packing, sku_id=row.sku_id, quantity=take
            )
        else:
            target.quantity += take
            target.save(update_fields=["quantity"])


@transaction.atomic
def short_pick_item(picklist: Picklist, sku_id: int, *, missing: int, reason: str = "", user) -> list[ScanResult]:
    """``missing`` units of one SKU are not in the bin to pick from now. In a batch that bin fills several
    orders' lines: the missing units come off the orders last on the walk first (the latest ship-by), one
    ``short_pick`` each, so the orders first on the picklist still get their units. All or nothing."""
    walk = Walk.of(picklist)
    here = walk.stops_at(walk.next_bin.pk) if walk.next_bin is not None else []
    stop = next((stop for stop in here if stop.sku.pk == sku_id), None)
    if stop is None:
        raise PickRefused("That item is not left to pick at this bin any more; scan on.", code="line_closed", field="sku")
    if missing < 1 or missing > stop.left:
        raise PickRefused(f"At most {stop.left} x {stop.sku.code} can be missing at {stop.bin.code}, not {missing}.",
                          code="too_many", field="missing")  # fmt: skip
    results, left = [], missing
    with transaction.atomic():
        for line in reversed(stop.lines):
            line = PicklistLine.objects.get(pk=line.pk)  # an earlier report may have dropped it with its order
            if take := min(left, line.left):
                results.append(short_pick(line, missing=take, reason=reason, user=user))
                left -= take
    return results


def short_pick(line: PicklistLine, *, missing: int | None = None, reason: str = "", user) -> ScanResult:
    """Units of ``line`` are not in its bin. The bin's on hand goes down by ``missing`` (default: all the
    line still needs) in the ledger, the order leaves the picklist and is allocated afresh."""
    picklist = _take(line.picklist, user)
    line = PicklistLine.objects.select_related("bin", "sku", "order").get(pk=line.pk, picklist=picklist)
    if line.status != PicklistLine.Status.OPEN:
        raise PickRefused(f"That line ({line.sku.code} from {line.bin.code}) is {line.get_status_display().lower()} "
                          "already; nothing to report short.", code="line_closed", field="line")  # fmt: skip
    walk = Walk.of(picklist)
    if line.bin.counting_since:
        raise PickRefused(f"Bin {line.bin.code} is being counted; the count will find what is missing there.",
                          code="bin_being_counted", field="line")  # fmt: skip
    if walk.next_bin is None or line.bin_id != walk.next_bin.pk:
        raise PickRefused(f"A short pick is reported at the bin the picker is at: {line.bin.code} is not next. "
                          f"{walk.next()['message']}", code="wrong_bin", field="line")  # fmt: skip
    missing = line.left if missing is None else missing
    if isinstance(missing, bool) or not isinstance(missing, int) or not 1 <= missing <= line.left:
        raise PickRefused(f"Between 1 and {line.left} x {line.sku.code} can be missing on this line, not {missing!r}.",
                          code="too_many", field="missing")  # fmt: skip
    put_back = _give_back(line, missing, reason, picklist, user)
    order = reallocate_order(line.order, actor=user, reason=SHORT_PICK, source="picking")
    outcome = (
        f"allocated again to {order.warehouse.code}" if order.status == OrderStatus.ALLOCATED
        else "unfulfillable: it waits for stock"
    )  # fmt: skip
    message = (f"Short {missing} x {line.sku.code} in bin {line.bin.code}, recorded. Order {order.channel_order_id} "
               f"left the picklist ({outcome}).")  # fmt: skip
    if put_back:
        units = ", ".join(f"{item['quantity']} x {item['sku']}" for item in put_back)
        message += f" Set its picked units ({units}) aside at {picklist.packing_bin.code} for putback."
    left = {"order": order.channel_order_id, "status": order.status, "put_back": put_back}
    return ScanResult(picklist, message, {"left_order": left})


def _give_back(line: PicklistLine, missing: int, reason: str, picklist: Picklist, user) -> list[dict]:
    """Release everything the order holds, take the missing units off the bin's on hand, close the
    order's lines on the picklist. Returns its picked units now waiting at packing for putback."""
    order = Order.objects.select_for_update().get(pk=line.order_id)
    held = list(LineAllocation.objects.filter(line__order=order, released=False, bin__kind=Bin.Kind.PACKING)
                .select_related("sku"))  # fmt: skip
    put_back: dict[str, int] = defaultdict(int)
    for row in held:
        put_back[row.sku.code] += row.quantity
    why = f"{SHORT_PICK}: {reason.strip()}" if reason.strip() else SHORT_PICK
    calls = release_calls(order.lines.filter(status=LineStatus.OPEN), reason=SHORT_PICK)
    calls.append(stock.Call(
        key=f"picklist-line-{line.pk}-short", reason=why,
        changes=[stock.Change(line.sku, line.bin, stock.Kind.ADJUST, on_hand=-missing)],
        reference=f"picklist {picklist.number}, order {order.channel_order_id}",
    ))  # fmt: skip
    stock.post_many(calls, actor=user)
    line.short, line.status = missing, PicklistLine.Status.SHORT
    line.save(update_fields=["short", "status"])
    PicklistLine.objects.filter(picklist=picklist, order=order, status=PicklistLine.Status.OPEN).update(
        status=PicklistLine.Status.DROPPED
    )
    PicklistOrder.objects.filter(picklist=picklist, order=order, status=PicklistOrder.Status.ACTIVE).update(
        status=PicklistOrder.Status.LEFT, left_reason=why[:255]
    )
    event(order, "short_pick", f"Short pick on {picklist.number}: {missing} x {line.sku.code} missing in bin "
          f"{line.bin.code}; the order left the picklist.", actor=user, source="picking",
          picklist=picklist.number, bin=line.bin.code, sku=line.sku.code, missing=missing, reason=reason).save()  # fmt: skip
    return [{"sku": code, "quantity": quantity} for code, quantity in sorted(put_back.items())]


@transaction.atomic
def finish_picklist(picklist: Picklist, *, user) -> ScanResult:
    """Every line picked or short: the picklist is picked and its orders are ready for packing."""
    picklist = _take(picklist, user)
    walk = Walk.of(picklist)
    if walk.stops:
        left = sum(stop.left for stop in walk.stops)
        raise PicklistConflict(f"{left} unit(s) are still to pick (or report short). {walk.next()['message']}",
                               code="picklist_not_done")  # fmt: skip
    now = timezone.now()
    picklist.status, picklist.finished_at = Picklist.Status.PICKED, now
    picklist.save(update_fields=["status", "finished_at"])
    entries = list(picklist.entries.filter(status=PicklistOrder.Status.ACTIVE).select_related("order"))
    PicklistOrder.objects.filter(pk__in=[e.pk for e in entries]).update(status=PicklistOrder.Status.PICKED)
    message = f"Picked on {picklist.number}; ready for packing at {picklist.packing_bin.code}."
    OrderEvent.objects.bulk_create(
        event(e.order, "picked", message, actor=user, source="picking", picklist=picklist.number) for e in entries
    )
    return ScanResult(picklist, f"Picklist {picklist.number} picked: {len(entries)} order(s) ready for packing.")


@transaction.atomic
def cancel_picklist(picklist: Picklist, *, user=None, reason: str = "") -> Picklist:
    """Stop a picklist that is not finished: its orders go back to ALLOCATED, keeping every reservation
    (units already picked stay reserved for them in the packing bin)."""
    picklist = Picklist.objects.select_for_update(of=("self",)).select_related("packing_bin").get(pk=picklist.pk)
    if picklist.status not in Picklist.LIVE:
        raise PicklistConflict(f"Picklist {picklist.number} is {picklist.status}; it cannot be cancelled.",
                               code="picklist_closed")  # fmt: skip
    entries = list(picklist.entries.filter(status=PicklistOrder.Status.ACTIVE))
    orders = _lock_orders({e.order_id for e in entries})
    why = f"Picklist {picklist.number} cancelled" + (f": {reason.strip()}" if reason.strip() else "")
    message = f"{why}. Picked units stay reserved at {picklist.packing_bin.code}."
    events = [
        transition(order, OrderStatus.ALLOCATED, message, actor=user, source="picking", picklist=picklist.number)
        for order in orders
        if order.status == OrderStatus.PICKING
    ]
    now = timezone.now()
    for order in orders:
        order.updated_at = now
    bulk_set(Order, orders, ["status", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    PicklistOrder.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=PicklistOrder.Status.LEFT, left_reason=why[:255]
    )
    picklist.lines.filter(status=PicklistLine.Status.OPEN).update(status=PicklistLine.Status.DROPPED)
    picklist.status, picklist.cancel_reason, picklist.finished_at = Picklist.Status.CANCELLED, reason[:255], now
    picklist.save(update_fields=["status", "cancel_reason", "finished_at"])
    return picklist


# Shared steps --------------------------------------------------------------------------------------


def _take(picklist: Picklist, user) -> Picklist:
    """Lock the picklist for one picker action; only its picker acts on it, and only while it is live.
    Orders that left it meanwhile (cancelled, a line cancelled by the channel) drop their lines."""
    picklist = (
        Picklist.objects.select_for_update(of=("self",))
        .select_related("warehouse", "current_bin", "packing_bin", "picker")
        .get(pk=picklist.pk)
    )
    if picklist.status in (Picklist.Status.PICKED, Picklist.Status.CANCELLED):
        raise PicklistConflict(f"Picklist {picklist.number} is {picklist.status}; ask for new work.",
                               code="picklist_closed")  # fmt: skip
    if picklist.picker_id is None:
        raise PicklistConflict(f"Picklist {picklist.number} is not handed to anyone yet; ask for work first.",
                               code="not_your_picklist")  # fmt: skip
    if picklist.picker_id != user.pk:
        raise PicklistConflict(f"Picklist {picklist.number} is being picked by {picklist.picker.username}.",
                               code="not_your_picklist")  # fmt: skip
    _drop_gone_orders(picklist)
    return picklist


def _drop_gone_orders(picklist: Picklist) -> None:
    gone = list(
        picklist.entries.filter(status=PicklistOrder.Status.ACTIVE)
        .exclude(order__status=OrderStatus.PICKING)
        .select_related("order")
    )
    for entry in gone:
        entry.status, entry.left_reason = PicklistOrder.Status.LEFT, f"order {entry.order.status}"
    PicklistOrder.objects.bulk_update(gone, ["status", "left_reason"])
    picklist.lines.filter(status=PicklistLine.Status.OPEN).filter(
        Q(order_id__in=[e.order_id for e in gone]) | ~Q(order_line__status=LineStatus.OPEN)
    ).update(status=PicklistLine.Status.DROPPED)


def _lock_orders(order_ids) -> list[Order]:
    return list(
        Order.objects.select_for_update()
        .filter(pk__in=list(order_ids))
        .order_by("account_id", "channel_order_id")  # the order every importer locks in: no deadlock
    )


def _find_bin(picklist: Picklist, barcode: str) -> Bin:
    code = (barcode or "").strip()
    bin = (
        Bin.objects.filter(tenant_id=picklist.tenant_id, barcode=code).select_related("warehouse").first()
        or Bin.objects.filter(warehouse=picklist.warehouse, code__iexact=code).select_related("warehouse").first()
    )
    if bin is None:
        raise PickRefused(f"Unknown bin: no bin has the barcode {code!r}. Scan the bin's label.",
                          code="unknown_barcode", field="barcode")  # fmt: skip
    if bin.warehouse_id != picklist.warehouse_id:
        raise PickRefused(f"Wrong bin: {bin.code} is in warehouse {bin.warehouse.code}; this picklist is for "
                          f"{picklist.warehouse.code}.", code="wrong_bin", field="barcode")  # fmt: skip
    return bin


def _find_sku(picklist: Picklist, barcode: str) -> SKU:
    code = (barcode or "").strip()
    found = Barcode.objects.filter(tenant_id=picklist.tenant_id, code=code).select_related("sku").first()
    sku = found.sku if found else SKU.objects.filter(tenant_id=picklist.tenant_id, code=code).first()
    if sku is None:
        where = f" in bin {picklist.current_bin.code}" if picklist.current_bin_id else ""
        raise PickRefused(f"Unknown barcode {code!r}{where}: no SKU carries it. Scan the unit's product barcode.",
                          code="unknown_barcode", field="barcode")  # fmt: skip
    return sku
