from rest_framework import serializers

from hub.catalog.models import SKU
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse
from warehouse.stock import MAX_KEY_LENGTH, MAX_QUANTITY


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = (
            "id", "code", "name", "address_line1", "address_line2", "city", "state", "pincode", "gstin",
            "is_active", "created_at",
        )  # fmt: skip
        read_only_fields = ("id", "created_at")
        validators = []

    def validate_code(self, value):
        others = Warehouse.objects.for_tenant(self.context["tenant"]).filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"A warehouse with code {value!r} exists already.")
        return value


class TenantRowField(serializers.PrimaryKeyRelatedField):
    """A primary key that must name a row of the request's tenant; others read as unknown."""

    default_error_messages = {"does_not_exist": "Unknown {model}: no such id {pk_value} in your account."}

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.model.objects.for_tenant(self.context.get("tenant"))

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            kwargs["model"] = self.model._meta.verbose_name
        super().fail(key, **kwargs)


class BinSerializer(serializers.ModelSerializer):
    warehouse = TenantRowField(Warehouse)

    class Meta:
        model = Bin
        fields = ("id", "warehouse", "code", "barcode", "kind", "is_active", "counting_since")
        read_only_fields = ("id", "counting_since")
        extra_kwargs = {"barcode": {"required": False, "allow_blank": True, "help_text": "Defaults to the code"}}
        validators = []

    def validate(self, attrs):
        tenant = self.context["tenant"]
        warehouse = attrs.get("warehouse", getattr(self.instance, "warehouse", None))
        code = attrs.get("code", getattr(self.instance, "code", None))
        barcode = attrs.get("barcode", getattr(self.instance, "barcode", None)) or code
        attrs["barcode"] = barcode
        same_code = Bin.objects.filter(warehouse=warehouse, code=code)
        same_barcode = Bin.objects.for_tenant(tenant).filter(barcode=barcode)
        if self.instance is not None:
            same_code, same_barcode = same_code.exclude(pk=self.instance.pk), same_barcode.exclude(pk=self.instance.pk)
        if same_code.exists():
            raise serializers.ValidationError({"code": f"Bin {code} exists already in {warehouse.code}."})
        if same_barcode.exists():
            raise serializers.ValidationError({"barcode": f"Another bin already has barcode {barcode}."})
        return attrs


class StockLevelSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    bin_code = serializers.CharField(source="bin.code", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockLevel
        fields = (
            "id", "sku", "sku_code", "bin", "bin_code", "warehouse", "warehouse_code",
            "on_hand", "reserved", "available", "updated_at",
        )  # fmt: skip
        read_only_fields = fields


class StockMovementSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    bin_code = serializers.CharField(source="bin.code", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = StockMovement
        fields = (
            "id", "created_at", "kind", "sku", "sku_code", "bin", "bin_code", "warehouse",
            "on_hand_delta", "reserved_delta", "on_hand_after", "reserved_after",
            "idempotency_key", "seq", "reason", "reference", "actor",
        )  # fmt: skip
        read_only_fields = fields


class StrictIntegerField(serializers.IntegerField):
    """An integer that refuses 2.5, "2.0", true and other things that only look like whole numbers."""

    default_error_messages = {"invalid": "A whole number of units is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("invalid")
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


class _StockRequest(serializers.Serializer):
    sku = TenantRowField(SKU)
    idempotency_key = serializers.CharField(max_length=MAX_KEY_LENGTH)
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StockAdjustRequest(_StockRequest):
    bin = TenantRowField(Bin)
    delta = StrictIntegerField(min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY, help_text="Units to add (+) or remove (-)")
    reason = serializers.CharField(max_length=255)

    def validate_delta(self, value):
        if value == 0:
            raise serializers.ValidationError("An adjustment of zero changes nothing.")
        return value


class StockMoveRequest(_StockRequest):
    from_bin = TenantRowField(Bin)
    to_bin = TenantRowField(Bin)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StockResultSerializer(serializers.Serializer):
    replayed = serializers.BooleanField()
    movements = StockMovementSerializer(many=True)
    levels = StockLevelSerializer(many=True)
