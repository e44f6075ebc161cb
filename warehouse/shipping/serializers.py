from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warehouse.models import Warehouse
from warehouse.serializers import StrictIntegerField, TenantRowField
from warehouse.shipping.models import (
    BoxSize,
    Courier,
    Invoice,
    InvoiceSeries,
    Manifest,
    Shipment,
    ShipmentItem,
)
from warehouse.shipping.numbering import prefix_error
from warehouse.shipping.packing import MAX_WEIGHT_GRAMS

# Set-up rows ---------------------------------------------------------------------------------------


class _UniqueCode(serializers.ModelSerializer):
    """A row whose ``code`` is unique per tenant, checked with a message that names it."""

    def validate_code(self, value):
        others = self.Meta.model.objects.for_tenant(self.context["tenant"]).filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"Code {value!r} is taken already.")
        return value


class CourierSerializer(_UniqueCode):
    awbs_left = serializers.IntegerField(read_only=True, help_text="Numbers left in the series (series only)")

    class Meta:
        model = Courier
        fields = (
            "id", "name", "code", "channel_carrier_code", "awb_source", "awb_prefix", "awb_next", "awb_last",
            "awb_digits", "awbs_left", "is_active", "created_at",
        )  # fmt: skip
        read_only_fields = ("id", "created_at")
        validators = []

    def validate(self, attrs):
        current = {name: getattr(self.instance, name, None) for name in ("awb_source", "awb_next", "awb_last")}
        values = {**current, **{k: v for k, v in attrs.items() if k in current}}
        if values["awb_source"] == Courier.AwbSource.SERIES:
            if values["awb_next"] is None or values["awb_last"] is None:
                raise serializers.ValidationError({"awb_next": "A series needs its first (next) and last number."})
            if values["awb_next"] > values["awb_last"] + 1:
                raise serializers.ValidationError({"awb_next": "The next number is beyond the last one."})
        return attrs


class BoxSizeSerializer(_UniqueCode):
    class Meta:
        model = BoxSize
        fields = ("id", "code", "name", "length_mm", "breadth_mm", "height_mm", "is_active")
        read_only_fields = ("id",)
        validators = []
        extra_kwargs = {name: {"min_value": 1, "max_value": 10_000} for name in ("length_mm", "breadth_mm", "height_mm")}


class InvoiceSeriesSerializer(serializers.ModelSerializer):
    warehouse = TenantRowField(Warehouse, required=False, allow_null=True, help_text="None: the tenant's default series")

    class Meta:
        model = InvoiceSeries
        fields = ("id", "warehouse", "prefix", "digits", "created_at")
        read_only_fields = ("id", "created_at")
        validators = []

    def validate(self, attrs):
        tenant = self.context["tenant"]
        prefix = attrs.get("prefix", getattr(self.instance, "prefix", ""))
        digits = attrs.get("digits", getattr(self.instance, "digits", 6))
        if error := prefix_error(prefix, digits):
            raise serializers.ValidationError({"prefix": error})
        same = InvoiceSeries.objects.for_tenant(tenant)
        if self.instance is not None:
            same = same.exclude(pk=self.instance.pk)
            if self.instance.invoices.exists() and (prefix != self.instance.prefix or digits != self.instance.digits):
                raise serializers.ValidationError({"prefix": "The series has issued invoices; make a new series instead."})
        if same.filter(prefix=prefix).exists():
            raise serializers.ValidationError({"prefix": f"Prefix {prefix} is taken already."})
        warehouse = attrs.get("warehouse", getattr(self.instance, "warehouse", None))
        if warehouse is None and same.filter(warehouse__isnull=True).exists():
            raise serializers.ValidationError({"warehouse": "The tenant has a default series already; name a warehouse."})
        if warehouse is not None and same.filter(warehouse=warehouse).exists():
            raise serializers.ValidationError({"warehouse": f"Warehouse {warehouse.code} has a series already."})
        return attrs


class InvoiceSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="series.prefix", read_only=True)
    channel_order_id = serializers.CharField(source="order.channel_order_id", read_only=True)

    class Meta:
        model = Invoice
        fields = (
            "id", "number", "prefix", "year", "serial", "order", "channel_order_id", "issued_on", "seller_name",
            "seller_gstin", "currency", "taxable_total", "cgst", "sgst", "igst", "shipping", "grand_total",
            "cancelled_at", "created_at",
        )  # fmt: skip
        read_only_fields = fields


# Shipments -----------------------------------------------------------------------------------------


class ShipmentItemSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    left = serializers.IntegerField(read_only=True)

    class Meta:
        model = ShipmentItem
        fields = ("sku", "sku_code", "expected", "packed", "left")
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    channel_order_id = serializers.CharField(source="order.channel_order_id", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    courier_code = serializers.CharField(source="courier.code", read_only=True, default=None)
    box_code = serializers.CharField(source="box.code", read_only=True, default=None)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True, default=None)
    manifest_number = serializers.CharField(source="manifest.number", read_only=True, default=None)
    picklist_number = serializers.CharField(source="picklist.number", read_only=True, default=None)

    class Meta:
        model = Shipment
        fields = (
            "id", "status", "order", "channel_order_id", "order_status", "warehouse", "warehouse_code", "courier",
            "courier_code", "awb", "box", "box_code", "weight_grams", "invoice", "invoice_number", "manifest",
            "manifest_number", "picklist", "picklist_number", "started_at", "packed_by", "packed_at", "scanned_at",
            "shipped_at", "cancelled_at", "cancel_reason",
        )  # fmt: skip
        read_only_fields = fields


class ShipmentDetailSerializer(ShipmentSerializer):
    items = ShipmentItemSerializer(many=True, read_only=True)

    class Meta(ShipmentSerializer.Meta):
        fields = (*ShipmentSerializer.Meta.fields, "items")
        read_only_fields = fields


class KeyField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, help_text="Idempotency key, if not sent as the Idempotency-Key header", **kwargs)


class PackRequest(serializers.Serializer):
    code = serializers.CharField(max_length=120, help_text="A picklist number, an order's channel id, or its AWB")
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                    help_text="A unit scanned with a picklist: opens the box of the order that needs it")  # fmt: skip
    quantity = StrictIntegerField(min_value=1, max_value=10_000, default=1)
    key = KeyField()


class ScanUnitRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="A barcode of the unit (or its SKU code)")
    quantity = StrictIntegerField(min_value=1, max_value=10_000, default=1, help_text="Keyed quantity (SKUs that allow it)")
    key = KeyField()


class PackFinishRequest(serializers.Serializer):
    box = serializers.CharField(max_length=20, help_text="The box size's code (or id)")
    weight_grams = StrictIntegerField(min_value=1, max_value=MAX_WEIGHT_GRAMS)
    courier = TenantRowField(Courier, required=False, allow_null=True, help_text="Optional when one courier is active")
    awb = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                help_text="The AWB from the channel's or courier's label (not for a series courier)")  # fmt: skip
    key = KeyField()


class ShipmentCancelRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PackAnswerSerializer(serializers.Serializer):
    """What a pack-station step did and what to do next."""

    message = serializers.CharField()
    shipment = serializers.DictField(allow_null=True, help_text="The box: id, status, awb, courier, box, invoice, order")
    items = serializers.ListField(child=serializers.DictField(), required=False)
    progress = serializers.DictField(required=False)
    next = serializers.DictField(help_text="action: scan_unit | finish | print | scan_order | done, with a message")
    picklist = serializers.DictField(required=False, allow_null=True)
    orders = serializers.ListField(child=serializers.DictField(), required=False,
                                   help_text="A picklist's orders left to pack, when there are several")  # fmt: skip
    replayed = serializers.BooleanField()


# Manifests -----------------------------------------------------------------------------------------


class ManifestSerializer(serializers.ModelSerializer):
    courier_code = serializers.CharField(source="courier.code", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    shipment_count = serializers.IntegerField(read_only=True, default=None)
    scanned_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Manifest
        fields = (
            "id", "number", "status", "courier", "courier_code", "warehouse", "warehouse_code", "agent_name",
            "shipment_count", "scanned_count", "created_by", "created_at", "closed_by", "closed_at",
            "handed_over_by", "handed_over_at",
        )  # fmt: skip
        read_only_fields = fields


class ManifestDetailSerializer(ManifestSerializer):
    shipments = serializers.SerializerMethodField()

    class Meta(ManifestSerializer.Meta):
        fields = (*ManifestSerializer.Meta.fields, "shipments")
        read_only_fields = fields

    @extend_schema_field(ShipmentSerializer(many=True))
    def get_shipments(self, manifest) -> list:
        rows = manifest.shipments.select_related("order", "warehouse", "courier", "box", "invoice", "picklist")
        return ShipmentSerializer(rows.order_by("pk"), many=True).data


class ManifestOpenRequest(serializers.Serializer):
    courier = TenantRowField(Courier)
    warehouse = TenantRowField(Warehouse)
    add_packed = serializers.BooleanField(default=True, help_text="Put every packed parcel of the courier there on it")


class AwbRequest(serializers.Serializer):
    awb = serializers.CharField(max_length=40)
    agent_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    key = KeyField()


class CloseRequest(serializers.Serializer):
    agent_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    key = KeyField()


class HandOverRequest(serializers.Serializer):
    agent_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    remove_unscanned = serializers.BooleanField(default=False, help_text="Take parcels not scanned off (back to packed)")
    key = KeyField()


class ManifestAnswerSerializer(serializers.Serializer):
    message = serializers.CharField()
    manifest = serializers.DictField(help_text="id, number, status, courier, warehouse, agent_name, shipments, scanned, left")
    next = serializers.DictField(help_text="action: add | add_or_scan | scan_awb | done, with unscanned AWBs and a message")
    shipped = serializers.IntegerField(required=False, help_text="Orders shipped by this step")
    replayed = serializers.BooleanField()
