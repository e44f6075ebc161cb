"""Choosing a warehouse for an order and reserving its stock, for many orders at once.

For each order, oldest ship-by date first, among the account's active serving warehouses:

1. one that can fill every line (no split), preferring the buyer's own state (CGST+SGST instead of
   IGST, and a shorter trip), then the one with the most units of what the order needs, then by code;
2. if none can and the account allows splitting, each SKU is taken from the warehouses in that same
   order of preference;
3. otherwise the order is unfulfillable, with the shortfall in its timeline, and waits for stock.

Within a warehouse, units come from the sellable bins holding the most of the SKU (fewest picks). A
bundle line reserves its components. All the orders of one call are planned under one set of row
locks and reserved with one ``stock.post_many``, so a page of orders costs a handful of queries.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from hub.catalog.models import SKU, BundleComponent
from hub.core.bulk import bulk_set
from hub.orders.events import transition
from hub.orders.models import LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.states import LineStatus, OrderStatus
from hub.orders.tax import split_tax
from warehouse import stock
from warehouse.models import StockLevel, Warehouse
from warehouse.sellable import SELLABLE_BIN_KINDS


@dataclass
class Pool:
    """Available units under lock, per (warehouse, SKU), with the bins they sit in."""

    bins: dict[tuple[int, int], list[StockLevel]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, levels: Iterable[StockLevel]) -> "Pool":
        pool = cls()
        for level in levels:
            if level.available > 0:
                pool.bins[(level.warehouse_id, level.sku_id)].append(level)
        return pool

    def available(self, warehouse_id: int, sku_id: int) -> int:
        return sum(level.available for level in self.bins.get((warehouse_id, sku_id), ()))

    def take(self, warehouse_id: int, sku_id: int, quantity: int) -> list[tuple[StockLevel, int]]:
        """Take ``quantity`` units from the fullest bins first; the levels' reserved counts go up in memory."""
        taken = []
        for level in sorted(self.bins[(warehouse_id, sku_id)], key=lambda lv: (-lv.available, lv.bin.code)):
            if quantity == 0:
                break
            units = min(quantity, level.available)
            if units > 0:
                level.reserved += units
                quantity -= units
                taken.append((level, units))
        assert quantity == 0, "take() is only called for units known to be there"
        return taken


@dataclass
class Need:
    """What one open line needs: units per SKU (a bundle line needs its components)."""

    line: OrderLine
    units: dict[int, int]


def allocate_orders(orders: list[Order], *, actor=None, source: str = "hub") -> list[OrderEvent]:
    """Reserve stock for each order or mark it unfulfillable; returns the timeline rows written.

    The orders must be locked by the caller (``select_for_update``) and be NEW or UNFULFILLABLE with
    every open line mapped to a SKU.
    """
    if not orders:
        return []
    orders = sorted(orders, key=lambda o: (o.ship_by is None, o.ship_by, o.ordered_at, o.pk))
    needs = _needs(orders)
    warehouses = _serving_warehouses(orders)
    sku_ids = {sku_id for order_needs in needs.values() for need in order_needs for sku_id in need.units}
    warehouse_ids = {w.pk for ws in warehouses.values() for w in ws}
    levels = stock.lock_levels(
        orders[0].tenant_id, sku_ids=sku_ids, warehouse_ids=warehouse_ids, bin_kinds=SELLABLE_BIN_KINDS
    )
    pool = Pool.of(levels)
    skus = SKU.objects.in_bulk(sku_ids | {need.line.sku_id for ns in needs.values() for need in ns})
    calls, allocations, events = [], [], []
    for order in orders:
        plan = _plan(order, needs[order.pk], warehouses[order.account_id], pool, skus)
        if isinstance(plan, str):
            events += _unfulfillable(order, plan, actor=actor, source=source)
            continue
        rows = _reserve(order, needs[order.pk], plan, pool)
        order.allocation_round += 1
        order.warehouse = max(plan, key=lambda w: sum(plan[w].values()))
        calls.append(_call(order, rows, skus))
        allocations += rows
        _apply_tax(order, needs[order.pk], skus)
        events.append(_allocated(order, rows, actor=actor, source=source))
    if calls:
        stock.post_many(calls, actor=actor)
    now = timezone.now()
    for order in orders:
        order.updated_at = now
    LineAllocation.objects.bulk_create(allocations)
    bulk_set(Order, orders, ["status", "warehouse", "allocation_round", "updated_at"])
    taxed = [need.line for order in orders if order.status == OrderStatus.ALLOCATED for need in needs[order.pk]]
    bulk_set(OrderLine, taxed, ["gst_rate", "taxable_value", "cgst", "sgst", "igst"])
    OrderEvent.objects.bulk_create(events)
    return events


def _needs(orders: list[Order]) -> dict[int, list[Need]]:
    lines = list(
        OrderLine.objects.filter(order__in=orders, status=LineStatus.OPEN).select_related("sku").order_by("pk")
    )
    bundle_ids = {line.sku_id for line in lines if line.sku.is_bundle}
    parts = defaultdict(list)
    for part in BundleComponent.objects.filter(bundle_id__in=bundle_ids):
        parts[part.bundle_id].append((part.component_id, part.quantity))
    needs: dict[int, list[Need]] = {order.pk: [] for order in orders}
    for line in lines:
        if line.sku.is_bundle:
            units = {component: quantity * line.quantity for component, quantity in parts[line.sku_id]}
        else:
            units = {line.sku_id: line.quantity}
        needs[line.order_id].append(Need(line, units))
    return needs


