"""Orders over the API: the hub's own order shape (custom-channel intake), and orders as lists and pages."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from connectors.base import OrderDTO
from hub.catalog.import_api import ImportUploadSerializer
from hub.channels.models import ChannelAccount
from hub.core.imports import CellError, parse_decimal
from hub.orders import intake
from hub.orders.models import MONEY, LineAllocation, Order, OrderEvent, OrderLine
from hub.orders.states import OrderStatus
from hub.orders.validation import MAX_LINES, MAX_QUANTITY

MAX_MONEY = Decimal("1e12")  # what MONEY's 14 digits with 2 decimals hold


# Reading the hub's order shape -----------------------------------------------------------------


class MoneyField(serializers.DecimalField):
    """An amount written plainly with a dot ("1299.50", or a JSON number): at most 2 decimals, no
    thousands separators, decimal commas or exponents — the same rule as every import file."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**MONEY, **kwargs)

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise serializers.ValidationError("Not a number.")
        try:
            value = parse_decimal(str(data).strip(), places=2)
        except CellError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        if abs(value) >= MAX_MONEY:
            raise serializers.ValidationError("Too large.")
        return value


@extend_schema_field(OpenApiTypes.INT)
class CustomAccountField(serializers.PrimaryKeyRelatedField):
    """A channel account of the caller's tenant (another tenant's id reads as one that does not exist)."""

    def get_queryset(self):
        return ChannelAccount.objects.for_tenant(self.context.get("tenant"))


class BuyerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class AddressInSerializer(serializers.Serializer):
    """An Indian address: ``state`` is a GST state code ("27") or name ("Maharashtra"), ``pincode`` 6 digits."""

    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120)
    state = serializers.CharField(max_length=60)
    pincode = serializers.CharField(max_length=10)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class LineInSerializer(serializers.Serializer):
    line_id = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        help_text="Unique in the order; default 1, 2, 3... by position",
    )
    sku = serializers.CharField(
        max_length=120, help_text="The channel SKU: a listing's channel_sku of the account"
    )
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, help_text="A whole number of units",
        error_messages={"invalid": "The quantity is a whole number of units (1, 2, 3...)."},
    )  # fmt: skip
    unit_price = MoneyField(help_text="Per unit, tax included unless prices_include_tax is false")
    discount = MoneyField(required=False, default=Decimal("0"), help_text="For the whole line")


class OrderIntakeSerializer(serializers.Serializer):
    """An order of a custom account (own site, B2B, phone) in the hub's own shape.

    ```
    {"account": 3, "channel_order_id": "WEB-1001", "status": "open",
     "ordered_at": "2026-11-20T10:00:00+05:30", "ship_by": "2026-11-22T18:00:00+05:30",
     "payment_mode": "cod", "currency": "INR", "shipping_total": "50.00", "discount_total": "0",
     "grand_total": "1648.00", "prices_include_tax": true,
     "buyer": {"name": "Asha Rao", "email": "asha@example.com", "phone": "+91 98000 00001"},
     "shipping_address": {"name": "Asha Rao", "line1": "14 MG Road", "line2": "", "city": "Pune",
                          "state": "Maharashtra", "pincode": "411001", "phone": "+91 98000 00001"},
     "lines": [{"line_id": "1", "sku": "SITE-TEE-M", "title": "Red tee, M", "quantity": 2,
                "unit_price": "799.00", "discount": "0"}]}
    ```

    - ``account``: a custom account of your tenant (a marketplace's orders come from its sync: 400).
    - ``status``: open (default; stock is reserved), pending (kept without stock) or cancelled.
    - Amounts: a dot for decimals, at most 2 places, as strings or numbers ("12,5", "1e3" and "abc" are
      refused). ``item_total`` defaults to the sum of unit_price x quantity; ``grand_total`` must equal
      items + shipping - discount (+ ``tax_total`` when ``prices_include_tax`` is false).
    - ``lines[].sku`` is the channel SKU (a listing's ``channel_sku``); an unknown one keeps the order
      waiting, flagged, until it is mapped. ``quantity`` is a whole number of at least 1; ``line_id``
      defaults to the line's position (1, 2, ...).
    - Times without a zone are India time. ``shipping_address`` is required unless the status is pending
      or cancelled; ``state`` is a GST state code or name, ``pincode`` 6 digits.

    Idempotent on ``channel_order_id``: 201 with the order when new, 200 when it was there (unchanged, or
    its status or address updated; ``cancelled`` cancels it and releases its stock). Its lines are fixed
    once imported: other lines, quantities or prices are a 409 ``order_changed``. Errors name the field
    (``lines[0].quantity``, ``shipping_address.pincode``) and nothing is written for the order.
    """

    account = CustomAccountField(help_text="Id of a custom channel account of your tenant")
    channel_order_id = serializers.CharField(
        max_length=120, help_text="Your order number; the idempotency key"
    )
    status = serializers.ChoiceField(choices=list(intake.STATES), default="open")
    ordered_at = serializers.DateTimeField()
    ship_by = serializers.DateTimeField(required=False, allow_null=True, default=None)
    updated_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="When your store last changed the order; a copy older than the hub's is ignored",
    )  # fmt: skip
    payment_mode = serializers.ChoiceField(choices=["prepaid", "cod"], default="prepaid")
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="INR", help_text="ISO 4217 code")
    item_total = MoneyField(
        required=False, allow_null=True, default=None, help_text="Default: from the lines"
    )
    shipping_total = MoneyField(required=False, default=Decimal("0"))
    discount_total = MoneyField(required=False, default=Decimal("0"))
    tax_total = MoneyField(required=False, default=Decimal("0"), help_text="Needed when prices exclude tax")
    grand_total = MoneyField(help_text="What the buyer pays")
    prices_include_tax = serializers.BooleanField(default=True)
    buyer = BuyerSerializer(required=False)
    shipping_address = AddressInSerializer(
        required=False, allow_null=True, help_text="Required unless the status is pending or cancelled"
    )
    billing_address = AddressInSerializer(required=False, allow_null=True)
    lines = LineInSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def to_dto(self) -> OrderDTO:
        """The validated order as the neutral ``OrderDTO``, keeping the posted JSON as its raw payload."""
        raw = self.initial_data if isinstance(self.initial_data, dict) else {}
        return intake.build_order(self.validated_data, raw=dict(raw))


