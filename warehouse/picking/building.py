"""Building picklists: a warehouse's allocated orders that are on no live picklist, one per picklist
(``single``) or many in one walk (``batch``), oldest ship-by first, each with one line per reservation,
numbered along the bins' natural order (A-01-02 before A-01-10). The orders become PICKING.

An order reserving in a bin being counted waits (a count is open there: nothing is picked from it), and
so does an order whose reservations span warehouses (each warehouse would ship its part: not built yet);
both are skipped and counted. Reservations already in a packing bin (picked on a cancelled picklist) are
picked already and get no line.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub.core.bulk import bulk_set
from hub.core.errors import Conflict, DomainError
from hub.orders.events import transition
from hub.orders.models import LineAllocation, Order, OrderEvent
from hub.orders.states import LineStatus, OrderStatus
from warehouse.models import Bin, Warehouse
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder
from warehouse.picking.selectors import bin_path_key

MAX_BATCH = 200
PACKING_CODE = "PACKING"


@dataclass
class BuildResult:
    picklists: list[Picklist]
    orders: int = 0
    skipped_counting: int = 0
    skipped_split: int = 0

    @property
    def message(self) -> str:
        built = f"{len(self.picklists)} picklist(s) with {self.orders} order(s)"
        skipped = []
        if self.skipped_counting:
            skipped.append(f"{self.skipped_counting} order(s) reserving in a bin being counted")
        if self.skipped_split:
            skipped.append(f"{self.skipped_split} order(s) reserving in more than one warehouse")
        return built + (f"; skipped {' and '.join(skipped)}: they wait." if skipped else ".")


def build_picklists(
    warehouse: Warehouse, *, mode: str, account_ids: list[int] | None = None, channels: list[str] | None = None,
    ship_by_before: datetime | None = None, max_orders: int = 20, user=None,
) -> BuildResult:  # fmt: skip
    """Put the warehouse's allocated orders (on no live picklist, matching the filters) on picklists:
    one order each (``single``) or up to ``max_orders`` per walk (``batch``), oldest ship-by first."""
    if mode not in Picklist.Kind.values:
        raise DomainError(f"mode is single or batch, not {mode!r}.", field="mode")
    if not 1 <= max_orders <= MAX_BATCH:
        raise DomainError(f"max_orders is between 1 and {MAX_BATCH}.", field="max_orders")
    filters = {
        "mode": mode, "accounts": sorted(account_ids or []), "channels": sorted(channels or []),
        "ship_by_before": ship_by_before.isoformat() if ship_by_before else None,
        "max_orders": max_orders if mode == Picklist.Kind.BATCH else 1,
    }  # fmt: skip
    with transaction.atomic():
        orders = _candidates(warehouse, account_ids, channels, ship_by_before)
        allocations = _allocations(orders)
        result = BuildResult(picklists=[])
        ready = []
        for order in orders:
            bins = [row.bin for row in allocations[order.pk]]
            if any(b.warehouse_id != warehouse.pk for b in bins):
                result.skipped_split += 1
            elif any(b.counting_since and b.kind != Bin.Kind.PACKING for b in bins):
                result.skipped_counting += 1
            else:
                ready.append(order)
        if not ready:
            return result
        ready.sort(key=lambda o: (o.ship_by is None, o.ship_by, o.ordered_at, o.pk))
        size = max_orders if mode == Picklist.Kind.BATCH else 1
        packing = packing_bin(warehouse)
        for start in range(0, len(ready), size):
            group = ready[start : start + size]
            result.picklists.append(_create(warehouse, mode, group, allocations, packing, filters, user))
        result.orders = len(ready)
        return result


def _candidates(warehouse, account_ids, channels, ship_by_before) -> list[Order]:
    orders = Order.objects.select_for_update(of=("self",)).select_related("account").filter(
        tenant_id=warehouse.tenant_id, warehouse=warehouse, status=OrderStatus.ALLOCATED
    )
    if account_ids:
        orders = orders.filter(account_id__in=list(account_ids))
    if channels:
        orders = orders.filter(account__kind__in=list(channels))
    if ship_by_before:
        orders = orders.filter(ship_by__lte=ship_by_before)
    live = PicklistOrder.objects.filter(status=PicklistOrder.Status.ACTIVE).values("order_id")
    # Locked in the order every importer locks orders in: no deadlock with a sync.
    return list(orders.exclude(pk__in=live).order_by("account_id", "channel_order_id"))


def _allocations(orders: list[Order]) -> dict[int, list[LineAllocation]]:
    rows = LineAllocation.objects.filter(
        line__order__in=orders, line__status=LineStatus.OPEN, released=False
    ).select_related("bin", "sku", "line")
    found: dict[int, list[LineAllocation]] = defaultdict(list)
    for row in rows.order_by("pk"):
        found[row.line.order_id].append(row)
    return found


def _create(warehouse, mode, group: list[Order], allocations, packing: Bin, filters: dict, user) -> Picklist:
    now = timezone.now()
    picklist = Picklist.objects.create(
        tenant_id=warehouse.tenant_id, warehouse=warehouse, number=f"new-{now.timestamp()}-{group[0].pk}",
        kind=mode, filters=filters, packing_bin=packing, created_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip
    picklist.number = f"PL-{picklist.pk:06d}"
    picklist.save(update_fields=["number"])
    rank = {order.pk: n for n, order in enumerate(group)}
    rows = [row for order in group for row in allocations[order.pk] if row.bin.kind != Bin.Kind.PACKING]
    rows.sort(key=lambda r: (bin_path_key(r.bin.code), r.bin.pk, r.sku.code, rank[r.line.order_id], r.pk))
    PicklistLine.objects.bulk_create(
        PicklistLine(
            tenant_id=warehouse.tenant_id, picklist=picklist, position=n, order_id=row.line.order_id,
            order_line_id=row.line_id, bin=row.bin, sku=row.sku, quantity=row.quantity,
        )
        for n, row in enumerate(rows, 1)
    )  # fmt: skip
    PicklistOrder.objects.bulk_create(
        PicklistOrder(tenant_id=warehouse.tenant_id, picklist=picklist, order=order) for order in group
    )
    kind = picklist.get_kind_display().lower()
    message = f"On picklist {picklist.number} ({kind}) in {warehouse.code}."
    events = [transition(order, OrderStatus.PICKING, message, actor=user, picklist=picklist.number) for order in group]
    for order in group:
        order.updated_at = now
    bulk_set(Order, group, ["status", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    return picklist


def packing_bin(warehouse: Warehouse) -> Bin:
    """The warehouse's packing bin, where picked units wait for packing; made on first use."""
    found = Bin.objects.filter(warehouse=warehouse, kind=Bin.Kind.PACKING, is_active=True).order_by("code").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Bin.objects.create(
                tenant_id=warehouse.tenant_id, warehouse=warehouse, code=PACKING_CODE,
                barcode=f"{warehouse.code}-{PACKING_CODE}", kind=Bin.Kind.PACKING,
            )  # fmt: skip
    except IntegrityError:
        made = Bin.objects.filter(warehouse=warehouse, code=PACKING_CODE, kind=Bin.Kind.PACKING).first()
        if made is None:
            raise Conflict(
                f"Warehouse {warehouse.code} has no packing bin, and the code {PACKING_CODE} or its barcode is "
                "taken; make a bin of kind packing.",
                code="no_packing_bin",
            ) from None
        return made
