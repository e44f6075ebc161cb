"""The order timeline, and the one place where an order's hub status changes."""

from hub.orders.models import Order, OrderEvent
from hub.orders.states import check_transition


def event(order: Order, kind: str, message: str, *, actor=None, source: str = "hub", **details) -> OrderEvent:
    """An unsaved timeline row (callers save one, or bulk-create many)."""
    return OrderEvent(
        tenant_id=order.tenant_id, order=order, kind=kind, message=message[:500], details=details,
        actor=actor if getattr(actor, "pk", None) else None, source=source,
    )  # fmt: skip


def transition(order: Order, target: str, message: str, *, actor=None, source: str = "hub", **details) -> OrderEvent:
    """Move ``order`` (in memory) to ``target`` if the transition table allows it, else raise
    ``InvalidTransition`` and change nothing. Returns the unsaved event that records it."""
    check_transition(order.status, target)
    previous, order.status = order.status, target
    return event(order, f"status:{target}", message, actor=actor, source=source, previous=previous, **details)
