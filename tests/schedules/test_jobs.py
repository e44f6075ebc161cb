"""Bulk sync jobs against a scripted connector: every account, progress, counts, cancel, stopped
accounts, the API, the admin and the command."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from connectors.base import Capability, Connector, OrderPage, PushResult
from hub.channels import sync
from hub.channels.models import ListingOutbox, SyncRun
from hub.orders.models import Order
from schedules.jobs import cancel_job, run_job, start_job
from schedules.models import Job
from tests import factories
from tests.conftest import api_client_for
from tests.factories import order_dto
from warehouse import stock

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


class ScriptedConnector(Connector):
    """Serves the orders it is given, accepts every stock and price update (two at a time) and logs them
    under the account's name; ``on_push`` runs before each stock push."""

    kind = "scripted"
    capabilities = frozenset({Capability.PULL_ORDERS, Capability.PUSH_STOCK, Capability.PUSH_PRICE})
    stock_batch_size = 2
    price_batch_size = 2

    def __init__(self, account, log, orders=(), on_push=None):
        super().__init__({})
        self.account, self.log, self.orders, self.on_push = account, log, list(orders), on_push

    def read_orders(self, *, updated_after, token=None):
        return OrderPage([o for o in self.orders if o.updated_at > updated_after], [], None,
                         max((o.updated_at for o in self.orders), default=None))  # fmt: skip

    def push_stock(self, updates):
        if self.on_push:
            self.on_push(self.account)
        self.log.extend((self.account.name, "stock", u.channel_sku, u.quantity) for u in updates)
        return PushResult(frozenset(u.channel_sku for u in updates), {})

    def push_price(self, updates):
        self.log.extend((self.account.name, "price", u.channel_sku, u.price) for u in updates)
        return PushResult(frozenset(u.channel_sku for u in updates), {})


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.SYNC_RETRY_BASE_SECONDS = 0
    settings.SYNC_RETRY_MAX_SECONDS = 0


@pytest.fixture
def accounts(tenant, warehouse, bin_a):
    """Amazon (two listings) and Shopify (one), both with connectors; a custom channel without one."""
    tee, cap = factories.make_sku(tenant, "TEE"), factories.make_sku(tenant, "CAP")
    stock.receive(tee, bin_a, 10, key="tee")
    stock.receive(cap, bin_a, 4, key="cap")
    amazon = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")
    shopify = factories.make_account(tenant, warehouse, kind="shopify", name="Shop")
    factories.make_listing(amazon, tee, "AMZ-TEE")
    factories.make_listing(amazon, cap, "AMZ-CAP")
    factories.make_listing(shopify, tee, "SHOP-TEE")
    custom = factories.make_account(tenant, warehouse, kind="custom", name="Phone orders")
    factories.make_listing(custom, tee, "PHONE-TEE")
    return amazon, shopify


@pytest.fixture
def channel(monkeypatch):
    """Every sync's connector is scripted; ``channel.log`` has what was pushed, ``channel.orders`` (by
    account name) what each account serves, ``channel.on_push`` runs before each stock push."""
    state = SimpleNamespace(log=[], orders={}, on_push=None)
    monkeypatch.setattr(sync, "connector_for", lambda account: ScriptedConnector(
        account, state.log, state.orders.get(account.name, ()), on_push=state.on_push))  # fmt: skip
    return state


def run(tenant, kind, **kwargs) -> Job:
    job = Job.objects.create(tenant=tenant, kind=kind, **kwargs)
    return run_job(job.pk)


def test_push_all_stock_pushes_every_listing_of_every_account(tenant, accounts, channel):
    job = run(tenant, Job.Kind.PUSH_ALL_STOCK)

    assert sorted(channel.log) == [("Amazon IN", "stock", "AMZ-CAP", 4), ("Amazon IN", "stock", "AMZ-TEE", 10),
                                   ("Shop", "stock", "SHOP-TEE", 10)]  # fmt: skip
    assert (job.status, job.done, job.total, job.percent) == ("succeeded", 2, 2, 100)
    assert job.counts == {"created": 0, "updated": 0, "pushed": 3, "rejected": 0, "errors": 0}
    assert job.errors == [] and job.started_at and job.finished_at
    assert set(SyncRun.objects.values_list("trigger", "stream")) == {("bulk", "stock")}
    assert not ListingOutbox.objects.exclude(account__kind="custom").exists()
    assert "2 of 2 accounts; 3 pushed, 0 rejected." in job.message


