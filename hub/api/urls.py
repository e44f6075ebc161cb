"""The REST API, version 1: every endpoint is scoped to the caller's tenant."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from hub.api.auth import ObtainTokenView
from hub.catalog.api import ProductViewSet, SKUViewSet
from hub.catalog.import_api import ImportJobViewSet, SKUExportView, SKUImportView
from hub.channels.api import ChannelAccountViewSet, ChannelInventoryView, ListingImportView, ListingViewSet
from hub.channels.sync_api import ChannelReturnViewSet, ScheduleView, SyncFailureViewSet, SyncRunViewSet
from hub.orders.api import OrderImportView, OrderViewSet
from schedules.api import JobViewSet
from warehouse.api import (
    BinViewSet,
    StockAdjustView,
    StockLevelViewSet,
    StockMovementViewSet,
    StockMoveView,
    WarehouseViewSet,
)
from warehouse.counts.api import CycleCountViewSet
from warehouse.inbound.api import GoodsReceiptViewSet, PurchaseOrderViewSet, PutawayView, SupplierViewSet
from warehouse.picking.api import PicklistViewSet
from warehouse.returns.api import ReturnViewSet
from warehouse.shipping.api import (
    BoxSizeViewSet,
    CourierViewSet,
    InvoiceSeriesViewSet,
    InvoiceViewSet,
    ManifestViewSet,
    ShipmentViewSet,
)

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("sync-failures", SyncFailureViewSet, basename="sync-failure")
router.register("channel-returns", ChannelReturnViewSet, basename="channel-return")
router.register("skus", SKUViewSet, basename="sku")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("bins", BinViewSet, basename="bin")
router.register("stock/movements", StockMovementViewSet, basename="stock-movement")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("imports", ImportJobViewSet, basename="import-job")
router.register("orders", OrderViewSet, basename="order")
router.register("channel-accounts", ChannelAccountViewSet, basename="channel-account")
router.register("listings", ListingViewSet, basename="listing")
router.register("jobs", JobViewSet, basename="job")
router.register("returns", ReturnViewSet, basename="return")
router.register("cycle-counts", CycleCountViewSet, basename="cycle-count")
router.register("picklists", PicklistViewSet, basename="picklist")
router.register("couriers", CourierViewSet, basename="courier")
router.register("boxes", BoxSizeViewSet, basename="box")
router.register("invoice-series", InvoiceSeriesViewSet, basename="invoice-series")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("manifests", ManifestViewSet, basename="manifest")
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")
router.register("grns", GoodsReceiptViewSet, basename="grn")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schedules/", ScheduleView.as_view(), name="schedules"),
    path("stock/adjust/", StockAdjustView.as_view(), name="stock-adjust"),
    path("stock/move/", StockMoveView.as_view(), name="stock-move"),
    # Before the router, whose skus/{pk}/ would otherwise take "import" and "export" for SKU ids.
    path("skus/import/", SKUImportView.as_view(), name="sku-import"),
    path("skus/export/", SKUExportView.as_view(), name="sku-export"),
    path("orders/import/", OrderImportView.as_view(), name="order-import"),
    path("listings/import/", ListingImportView.as_view(), name="listing-import"),
    path("channel-inventory/", ChannelInventoryView.as_view(), name="channel-inventory"),
    path("putaway/", PutawayView.as_view(), name="putaway"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]), name="api-docs"
    ),
    path(
        "redoc/", SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[AllowAny]), name="api-redoc"
    ),
    path("", include(router.urls)),
]
