"""Packing and shipping: couriers and their AWB series, box sizes, GST invoices numbered per financial
year, shipments (one parcel per order) and the manifests that hand them to a courier's agent.

A shipment is the order's box: it opens at the pack station (``packing``) with one ``ShipmentItem`` per
SKU the order's reservations hold, each unit scanned into it; finishing it gives it an AWB, an invoice, a
box and a weight (``packed``). On a courier's manifest it is ``manifested``; scanned at the dock it is
``handed_over``, and when its manifest is handed over the order ships.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from hub.core.models import TenantOwned

MONEY = {"max_digits": 14, "decimal_places": 2}
INVOICE_NUMBER_LENGTH = 16  # CGST Rules, rule 46(b): a serial number of at most 16 characters
FY_PART = len("/26-27/")  # what the financial year adds to a series' prefix


class Courier(TenantOwned):
    """A courier the seller hands parcels to, and where its AWB numbers come from.

    ``series``: the courier gave the seller a range of AWB numbers; the hub hands them out in turn,
    ``awb_next`` up to ``awb_last``, each printed as ``awb_prefix`` + the number zero-padded to
    ``awb_digits``. ``channel``: the channel assigns the AWB (marketplace-arranged shipping), keyed or
    scanned from its label at packing. ``manual``: keyed or scanned at packing.
    """

    class AwbSource(models.TextChoices):
        SERIES = "series", "A series the courier gave us"
        CHANNEL = "channel", "From the channel (keyed or scanned at packing)"
        MANUAL = "manual", "Keyed or scanned at packing"

    name = models.CharField(max_length=100)
    code = models.CharField(max_length=20, help_text="Short code, printed on manifests")
    channel_carrier_code = models.CharField(
        max_length=60, blank=True,
        help_text="The carrier's code as the channels know it (Amazon's carrierCode); blank sends 'Other' and the name",
    )  # fmt: skip
    awb_source = models.CharField(max_length=10, choices=AwbSource.choices, default=AwbSource.MANUAL)
    awb_prefix = models.CharField(max_length=10, blank=True)
    awb_next = models.PositiveBigIntegerField(null=True, blank=True, help_text="The next number of the series to use")
    awb_last = models.PositiveBigIntegerField(null=True, blank=True, help_text="The last number of the series")
    awb_digits = models.PositiveSmallIntegerField(default=0, help_text="Zero-pad the number to this many digits")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="courier_code_unique_per_tenant"),
            models.CheckConstraint(
                condition=~Q(awb_source="series") | Q(awb_next__isnull=False, awb_last__isnull=False),
                name="courier_series_has_range",
            ),
            models.CheckConstraint(
                condition=Q(awb_next__isnull=True) | Q(awb_last__isnull=True) | Q(awb_next__lte=F("awb_last") + 1),
                name="courier_series_within_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def awbs_left(self) -> int | None:
        if self.awb_source != self.AwbSource.SERIES or self.awb_next is None or self.awb_last is None:
            return None
        return max(0, self.awb_last - self.awb_next + 1)

    def format_awb(self, number: int) -> str:
        return f"{self.awb_prefix}{number:0{self.awb_digits}d}"


class BoxSize(TenantOwned):
    """A carton the pack station uses; its code is what a packer scans or picks."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    length_mm = models.PositiveIntegerField()
    breadth_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="box_code_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.code} {self.length_mm}x{self.breadth_mm}x{self.height_mm} mm"

    @property
    def dimensions_mm(self) -> tuple[int, int, int]:
        return (self.length_mm, self.breadth_mm, self.height_mm)


class InvoiceSeries(TenantOwned):
    """Invoice numbers ``PREFIX/26-27/000123``: consecutive within a financial year (April to March),
    restarting at 1 each year. A warehouse may have its own series (a GSTIN per state); the others use
    the tenant's default series (no warehouse), made on first use with the prefix INV."""

    warehouse = models.OneToOneField(
        "warehouse.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_series"
    )
    prefix = models.CharField(max_length=8, help_text="Letters and digits, e.g. INV or MH")
    digits = models.PositiveSmallIntegerField(default=6, help_text="Zero-pad the serial to this many digits")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prefix"]
        verbose_name_plural = "invoice series"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "prefix"], name="invoice_series_prefix_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(warehouse__isnull=True), name="invoice_series_one_default_per_tenant"
            ),
            models.CheckConstraint(condition=Q(digits__gte=1, digits__lte=8), name="invoice_series_digits_range"),
        ]

    def __str__(self) -> str:
        return self.prefix