def test_push_catalog_pushes_every_listings_price(tenant, accounts, channel):
    job = run(tenant, Job.Kind.PUSH_CATALOG)

    assert {(name, kind, sku) for name, kind, sku, _ in channel.log} == {
        ("Amazon IN", "price", "AMZ-TEE"), ("Amazon IN", "price", "AMZ-CAP"), ("Shop", "price", "SHOP-TEE")}  # fmt: skip
    assert (job.status, job.counts["pushed"]) == ("succeeded", 3)


def test_repull_orders_imports_the_orders_updated_since(tenant, accounts, channel):
    channel.orders = {
        "Amazon IN": [order_dto(f"AMZ-{i}", ("AMZ-TEE", 1, "500"), updated_at=T0 + timedelta(hours=i)) for i in range(3)],
        "Shop": [order_dto("SHOP-1", ("SHOP-TEE", 1, "600"), updated_at=T0)],
    }

    job = run(tenant, Job.Kind.REPULL_ORDERS, since=T0 - timedelta(days=30))

    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    assert job.counts["created"] == 4
    assert sorted(Order.objects.values_list("channel_order_id", flat=True)) == ["AMZ-0", "AMZ-1", "AMZ-2", "SHOP-1"]
    assert set(SyncRun.objects.values_list("window_start", flat=True)) == {T0 - timedelta(days=30)}


def test_a_cancel_between_accounts_stops_the_job(tenant, accounts, channel):
    job = Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    channel.on_push = lambda account: cancel_job(job)

    job = run_job(job.pk)

    assert (job.status, job.done, job.total) == ("cancelled", 1, 2)
    assert {name for name, *_ in channel.log} == {"Amazon IN"}  # the first account finished, the second never began
    assert job.finished_at is not None
    assert job.message == "Cancelled after 1 of 2 accounts."


def test_a_queued_job_is_cancelled_at_once_and_never_runs(tenant, accounts, channel):
    job = cancel_job(Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_ALL_STOCK))

    assert run_job(job.pk).status == "cancelled"
    assert channel.log == []


def test_an_account_whose_syncs_are_stopped_is_an_error_not_a_crash(tenant, accounts, channel):
    amazon, _ = accounts
    amazon.syncs_stopped_at, amazon.alert = timezone.now(), "Credentials rejected"
    amazon.save()

    job = run(tenant, Job.Kind.PUSH_ALL_STOCK)

    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    assert [(e["account"], "syncs are stopped" in e["error"]) for e in job.errors] == [(amazon.pk, True)]
    assert {name for name, *_ in channel.log} == {"Shop"}
    assert job.counts["errors"] == 1 and job.counts["pushed"] == 1
    assert "1 account(s) failed" in job.message


def test_a_job_fails_when_every_account_failed(tenant, accounts, channel):
    from connectors.errors import CredentialsRejected

    def refuse(account):
        raise CredentialsRejected("401 Unauthorized", status=401)

    channel.on_push = refuse

    job = run(tenant, Job.Kind.PUSH_ALL_STOCK)

    assert (job.status, job.done, len(job.errors)) == ("failed", 2, 2)


def test_an_account_whose_stream_runs_elsewhere_is_skipped_with_a_note(tenant, accounts, channel):
    from schedules.locks import run_once

    amazon, _ = accounts
    with run_once(amazon.pk, "stock"):
        job = run(tenant, Job.Kind.PUSH_ALL_STOCK)

    assert (job.status, job.done) == ("succeeded", 2)
    assert job.errors[0]["account"] == amazon.pk and job.errors[0]["error"].startswith("Skipped")
    assert {name for name, *_ in channel.log} == {"Shop"}


def test_a_repull_needs_since():
    from hub.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        start_job(None, kind=Job.Kind.REPULL_ORDERS)
    assert refused.value.field == "since"


# --- the API, the admin and the command ----------------------------------------------------------


def test_the_api_starts_lists_and_cancels_jobs_of_the_tenant_only(tenant, other_tenant, accounts, channel, api,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/jobs/", {"kind": "push_all_stock"}, format="json")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/jobs/{body['id']}/")
    done = api.get(f"/api/v1/jobs/{body['id']}/").json()
    assert (done["status"], done["done"], done["total"], done["percent"]) == ("succeeded", 2, 2, 100)
    assert done["counts"]["pushed"] == 3

    theirs = Job.objects.create(tenant=other_tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    assert [job["id"] for job in api.get("/api/v1/jobs/").json()["results"]] == [body["id"]]
    assert api.get(f"/api/v1/jobs/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/jobs/{theirs.pk}/cancel/").status_code == 404

    queued = Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_CATALOG)
    cancelled = api.post(f"/api/v1/jobs/{queued.pk}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    again = api.post(f"/api/v1/jobs/{queued.pk}/cancel/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "finished")


