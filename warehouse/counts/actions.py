"""Cycle counts: count a bin or a list of bins, and correct the stock by what was found.

1. ``open_count`` marks the bins (``Bin.counting_since``): nothing is picked from a bin being counted,
   and a bin is in one open count at a time.
2. ``start_bin`` (the counter scans the bin) notes what the stock says is in it: on hand per SKU, the
   units that should be on the shelf (a reserved unit is still there until it is picked, and picking
   moves it to a packing bin).
3. ``count_units`` adds scanned units, or sets a keyed count, per SKU; a SKU the bin should not hold is
   counted too (expected 0).
4. ``finish_count`` posts each difference within the count's threshold at once through
   ``warehouse.stock`` (an adjustment with reason "cycle count"). A bigger difference, or a count below
   the units reserved for orders (an adjustment never takes on hand below reserved), waits for a
   supervisor, who approves it (``approve_count`` posts it) or rejects it (``reject_count``: its bins
   are counted again). A bin whose stock moved while it was counted is counted again too.
5. A completed or cancelled count frees its bins.

Every action locks the count row first, so two handhelds on one count take turns.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from hub.catalog.models import SKU
from hub.core.errors import Conflict, DomainError
from hub.orders.models import LineAllocation
from hub.orders.states import RESERVING
from hub.tenants.roles import Role
from warehouse import stock
from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.models import Bin, StockLevel, Warehouse

REASON = "cycle count"
APPROVERS = frozenset({Role.ADMIN, Role.OPERATIONS})
Status = CycleCount.Status


class NotASupervisor(DomainError):
    code = "permission_denied"
    status = 403


@dataclass
class Finish:
    """What finishing did: differences posted, differences waiting for approval, bins to count again."""

    count: CycleCount
    posted: list[CountLine] = field(default_factory=list)
    waiting: list[CountLine] = field(default_factory=list)
    recount: list[Bin] = field(default_factory=list)


@transaction.atomic
def open_count(
    warehouse: Warehouse, *, bins: list[Bin], actor=None, approval_units: int | None = None, note: str = ""
) -> CycleCount:
    """Open a count of ``bins`` (of ``warehouse``); refused if any of them is being counted already."""
    if not bins:
        raise DomainError("Choose at least one bin to count.", field="bins")
    locked = list(Bin.objects.select_for_update().filter(pk__in={b.pk for b in bins}).order_by("pk"))
    for bin in locked:
        if bin.warehouse_id != warehouse.pk:
            raise DomainError(f"Bin {bin.code} is not in {warehouse.code}.", field="bins")
        if not bin.is_active:
            raise DomainError(f"Bin {bin.code} is inactive.", field="bins")
    busy = [bin for bin in locked if bin.counting_since is not None]
    if busy:
        holders = dict(
            CountBin.objects.filter(bin__in=busy, count__status__in=CycleCount.ACTIVE).values_list("bin__code", "count_id")
        )
        names = ", ".join(f"{b.code} (count #{holders[b.code]})" if b.code in holders else b.code for b in busy)
        raise Conflict(f"Already being counted: {names}; finish or cancel that count first.", field="bins",
                       code="bin_being_counted")  # fmt: skip
    count = CycleCount.objects.create(
        tenant_id=warehouse.tenant_id, warehouse=warehouse, note=note[:255], created_by=_user(actor),
        **({} if approval_units is None else {"approval_units": approval_units}),
    )  # fmt: skip
    CountBin.objects.bulk_create(CountBin(tenant_id=count.tenant_id, count=count, bin=bin) for bin in locked)
    Bin.objects.filter(pk__in=[bin.pk for bin in locked]).update(counting_since=timezone.now())
    return count


@transaction.atomic
def start_bin(count: CycleCount, *, bin: Bin, actor=None) -> CountBin:
    """The counter scanned ``bin``: note what the stock says it holds (the first time), and count in it."""
    count = _locked(count)
    _check_counting(count)
    entry = _entry(count, bin)
    if entry.status == CountBin.Status.COUNTED:
        raise Conflict(f"Bin {bin.code} is counted already.", field="barcode", code="bin_counted")
    if entry.status == CountBin.Status.PENDING:
        levels = StockLevel.objects.filter(bin=bin, on_hand__gt=0).order_by("sku_id")
        CountLine.objects.bulk_create(
            CountLine(tenant_id=count.tenant_id, count=count, bin=bin, sku_id=level.sku_id, expected=level.on_hand)
            for level in levels
        )
        entry.status, entry.started_at, entry.started_by = CountBin.Status.COUNTING, timezone.now(), _user(actor)
        entry.save(update_fields=["status", "started_at", "started_by"])
        if count.status == Status.OPEN:
            count.status = Status.COUNTING
            count.save(update_fields=["status"])
    return entry


@transaction.atomic
def count_units(
    count: CycleCount, *, bin: Bin, sku: SKU, quantity: int | None = None, counted: int | None = None, actor=None
) -> CountLine:
    """Add ``quantity`` scanned units of ``sku`` in ``bin``, or set its keyed count to ``counted``."""
    if (quantity is None) == (counted is None):
        raise DomainError("Send the units scanned (quantity) or the units counted in all (counted).", field="quantity")
    count = _locked(count)
    _check_counting(count)
    entry = _entry(count, bin)
    if entry.status == CountBin.Status.PENDING:
        raise Conflict(f"Scan bin {bin.code} first.", field="bin", code="bin_not_scanned")
    if entry.status == CountBin.Status.COUNTED:
        raise Conflict(f"Bin {bin.code} is counted already.", field="bin", code="bin_counted")
    if sku.is_bundle:
        raise DomainError(f"{sku.code} is a bundle; count its components' units.", field="barcode")
    line = CountLine.objects.filter(count=count, bin=bin, sku=sku, status=CountLine.Status.COUNTING).first()
    if line is None:  # a SKU the bin was not known to hold
        on_hand = StockLevel.objects.filter(sku=sku, bin=bin).values_list("on_hand", flat=True).first() or 0
        line = CountLine(tenant_id=count.tenant_id, count=count, bin=bin, sku=sku, expected=on_hand)
    line.counted = counted if counted is not None else line.counted + quantity
    line.save()
    return line


@transaction.atomic
def recount_bin(count: CycleCount, *, bin: Bin, actor=None) -> CountBin:
    """Start a bin over: forget what was counted in it; it is scanned again."""
    count = _locked(count)
    _check_counting(count)
    entry = _entry(count, bin)
    if entry.status == CountBin.Status.COUNTED:
        raise Conflict(f"Bin {bin.code} is counted already; a supervisor rejects the count to have it counted again.",
                       field="bin", code="bin_counted")  # fmt: skip
    _reset([entry])
    return entry


@transaction.atomic
def finish_count(count: CycleCount, *, actor=None) -> Finish:
    """Close the counting: post the differences within the threshold, hold the others for approval."""
    count = _locked(count)
    if count.status not in (Status.OPEN, Status.COUNTING):
        raise Conflict(f"The count is {count.get_status_display().lower()}.", code="count_not_counting")
    entries = list(count.count_bins.select_related("bin"))
    pending = [e.bin.code for e in entries if e.status == CountBin.Status.PENDING]
    if pending:
        raise Conflict(f"Scan and count bin(s) {', '.join(pending)} first (an empty bin: scan it and count nothing).",
                       code="bins_not_counted")  # fmt: skip
    counting = [e for e in entries if e.status == CountBin.Status.COUNTING]
    lines = list(count.lines.filter(status=CountLine.Status.COUNTING).select_related("sku", "bin"))
    levels = _lock_levels(count.tenant_id, [e.bin_id for e in counting])
    moved = _moved_bins(lines, levels)
    _reset([e for e in counting if e.bin_id in moved])
    result = Finish(count, recount=[e.bin for e in counting if e.bin_id in moved])
    lines = [line for line in lines if line.bin_id not in moved]
    for line in lines:
        _judge(line, levels.get((line.sku_id, line.bin_id)), count.approval_units)
    result.posted = [line for line in lines if line.status == CountLine.Status.POSTED]
    result.waiting = [line for line in lines if line.status == CountLine.Status.NEEDS_APPROVAL]
    _post(count, result.posted, actor)
    _save_lines(lines)
    CountBin.objects.filter(pk__in=[e.pk for e in counting if e.bin_id not in moved]).update(
        status=CountBin.Status.COUNTED
    )
    if moved:
        count.status = Status.COUNTING
    elif count.lines.filter(status=CountLine.Status.NEEDS_APPROVAL).exists():
        count.status = Status.AWAITING_APPROVAL
    else:
        count.status = Status.COMPLETED
        _close(count)
    count.save()
    return result


def _judge(line: CountLine, level: StockLevel | None, approval_units: int) -> None:
    """Decide a counted line: matched, posted at once, or waiting for a supervisor (and why)."""
    line.difference = line.counted - line.expected
    reserved = level.reserved if level else 0
    if line.difference == 0:
        line.status = CountLine.Status.MATCHED
    elif line.counted < reserved:
        line.status, line.approval_reason = CountLine.Status.NEEDS_APPROVAL, CountLine.Why.BELOW_RESERVED
    elif abs(line.difference) > approval_units:
        line.status, line.approval_reason = CountLine.Status.NEEDS_APPROVAL, CountLine.Why.OVER_THRESHOLD
    else:
        line.status = CountLine.Status.POSTED


@transaction.atomic
def approve_count(count: CycleCount, *, actor) -> CycleCount:
    """A supervisor accepts the differences waiting for approval: they are posted and the count completes."""
    _check_approver(actor)
    count = _locked(count)
    _check_awaiting(count)
    lines = list(count.lines.filter(status=CountLine.Status.NEEDS_APPROVAL).select_related("sku", "bin"))
    levels = _lock_levels(count.tenant_id, {line.bin_id for line in lines})
    problems = [_approval_problem(line, levels.get((line.sku_id, line.bin_id))) for line in lines]
    problems = [problem for problem in problems if problem]
    if problems:
        raise Conflict(" ".join(problems), code="cannot_approve")
    for line in lines:
        line.status = CountLine.Status.POSTED
    _post(count, lines, actor)
    _save_lines(lines)
    count.status, count.approved_by, count.approved_at = Status.COMPLETED, _user(actor), timezone.now()
    _close(count)
    count.save()
    return count


def _approval_problem(line: CountLine, level: StockLevel | None) -> str:
    on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
    where = f"{line.sku.code} in bin {line.bin.code}"
    if on_hand != line.expected:
        return (f"The stock of {where} changed since it was counted ({line.expected} then, {on_hand} now); "
                "reject the count to have the bin counted again.")  # fmt: skip
    if line.counted < reserved:
        orders = sorted(set(
            LineAllocation.objects.filter(
                bin=line.bin, sku=line.sku, released=False, line__order__status__in=RESERVING
            ).values_list("line__order__channel_order_id", flat=True)
        ))  # fmt: skip
        return (f"{where}: {line.counted} counted but {reserved} reserved for order(s) {', '.join(orders) or '-'}; "
                "hold or cancel those orders (their stock is released) and approve again, or reject the count.")  # fmt: skip
    return ""


@transaction.atomic
def reject_count(count: CycleCount, *, actor, reason: str = "") -> CycleCount:
    """A supervisor refuses the differences waiting for approval: their bins are counted again."""
    _check_approver(actor)
    count = _locked(count)
    _check_awaiting(count)
    lines = list(count.lines.filter(status=CountLine.Status.NEEDS_APPROVAL))
    CountLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        status=CountLine.Status.REJECTED, updated_at=timezone.now()
    )
    _reset(list(count.count_bins.filter(bin_id__in={line.bin_id for line in lines})))
    count.status = Status.COUNTING
    count.note = f"Rejected by {getattr(actor, 'username', 'a supervisor')}: {reason or 'count again'}"[:255]
    count.save(update_fields=["status", "note"])
    return count


@transaction.atomic
def cancel_count(count: CycleCount, *, actor, reason: str = "") -> CycleCount:
    """Give up a count: its bins are freed; differences already posted stay, waiting ones are dropped."""
    _check_approver(actor)
    count = _locked(count)
    if count.status not in CycleCount.ACTIVE:
        raise Conflict(f"The count is {count.get_status_display().lower()}.", code="count_closed")
    count.lines.filter(status=CountLine.Status.NEEDS_APPROVAL).update(
        status=CountLine.Status.REJECTED, updated_at=timezone.now()
    )
    count.status = Status.CANCELLED
    count.note = (f"Cancelled: {reason}" if reason else count.note or "Cancelled")[:255]
    _close(count)
    count.save()
    return count


def _post(count: CycleCount, lines: list[CountLine], actor) -> None:
    calls = [
        stock.Call(
            key=f"count-line-{line.pk}",
            changes=[stock.Change(line.sku, line.bin, stock.Kind.ADJUST, on_hand=line.difference)],
            reference=f"cycle count {count.pk}", reason=REASON,
        )
        for line in lines
        if line.difference
    ]  # fmt: skip
    if calls:
        stock.post_many(calls, actor=actor)


def _lock_levels(tenant_id: int, bin_ids) -> dict[tuple[int, int], StockLevel]:
    """Lock the stock levels of these bins, in primary-key order like every stock writer."""
    rows = StockLevel.objects.select_for_update().filter(tenant_id=tenant_id, bin_id__in=list(bin_ids)).order_by("pk")
    return {(row.sku_id, row.bin_id): row for row in rows}


def _moved_bins(lines: list[CountLine], levels: dict[tuple[int, int], StockLevel]) -> set[int]:
    """Bins whose stock changed since they were scanned: a line's on hand is not what was noted, or a SKU
    that was not there then is there now."""
    noted = {(line.sku_id, line.bin_id) for line in lines}
    moved = {line.bin_id for line in lines if _on_hand(levels.get((line.sku_id, line.bin_id))) != line.expected}
    moved |= {bin_id for (sku_id, bin_id), level in levels.items() if level.on_hand > 0 and (sku_id, bin_id) not in noted}
    return moved


def _on_hand(level: StockLevel | None) -> int:
    return level.on_hand if level else 0


def _reset(entries: list[CountBin]) -> None:
    """Send bins back to be scanned and counted afresh."""
    if not entries:
        return
    for entry in entries:
        CountLine.objects.filter(count_id=entry.count_id, bin_id=entry.bin_id, status=CountLine.Status.COUNTING).delete()
    CountBin.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=CountBin.Status.PENDING, started_at=None, started_by=None
    )
    for entry in entries:
        entry.status, entry.started_at, entry.started_by = CountBin.Status.PENDING, None, None


def _save_lines(lines: list[CountLine]) -> None:
    now = timezone.now()
    for line in lines:
        line.updated_at = now
    CountLine.objects.bulk_update(lines, ["difference", "status", "approval_reason", "updated_at"])


def _close(count: CycleCount) -> None:
    count.closed_at = timezone.now()
    Bin.objects.filter(pk__in=list(count.count_bins.values_list("bin_id", flat=True))).update(counting_since=None)


def _entry(count: CycleCount, bin: Bin) -> CountBin:
    entry = CountBin.objects.filter(count=count, bin=bin).select_related("bin").first()
    if entry is None:
        raise DomainError(f"Bin {bin.code} is not in this count.", field="bin", code="bin_not_in_count")
    return entry


def _check_counting(count: CycleCount) -> None:
    if count.status == Status.AWAITING_APPROVAL:
        raise Conflict("The count waits for a supervisor's approval; nothing more is counted.", code="count_not_counting")
    if count.status not in (Status.OPEN, Status.COUNTING):
        raise Conflict(f"The count is {count.get_status_display().lower()}.", code="count_closed")


def _check_awaiting(count: CycleCount) -> None:
    if count.status != Status.AWAITING_APPROVAL:
        raise Conflict(f"The count is {count.get_status_display().lower()}, not waiting for approval.",
                       code="count_not_awaiting_approval")  # fmt: skip


def _check_approver(actor) -> None:
    """Approving, rejecting and cancelling are a supervisor's (the API checks the role too)."""
    if actor is not None and hasattr(actor, "has_role") and not actor.has_role(*APPROVERS):
        raise NotASupervisor("Only a supervisor (operations or admin) may do this.")


def _locked(count: CycleCount) -> CycleCount:
    return CycleCount.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=count.pk)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
