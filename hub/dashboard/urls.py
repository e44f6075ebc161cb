from django.urls import path

from hub.dashboard import channel_views, import_views, order_views, scanner_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/<int:order_id>/", order_views.order_detail, name="order-detail"),
    path("orders/<int:order_id>/<slug:action>/", order_views.order_action, name="order-action"),
    path("channels/", channel_views.channel_list, name="channels"),
    path("channels/<int:account_id>/", channel_views.channel_detail, name="channel-detail"),
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
