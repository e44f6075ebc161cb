from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.core.errors import DomainError
from hub.tenants.roles import Role
from hub.tenants.services import create_tenant, create_user


class Command(BaseCommand):
    help = "Onboard a tenant (a brand or seller) with its first admin user."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--admin", required=True, help="Username of the tenant's first admin")
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--gstin", default="")
        parser.add_argument("--state", default="", help="GST state code, e.g. 27 for Maharashtra")

    def handle(self, *args, name, admin, password, email, gstin, state, **options):
        try:
            with transaction.atomic():
                tenant = create_tenant(name, gstin=gstin, state=state)
                create_user(tenant, admin, password=password, roles=[Role.ADMIN], email=email)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Tenant {tenant.name} ({tenant.slug}) created; admin: {admin}"))
