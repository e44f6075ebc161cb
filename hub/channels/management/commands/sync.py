from datetime import datetime
from functools import partial

from django.core.management.base import BaseCommand, CommandError

from connectors.registry import UnknownChannel
from hub.channels import sync
from hub.channels.models import ChannelAccount, SyncRun


class Command(BaseCommand):
    help = "Pull a channel account's orders and/or push its stock or prices now, printing progress and a summary."

    def add_arguments(self, parser):
        parser.add_argument("account", help="The account's id, or its name")
        parser.add_argument("--orders", action="store_true", help="Pull orders (default: orders and stock)")
        parser.add_argument("--stock", action="store_true", help="Push stock")
        parser.add_argument("--prices", action="store_true", help="Push the prices that changed (never by default)")
        parser.add_argument("--returns", action="store_true", help="Pull the return notices the channel announced")
        parser.add_argument("--reconcile", action="store_true",
                            help="Read every listing's quantity from the channel and correct what differs")  # fmt: skip
        parser.add_argument("--since", help="Read orders updated since this ISO time instead of the cursor")
        parser.add_argument("--dry-run", action="store_true", help="Read and report; change nothing anywhere")
        parser.add_argument("--tenant", help="Tenant slug, when account names repeat across tenants")

    def handle(self, *args, account, orders, stock, prices, returns, reconcile, since, dry_run, tenant, **options):
        target = self._account(account, tenant)
        since_at = self._since(since)
        asked = (("orders", orders), ("stock", stock), ("prices", prices), ("returns", returns), ("reconcile", reconcile))
        streams = [s for s, wanted in asked if wanted] or ["orders", "stock"]
        for stream in streams:
            self.stdout.write(f"{target} - {stream}{' (dry run)' if dry_run else ''}")
            try:
                result = self._run(target, stream, since_at, dry_run)
            except (sync.SyncStopped, UnknownChannel) as exc:
                raise CommandError(f"{target}: {exc}") from exc
            self._summary(result)
            if isinstance(result, SyncRun) and result.status == SyncRun.Status.FAILED:
                raise CommandError(result.message)

    def _run(self, account, stream, since, dry_run):
        """One stream now, under its (account, stream) lock like every scheduled run (a dry run changes
        nothing and needs none)."""

        def progress(line):
            return self.stdout.write(f"  {line}")

        if stream == "orders":
            work = partial(sync.sync_orders, account, since=since, dry_run=dry_run, progress=progress, trigger="command")
        elif stream in ("reconcile", "returns"):
            if dry_run:
                raise CommandError(f"--{stream} has no dry run.")
            work = (partial(sync.pull_returns, account, since=since, trigger="command") if stream == "returns"
                    else partial(sync.reconcile_stock, account, progress=progress, trigger="command"))  # fmt: skip
        else:
            push = sync.push_prices if stream == "prices" else sync.push_stock
            work = partial(push, account, dry_run=dry_run, progress=progress, trigger="command")
        return work() if dry_run else self._locked(account, stream, work)

    @staticmethod
    def _locked(account, stream: str, work):
        """Run ``work`` under the (account, stream) lock like every scheduled run; refuse while one runs."""
        from schedules.locks import run_once

        with run_once(account.pk, stream) as mine:
            if not mine:
                raise CommandError(f"{account}: a {stream} sync is running elsewhere; try again when it has finished.")
            return work()

    def _summary(self, result) -> None:
        if isinstance(result, SyncRun):
            style = self.style.SUCCESS if result.status == SyncRun.Status.SUCCEEDED else self.style.WARNING
            self.stdout.write(style(f"  {result.get_status_display()}: {result.message}"))
            for failure in result.failures.all()[:20]:
                self.stdout.write(f"    failed {failure.record_key}: {failure.error[:200]}")
            return
        if result.stream == "orders":
            self.stdout.write(f"  would import {result.orders_new} new and update {result.orders_known} orders "
                              f"over {result.pages} page(s); {len(result.failures)} unreadable")  # fmt: skip
        else:
            self.stdout.write(f"  would push {result.items} listing(s)")
            for note in result.failures:
                self.stdout.write(f"  {note}")

    def _account(self, ref: str, tenant: str | None) -> ChannelAccount:
        accounts = ChannelAccount.objects.all()
        if tenant:
            accounts = accounts.filter(tenant__slug=tenant)
        found = list(accounts.filter(pk=int(ref))) if ref.isdigit() else list(accounts.filter(name=ref))
        if len(found) != 1:
            raise CommandError(f"{len(found) or 'No'} accounts match {ref!r}; give its id (or --tenant).")
        return found[0]

    def _since(self, since: str | None):
        if not since:
            return None
        try:
            value = datetime.fromisoformat(since)
        except ValueError as exc:
            raise CommandError(f"--since {since!r} is not an ISO date and time") from exc
        if value.tzinfo is None:
            raise CommandError("--since needs a time zone, e.g. 2026-11-20T00:00:00+05:30")
        return value
