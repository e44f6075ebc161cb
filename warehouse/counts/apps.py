from django.apps import AppConfig


class CountsConfig(AppConfig):
    name = "warehouse.counts"
    label = "counts"
    verbose_name = "Cycle counts"
