"""The returns desk's scanner pages, mounted under /scan/ (see hub/urls.py)."""

from django.urls import path

from warehouse.returns import scan_views
from warehouse.returns.models import Return

app_name = "returns"

urlpatterns = [
    path("returns/", scan_views.home, name="home"),
    path("returns/rto/", scan_views.start, {"kind": Return.Kind.RTO}, name="rto"),
    path("returns/customer/", scan_views.start, {"kind": Return.Kind.CUSTOMER}, name="customer"),
    path("returns/<int:return_id>/", scan_views.order_return, name="return"),
]
