"""Reads of returns: what an order may still send back, and what a return holds waiting to be put away."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from hub.catalog.models import SKU, BundleComponent
from hub.channels.models import ChannelReturn
from hub.orders.models import Order, OrderLine
from hub.orders.states import LineStatus
from warehouse.models import Bin
from warehouse.returns.models import Return, ReturnLine, ReturnPutaway


@dataclass
class Units:
    """Units of one SKU that one order line shipped (a bundle line ships its components), and how many
    of them came back over all the order's returns."""

    line: OrderLine
    sku: SKU
    shipped: int
    returned: int = 0

    @property
    def left(self) -> int:
        return max(self.shipped - self.returned, 0)


def returnable_units(order: Order) -> list[Units]:
    """The order's shipped units per (line, SKU), in line order, with what came back already."""
    lines = list(
        order.lines.exclude(status=LineStatus.CANCELLED).filter(sku__isnull=False).select_related("sku").order_by("pk")
    )
    parts: dict[int, list[tuple[SKU, int]]] = defaultdict(list)
    bundle_ids = [line.sku_id for line in lines if line.sku.is_bundle]
    for part in BundleComponent.objects.filter(bundle_id__in=bundle_ids).select_related("component"):
        parts[part.bundle_id].append((part.component, part.quantity))
    returned = {
        (row["order_line"], row["sku"]): row["units"]
        for row in ReturnLine.objects.filter(order_line__order=order)
        .values("order_line", "sku")
        .annotate(units=Sum("quantity"))
        .order_by()
    }
    units = []
    for line in lines:
        shipped = parts[line.sku_id] if line.sku.is_bundle else [(line.sku, 1)]
        for sku, per_unit in shipped:
            units.append(Units(line, sku, per_unit * line.quantity, returned.get((line.pk, sku.pk), 0)))
    return units


def lines_fully_back(units: list[Units]) -> list[OrderLine]:
    """The order lines every shipped unit of which came back."""
    by_line: dict[int, list[Units]] = defaultdict(list)
    for unit in units:
        by_line[unit.line.pk].append(unit)
    return [group[0].line for group in by_line.values() if all(unit.left == 0 for unit in group)]


@dataclass(frozen=True)
class Waiting:
    """Good units of a return lying in a returns bin, not yet put away."""

    sku: SKU
    bin: Bin
    quantity: int


def waiting_putaway(order_return: Return) -> list[Waiting]:
    received = defaultdict(int)
    for sku_id, bin_id, units in (
        ReturnLine.objects.filter(order_return=order_return, grade=ReturnLine.Grade.GOOD)
        .values_list("sku_id", "bin_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    ):
        received[(sku_id, bin_id)] += units
    for sku_id, bin_id, units in (
        ReturnPutaway.objects.filter(order_return=order_return)
        .values_list("sku_id", "from_bin_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    ):
        received[(sku_id, bin_id)] -= units
    left = {pair: units for pair, units in received.items() if units > 0}
    skus = SKU.objects.in_bulk({sku_id for sku_id, _ in left})
    bins = Bin.objects.in_bulk({bin_id for _, bin_id in left})
    return [Waiting(skus[s], bins[b], units) for (s, b), units in sorted(left.items())]


def next_step(order_return: Return, units: list[Units], waiting: list[Waiting]) -> str:
    """What the desk does next: ``scan_unit`` while units are still out, ``complete`` when all are in,
    ``put_away`` while good units of a completed return wait in the returns bin, else ``done``."""
    if order_return.status == Return.Status.OPEN:
        return "scan_unit" if any(unit.left for unit in units) else "complete"
    if order_return.status == Return.Status.COMPLETED and waiting:
        return "put_away"
    return "done"


def returns(tenant) -> QuerySet[Return]:
    return Return.objects.for_tenant(tenant).select_related("order__account", "warehouse", "received_by")


def return_details(tenant) -> QuerySet[Return]:
    return returns(tenant).prefetch_related("lines__sku", "lines__bin", "lines__scanned_by")


def expected_by_channel(order: Order) -> QuerySet:
    """The returns the order's channel announced (``hub.channels.ChannelReturn``) that the desk has not
    received yet; a notice read before the hub knew the order is found by its channel order id."""
    return ChannelReturn.objects.filter(
        Q(order=order) | Q(order__isnull=True, account_id=order.account_id, channel_order_id=order.channel_order_id),
        status=ChannelReturn.Status.EXPECTED,
    ).order_by("pk")


def expected_text(order: Order) -> str:
    """"expected by the channel: 2 units (it broke during shipping)", or "" when the channel announced none."""
    notices = list(expected_by_channel(order))
    if not notices:
        return ""
    reasons = "; ".join(dict.fromkeys(notice.reason for notice in notices if notice.reason))
    return f"expected by the channel: {sum(n.units for n in notices)} unit(s)" + (f" ({reasons})" if reasons else "")
