"""Picklists: the allocated orders of one warehouse, as one walk through its bins for one picker.

A picklist holds its orders (``PicklistOrder``) and one line per reservation to pick (``PicklistLine``:
an order line's units reserved in one bin), numbered along the walk in the bins' natural order
(A-01-02 before A-01-10). A picked unit moves, with its reservation, from its bin to the warehouse's
packing bin, so what stays in the storage bin is what a count there should find.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from hub.core.models import TenantOwned


class Picklist(TenantOwned):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single order"
        BATCH = "batch", "Batch (many orders, one walk)"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a picker"
        ASSIGNED = "assigned", "Handed to a picker"
        PICKING = "picking", "Being picked"
        PICKED = "picked", "Picked"
        CANCELLED = "cancelled", "Cancelled"

    LIVE = (Status.OPEN, Status.ASSIGNED, Status.PICKING)
    HELD = (Status.ASSIGNED, Status.PICKING)  # a picker has it

    warehouse = models.ForeignKey("warehouse.Warehouse", on_delete=models.PROTECT, related_name="picklists")
    number = models.CharField(max_length=32)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    filters = models.JSONField(default=dict, blank=True, help_text="What it was built from: mode, accounts, ship-by")
    packing_bin = models.ForeignKey(
        "warehouse.Bin", on_delete=models.PROTECT, related_name="+", help_text="Where picked units go"
    )
    current_bin = models.ForeignKey(
        "warehouse.Bin", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The bin the picker scanned last",
    )  # fmt: skip
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="picklists"
    )
    scan_count = models.PositiveIntegerField(default=0, help_text="Unit scans so far; numbers their stock calls")
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="picklist_number_unique_per_tenant"),
            models.CheckConstraint(
                condition=Q(status="open", picker__isnull=True)
                | Q(status__in=["assigned", "picking", "picked"], picker__isnull=False)
                | Q(status="cancelled"),
                name="picklist_picker_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "warehouse", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class PicklistOrder(TenantOwned):
    """An order on a picklist. An order is on at most one picklist that is still being worked."""

    class Status(models.TextChoices):
        ACTIVE = "active", "On the picklist"
        PICKED = "picked", "Picked, ready for packing"
        LEFT = "left", "Left the picklist"

    picklist = models.ForeignKey(Picklist, on_delete=models.CASCADE, related_name="entries")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="picklist_entries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["picklist_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["picklist", "order"], name="picklist_order_once"),
            models.UniqueConstraint(fields=["order"], condition=Q(status="active"), name="picklist_order_one_live"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} on {self.picklist_id} ({self.status})"


class PicklistLine(TenantOwned):
    """Units of one order line to take from one bin (one reservation), at ``position`` on the walk."""

    class Status(models.TextChoices):
        OPEN = "open", "To pick"
        DONE = "done", "Picked"
        SHORT = "short", "Short: units missing"
        DROPPED = "dropped", "Dropped: the order left the picklist"

    picklist = models.ForeignKey(Picklist, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(default=0)
    short = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["picklist_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="picklist_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked__lte=F("quantity") - F("short")), name="picklist_line_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} from {self.bin_id} ({self.picked} picked)"

    @property
    def left(self) -> int:
        return self.quantity - self.picked - self.short if self.status == self.Status.OPEN else 0