def _serving_warehouses(orders: list[Order]) -> dict[int, list[Warehouse]]:
    through = Warehouse.channel_accounts.through
    rows = through.objects.filter(
        channelaccount_id__in={o.account_id for o in orders}, warehouse__is_active=True
    ).select_related("warehouse")
    serving: dict[int, list[Warehouse]] = {o.account_id: [] for o in orders}
    for row in rows:
        serving[row.channelaccount_id].append(row.warehouse)
    return serving


def _totals(needs: list[Need]) -> dict[int, int]:
    total: dict[int, int] = defaultdict(int)
    for need in needs:
        for sku_id, units in need.units.items():
            total[sku_id] += units
    return total


def _plan(order: Order, needs: list[Need], warehouses: list[Warehouse], pool: Pool, skus: dict[int, SKU]) -> dict | str:
    """{warehouse: {sku id: units}} to reserve, or the reason it cannot be filled."""
    demand = _totals(needs)
    if not demand:
        return "the order has no open lines to fill"
    if not warehouses:
        return "the channel account has no active serving warehouse"

    def preference(w: Warehouse) -> tuple:
        return (w.state != order.ship_state, -sum(pool.available(w.pk, s) for s in demand), w.code)

    ranked = sorted(warehouses, key=preference)
    for warehouse in ranked:
        if all(pool.available(warehouse.pk, s) >= units for s, units in demand.items()):
            return {warehouse: demand}
    if order.account.allow_split:
        return _split(demand, ranked, pool) or _shortfall(demand, ranked, pool, skus)
    return _shortfall(demand, ranked, pool, skus)


def _split(demand: dict[int, int], ranked: list[Warehouse], pool: Pool) -> dict | None:
    plan: dict[Warehouse, dict[int, int]] = defaultdict(dict)
    for sku_id, units in demand.items():
        if sum(pool.available(w.pk, sku_id) for w in ranked) < units:
            return None
        for warehouse in ranked:
            take = min(units, pool.available(warehouse.pk, sku_id))
            if take:
                plan[warehouse][sku_id] = take
                units -= take
    return dict(plan)


def _shortfall(demand: dict[int, int], ranked: list[Warehouse], pool: Pool, skus: dict[int, SKU]) -> str:
    codes = {sku_id: skus[sku_id].code for sku_id in demand}
    parts = []
    for sku_id, units in demand.items():
        held = ", ".join(f"{w.code} has {pool.available(w.pk, sku_id)}" for w in ranked)
        if all(pool.available(w.pk, sku_id) < units for w in ranked):
            parts.append(f"needs {units} x {codes[sku_id]} ({held})")
    return "no serving warehouse can fill it: " + ("; ".join(parts) or "the lines need different warehouses")


def _reserve(order: Order, needs: list[Need], plan: dict, pool: Pool) -> list[LineAllocation]:
    """Turn the plan into per-line, per-bin allocations, taking the units from the pool."""
    left = {(w.pk, sku_id): units for w, per_sku in plan.items() for sku_id, units in per_sku.items()}
    rows = []
    for need in needs:
        for sku_id, units in need.units.items():
            for (warehouse_id, planned_sku), available in list(left.items()):
                if planned_sku != sku_id or units == 0 or available == 0:
                    continue
                take = min(units, available)
                left[(warehouse_id, sku_id)] -= take
                units -= take
                rows += [
                    LineAllocation(tenant_id=order.tenant_id, line=need.line, bin=level.bin, sku_id=sku_id, quantity=q)
                    for level, q in pool.take(warehouse_id, sku_id, take)
                ]
    return rows


def _call(order: Order, rows: list[LineAllocation], skus: dict[int, SKU]) -> stock.Call:
    changes = [stock.Change(skus[row.sku_id], row.bin, stock.Kind.RESERVE, reserved=row.quantity) for row in rows]
    return stock.Call(
        key=f"order-{order.pk}-reserve-{order.allocation_round}", changes=changes,
        reference=f"order {order.channel_order_id}", reason="allocation",
    )  # fmt: skip


def _apply_tax(order: Order, needs: list[Need], skus: dict[int, SKU]) -> None:
    for need in needs:
        line = need.line
        rate = skus[line.sku_id].gst_rate
        tax = split_tax(
            line.unit_price * line.quantity - line.discount, rate,
            from_state=order.warehouse.state, to_state=order.ship_state, inclusive=order.prices_include_tax,
        )  # fmt: skip
        line.gst_rate, line.taxable_value = rate, tax.taxable_value
        line.cgst, line.sgst, line.igst = tax.cgst, tax.sgst, tax.igst


def _allocated(order: Order, rows: list[LineAllocation], *, actor, source) -> OrderEvent:
    same_state = order.warehouse.state == order.ship_state
    why = "in the buyer's state" if same_state else "no warehouse in the buyer's state could fill it"
    return transition(
        order, OrderStatus.ALLOCATED,
        f"Allocated to {order.warehouse.code} ({why}); {sum(r.quantity for r in rows)} units reserved.",
        actor=actor, source=source, warehouse=order.warehouse.code,
        bins=[{"bin": r.bin_id, "sku": r.sku_id, "quantity": r.quantity} for r in rows],
    )  # fmt: skip


def _unfulfillable(order: Order, reason: str, *, actor, source) -> list[OrderEvent]:
    if order.status == OrderStatus.UNFULFILLABLE:
        return []  # still waiting: no new timeline row on every retry
    return [transition(order, OrderStatus.UNFULFILLABLE, f"Unfulfillable: {reason}.", actor=actor, source=source)]

