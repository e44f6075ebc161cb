from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "warehouse.shipping"
    label = "shipping"
    verbose_name = "Packing and shipping"

    def ready(self) -> None:
        from warehouse.returns.lookup import register_awb_lookup
        from warehouse.shipping import dock_views
        from warehouse.shipping.scan_views import register_flows
        from warehouse.shipping.selectors import order_for_awb

        register_awb_lookup(order_for_awb)  # the returns desk finds an order by the AWB on the parcel
        register_flows()
        dock_views.register_flows()  # Hand over
