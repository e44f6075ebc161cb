from django.apps import AppConfig


class PickingConfig(AppConfig):
    name = "warehouse.picking"
    label = "picking"
    verbose_name = "Picking"
