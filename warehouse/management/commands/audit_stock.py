from django.core.management.base import BaseCommand, CommandError

from hub.tenants.models import Tenant
from warehouse.selectors import stock_drift


class Command(BaseCommand):
    help = "Recompute every stock level from the ledger; list each difference and exit non-zero if any."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant (slug)")

    def handle(self, *args, tenant=None, **options):
        scope = None
        if tenant:
            scope = Tenant.objects.filter(slug=tenant).first()
            if scope is None:
                raise CommandError(f"No tenant with slug {tenant!r}")
        drifts = stock_drift(tenant=scope)
        for drift in drifts:
            self.stderr.write(f"DRIFT {drift}")
        if drifts:
            raise CommandError(f"{len(drifts)} stock level(s) differ from the ledger")
        self.stdout.write(self.style.SUCCESS("Stock levels match the ledger."))
