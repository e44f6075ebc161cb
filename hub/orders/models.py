from django.conf import settings
from django.db import models
from django.db.models import Q

from hub.core.models import TenantOwned
from hub.orders.states import LineStatus, OrderStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class Order(TenantOwned):
    """One channel order, keyed by (account, channel order id): pulled twice, it is still one order."""

    class PaymentMode(models.TextChoices):
        PREPAID = "prepaid", "Prepaid"
        COD = "cod", "Cash on delivery"

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="orders")
    channel_order_id = models.CharField(max_length=120)
    channel_status = models.CharField(max_length=80, blank=True, help_text="As the channel said it")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW)
    ordered_at = models.DateTimeField()
    ship_by = models.DateTimeField(null=True, blank=True)
    channel_updated_at = models.DateTimeField(null=True, blank=True)
    payment_mode = models.CharField(max_length=10, choices=PaymentMode.choices, default=PaymentMode.PREPAID)
    currency = models.CharField(max_length=3, default="INR")
    item_total = models.DecimalField(**MONEY)
    shipping_total = models.DecimalField(default=0, **MONEY)
    discount_total = models.DecimalField(default=0, **MONEY)
    tax_total = models.DecimalField(default=0, **MONEY)
    grand_total = models.DecimalField(**MONEY)
    prices_include_tax = models.BooleanField(default=True)
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_email = models.CharField(max_length=254, blank=True)
    buyer_phone = models.CharField(max_length=40, blank=True)
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict, blank=True)
    ship_state = models.CharField(
        max_length=2, blank=True, help_text="GST state code of the delivery address (blank for an export)"
    )
    ship_pincode = models.CharField(max_length=12, blank=True, help_text="PIN code, or a foreign postal code")
    warehouse = models.ForeignKey(
        "warehouse.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    allocation_round = models.PositiveIntegerField(default=0, help_text="How many times stock was reserved")
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.CharField(max_length=255, blank=True)
    raw_payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "channel_order_id"], name="order_unique_per_account"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "ship_by"]),
            models.Index(fields=["tenant", "-ordered_at"]),
            models.Index(fields=["tenant"], condition=Q(needs_attention=True), name="order_needs_attention"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_order_id} ({self.status})"


class OrderLine(TenantOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    channel_line_id = models.CharField(max_length=120)
    channel_sku = models.CharField(max_length=120)
    channel_item_id = models.CharField(max_length=120, blank=True)
    title = models.CharField(max_length=255, blank=True)
    listing = models.ForeignKey("channels.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.ForeignKey("catalog.SKU", null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    discount = models.DecimalField(default=0, **MONEY)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    taxable_value = models.DecimalField(default=0, **MONEY)
    cgst = models.DecimalField(default=0, **MONEY)
    sgst = models.DecimalField(default=0, **MONEY)
    igst = models.DecimalField(default=0, **MONEY)
    line_total = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.OPEN)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "channel_line_id"], name="order_line_unique_per_order"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) | Q(status="cancelled"), name="order_line_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "sku"])]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.channel_sku}"

    @property
    def is_mapped(self) -> bool:
        return self.sku_id is not None


class LineAllocation(TenantOwned):
    """Units of an order line reserved in one bin; released or consumed exactly as reserved."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    bin = models.ForeignKey("warehouse.Bin", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["line_id", "id"]
        indexes = [models.Index(fields=["line"], condition=Q(released=False), name="allocation_active")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} in bin {self.bin_id}"


class OrderEvent(TenantOwned):
    """The order's timeline: who did what, when, with details. Written by every action."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=40, default="hub", help_text="hub, channel, sync, api, import")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
