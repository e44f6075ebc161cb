"""``manage.py job``: start, watch, cancel and list bulk sync jobs.

- ``job start KIND [--tenant SLUG] [--since ISO] [--wait]`` queues a job and prints its id; with
  ``--wait`` it draws a progress bar from the job's row (polled every half second) until the job ends,
  then prints its summary. In the embedded mode (tasks run inline) the job has finished when it is
  queued, so only the final bar is drawn.
- ``job cancel ID``: cancel a queued job, or ask a running one to stop after its current account.
- ``job list [--tenant SLUG]``: the latest jobs, newest first.
"""

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from hub.core.errors import DomainError
from hub.tenants.models import Tenant
from schedules.jobs import cancel_job, start_job
from schedules.models import JOB_COUNTS, Job

POLL_SECONDS = 0.5
BAR_WIDTH = 30
LISTED = 20


def progress_bar(job: Job) -> str:
    """``[#######.......]  3/7 accounts  42%  running``."""
    filled = BAR_WIDTH if job.status == Job.Status.SUCCEEDED else (BAR_WIDTH * job.percent) // 100
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return f"[{bar}] {job.done}/{job.total} accounts {job.percent:3d}%  {job.status}"


class Command(BaseCommand):
    help = "Start (and watch), cancel or list bulk sync jobs: push_all_stock, repull_orders, push_catalog."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        start = actions.add_parser("start", help="Queue a job and print its id")
        start.add_argument("kind", choices=Job.Kind.values)
        start.add_argument("--tenant", help="The tenant's slug (needed when there are several)")
        start.add_argument("--since", help="repull_orders: re-pull orders updated since this ISO time (with zone)")
        start.add_argument("--wait", action="store_true", help="Show a progress bar until the job ends")
        cancel = actions.add_parser("cancel", help="Cancel a job")
        cancel.add_argument("id", type=int)
        listing = actions.add_parser("list", help="The latest jobs")
        listing.add_argument("--tenant", help="Only this tenant's jobs")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _start(self, *, kind, tenant, since, wait, **options):
        try:
            job = start_job(self._tenant(tenant), kind=kind, since=self._since(since))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Job {job.pk} queued: {job.get_kind_display()}")
        if not wait:
            return
        job.refresh_from_db()
        while not job.is_finished:
            self._draw(job, final=False)
            time.sleep(POLL_SECONDS)
            job.refresh_from_db()
        self._draw(job, final=True)
        self._summary(job)
        if job.status == Job.Status.FAILED:
            raise CommandError(job.message)

    def _draw(self, job: Job, *, final: bool) -> None:
        """Redraw the bar in place on a terminal; elsewhere (a log, a pipe) write only changed lines."""
        line = progress_bar(job)
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="\n" if final else "")
            self.stdout.flush()
        elif final or line != getattr(self, "_last_line", None):
            self.stdout.write(line)
        self._last_line = line

    def _summary(self, job: Job) -> None:
        style = self.style.SUCCESS if job.status == Job.Status.SUCCEEDED and not job.errors else self.style.WARNING
        self.stdout.write(style(f"{job.get_status_display()}: {job.message}"))
        counts = ", ".join(f"{name} {job.counts.get(name, 0)}" for name in JOB_COUNTS)  # jsonb keeps no order
        self.stdout.write(f"  counts: {counts}")
        for error in job.errors[:LISTED]:
            self.stdout.write(f"  {error['account_name']}: {error['error'][:200]}")

    def _cancel(self, *, id, **options):
        job = Job.objects.filter(pk=id).first()
        if job is None:
            raise CommandError(f"No job {id}.")
        try:
            job = cancel_job(job)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        what = "cancelled" if job.status == Job.Status.CANCELLED else "will stop after its current account"
        self.stdout.write(f"Job {job.pk} {what}.")

    def _list(self, *, tenant, **options):
        jobs = Job.objects.select_related("tenant")
        if tenant:
            jobs = jobs.filter(tenant=self._tenant(tenant))
        jobs = list(jobs[:LISTED])
        if not jobs:
            self.stdout.write("No jobs.")
        for job in jobs:
            self.stdout.write(f"{job.pk:>6}  {job.tenant.slug:<16} {job.kind:<15} {job.status:<10} "
                              f"{job.done}/{job.total} {job.percent:3d}%  {job.created_at:%Y-%m-%d %H:%M}  {job.message}")  # fmt: skip

    def _tenant(self, slug: str | None) -> Tenant:
        if slug:
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                raise CommandError(f"No tenant {slug!r}.")
            return tenant
        tenants = list(Tenant.objects.all()[:2])
        if len(tenants) != 1:
            raise CommandError("Name the tenant with --tenant SLUG." if tenants else "There is no tenant yet.")
        return tenants[0]

    def _since(self, since: str | None) -> datetime | None:
        if not since:
            return None
        try:
            value = datetime.fromisoformat(since)
        except ValueError as exc:
            raise CommandError(f"--since {since!r} is not an ISO date and time") from exc
        if value.tzinfo is None:
            raise CommandError("--since needs a time zone, e.g. 2026-11-20T00:00:00+05:30")
        return value
