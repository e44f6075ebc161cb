"""Orders waiting for stock: when units arrive (a receipt, a positive adjustment, a released
reservation), the unfulfillable orders that need them are allocated again, oldest ship-by date first."""

from functools import partial

from django.db import transaction

from hub.catalog.models import BundleComponent
from hub.orders.allocation import allocate_orders
from hub.orders.models import Order
from hub.orders.states import LineStatus, OrderStatus


def on_stock_changed(sender, *, tenant_id, restocked_sku_ids, **kwargs) -> None:
    """``warehouse.signals.stock_changed`` receiver: queue a retry once the change has committed."""
    if restocked_sku_ids:
        transaction.on_commit(partial(_enqueue, tenant_id, sorted(restocked_sku_ids)))


def _enqueue(tenant_id: int, sku_ids: list[int]) -> None:
    from schedules.tasks import retry_waiting_orders

    if Order.objects.filter(tenant_id=tenant_id, status=OrderStatus.UNFULFILLABLE).exists():  # else nothing waits
        retry_waiting_orders.delay(tenant_id, sku_ids)


def retry_waiting(tenant_id: int, sku_ids: list[int]) -> int:
    """Allocate the unfulfillable orders that need any of these SKUs; returns how many were allocated."""
    bundles = BundleComponent.objects.filter(tenant_id=tenant_id, component_id__in=sku_ids).values_list(
        "bundle_id", flat=True
    )
    waiting_ids = list(
        Order.objects.filter(
            tenant_id=tenant_id, status=OrderStatus.UNFULFILLABLE, lines__status=LineStatus.OPEN,
            lines__sku_id__in=set(sku_ids) | set(bundles),
        )
        .values_list("pk", flat=True)
        .distinct()
    )  # fmt: skip
    if not waiting_ids:
        return 0
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk__in=waiting_ids, status=OrderStatus.UNFULFILLABLE)
            .order_by("account_id", "channel_order_id")  # the order every importer locks in: no deadlock
        )
        allocate_orders(orders, source="restock")
    return sum(1 for order in orders if order.status == OrderStatus.ALLOCATED)
