from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "hub.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
