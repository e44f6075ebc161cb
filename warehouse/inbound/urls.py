"""The inbound scanner pages, mounted under /scan/ (see hub/urls.py)."""

from django.urls import path

from warehouse.inbound import scan_views

app_name = "inbound"

urlpatterns = [
    path("receive/", scan_views.receive, name="receive"),
    path("receive/<int:receipt_id>/", scan_views.receipt, name="receipt"),
    path("putaway/", scan_views.putaway, name="putaway"),
]
