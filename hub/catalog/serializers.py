from rest_framework import serializers

from hub.catalog import rules
from hub.catalog.models import SKU, Barcode, Product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ("id", "code", "name", "brand", "category", "description", "created_at", "updated_at")
        read_only_fields = ("id", "created_at", "updated_at")

    def validate_code(self, value):
        others = Product.objects.for_tenant(self.context["tenant"]).filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"A product with code {value!r} exists already.")
        return value


class BarcodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Barcode
        fields = ("code", "kind")
        # Uniqueness per tenant is checked across the whole request in SKUSerializer.
        validators = []

    def validate(self, attrs):
        if message := rules.barcode_error(attrs["code"], attrs["kind"]):
            raise serializers.ValidationError({"code": message})
        return attrs


class ComponentSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text="Code of the component SKU")
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class SKUSerializer(serializers.ModelSerializer):
    product = serializers.CharField(
        source="product.code", required=False, allow_blank=True, allow_null=True, help_text="Product (style) code"
    )
    barcodes = BarcodeSerializer(many=True, required=False)
    components = ComponentSerializer(
        many=True, required=False, write_only=True, help_text="Bundle components; empty for a plain SKU"
    )

    class Meta:
        model = SKU
        fields = (
            "id", "code", "name", "product", "hsn_code", "gst_rate", "mrp", "selling_price", "cost",
            "weight_grams", "length_mm", "width_mm", "height_mm", "is_active", "key_quantity", "is_bundle",
            "barcodes", "components", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "is_bundle", "created_at", "updated_at")
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["components"] = [
            {"sku": part.component.code, "quantity": part.quantity} for part in instance.components.all()
        ]
        return data

    def validate_code(self, value):
        others = SKU.objects.for_tenant(self.context["tenant"]).filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"A SKU with code {value!r} exists already.")
        return value

    def validate_barcodes(self, items):
        codes = [item["code"] for item in items]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("The same barcode is listed twice.")
        taken = Barcode.objects.for_tenant(self.context["tenant"]).filter(code__in=codes)
        if self.instance is not None:
            taken = taken.exclude(sku=self.instance)
        if clash := taken.select_related("sku").first():
            raise serializers.ValidationError(f"Barcode {clash.code} already belongs to SKU {clash.sku.code}.")
        return items

    def validate_components(self, items):
        codes = [item["sku"] for item in items]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("A component is listed twice; give its total quantity once.")
        found = {sku.code: sku for sku in SKU.objects.for_tenant(self.context["tenant"]).filter(code__in=codes)}
        if missing := [code for code in codes if code not in found]:
            raise serializers.ValidationError(f"Unknown SKU: {', '.join(missing)}.")
        return [(found[item["sku"]], item["quantity"]) for item in items]

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        errors = rules.sku_field_errors(
            code=value("code"),
            name=value("name"),
            hsn_code=value("hsn_code"),
            gst_rate=value("gst_rate"),
            mrp=value("mrp"),
            selling_price=value("selling_price"),
            cost=value("cost"),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
