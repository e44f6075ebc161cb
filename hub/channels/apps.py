from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "hub.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from hub.channels import outbox
        from warehouse.signals import stock_changed

        stock_changed.connect(outbox.on_stock_changed, dispatch_uid="hub.channels.outbox")
