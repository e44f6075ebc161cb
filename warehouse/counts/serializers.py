from rest_framework import serializers

from warehouse.counts.models import CountBin, CountLine, CycleCount
from warehouse.counts.selectors import next_step
from warehouse.models import Bin, Warehouse
from warehouse.serializers import StrictIntegerField, TenantRowField

MAX_COUNT = 1_000_000
MAX_BINS = 500
KEY_HELP = "Idempotency key (or the Idempotency-Key header)"


class CountOpenRequest(serializers.Serializer):
    warehouse = TenantRowField(Warehouse)
    bins = serializers.ListField(child=TenantRowField(Bin), min_length=1, max_length=MAX_BINS, help_text="Bin ids")
    approval_units = StrictIntegerField(
        min_value=0, max_value=MAX_COUNT, required=False, allow_null=True, default=None,
        help_text="A difference above this many units of a SKU in a bin waits for approval; the setting by default",
    )  # fmt: skip
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CountScanBinRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="The bin's barcode")
    key = serializers.CharField(max_length=100, required=False, help_text=KEY_HELP)


class CountRequest(serializers.Serializer):
    """A scanned unit (``quantity`` 1, the default), a number of units scanned or keyed (``quantity``), or
    the units of the SKU in the bin in all (``counted``, which replaces what was counted before)."""

    bin = TenantRowField(Bin, help_text="The bin being counted (its id, from the scan-bin answer)")
    barcode = serializers.CharField(max_length=64, help_text="A unit's barcode")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_COUNT, required=False, allow_null=True, default=None)
    counted = StrictIntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True, default=None)
    key = serializers.CharField(max_length=100, required=False, help_text=KEY_HELP)

    def validate(self, attrs):
        if attrs["quantity"] is not None and attrs["counted"] is not None:
            raise serializers.ValidationError("Send quantity (units to add) or counted (the total), not both.")
        if attrs["quantity"] is None and attrs["counted"] is None:
            attrs["quantity"] = 1
        return attrs


class CountBinRequest(serializers.Serializer):
    bin = TenantRowField(Bin)
    key = serializers.CharField(max_length=100, required=False, help_text=KEY_HELP)


class CountReasonRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    key = serializers.CharField(max_length=100, required=False, help_text=KEY_HELP)


class CountBinSerializer(serializers.ModelSerializer):
    bin_code = serializers.CharField(source="bin.code", read_only=True)
    bin_barcode = serializers.CharField(source="bin.barcode", read_only=True)

    class Meta:
        model = CountBin
        fields = ("bin", "bin_code", "bin_barcode", "status", "started_at")
        read_only_fields = fields


class CountLineSerializer(serializers.ModelSerializer):
    """``expected`` and ``difference`` are left out for a picker: the counter counts blind."""

    bin_code = serializers.CharField(source="bin.code", read_only=True)
    sku_code = serializers.CharField(source="sku.code", read_only=True)

    class Meta:
        model = CountLine
        fields = ("id", "bin", "bin_code", "sku", "sku_code", "expected", "counted", "difference", "status",
                  "approval_reason")  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("blind"):
            data.pop("expected"), data.pop("difference")
        return data


class CycleCountSerializer(serializers.ModelSerializer):
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)
    bins = CountBinSerializer(source="count_bins", many=True, read_only=True)
    next = serializers.SerializerMethodField()

    class Meta:
        model = CycleCount
        fields = ("id", "warehouse", "warehouse_code", "status", "approval_units", "note", "created_by", "approved_by",
                  "created_at", "approved_at", "closed_at", "bins", "next")  # fmt: skip
        read_only_fields = fields

    def get_next(self, instance) -> str:
        return next_step(instance)


class CycleCountDetailSerializer(CycleCountSerializer):
    lines = CountLineSerializer(many=True, read_only=True)

    class Meta(CycleCountSerializer.Meta):
        fields = (*CycleCountSerializer.Meta.fields, "lines")
        read_only_fields = fields


class CountedSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    sku_code = serializers.CharField()
    counted = serializers.IntegerField()


class CountAnswer(serializers.Serializer):
    """The answer to scan-bin and count: what happened, what to do next, the bin, the SKUs counted in it
    so far (blind: no expected units), and the whole count."""

    message = serializers.CharField()
    next = serializers.CharField(help_text="count_units, scan_bin, finish, approve or done")
    bin = CountBinSerializer()
    counted = CountedSerializer(many=True)
    count = CycleCountDetailSerializer()


class FinishAnswer(serializers.Serializer):
    message = serializers.CharField()
    next = serializers.CharField()
    posted = serializers.IntegerField(help_text="Differences posted as cycle-count adjustments")
    waiting = serializers.IntegerField(help_text="Differences waiting for a supervisor")
    recount = serializers.ListField(child=serializers.CharField(), help_text="Bins to count again: their stock moved")
    count = CycleCountDetailSerializer()
