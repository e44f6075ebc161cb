from django.apps import AppConfig


class CountsConfig(AppConfig):
    name = "warehouse.counts"
    label = "counts"
    verbose_name = "Cycle counts"

    def ready(self) -> None:
        from warehouse.counts.scan_views import register_flows

        register_flows()  # the Cycle count scanner flow
