"""Inbound stock: suppliers, purchase orders and goods receipts (GRNs).

Rows here change only through ``warehouse.inbound.services``; units reach the shelves only through
``warehouse.stock`` (a GRN receives into its receiving bin, putaway moves them on to storage bins).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from hub.core.models import TenantOwned
from hub.core.validators import validate_gstin
from warehouse.models import Bin, Warehouse

MONEY = {"max_digits": 12, "decimal_places": 2}


class Supplier(TenantOwned):
    name = models.CharField(max_length=200)
    gstin = models.CharField("GSTIN", max_length=15, blank=True, validators=[validate_gstin])
    contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="supplier_name_unique_per_tenant")]

    def __str__(self) -> str:
        return self.name


class PurchaseOrder(TenantOwned):
    """What was ordered from a supplier for one warehouse. Its status moves by ``services`` only."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=40, help_text="Unique per tenant; the barcode printed on the PO")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="purchase_orders")
    expected_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "purchase order"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="po_number_unique_per_tenant")]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(TenantOwned):
    """One SKU of a PO. ``quantity_received`` and ``quantity_damaged`` add up the completed GRNs."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity_ordered = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    quantity_received = models.PositiveIntegerField(default=0, help_text="Good units on completed GRNs")
    quantity_damaged = models.PositiveIntegerField(default=0, help_text="Damaged units on completed GRNs")

    class Meta:
        ordering = ["purchase_order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "sku"], name="po_line_one_per_sku"),
            models.CheckConstraint(condition=Q(quantity_ordered__gte=1), name="po_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_line_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.quantity_ordered} x {self.sku_id}"

    @property
    def short(self) -> int:
        """Units still owed: a damaged unit does not fill the line (the supplier owes a good one)."""
        return max(0, self.quantity_ordered - self.quantity_received)

    @property
    def over(self) -> int:
        return max(0, self.quantity_received - self.quantity_ordered)


class GoodsReceipt(TenantOwned):
    """A GRN: units counted in at the dock, against a PO or blind (no PO), into one receiving bin."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    number = models.CharField(max_length=40)
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts",
        help_text="Empty for a blind receipt",
    )  # fmt: skip
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="receipts")
    receiving_bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="receipts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "goods receipt"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="grn_number_unique_per_tenant")]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_blind(self) -> bool:
        return self.purchase_order_id is None


class GoodsReceiptLine(TenantOwned):
    """Units of one SKU on a GRN. On completion against a PO it also records the PO line's standing:
    ordered, good units received before this GRN, and ``variance`` (received to date minus ordered:
    positive is over, negative short)."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    po_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="receipt_lines"
    )
    quantity_good = models.PositiveIntegerField(default=0)
    quantity_damaged = models.PositiveIntegerField(default=0)
    quantity_ordered = models.PositiveIntegerField(null=True, blank=True)
    received_before = models.PositiveIntegerField(null=True, blank=True)
    variance = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["receipt_id", "id"]
        constraints = [models.UniqueConstraint(fields=["receipt", "sku"], name="grn_line_one_per_sku")]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity_good} good, {self.quantity_damaged} damaged of {self.sku_id}"
