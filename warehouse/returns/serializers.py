from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.orders.models import Order
from warehouse.models import Warehouse
from warehouse.returns.models import Return, ReturnLine
from warehouse.returns.selectors import next_step, returnable_units, waiting_putaway
from warehouse.serializers import StrictIntegerField, TenantRowField

MAX_KEYED = 10_000


class ReturnOpenRequest(serializers.Serializer):
    """Scan the parcel's AWB (or type the order id) as ``code``, or name the order by ``order`` id."""

    kind = serializers.ChoiceField(choices=Return.Kind.choices)
    code = serializers.CharField(max_length=120, required=False, allow_blank=True, default="",
                                 help_text="AWB or channel order id, as scanned")  # fmt: skip
    order = TenantRowField(Order, required=False, allow_null=True, default=None)
    warehouse = TenantRowField(Warehouse, required=False, allow_null=True, default=None,
                               help_text="The warehouse receiving it; the order's own by default")  # fmt: skip

    def validate(self, attrs):
        if bool(attrs["code"].strip()) == bool(attrs["order"]):
            raise serializers.ValidationError("Scan the AWB or order id as code, or give the order id: one of them.")
        return attrs


class ReturnScanRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64)
    grade = serializers.ChoiceField(choices=ReturnLine.Grade.choices)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_KEYED, required=False, default=1,
                                  help_text="Keyed units; more than 1 only for SKUs set to key a quantity")  # fmt: skip
    key = serializers.CharField(max_length=100, required=False, help_text="Idempotency key (or the header)")


class ReturnPutawayRequest(serializers.Serializer):
    barcode = serializers.CharField(max_length=64, help_text="A unit's barcode")
    bin = serializers.CharField(max_length=64, help_text="The storage bin's barcode")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_KEYED, required=False, default=1)
    key = serializers.CharField(max_length=100, required=False, help_text="Idempotency key (or the header)")


class ReturnActionRequest(serializers.Serializer):
    key = serializers.CharField(max_length=100, required=False, help_text="Idempotency key (optional here)")


class ReturnOrderSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Order
        fields = ("id", "channel_order_id", "status", "account")
        read_only_fields = fields


class ReturnLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    bin_code = serializers.CharField(source="bin.code", read_only=True)
    scanned_by = serializers.CharField(source="scanned_by.username", read_only=True, default=None)

    class Meta:
        model = ReturnLine
        fields = ("id", "order_line", "sku", "sku_code", "quantity", "grade", "bin", "bin_code", "scanned_by", "created_at")
        read_only_fields = fields


class UnitsSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(source="line.pk")
    channel_sku = serializers.CharField(source="line.channel_sku")
    sku = serializers.IntegerField(source="sku.pk")
    sku_code = serializers.CharField(source="sku.code")
    shipped = serializers.IntegerField()
    returned = serializers.IntegerField(help_text="Back over all the order's returns")
    left = serializers.IntegerField()


class WaitingSerializer(serializers.Serializer):
    sku = serializers.IntegerField(source="sku.pk")
    sku_code = serializers.CharField(source="sku.code")
    bin = serializers.IntegerField(source="bin.pk")
    bin_code = serializers.CharField(source="bin.code")
    quantity = serializers.IntegerField()


class ReturnListSerializer(serializers.ModelSerializer):
    order = ReturnOrderSerializer(read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    received_by = serializers.CharField(source="received_by.username", read_only=True, default=None)

    class Meta:
        model = Return
        fields = ("id", "kind", "status", "order", "warehouse", "warehouse_code", "reference", "received_by",
                  "created_at", "completed_at")  # fmt: skip
        read_only_fields = fields


class ReturnDetailSerializer(ReturnListSerializer):
    """A return with what its order shipped and what came back, the units scanned, the good units still
    waiting in the returns bin, and what to do next: ``scan_unit``, ``complete``, ``put_away`` or ``done``."""

    units = serializers.SerializerMethodField()
    left = serializers.SerializerMethodField()
    lines = ReturnLineSerializer(many=True, read_only=True)
    waiting_putaway = serializers.SerializerMethodField()
    next = serializers.SerializerMethodField()

    class Meta(ReturnListSerializer.Meta):
        fields = (*ReturnListSerializer.Meta.fields, "units", "left", "lines", "waiting_putaway", "next")
        read_only_fields = fields

    def to_representation(self, instance):
        self._units, self._waiting = returnable_units(instance.order), waiting_putaway(instance)
        return super().to_representation(instance)

    @extend_schema_field(UnitsSerializer(many=True))
    def get_units(self, instance):
        return UnitsSerializer(self._units, many=True).data

    def get_left(self, instance) -> int:
        return sum(unit.left for unit in self._units)

    @extend_schema_field(WaitingSerializer(many=True))
    def get_waiting_putaway(self, instance):
        return WaitingSerializer(self._waiting, many=True).data

    def get_next(self, instance) -> str:
        return next_step(instance, self._units, self._waiting)


class ScannedBinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    barcode = serializers.CharField()
    kind = serializers.CharField()


class ReturnScanAnswer(serializers.Serializer):
    """The answer to a scan: what happened (``message``), the bin the units go into, what is left, what to
    do next, and the whole return. After ``scan``, ``left`` counts the order's units still out; after
    ``putaway``, the good units still waiting in the returns bin (``left_of_sku``: of the SKU scanned)."""

    message = serializers.CharField()
    next = serializers.CharField()
    bin = ScannedBinSerializer()
    lines = ReturnLineSerializer(many=True, help_text="The rows this scan wrote (empty after a put-away)")
    left_of_sku = serializers.IntegerField()
    left = serializers.IntegerField()
    order_return = ReturnDetailSerializer(help_text="The return after the scan")
