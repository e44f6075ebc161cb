"""The cycle-count scanner pages, mounted under /scan/ (see hub/urls.py)."""

from django.urls import path

from warehouse.counts import scan_views

app_name = "counts"

urlpatterns = [
    path("count/", scan_views.home, name="home"),
    path("count/new/", scan_views.new, name="new"),
    path("count/<int:count_id>/", scan_views.count, name="count"),
]
