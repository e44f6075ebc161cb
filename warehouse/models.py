from django.conf import settings
from django.db import models
from django.db.models import F, Q

from hub.core.india import STATE_CHOICES
from hub.core.models import TenantOwned
from hub.core.validators import validate_gstin, validate_pincode


class Warehouse(TenantOwned):
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=255)
    address_line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=STATE_CHOICES, help_text="GST state code")
    pincode = models.CharField("PIN code", max_length=6, validators=[validate_pincode])
    gstin = models.CharField("GSTIN", max_length=15, blank=True, validators=[validate_gstin])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="warehouse_code_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bin(TenantOwned):
    """A location in a warehouse. Its barcode is what a picker scans."""

    class Kind(models.TextChoices):
        STORAGE = "storage", "Storage"
        RECEIVING = "receiving", "Receiving"
        PACKING = "packing", "Packing"
        RETURNS = "returns", "Returns"
        DAMAGED = "damaged", "Damaged"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins")
    code = models.CharField(max_length=64)
    barcode = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STORAGE)
    is_active = models.BooleanField(default=True)
    counting_since = models.DateTimeField(
        null=True, blank=True, help_text="A cycle count is open on this bin: nothing is picked from it until it closes"
    )

    class Meta:
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="bin_code_unique_per_warehouse"),
            models.UniqueConstraint(fields=["tenant", "barcode"], name="bin_barcode_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.code


class StockLevel(TenantOwned):
    """Units of one SKU in one bin. Written only by ``warehouse.stock``; the ledger always sums to it."""

    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="stock_levels")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku_id", "bin_id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "bin"], name="stock_level_one_per_sku_bin"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["tenant", "warehouse", "sku"])]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.bin_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(TenantOwned):
    """One append-only ledger row: a change of on hand and/or reserved units of a SKU in a bin.

    One stock call writes one or more rows under one idempotency key (``seq`` numbers them), so
    replaying the call finds them and changes nothing.
    """

    class Kind(models.TextChoices):
        RECEIVE = "receive", "Received"
        MOVE_OUT = "move_out", "Moved out"
        MOVE_IN = "move_in", "Moved in"
        ADJUST = "adjust", "Adjusted"
        RESERVE = "reserve", "Reserved"
        RELEASE = "release", "Released"
        CONSUME = "consume", "Shipped"

    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    idempotency_key = models.CharField(max_length=150)
    seq = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True, help_text="Order, PO, GRN or count this belongs to")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key", "seq"], name="stock_movement_idempotent"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "sku", "bin"]), models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.sku_id}@{self.bin_id} {self.on_hand_delta:+}/{self.reserved_delta:+}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Stock movements are append-only; post a new movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stock movements are append-only and cannot be deleted.")


class ScanRequest(TenantOwned):
    """One scan (or other handheld request) as the hub answered it, under the key the device sent.

    A handheld on a weak Wi-Fi sends a scan again when the answer is slow; the second copy finds this
    row and gets the first answer back, so the unit counts once (see ``warehouse.scans.once``).
    """

    key = models.CharField(max_length=100, help_text="The device's idempotency key for this request")
    action = models.CharField(max_length=60, help_text="What was asked, e.g. picklist.scan")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status_code = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="scan_request_key_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
