from django.conf import settings
from django.db import models
from django.db.models import Q

from hub.core.models import TenantOwned


class Return(TenantOwned):
    """Units of one shipped order coming back to a warehouse, received at the returns desk.

    An RTO (return to origin) is a parcel the courier brings back undelivered; a customer return is one
    the buyer sent back after delivery. They are kept apart: channels settle them differently.
    """

    class Kind(models.TextChoices):
        RTO = "rto", "RTO (never delivered)"
        CUSTOMER = "customer", "Customer return"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    warehouse = models.ForeignKey("warehouse.Warehouse", on_delete=models.PROTECT, related_name="returns")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reference = models.CharField(max_length=120, blank=True, help_text="The AWB or order reference scanned at the desk")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(status="open"), name="return_one_open_per_order"),
        ]
        indexes = [models.Index(fields=["tenant", "kind", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of order {self.order_id} ({self.status})"


class ReturnLine(TenantOwned):
    """Units of one order line scanned back in, with their grade and the bin they went to."""

    class Grade(models.TextChoices):
        GOOD = "good", "Good (back to stock)"
        DAMAGED = "damaged", "Damaged"

    order_return = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    grade = models.CharField(max_length=10, choices=Grade.choices)
    bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_return_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} {self.grade}"


class ReturnPutaway(TenantOwned):
    """Good units of a return moved from the returns bin to a storage bin, where they can be sold again."""

    order_return = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="putaways")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    from_bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    to_bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    put_away_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_return_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="return_putaway_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} to bin {self.to_bin_id}"
