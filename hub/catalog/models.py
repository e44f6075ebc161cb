from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from hub.core.models import TenantOwned
from hub.core.validators import validate_gst_rate, validate_hsn

MONEY = {"max_digits": 14, "decimal_places": 2}


class Product(TenantOwned):
    """A style or parent item; its SKUs are the sellable variants (size, colour, pack)."""

    code = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    brand = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="product_code_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SKU(TenantOwned):
    """A stock-keeping unit: the thing that is counted, reserved, picked and sold."""

    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="skus")
    code = models.CharField(max_length=64, help_text="The seller's SKU code, unique per tenant.")
    name = models.CharField(max_length=255)
    hsn_code = models.CharField("HSN code", max_length=8, validators=[validate_hsn])
    gst_rate = models.DecimalField(
        "GST rate (%)", max_digits=5, decimal_places=2, validators=[validate_gst_rate]
    )
    mrp = models.DecimalField("MRP", validators=[MinValueValidator(Decimal("0"))], **MONEY)
    selling_price = models.DecimalField(validators=[MinValueValidator(Decimal("0"))], **MONEY)
    cost = models.DecimalField(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))], **MONEY)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    key_quantity = models.BooleanField(
        default=False,
        help_text="At the scanner, one scan and a keyed quantity may stand for many units (small identical items)",
    )
    is_bundle = models.BooleanField(
        default=False, help_text="Made of component SKUs; sellable stock is the minimum over them."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SKU"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="sku_code_unique_per_tenant"),
            models.CheckConstraint(
                condition=Q(mrp__gte=0) & Q(selling_price__gte=0), name="sku_prices_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(selling_price__lte=F("mrp")), name="sku_selling_price_within_mrp"
            ),
            models.CheckConstraint(condition=Q(gst_rate__gte=0) & Q(gst_rate__lte=100), name="sku_gst_rate_range"),
        ]

    def __str__(self) -> str:
        return self.code


class Barcode(TenantOwned):
    """A code printed on the unit. A SKU may carry several (EAN, UPC, the seller's own)."""

    class Kind(models.TextChoices):
        EAN = "ean", "EAN-13 / EAN-8"
        UPC = "upc", "UPC-A"
        INTERNAL = "internal", "Internal"

    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTERNAL)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="barcode_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.code} ({self.kind})"


class BundleComponent(TenantOwned):
    """One component of a bundle SKU: ``quantity`` units of ``component`` go into one ``bundle``."""

    bundle = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="in_bundles")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["bundle_id", "component_id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="bundle_component_quantity_positive"),
            models.CheckConstraint(condition=~Q(bundle=F("component")), name="bundle_not_its_own_component"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.component_id} in {self.bundle_id}"
