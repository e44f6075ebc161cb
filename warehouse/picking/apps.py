from django.apps import AppConfig


class PickingConfig(AppConfig):
    name = "warehouse.picking"
    label = "picking"
    verbose_name = "Picking"

    def ready(self) -> None:
        from warehouse.picking.scan_views import register_flows

        register_flows()
