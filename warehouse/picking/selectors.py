"""Reads of picklists: the rows for the API, and the walk (what the picker does next, and how far along).

The walk is the open lines in position order, grouped into stops (one bin, one SKU). The next bin is
the one the picker stands at while it has units left, else the first bin on the path with units left;
bins being counted are passed over (nothing is picked from them until the count closes).
"""

import re
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from hub.orders.models import Order
from hub.orders.states import OrderStatus
from warehouse.models import Bin
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder

_DIGITS = re.compile(r"(\d+)")


def bin_path_key(code: str) -> tuple:
    """Natural order of bin codes: A-01-02 before A-01-10, a-2 before A-10."""
    parts = _DIGITS.split(code)
    return tuple(int(part) if n % 2 else part.casefold() for n, part in enumerate(parts))


def picklists(tenant) -> QuerySet[Picklist]:
    return Picklist.objects.for_tenant(tenant).select_related("warehouse", "picker", "current_bin", "packing_bin")


def with_totals(rows: QuerySet[Picklist]) -> QuerySet[Picklist]:
    """Each picklist with its order count and units to pick and picked, for a list."""

    def lines_sum(field: str) -> Coalesce:
        lines = PicklistLine.objects.filter(picklist=OuterRef("pk")).order_by().values("picklist")
        return Coalesce(Subquery(lines.annotate(total=Sum(field)).values("total"), output_field=IntegerField()), 0)

    return rows.annotate(order_count=Count("entries"), units=lines_sum("quantity"), units_picked=lines_sum("picked"))


def picklist_details(tenant) -> QuerySet[Picklist]:
    lines = PicklistLine.objects.select_related("bin", "sku", "order").order_by("position", "pk")
    entries = PicklistOrder.objects.select_related("order").order_by("pk")
    return picklists(tenant).prefetch_related(Prefetch("lines", queryset=lines), Prefetch("entries", queryset=entries))


def ready_for_packing(warehouse) -> QuerySet[Order]:
    """Orders picked in full on a finished picklist of this warehouse, not packed yet."""
    return Order.objects.filter(
        tenant_id=warehouse.tenant_id, status=OrderStatus.PICKING,
        picklist_entries__status=PicklistOrder.Status.PICKED, picklist_entries__picklist__warehouse=warehouse,
    ).distinct()  # fmt: skip


@dataclass
class Stop:
    """Units of one SKU to take from one bin, over the open lines there (one per order in a batch)."""

    bin: Bin
    sku: object
    lines: list[PicklistLine] = field(default_factory=list)

    @property
    def left(self) -> int:
        return sum(line.left for line in self.lines)


@dataclass
class Walk:
    picklist: Picklist
    lines: list[PicklistLine]
    stops: list[Stop]

    @classmethod
    def of(cls, picklist: Picklist, lines: list[PicklistLine] | None = None) -> "Walk":
        if lines is None:
            lines = list(picklist.lines.select_related("bin", "sku", "order").order_by("position", "pk"))
        stops: dict[tuple[int, int], Stop] = {}
        for line in lines:
            if line.left:
                stops.setdefault((line.bin_id, line.sku_id), Stop(line.bin, line.sku)).lines.append(line)
        return cls(picklist, lines, list(stops.values()))

    @property
    def counted_bins(self) -> list[Bin]:
        return list({stop.bin.pk: stop.bin for stop in self.stops if stop.bin.counting_since}.values())

    @property
    def next_bin(self) -> Bin | None:
        """The bin to pick from now: the current one while it has units left, else the first on the path."""
        current = self.picklist.current_bin_id
        pickable = [stop for stop in self.stops if not stop.bin.counting_since]
        for stop in pickable:
            if stop.bin.pk == current:
                return stop.bin
        return pickable[0].bin if pickable else None

    def next_line(self) -> PicklistLine | None:
        """The line the next unit fills: the first open one at the next bin."""
        target = self.next_bin
        return self.stops_at(target.pk)[0].lines[0] if target else None

    def stops_at(self, bin_id: int) -> list[Stop]:
        return [stop for stop in self.stops if stop.bin.pk == bin_id]

    def bins_with(self, sku_id: int) -> list[str]:
        return [stop.bin.code for stop in self.stops if stop.sku.pk == sku_id]

    def progress(self) -> dict:
        lines = self.lines
        return {
            "units": sum(line.quantity for line in lines),
            "picked": sum(line.picked for line in lines),
            "short": sum(line.short for line in lines),
            "dropped": sum(line.quantity - line.picked - line.short for line in lines if line.status == "dropped"),
            "left": sum(line.left for line in lines),
            "bins": len({line.bin_id for line in lines}),
            "bins_left": len({stop.bin.pk for stop in self.stops}),
            "lines": len(lines),
            "lines_left": sum(1 for line in lines if line.left),
        }

    def next(self) -> dict:
        """What the picker does next, as the scanner page shows it."""
        picklist = self.picklist
        if picklist.status not in Picklist.LIVE:
            return {"action": "done", "message": f"Picklist {picklist.number} is {picklist.get_status_display().lower()}."}
        if not self.stops:
            return {
                "action": "finish",
                "message": f"Everything is picked: finish the picklist and take the units to {picklist.packing_bin.code}.",
            }
        target = self.next_bin
        if target is None:
            codes = ", ".join(b.code for b in self.counted_bins)
            return {
                "action": "wait", "bins": [_bin(b) for b in self.counted_bins],
                "message": f"What is left is in bins being counted ({codes}); wait for the count to close, or ask a supervisor.",
            }  # fmt: skip
        if picklist.current_bin_id != target.pk:
            return {"action": "scan_bin", "bin": _bin(target), "message": f"Go to bin {target.code} and scan it."}
        stop = self.stops_at(target.pk)[0]
        return {
            "action": "scan_item", "bin": _bin(target), "sku": _sku(stop.sku), "quantity_left": stop.left,
            "line": stop.lines[0].pk, "order": stop.lines[0].order.channel_order_id,
            "in_bin": [{"sku": _sku(s.sku), "quantity_left": s.left} for s in self.stops_at(target.pk)],
            "message": f"Pick {stop.left} x {stop.sku.code} ({stop.sku.name}) from {target.code}.",
        }  # fmt: skip


def answer(picklist: Picklist, message: str = "", **extra) -> dict:
    """A scanner answer (JSON-able): what happened, what to do next, and the progress."""
    walk = Walk.of(picklist)
    return {
        "message": message,
        "picklist": {
            "id": picklist.pk, "number": picklist.number, "status": picklist.status, "kind": picklist.kind,
            "current_bin": _bin(picklist.current_bin) if picklist.current_bin_id else None,
        },
        "next": walk.next(),
        "progress": walk.progress(),
        **extra,
    }  # fmt: skip


def _bin(bin: Bin) -> dict:
    return {"id": bin.pk, "code": bin.code, "barcode": bin.barcode}


def _sku(sku) -> dict:
    return {"id": sku.pk, "code": sku.code, "name": sku.name, "key_quantity": sku.key_quantity}
