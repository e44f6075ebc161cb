from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "warehouse.returns"
    label = "returns"
    verbose_name = "Returns"
