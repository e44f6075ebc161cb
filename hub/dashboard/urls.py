from django.urls import path

from hub.dashboard import import_views, scanner_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<int:sku_id>/", views.sku_detail, name="sku-detail"),
    path("stock/", views.stock, name="stock"),
    path("stock/ledger/", views.ledger, name="ledger"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/upload/", import_views.import_upload, name="import-upload"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:job_id>/progress/", import_views.import_progress, name="import-progress"),
    path("scanner/", scanner_views.scanner, name="scanner"),
    path("scanner/lookup/", scanner_views.scanner_lookup, name="scanner-lookup"),
]
