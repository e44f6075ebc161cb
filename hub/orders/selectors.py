"""Reads of orders for the API and the pages: the tenant's rows, shaped for a list or for one order."""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from hub.orders.models import LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.states import BEFORE_SHIPPING, LineStatus, OrderStatus


def orders(tenant) -> QuerySet[Order]:
    """The tenant's orders with their account (enough to act on one)."""
    return Order.objects.for_tenant(tenant).select_related("account")


def order_rows(tenant) -> QuerySet[Order]:
    """Orders for a list: account, warehouse, and each order's line count and units."""
    return (
        orders(tenant)
        .select_related("warehouse")
        .annotate(line_count=Count("lines"), units=Coalesce(Sum("lines__quantity"), 0))
    )


def order_details(tenant) -> QuerySet[Order]:
    """Orders for one order's page: the list's columns plus lines, allocations and timeline, prefetched."""
    lines = OrderLine.objects.select_related("sku").prefetch_related(
        Prefetch("allocations", queryset=LineAllocation.objects.select_related("bin__warehouse"))
    )
    events = OrderEvent.objects.select_related("actor")
    return order_rows(tenant).prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("events", queryset=events)
    )


def with_sku(queryset: QuerySet[Order], code: str) -> QuerySet[Order]:
    """Orders with a line of the hub SKU ``code`` (exact), whatever the line's status."""
    return queryset.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__code=code)))


def unmapped_condition() -> Exists:
    """An order with an open line whose channel SKU maps to no hub SKU (it waits for a mapping)."""
    return Exists(OrderLine.objects.filter(order=OuterRef("pk"), status=LineStatus.OPEN, sku__isnull=True))


def overdue_condition(now: datetime) -> Q:
    """Past its ship-by time and not shipped yet (nor cancelled)."""
    return Q(ship_by__lt=now, status__in=BEFORE_SHIPPING)


def unfulfillable_condition() -> Q:
    return Q(status=OrderStatus.UNFULFILLABLE)
