from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "hub.tenants"
    label = "tenants"
    verbose_name = "Tenants and users"

    def ready(self) -> None:
        from hub.tenants.roles import ensure_role_groups

        # After every app: the business models' permissions exist only once their own app has migrated.
        post_migrate.connect(ensure_role_groups, dispatch_uid="hub.tenants.ensure_role_groups")
