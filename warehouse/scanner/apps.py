from django.apps import AppConfig


class ScannerConfig(AppConfig):
    name = "warehouse.scanner"
    label = "scanner"
    verbose_name = "Scanner pages"

    def ready(self) -> None:
        from hub.tenants.roles import ALL_ROLES
        from warehouse.scanner.menu import Flow, register

        # The dashboard's stock lookup (hub.dashboard.scanner_views) is a scanner flow too.
        register(Flow("lookup", "Stock lookup", "dashboard:scanner", hint="What is in a bin, where an item is",
                      roles=ALL_ROLES, order=90))  # fmt: skip
