from django.contrib import admin

from hub.catalog.models import SKU, Barcode, BundleComponent, Product
from hub.core.admin import TenantScopedAdmin, TenantScopedInline


class BarcodeInline(TenantScopedInline):
    model = Barcode


class BundleComponentInline(TenantScopedInline):
    model = BundleComponent
    fk_name = "bundle"
    autocomplete_fields = ("component",)


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    list_display = ("code", "name", "brand", "category")
    search_fields = ("code", "name", "brand")


@admin.register(SKU)
class SKUAdmin(TenantScopedAdmin):
    list_display = ("code", "name", "hsn_code", "gst_rate", "mrp", "selling_price", "is_bundle", "is_active")
    list_filter = ("is_active", "is_bundle", "gst_rate")
    search_fields = ("code", "name", "barcodes__code")
    autocomplete_fields = ("product",)
    inlines = (BarcodeInline, BundleComponentInline)


@admin.register(Barcode)
class BarcodeAdmin(TenantScopedAdmin):
    list_display = ("code", "kind", "sku")
    search_fields = ("code", "sku__code")
    autocomplete_fields = ("sku",)
