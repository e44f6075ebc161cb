"""Reads behind the order pages. Every function takes the tenant and reads only its rows,
in a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.orders.models import LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.states import BEFORE_SHIPPING, ORDER_TRANSITIONS, LineStatus, OrderStatus

ALL, ATTENTION, UNFULFILLABLE, OVERDUE = "all", "attention", "unfulfillable", "overdue"
# Never needed on a page: the channel's raw payload (large) and the account's credentials (never shown).
UNSHOWN = ("raw_payload", "account__credentials")
TABS = (ALL, ATTENTION, UNFULFILLABLE, OVERDUE)


def overdue(now: datetime) -> Q:
    """Orders past their ship-by time that have not left the warehouse (nor been cancelled)."""
    return Q(ship_by__lt=now, status__in=BEFORE_SHIPPING)


def needing_attention() -> Q:
    """Orders flagged for a person, unless cancelled since (a cancelled order needs nothing more)."""
    return Q(needs_attention=True) & ~Q(status=OrderStatus.CANCELLED)


def _tab_filters(now: datetime) -> dict[str, Q]:
    return {
        ALL: Q(),
        ATTENTION: needing_attention(),
        UNFULFILLABLE: Q(status=OrderStatus.UNFULFILLABLE),
        OVERDUE: overdue(now),
    }


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    account_id: int | None = None
    query: str = ""


def filtered_orders(tenant, filters: OrderFilters) -> QuerySet[Order]:
    """The tenant's orders narrowed by status, account and a search of order id and buyer (not by tab)."""
    orders = Order.objects.for_tenant(tenant)
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.account_id:
        orders = orders.filter(account_id=filters.account_id)
    query = filters.query.strip()
    if query:
        orders = orders.filter(
            Q(channel_order_id__icontains=query)
            | Q(buyer_name__icontains=query)
            | Q(buyer_email__icontains=query)
            | Q(buyer_phone__icontains=query)
        )
    return orders


def tab_counts(orders: QuerySet[Order], *, now: datetime | None = None) -> dict[str, int]:
    """How many of ``orders`` each tab holds, in one aggregate query."""
    now = now or timezone.now()
    counts = {
        tab: Count("pk", filter=condition) for tab, condition in _tab_filters(now).items() if tab != ALL
    }
    return orders.order_by().aggregate(all=Count("pk"), **counts)


def order_list(orders: QuerySet[Order], tab: str = ALL, *, now: datetime | None = None) -> QuerySet[Order]:
    """The rows of the orders table, newest first: account, warehouse, line and unit counts, and flags."""
    now = now or timezone.now()
    lines = OrderLine.objects.filter(order=OuterRef("pk")).order_by().values("order")
    return (
        orders.filter(_tab_filters(now).get(tab, Q()))
        .select_related("account", "warehouse")
        .defer(*UNSHOWN)
        .annotate(
            line_count=_scalar(lines.annotate(n=Count("pk")).values("n")),
            units=_scalar(lines.annotate(n=Sum("quantity")).values("n")),
            is_overdue=ExpressionWrapper(overdue(now), output_field=BooleanField()),
            wants_attention=ExpressionWrapper(needing_attention(), output_field=BooleanField()),
        )
        .order_by("-ordered_at", "-id")
    )


def _scalar(rows: QuerySet) -> Coalesce:
    """A correlated subquery's single number, or 0 when it has no row."""
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def attention_figures(tenant) -> dict[str, int]:
    """The home page's order tiles: orders needing attention, unfulfillable, ship-by overdue."""
    return tab_counts(Order.objects.for_tenant(tenant))


# Order detail


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    lines: list[OrderLine]  # each with ``allocation_rows`` (bins prefetched)
    events: list[OrderEvent]  # oldest first
    actions: frozenset[str]  # which of cancel, hold, release, allocate the order's status allows
    is_overdue: bool

    @property
    def wants_attention(self) -> bool:
        """The rule of ``needing_attention`` for this one order."""
        return self.order.needs_attention and self.order.status != OrderStatus.CANCELLED

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def gst(self) -> dict[str, Decimal]:
        """CGST, SGST and IGST over the lines not cancelled (worked out when the order is allocated)."""
        totals = {"cgst": Decimal("0"), "sgst": Decimal("0"), "igst": Decimal("0")}
        for line in (line for line in self.lines if line.status != LineStatus.CANCELLED):
            for part in totals:
                totals[part] += getattr(line, part)
        totals["total"] = sum(totals.values())
        return totals

    @property
    def tax_known(self) -> bool:
        """Whether the lines' GST has been worked out (it is, once a warehouse is chosen)."""
        return any(line.gst_rate is not None for line in self.lines)


def tenant_order(tenant, order_id: int) -> Order:
    """One order of the tenant (raises ``Order.DoesNotExist`` for another tenant's)."""
    return (
        Order.objects.for_tenant(tenant)
        .select_related("account", "warehouse")
        .defer(*UNSHOWN)
        .get(pk=order_id)
    )


def order_detail(tenant, order_id: int) -> OrderDetail:
    """An order with its lines, their allocations and SKUs, and its timeline.

    Raises ``Order.DoesNotExist`` for an id of another tenant.
    """
    order = tenant_order(tenant, order_id)
    allocations = LineAllocation.objects.select_related("bin").order_by("released", "bin__code", "pk")
    lines = (
        OrderLine.objects.for_tenant(tenant)
        .filter(order=order)
        .select_related("sku")
        .prefetch_related(Prefetch("allocations", queryset=allocations, to_attr="allocation_rows"))
        .order_by("pk")
    )
    events = (
        OrderEvent.objects.for_tenant(tenant)
        .filter(order=order)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    is_overdue = (
        order.status in BEFORE_SHIPPING and order.ship_by is not None and order.ship_by < timezone.now()
    )
    return OrderDetail(order, list(lines), list(events), order_actions(order.status), is_overdue)


def order_actions(status: str) -> frozenset[str]:
    """The dashboard's order buttons that the transition table allows from ``status``."""
    allowed = ORDER_TRANSITIONS[status]
    actions = set()
    if OrderStatus.CANCELLED in allowed:
        actions.add("cancel")
    if OrderStatus.ON_HOLD in allowed:
        actions.add("hold")
    if status == OrderStatus.ON_HOLD:
        actions.add("release")
    if status in (OrderStatus.NEW, OrderStatus.UNFULFILLABLE):
        actions.add("allocate")
    return frozenset(actions)