class OrderImportUploadSerializer(ImportUploadSerializer):
    account = CustomAccountField(help_text="Id of the custom channel account the file's orders belong to")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# Showing orders ---------------------------------------------------------------------------------


class StoredAddressSerializer(serializers.Serializer):
    """An address as the hub stored it, its state resolved to the GST code."""

    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField(help_text="GST state code")
    state_name = serializers.CharField()
    pincode = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


LIST_FIELDS = (
    "id", "account", "account_name", "channel", "channel_order_id", "status", "channel_status", "ordered_at",
    "ship_by", "grand_total", "currency", "line_count", "units", "needs_attention", "attention_reason", "warehouse",
)  # fmt: skip


class OrderListSerializer(serializers.ModelSerializer):
    """An order in a list: who sold it, its state, dates, total and size."""

    account_name = serializers.CharField(source="account.name", read_only=True)
    channel = serializers.CharField(
        source="account.kind", read_only=True, help_text="The account's channel kind"
    )
    line_count = serializers.IntegerField(read_only=True)
    units = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text=f"The hub status: {', '.join(OrderStatus.values)}"
    )
    warehouse = serializers.CharField(source="warehouse.code", read_only=True, default=None, help_text="Code")

    class Meta:
        model = Order
        fields = LIST_FIELDS
        read_only_fields = fields


class AllocationSerializer(serializers.ModelSerializer):
    bin = serializers.CharField(source="bin.code", read_only=True)
    warehouse = serializers.CharField(source="bin.warehouse.code", read_only=True)

    class Meta:
        model = LineAllocation
        fields = ("bin", "warehouse", "quantity", "released")
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(
        source="sku.code", read_only=True, default=None, help_text="Hub SKU code; null if unmapped"
    )
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = OrderLine
        fields = (
            "id", "channel_line_id", "channel_sku", "channel_item_id", "title", "sku", "quantity", "unit_price",
            "discount", "line_total", "gst_rate", "taxable_value", "cgst", "sgst", "igst", "status", "allocations",
        )  # fmt: skip
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = OrderEvent
        fields = ("at", "kind", "message", "actor", "source", "details")
        read_only_fields = fields


class OrderDetailSerializer(OrderListSerializer):
    """One order: buyer, addresses, totals, lines with their tax and allocations, and its timeline."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    buyer = serializers.SerializerMethodField()
    shipping_address = serializers.SerializerMethodField()
    billing_address = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True, read_only=True)
    timeline = OrderEventSerializer(source="events", many=True, read_only=True)

    class Meta(OrderListSerializer.Meta):
        fields = (
            *LIST_FIELDS, "payment_mode", "prices_include_tax", "item_total", "shipping_total", "discount_total",
            "tax_total", "buyer", "shipping_address", "billing_address", "ship_state", "ship_pincode",
            "channel_updated_at", "allocation_round", "created_at", "updated_at", "lines", "timeline",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(BuyerSerializer)
    def get_buyer(self, order: Order) -> dict[str, str]:
        return {"name": order.buyer_name, "email": order.buyer_email, "phone": order.buyer_phone}

    @extend_schema_field(StoredAddressSerializer(allow_null=True))
    def get_shipping_address(self, order: Order) -> dict | None:
        return order.shipping_address or None

    @extend_schema_field(StoredAddressSerializer(allow_null=True))
    def get_billing_address(self, order: Order) -> dict | None:
        return order.billing_address or None
