from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "warehouse.inbound"
    label = "inbound"
    verbose_name = "Inbound: suppliers, purchase orders, receipts"

    def ready(self) -> None:
        from warehouse.inbound.scan_views import register_flows

        register_flows()