def test_the_api_refuses_a_repull_without_since_and_takes_one_with_it(api, accounts, channel,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    refused = api.post("/api/v1/jobs/", {"kind": "repull_orders"}, format="json")
    assert refused.status_code == 400
    assert "since" in refused.json()["error"]["fields"]
    assert not Job.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/jobs/", {"kind": "repull_orders", "since": "2026-11-01T00:00:00Z"}, format="json")
    assert started.status_code == 202
    assert Job.objects.get().since == datetime(2026, 11, 1, tzinfo=UTC)


def test_pickers_and_finance_cannot_start_or_cancel_jobs(tenant):
    job = Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    picker = api_client_for(factories.make_user(tenant, "picker"))
    finance = api_client_for(factories.make_user(tenant, "finance"))
    ops = api_client_for(factories.make_user(tenant, "operations"))

    assert picker.get("/api/v1/jobs/").status_code == 403
    assert picker.post("/api/v1/jobs/", {"kind": "push_all_stock"}, format="json").status_code == 403
    assert finance.get("/api/v1/jobs/").json()["count"] == 1
    assert finance.post("/api/v1/jobs/", {"kind": "push_all_stock"}, format="json").status_code == 403
    assert finance.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 403
    assert ops.post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 200


def test_operations_see_and_cancel_jobs_in_the_admin(tenant, other_tenant):
    from django.test import Client

    mine = Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    theirs = Job.objects.create(tenant=other_tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    client = Client()
    client.force_login(factories.make_user(tenant, "operations"))

    listed = client.get("/admin/schedules/job/")
    response = client.post("/admin/schedules/job/", {"action": "cancel", "_selected_action": [mine.pk]}, follow=True)

    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    assert response.status_code == 200
    assert Job.objects.get(pk=mine.pk).status == "cancelled"
    assert Job.objects.get(pk=theirs.pk).status == "queued"


@pytest.mark.django_db(transaction=True)
def test_the_command_starts_a_job_and_prints_its_bar(tenant, accounts, channel):
    """Committed, as the command runs: the queued job runs inline (eager) and --wait draws the final bar."""
    out = StringIO()
    call_command("job", "start", "push_all_stock", "--tenant", "acme", "--wait", stdout=out)

    job = Job.objects.get()
    text = out.getvalue()
    assert f"Job {job.pk} queued: Push all stock to all channels" in text
    assert f"[{'#' * 30}] 2/2 accounts 100%  succeeded" in text
    assert "counts: created 0, updated 0, pushed 3, rejected 0, errors 0" in text

    listed = StringIO()
    call_command("job", "list", "--tenant", "acme", stdout=listed)
    assert "push_all_stock" in listed.getvalue() and "2/2" in listed.getvalue()


def test_the_command_cancels_a_job_and_refuses_a_repull_without_since(tenant):
    from django.core.management.base import CommandError

    job = Job.objects.create(tenant=tenant, kind=Job.Kind.PUSH_ALL_STOCK)
    out = StringIO()
    call_command("job", "cancel", str(job.pk), stdout=out)
    assert out.getvalue().strip() == f"Job {job.pk} cancelled."
    with pytest.raises(CommandError, match="since"):
        call_command("job", "start", "repull_orders", "--tenant", "acme")


def test_the_command_polls_the_row_and_redraws_the_bar_until_the_job_ends(tenant, accounts, channel, monkeypatch):
    """With workers (not inline), --wait polls the row: here the "worker" runs the job during the first wait."""
    from schedules.management.commands import job as command

    monkeypatch.setattr(command, "start_job", lambda tenant, **kw: Job.objects.create(tenant=tenant, **kw))
    monkeypatch.setattr(command.time, "sleep", lambda seconds: run_job(Job.objects.get().pk))
    out = StringIO()

    call_command("job", "start", "push_catalog", "--tenant", "acme", "--wait", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1] == f"[{'.' * 30}] 0/0 accounts   0%  queued"
    assert lines[2] == f"[{'#' * 30}] 2/2 accounts 100%  succeeded"
