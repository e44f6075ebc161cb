from django.urls import path

from warehouse.scanner import views

app_name = "scanner"

urlpatterns = [
    path("", views.home, name="home"),
]