class InvoiceCounter(TenantOwned):
    """The last serial a series used in one financial year; locked while the next one is taken."""

    series = models.ForeignKey(InvoiceSeries, on_delete=models.CASCADE, related_name="counters")
    year = models.PositiveSmallIntegerField(help_text="The financial year's first year: 2026 for 2026-27")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["series_id", "year"]
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="invoice_counter_one_per_year")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.year}: {self.last_number}"


class Invoice(TenantOwned):
    """A GST tax invoice as issued at packing: its number, date, seller and totals. The PDF is drawn
    again from the order's taxed lines (they do not change once packed)."""

    series = models.ForeignKey(InvoiceSeries, on_delete=models.PROTECT, related_name="invoices")
    year = models.PositiveSmallIntegerField(help_text="The financial year's first year")
    serial = models.PositiveIntegerField()
    number = models.CharField(max_length=INVOICE_NUMBER_LENGTH)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoices")
    issued_on = models.DateField()
    seller_name = models.CharField(max_length=200)
    seller_gstin = models.CharField(max_length=15)
    currency = models.CharField(max_length=3, default="INR")
    taxable_total = models.DecimalField(**MONEY)
    cgst = models.DecimalField(**MONEY)
    sgst = models.DecimalField(**MONEY)
    igst = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    grand_total = models.DecimalField(**MONEY)
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="The shipment was cancelled; the number stays used")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "serial"], name="invoice_serial_unique_per_year"),
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.number


class Manifest(TenantOwned):
    """The parcels of one courier handed over at one warehouse in one pickup, signed by both sides."""

    class Status(models.TextChoices):
        OPEN = "open", "Open: parcels being added"
        CLOSED = "closed", "Closed: being handed over"
        HANDED_OVER = "handed_over", "Handed over"

    number = models.CharField(max_length=32)
    courier = models.ForeignKey(Courier, on_delete=models.PROTECT, related_name="manifests")
    warehouse = models.ForeignKey("warehouse.Warehouse", on_delete=models.PROTECT, related_name="manifests")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    agent_name = models.CharField(max_length=120, blank=True, help_text="The courier's agent who took the parcels")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="manifest_number_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["courier", "warehouse"], condition=Q(status="open"), name="manifest_one_open_per_courier"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "warehouse", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class Shipment(TenantOwned):
    """One parcel of one order: packed, put on a manifest, handed to the courier."""

    class Status(models.TextChoices):
        PACKING = "packing", "Being packed"
        PACKED = "packed", "Packed"
        MANIFESTED = "manifested", "On a manifest"
        HANDED_OVER = "handed_over", "Handed over"
        CANCELLED = "cancelled", "Cancelled"

    LIVE = (Status.PACKING, Status.PACKED, Status.MANIFESTED, Status.HANDED_OVER)

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    warehouse = models.ForeignKey("warehouse.Warehouse", on_delete=models.PROTECT, related_name="shipments")
    picklist = models.ForeignKey(
        "picking.Picklist", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The picklist it was packed from, if any",
    )  # fmt: skip
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PACKING)
    courier = models.ForeignKey(Courier, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    awb = models.CharField("AWB", max_length=40, blank=True)
    box = models.ForeignKey(BoxSize, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    invoice = models.OneToOneField(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="shipment")
    manifest = models.ForeignKey(Manifest, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    packed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    packed_at = models.DateTimeField(null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who scanned it at the dock",
    )  # fmt: skip
    scanned_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True, help_text="Its manifest was handed over")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=~Q(status="cancelled"), name="shipment_one_live_per_order"
            ),
            models.UniqueConstraint(
                fields=["courier", "awb"], condition=~Q(status="cancelled") & ~Q(awb=""), name="shipment_awb_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["packing", "cancelled"]) | (Q(courier__isnull=False) & ~Q(awb="")),
                name="shipment_packed_has_awb",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["manifested", "handed_over"]) | Q(manifest__isnull=False),
                name="shipment_manifested_has_manifest",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "awb"]),
            models.Index(fields=["tenant", "warehouse", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.awb or 'box'} for order {self.order_id} ({self.status})"


class ShipmentItem(TenantOwned):
    """Units of one SKU the box must hold (what the order's reservations hold) and how many were scanned in."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    expected = models.PositiveIntegerField()
    packed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["shipment_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sku"], name="shipment_item_one_per_sku"),
            models.CheckConstraint(condition=Q(packed__lte=F("expected")), name="shipment_item_within_expected"),
        ]

    def __str__(self) -> str:
        return f"{self.packed}/{self.expected} x {self.sku_id}"

    @property
    def left(self) -> int:
        return self.expected - self.packed
