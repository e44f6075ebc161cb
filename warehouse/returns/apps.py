from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "warehouse.returns"
    label = "returns"
    verbose_name = "Returns"

    def ready(self) -> None:
        from warehouse.returns.scan_views import register_flows

        register_flows()  # the Returns scanner flow
