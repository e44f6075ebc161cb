"""Hub order statuses and their legal transitions: one table, checked by one function."""

from django.db import models

from hub.core.errors import Conflict


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending at the channel"
    NEW = "new", "New"
    ON_HOLD = "on_hold", "On hold"
    UNFULFILLABLE = "unfulfillable", "Unfulfillable"
    ALLOCATED = "allocated", "Allocated"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    RETURNED = "returned", "Returned"


S = OrderStatus
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    # SHIPPED straight from an order holding no stock: the channel shipped it (Amazon FBA, or outside the hub).
    S.PENDING: frozenset({S.NEW, S.ON_HOLD, S.CANCELLED, S.SHIPPED}),
    S.NEW: frozenset({S.ALLOCATED, S.UNFULFILLABLE, S.ON_HOLD, S.CANCELLED, S.SHIPPED}),
    S.UNFULFILLABLE: frozenset({S.ALLOCATED, S.ON_HOLD, S.CANCELLED, S.SHIPPED}),
    S.ON_HOLD: frozenset({S.NEW, S.PENDING, S.CANCELLED, S.SHIPPED}),
    S.ALLOCATED: frozenset({S.PICKING, S.UNFULFILLABLE, S.ON_HOLD, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.ALLOCATED, S.UNFULFILLABLE, S.CANCELLED}),
    # PICKING again when a packed parcel is unpacked (a new box or AWB): its units stay reserved at packing.
    S.PACKED: frozenset({S.SHIPPED, S.PICKING, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.RETURNED}),
    S.DELIVERED: frozenset({S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

# Orders whose stock has not left the building: a cancellation can still be applied.
BEFORE_SHIPPING = frozenset({S.PENDING, S.NEW, S.ON_HOLD, S.UNFULFILLABLE, S.ALLOCATED, S.PICKING, S.PACKED})
# Orders holding reservations.
RESERVING = frozenset({S.ALLOCATED, S.PICKING, S.PACKED})
# Orders not yet shipped that hold no stock: the channel may ship them itself.
HOLDING_NO_STOCK = frozenset({S.PENDING, S.NEW, S.UNFULFILLABLE, S.ON_HOLD})


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"An order cannot go from {current} to {target}.", field="status")
        self.current, self.target = current, target


def check_transition(current: str, target: str) -> None:
    if target not in ORDER_TRANSITIONS[current]:
        raise InvalidTransition(current, target)


class LineStatus(models.TextChoices):
    OPEN = "open", "Open"
    CANCELLED = "cancelled", "Cancelled"
    SHIPPED = "shipped", "Shipped"
    RETURNED = "returned", "Returned"
