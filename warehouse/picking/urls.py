"""The picking scanner pages, mounted under /scan/ (see hub/urls.py)."""

from django.urls import path

from warehouse.picking import scan_views

app_name = "picking"

urlpatterns = [
    path("pick/", scan_views.home, name="scan-home"),
    path("pick/<int:picklist_id>/", scan_views.pick, name="scan-pick"),
]
