import json
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from hub.core.fields import EncryptedTextField
from hub.core.models import TenantOwned


class ChannelKind(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    SHOPIFY = "shopify", "Shopify"
    FLIPKART = "flipkart", "Flipkart"
    MYNTRA = "myntra", "Myntra"
    AJIO = "ajio", "Ajio"
    BLINKIT = "blinkit", "Blinkit"
    ZEPTO = "zepto", "Zepto"
    INSTAMART = "instamart", "Swiggy Instamart"
    CUSTOM = "custom", "Custom (own site, B2B, phone)"


class ChannelAccount(TenantOwned):
    """One seller account on one channel. A tenant may connect several per channel."""

    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    name = models.CharField(max_length=120)
    credentials = EncryptedTextField(blank=True, help_text="JSON, encrypted at rest; never shown")
    warehouses = models.ManyToManyField("warehouse.Warehouse", related_name="channel_accounts", blank=True)
    # What the channel is offered (see hub.channels.policy): available, then these, never below zero.
    buffer_units = models.PositiveIntegerField(default=0, help_text="Units held back from this channel")
    max_units = models.PositiveIntegerField(null=True, blank=True, help_text="Offer at most this many")
    percent_of_available = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Offer this share of what is available",
    )  # fmt: skip
    out_of_stock_threshold = models.PositiveIntegerField(
        default=0, help_text="Offer zero while fewer than this many units are available"
    )
    allow_split = models.BooleanField(default=False, help_text="Allocate one order across several warehouses")
    # The account's schedule (see schedules.planner): how often each stream runs, in minutes.
    order_pull_minutes = models.PositiveSmallIntegerField(default=5)
    stock_push_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="The safety net: stock changes are also pushed within seconds of happening"
    )
    price_push_minutes = models.PositiveSmallIntegerField(default=60)
    stock_reconcile_minutes = models.PositiveSmallIntegerField(
        default=24 * 60, help_text="How often to read back every listing's quantity from the channel (daily)"
    )
    return_pull_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="How often to read the returns the channel announces"
    )
    credentials_expire_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the channel's token expires, if it does; an alert shows from a week before",
    )  # fmt: skip
    options = models.JSONField(
        default=dict, blank=True, help_text='Connector options, e.g. {"base_url": "http://127.0.0.1:8101"} for a sandbox'
    )
    is_active = models.BooleanField(default=True)
    syncs_stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the channel rejected the credentials; syncs wait for new ones"
    )
    alert = models.CharField(max_length=500, blank=True, help_text="The latest problem a person must look at")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "name"], name="channel_account_name_unique"),
            models.CheckConstraint(
                condition=Q(percent_of_available__gte=0) & Q(percent_of_available__lte=100),
                name="channel_account_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def credentials_dict(self) -> dict:
        return json.loads(self.credentials) if self.credentials else {}

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)


class Listing(TenantOwned):
    """The mapping of one channel SKU (ASIN, FSN, Shopify variant, style id) of an account to a hub SKU.

    A listing whose offered quantity may have changed has rows in ``ListingOutbox``; the last push's
    result is kept here. Prices need no outbox: a listing's price is stale while its SKU's selling
    price differs from ``last_pushed_price`` (see ``hub.channels.sync.push_prices``).
    """

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="listings")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="listings")
    channel_sku = models.CharField(max_length=120, help_text="The seller SKU as the channel knows it")
    channel_item_id = models.CharField(
        max_length=120, blank=True, help_text="ASIN, FSN, Shopify variant id, Myntra style id"
    )
    channel_inventory_item_id = models.CharField(max_length=120, blank=True, help_text="Shopify inventory item id")
    channel_product_id = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    push_error = models.TextField(blank=True)
    last_pushed_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="The price the channel last accepted"
    )
    price_error = models.TextField(blank=True, help_text="Why the channel refused the last price pushed")
    channel_quantity = models.IntegerField(
        null=True, blank=True, help_text="The quantity the channel reported at the last stock reconciliation"
    )
    channel_quantity_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_id", "channel_sku"]
        constraints = [
            models.UniqueConstraint(fields=["account", "channel_sku"], name="listing_channel_sku_unique_per_account"),
        ]
        indexes = [models.Index(fields=["sku"])]

    def __str__(self) -> str:
        return f"{self.channel_sku} -> {self.sku_id}"


class ListingOutbox(models.Model):
    """An append-only note that a listing's offered quantity may have changed and must be pushed.

    Written in the same transaction as the stock movement or policy change that caused it, so a
    committed change always has its note and a rolled-back one never does. Inserts never contend for a
    row, however many orders reserve the same SKU at once. A push reads a listing's notes, sends the
    quantity, and deletes the notes it read (up to the highest id it saw) only if the channel accepted
    the item; a later note stays and makes the listing dirty again.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="outbox")
    cause = models.CharField(max_length=40, default="stock")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "listing"])]

    def __str__(self) -> str:
        return f"push listing {self.listing_id} ({self.cause})"


class SyncCursor(TenantOwned):
    """Where an account's stream has been read up to: the latest channel update time committed."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=40)
    position = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "stream"], name="sync_cursor_one_per_stream")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.stream} @ {self.position}"


class SyncRun(TenantOwned):
    """One run of one stream of one account: what it read, stored, pushed and failed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with failed records"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="sync_runs")
    stream = models.CharField(max_length=40)
    trigger = models.CharField(max_length=20, default="manual")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    orders_updated = models.PositiveIntegerField(default=0)
    items_pushed = models.PositiveIntegerField(default=0)
    items_rejected = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "stream", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.stream} of {self.account_id} ({self.status})"


class SyncFailure(TenantOwned):
    """One record that failed (a malformed order, a refused one, a rejected stock item), kept with the
    channel's request, response and error so it can be looked at and retried alone."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="sync_failures")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="failures")
    stream = models.CharField(max_length=40)
    record_key = models.CharField(max_length=200)
    error = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "stream", "record_key"], condition=Q(status="open"), name="sync_failure_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.record_key}: {self.error[:60]}"


class WebhookEvent(TenantOwned):
    """A channel's webhook delivery, stored before it is processed: the unique (account, event id)
    makes a redelivery a no-op, and a delivery whose processing failed or never ran is picked up again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (topic not acted on)"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="webhook_event_once")]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.event_id} ({self.status})"


class ChannelReturn(TenantOwned):
    """A return the channel announced (a Shopify refund restocking units, an Amazon return row): what should
    come back to a warehouse, before the returns desk receives it. Read by ``hub.channels.sync.pull_returns``;
    the desk marks it received when it completes a return of the order."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer return"
        RTO = "rto", "RTO (never delivered)"

    class Status(models.TextChoices):
        EXPECTED = "expected", "Expected"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="returns")
    channel_return_id = models.CharField(max_length=120)
    channel_order_id = models.CharField(max_length=120)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="channel_returns",
                              help_text="Empty while the hub does not know the order")  # fmt: skip
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lines = models.JSONField(default=list, help_text="[{channel_sku, sku_id, quantity}]; sku_id is null when unmapped")
    reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXPECTED)
    received_return = models.ForeignKey("returns.Return", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="channel_returns")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "channel_return_id"], name="channel_return_once_per_account")
        ]
        indexes = [models.Index(fields=["order", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.channel_return_id} of order {self.channel_order_id} ({self.status})"

    @property
    def units(self) -> int:
        return sum(int(line.get("quantity") or 0) for line in self.lines)
