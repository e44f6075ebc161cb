from django.conf import settings
from django.db import models
from django.db.models import Q

from hub.core.models import TenantOwned


def default_approval_units() -> int:
    return settings.CYCLE_COUNT_APPROVAL_UNITS


class CycleCount(TenantOwned):
    """A count of one bin or a list of bins of a warehouse. While it is open its bins are marked
    (``Bin.counting_since``) and nothing is picked from them."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COUNTING = "counting", "Counting"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.OPEN, Status.COUNTING, Status.AWAITING_APPROVAL)

    warehouse = models.ForeignKey("warehouse.Warehouse", on_delete=models.PROTECT, related_name="cycle_counts")
    bins = models.ManyToManyField("warehouse.Bin", through="CountBin", related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    approval_units = models.PositiveIntegerField(
        default=default_approval_units,
        help_text="A difference of more than this many units of a SKU in a bin waits for a supervisor",
    )
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Completed or cancelled")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"Cycle count #{self.pk} ({self.status})"


class CountBin(TenantOwned):
    """One bin of a count: pending until it is scanned, counting until the count is finished, then counted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not scanned yet"
        COUNTING = "counting", "Counting"
        COUNTED = "counted", "Counted"

    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="count_bins")
    bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the bin was scanned and its stock noted")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["count_id", "bin__code"]
        constraints = [models.UniqueConstraint(fields=["count", "bin"], name="count_bin_once")]

    def __str__(self) -> str:
        return f"bin {self.bin_id} of count {self.count_id} ({self.status})"


class CountLine(TenantOwned):
    """One SKU in one counted bin: the units the stock said were there when the bin was scanned, the
    units counted, and what became of the difference."""

    class Status(models.TextChoices):
        COUNTING = "counting", "Counting"
        MATCHED = "matched", "Matched"
        POSTED = "posted", "Adjusted"
        NEEDS_APPROVAL = "needs_approval", "Needs approval"
        REJECTED = "rejected", "Rejected (recounted)"

    ACTIVE = (Status.COUNTING, Status.NEEDS_APPROVAL)

    class Why(models.TextChoices):
        OVER_THRESHOLD = "over_threshold", "Difference above the approval threshold"
        BELOW_RESERVED = "below_reserved", "Fewer units counted than are reserved for orders"

    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(help_text="Units on hand when the bin was scanned")
    counted = models.PositiveIntegerField(default=0)
    difference = models.IntegerField(null=True, blank=True, help_text="Counted minus expected, once finished")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COUNTING)
    approval_reason = models.CharField(max_length=20, choices=Why.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["count_id", "bin_id", "sku_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "bin", "sku"], condition=Q(status__in=["counting", "needs_approval"]),
                name="count_line_one_active_per_bin_sku",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.bin_id}: {self.counted} counted, {self.expected} expected"
