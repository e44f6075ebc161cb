"""The shipping scanner pages, mounted under /scan/ (see hub/urls.py)."""

from django.urls import path

from warehouse.shipping import dock_views, scan_views

app_name = "shipping"

urlpatterns = [
    path("pack/", scan_views.pack_home, name="pack-home"),
    path("pack/<int:shipment_id>/", scan_views.pack_box, name="pack-box"),
    path("dock/", dock_views.home, name="dock"),
    path("dock/<int:manifest_id>/", dock_views.manifest, name="dock-manifest"),
]
