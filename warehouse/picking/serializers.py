from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.channels.models import ChannelAccount, ChannelKind
from warehouse.models import Warehouse
from warehouse.picking.models import Picklist, PicklistLine, PicklistOrder
from warehouse.picking.selectors import Walk
from warehouse.picking.services import MAX_BATCH
from warehouse.serializers import StrictIntegerField, TenantRowField

# Requests ------------------------------------------------------------------------------------------


class BuildRequest(serializers.Serializer):
    warehouse = TenantRowField(Warehouse)
    mode = serializers.ChoiceField(choices=Picklist.Kind.choices, default=Picklist.Kind.SINGLE)
    accounts = TenantRowField(ChannelAccount, many=True, required=False, help_text="Only these channel accounts")
    channels = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=f"Only these channels: {', '.join(ChannelKind.values)}"
    )
    ship_by_before = serializers.DateTimeField(required=False, help_text="Only orders due to ship at or before")
    max_orders = StrictIntegerField(min_value=1, max_value=MAX_BATCH, default=20, help_text="Orders per batch")

    def validate_channels(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ChannelKind.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown channel {unknown[0]!r}; one of {', '.join(ChannelKind.values)}.")
        return value


class NextRequest(serializers.Serializer):
    warehouse = TenantRowField(Warehouse, required=False, help_text="Optional when the tenant has one warehouse")


class KeyField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, help_text="Idempotency key, if not sent as the Idempotency-Key header", **kwargs)


class ScanBinRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="The bin's barcode (or its code)")
    key = KeyField()


class ScanItemRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="A barcode of the unit (or its SKU code)")
    quantity = StrictIntegerField(min_value=1, max_value=10_000, default=1, help_text="Keyed quantity (SKUs that allow it)")
    key = KeyField()


class ShortPickRequest(serializers.Serializer):
    line = serializers.IntegerField(required=False, help_text="Picklist line; default the next one to pick")
    missing = StrictIntegerField(min_value=1, required=False, help_text="Units missing; default all the line needs")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    key = KeyField()


class FinishRequest(serializers.Serializer):
    key = KeyField()


class CancelRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


# Answers -------------------------------------------------------------------------------------------


def _choices(choices) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices)


class PicklistSerializer(serializers.ModelSerializer):
    # Plain strings in the schema (the values are in the help text): as enums they would collide with every
    # other "kind" and "status" of the API.
    kind = serializers.CharField(read_only=True, help_text=_choices(Picklist.Kind.choices))
    status = serializers.CharField(read_only=True, help_text=_choices(Picklist.Status.choices))
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    picker_username = serializers.CharField(source="picker.username", read_only=True, default=None)
    current_bin_code = serializers.CharField(source="current_bin.code", read_only=True, default=None)
    packing_bin_code = serializers.CharField(source="packing_bin.code", read_only=True)
    order_count = serializers.IntegerField(read_only=True, default=None)
    units = serializers.IntegerField(read_only=True, default=None)
    units_picked = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Picklist
        fields = (
            "id", "number", "kind", "status", "warehouse", "warehouse_code", "filters", "picker", "picker_username",
            "current_bin_code", "packing_bin_code", "order_count", "units", "units_picked", "cancel_reason",
            "created_at", "assigned_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields


class PicklistLineSerializer(serializers.ModelSerializer):
    bin_code = serializers.CharField(source="bin.code", read_only=True)
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    sku_name = serializers.CharField(source="sku.name", read_only=True)
    channel_order_id = serializers.CharField(source="order.channel_order_id", read_only=True)
    left = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True, help_text=_choices(PicklistLine.Status.choices))

    class Meta:
        model = PicklistLine
        fields = (
            "id", "position", "bin", "bin_code", "sku", "sku_code", "sku_name", "order", "channel_order_id",
            "order_line", "quantity", "picked", "short", "left", "status",
        )  # fmt: skip
        read_only_fields = fields


class PicklistOrderSerializer(serializers.ModelSerializer):
    channel_order_id = serializers.CharField(source="order.channel_order_id", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    ship_by = serializers.DateTimeField(source="order.ship_by", read_only=True)
    status = serializers.CharField(read_only=True, help_text=_choices(PicklistOrder.Status.choices))

    class Meta:
        model = PicklistOrder
        fields = ("order", "channel_order_id", "order_status", "ship_by", "status", "left_reason")
        read_only_fields = fields


class PicklistDetailSerializer(PicklistSerializer):
    """One picklist: its orders, its lines along the walk, the progress, and what the picker does next."""

    orders = PicklistOrderSerializer(source="entries", many=True, read_only=True)
    lines = PicklistLineSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    next = serializers.SerializerMethodField()

    class Meta(PicklistSerializer.Meta):
        fields = (*PicklistSerializer.Meta.fields, "orders", "lines", "progress", "next")
        read_only_fields = fields

    def _walk(self, picklist: Picklist) -> Walk:
        if getattr(picklist, "_walk", None) is None:
            picklist._walk = Walk.of(picklist, list(picklist.lines.all()))
        return picklist._walk

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_progress(self, picklist) -> dict:
        return self._walk(picklist).progress()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_next(self, picklist) -> dict:
        return self._walk(picklist).next()


class ScanAnswerSerializer(serializers.Serializer):
    """What a scan did, what to do next, and the progress (the scanner page shows these)."""

    message = serializers.CharField()
    picklist = serializers.DictField()
    next = serializers.DictField(help_text="action: scan_bin | scan_item | finish | wait | done, with bin, sku, "
                                 "quantity_left, line and a message")  # fmt: skip
    progress = serializers.DictField()
    replayed = serializers.BooleanField(help_text="True when this was a copy of a scan already counted")
    left_order = serializers.DictField(required=False, help_text="Short pick: the order that left, and its put-back")


class BuildAnswerSerializer(serializers.Serializer):
    message = serializers.CharField()
    orders = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField())
    picklists = PicklistSerializer(many=True)
