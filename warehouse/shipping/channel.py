"""Telling the channel an order shipped: queued when its manifest is handed over, sent by a Celery task.

The confirmation (carrier and AWB as the tracking number) is queued on commit, so the channel hears of
the shipment only once the hub has set the order shipped; otherwise the next order pull would find the
channel saying "shipped" of an order the hub holds as packed and flag it. A channel whose connector
takes no shipments from the hub, and a custom channel (no connector), get nothing queued.
"""

from functools import partial

from django.db import transaction

from connectors.base import Capability
from connectors.errors import CredentialsRejected
from connectors.registry import UnknownChannel, connector_class
from hub.channels.models import ChannelAccount, ChannelKind
from hub.orders.events import event
from hub.orders.models import Order, OrderEvent
from hub.orders.states import OrderStatus
from warehouse.shipping.models import Shipment

PUSHED = "shipment_pushed"  # the timeline row ``hub.channels.sync.confirm_shipment`` writes on success


def takes_shipments(account: ChannelAccount) -> bool:
    try:
        return Capability.PUSH_SHIPMENT in connector_class(account.kind).capabilities
    except UnknownChannel:
        return False


def queue_confirmations(orders: list[Order], *, actor=None) -> list[OrderEvent]:
    """Queue, on commit, the ship confirmation of each order whose channel takes one; returns the timeline
    rows (unsaved) of those whose channel does not."""
    from schedules.tasks import confirm_shipment

    events = []
    for order in orders:
        if takes_shipments(order.account):
            transaction.on_commit(partial(confirm_shipment.delay, order.pk))
        elif order.account.kind != ChannelKind.CUSTOM:
            events.append(event(order, "shipment_not_pushed", f"{order.account.get_kind_display()} takes no shipment "
                                "confirmation from the hub: confirm it on the channel.", actor=actor, source="shipping"))  # fmt: skip
    return events


def confirm(order_id: int) -> bool | None:
    """Send the shipped order's carrier and AWB to its channel. None when there is nothing to send (the order
    is gone, not shipped, or its channel takes no shipments); True when the channel has it (now or before)."""
    from hub.channels import sync

    order = Order.objects.select_related("account").filter(pk=order_id).first()
    if order is None or order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        return None
    shipment = (
        Shipment.objects.filter(order=order, status=Shipment.Status.HANDED_OVER).select_related("courier")
        .order_by("-pk").first()
    )  # fmt: skip
    if shipment is None or not takes_shipments(order.account):
        return None
    if OrderEvent.objects.filter(order=order, kind=PUSHED, details__tracking_number=shipment.awb).exists():
        return True  # a redelivered message: the channel has it
    courier = shipment.courier
    try:
        return sync.confirm_shipment(order, carrier=courier.name, tracking_number=shipment.awb,
                                     shipped_at=shipment.shipped_at, carrier_code=courier.channel_carrier_code)  # fmt: skip
    except (sync.SyncStopped, CredentialsRejected) as error:
        event(order, "shipment_push_failed", f"Shipment {courier.name} {shipment.awb} not confirmed to "
              f"{order.account.get_kind_display()}: {error}. Confirm it again once the account syncs.",
              source="sync").save()  # fmt: skip
        return False


def requeue(shipment: Shipment) -> str:
    """Queue the confirmation of a shipped parcel again (after the account was fixed); says what it did."""
    order = shipment.order
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) or shipment.status != Shipment.Status.HANDED_OVER:
        return f"Order {order.channel_order_id} has not shipped: nothing to confirm."
    if not takes_shipments(order.account):
        return f"{order.account.get_kind_display()} takes no shipment confirmation from the hub."
    queue_confirmations([order])
    return f"Confirmation of AWB {shipment.awb} queued for {order.account.get_kind_display()}."
