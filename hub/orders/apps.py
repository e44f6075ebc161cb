from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "hub.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from hub.orders import waiting
        from warehouse.signals import stock_changed

        stock_changed.connect(waiting.on_stock_changed, dispatch_uid="hub.orders.retry_waiting")
