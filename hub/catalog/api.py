from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import viewsets

from hub.catalog.models import SKU, BundleComponent, Product
from hub.catalog.serializers import ProductSerializer, SKUSerializer
from hub.catalog.services import save_sku
from hub.core.api import TenantScopedMixin
from hub.core.permissions import DEFAULT_WRITE
from hub.tenants.roles import ALL_ROLES


class ProductViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    search_fields = ("code", "name", "brand")
    ordering_fields = ("code", "name", "created_at")
    filterset_fields = ("brand", "category")


class SKUFilter(filters.FilterSet):
    code = filters.CharFilter(lookup_expr="iexact")
    barcode = filters.CharFilter(field_name="barcodes__code")
    product = filters.CharFilter(field_name="product__code")
    hsn_code = filters.CharFilter()
    updated_after = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SKU
        fields = ("code", "barcode", "product", "hsn_code", "gst_rate", "is_active", "is_bundle")


class SKUViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """SKUs with their barcodes and bundle components. Pickers may read (to look items up)."""

    queryset = SKU.objects.select_related("product").prefetch_related(
        "barcodes", Prefetch("components", queryset=BundleComponent.objects.select_related("component"))
    )
    serializer_class = SKUSerializer
    read_roles = ALL_ROLES
    write_roles = DEFAULT_WRITE
    filterset_class = SKUFilter
    search_fields = ("code", "name", "barcodes__code", "product__code")
    ordering_fields = ("code", "name", "selling_price", "mrp", "created_at", "updated_at")
    ordering = ("code",)

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer, sku=None)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, sku=serializer.instance)

    def _save(self, serializer, *, sku):
        data = dict(serializer.validated_data)
        product = data.pop("product", None)
        return save_sku(
            self.request.user.tenant,
            sku=sku,
            fields={k: v for k, v in data.items() if k not in ("barcodes", "components")},
            product_code=product.get("code") if isinstance(product, dict) else product,
            barcodes=data.get("barcodes"),
            components=data.get("components"),
        )
