"""Shapes of the inbound API. Serializers parse and render; the rules live in ``services``."""

from rest_framework import serializers

from hub.catalog.models import SKU
from warehouse.inbound import selectors, services
from warehouse.inbound.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)
from warehouse.models import Bin, Warehouse
from warehouse.serializers import StrictIntegerField, TenantRowField
from warehouse.stock import MAX_QUANTITY


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ("id", "name", "gstin", "contact_name", "phone", "email", "is_active", "created_at")
        read_only_fields = ("id", "created_at")
        validators = []

    def to_internal_value(self, data):
        if hasattr(data, "get") and isinstance(data.get("gstin"), str):
            data = {**data, "gstin": data["gstin"].strip().upper()}
        return super().to_internal_value(data)

    def validate_name(self, value):
        others = Supplier.objects.for_tenant(self.context["tenant"]).filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"A supplier named {value!r} exists already.")
        return value


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku = TenantRowField(SKU)
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    quantity_ordered = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    short = serializers.IntegerField(read_only=True)
    over = serializers.IntegerField(read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = (
            "id", "sku", "sku_code", "quantity_ordered", "unit_cost", "quantity_received", "quantity_damaged",
            "short", "over",
        )  # fmt: skip
        read_only_fields = ("id", "quantity_received", "quantity_damaged")


class PurchaseOrderSerializer(serializers.ModelSerializer):
    """A PO with its lines. Writing ``lines`` replaces all of them (only while the PO is a draft)."""

    supplier = TenantRowField(Supplier)
    warehouse = TenantRowField(Warehouse)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="Blank: the next PO-000001")
    lines = PurchaseOrderLineSerializer(many=True, required=False)

    class Meta:
        model = PurchaseOrder
        fields = (
            "id", "number", "supplier", "supplier_name", "warehouse", "warehouse_code", "expected_date", "status",
            "notes", "lines", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "status", "created_at", "updated_at")
        validators = []

    def create(self, validated_data):
        lines = [_line(line) for line in validated_data.pop("lines", [])]
        tenant = validated_data.pop("tenant")
        return services.create_purchase_order(
            tenant, lines=lines, actor=self.context["request"].user, number=validated_data.pop("number", ""),
            **validated_data,
        )  # fmt: skip

    def update(self, instance, validated_data):
        lines = validated_data.pop("lines", None)
        return services.update_purchase_order(
            instance, lines=None if lines is None else [_line(line) for line in lines], **validated_data
        )


def _line(data) -> services.LineInput:
    return services.LineInput(data["sku"], data["quantity_ordered"], data.get("unit_cost", 0))


class GoodsReceiptLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)

    class Meta:
        model = GoodsReceiptLine
        fields = (
            "id", "sku", "sku_code", "po_line", "quantity_good", "quantity_damaged", "quantity_ordered",
            "received_before", "variance",
        )  # fmt: skip
        read_only_fields = fields


class GoodsReceiptSerializer(serializers.ModelSerializer):
    """A GRN. Created against ``purchase_order``, or blind with a ``warehouse`` or ``receiving_bin``."""

    purchase_order = TenantRowField(PurchaseOrder, required=False, allow_null=True)
    supplier = TenantRowField(Supplier, required=False, allow_null=True)
    warehouse = TenantRowField(Warehouse, required=False)
    receiving_bin = TenantRowField(Bin, required=False, help_text="Defaults to the warehouse's first receiving bin")
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="Blank: the next GRN-000001")
    received_by = serializers.CharField(source="received_by.username", read_only=True, default=None)
    receiving_bin_code = serializers.CharField(source="receiving_bin.code", read_only=True)
    lines = GoodsReceiptLineSerializer(many=True, read_only=True)

    class Meta:
        model = GoodsReceipt
        fields = (
            "id", "number", "purchase_order", "supplier", "warehouse", "receiving_bin", "receiving_bin_code",
            "status", "is_blind", "received_by", "created_at", "completed_at", "lines",
        )  # fmt: skip
        read_only_fields = ("id", "status", "is_blind", "created_at", "completed_at")
        validators = []

    def create(self, validated_data):
        return services.start_receipt(
            validated_data.pop("tenant"), actor=self.context["request"].user, number=validated_data.pop("number", ""),
            **validated_data,
        )  # fmt: skip


class ReceiptScanRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=128, help_text="What the scanner read: a barcode or a SKU code")
    quantity = StrictIntegerField(
        min_value=1, max_value=services.MAX_SCAN_QUANTITY, default=1,
        help_text="Above 1 only for SKUs that allow keyed quantities",
    )  # fmt: skip
    damaged = serializers.BooleanField(default=False, help_text="The units go to the damaged bin")
    key = serializers.CharField(max_length=100, required=False, help_text="Or the Idempotency-Key header")


class CompleteRequest(serializers.Serializer):
    key = serializers.CharField(max_length=100, required=False, help_text="Optional; or the Idempotency-Key header")


class BinCodeField(serializers.CharField):
    """A bin named by its scanned barcode (or its code)."""

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        bin_ = selectors.find_bin(self.context.get("tenant"), code)
        if bin_ is None:
            raise serializers.ValidationError(f"No bin has the barcode {code}.")
        return bin_


class SkuCodeField(serializers.CharField):
    """A SKU named by a scanned barcode or its SKU code."""

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        sku = selectors.find_sku(self.context.get("tenant"), code)
        if sku is None:
            raise serializers.ValidationError(f"No item has the barcode or SKU code {code}.")
        return sku


class PutawayQuery(serializers.Serializer):
    from_bin = BinCodeField(max_length=64, help_text="Barcode of the receiving bin")
    sku = SkuCodeField(max_length=128, help_text="Barcode or SKU code of the item")


class PutawayRequest(PutawayQuery):
    to_bin = BinCodeField(max_length=64, help_text="Barcode of the storage bin the units went into")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)
    key = serializers.CharField(max_length=100, required=False, help_text="Or the Idempotency-Key header")


class AwaitingPutawaySerializer(serializers.Serializer):
    sku = serializers.IntegerField(source="sku_id")
    sku_code = serializers.CharField(source="sku.code")
    bin = serializers.IntegerField(source="bin_id")
    bin_code = serializers.CharField(source="bin.code")
    bin_barcode = serializers.CharField(source="bin.barcode")
    warehouse_code = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField()
