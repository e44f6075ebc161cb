"""Each account's schedule: what is due, what is queued, and what a person sees as last and next run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.channels.models import SyncRun
from schedules import planner, tasks
from tests import factories


@pytest.fixture
def amazon(tenant, warehouse):
    return factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN", order_pull_minutes=5,
                                  stock_push_minutes=10)  # fmt: skip


def ran(account, stream, minutes_ago):
    run = SyncRun.objects.create(tenant=account.tenant, account=account, stream=stream, status="succeeded")
    SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_new_account_is_due_at_once_and_a_fresh_run_is_not(amazon):
    assert {d.stream for d in planner.due()} == {"orders", "stock", "prices", "reconcile", "returns"}

    ran(amazon, "returns", minutes_ago=59)
    ran(amazon, "orders", minutes_ago=2)
    ran(amazon, "stock", minutes_ago=11)
    ran(amazon, "prices", minutes_ago=59)
    ran(amazon, "reconcile", minutes_ago=23 * 60)

    assert [(d.account_id, d.stream) for d in planner.due()] == [(amazon.pk, "stock")]
    plan = {d.stream: d for d in planner.schedule()}
    assert plan["orders"].next_run - plan["orders"].last_run == timedelta(minutes=5)
    assert plan["reconcile"].next_run - plan["reconcile"].last_run == timedelta(days=1)
    assert plan["returns"].next_run - plan["returns"].last_run == timedelta(hours=1)


def test_the_schedule_follows_the_accounts_edited_minutes(amazon, api):
    ran(amazon, "prices", minutes_ago=20)
    assert "prices" not in {d.stream for d in planner.due()}

    response = api.patch(f"/api/v1/channel-accounts/{amazon.pk}/", {"price_push_minutes": 15}, format="json")

    assert response.status_code == 200, response.json()
    assert "prices" in {d.stream for d in planner.due()}


def test_a_reconciliation_more_often_than_hourly_is_refused(amazon, api):
    response = api.patch(f"/api/v1/channel-accounts/{amazon.pk}/", {"stock_reconcile_minutes": 5}, format="json")

    assert response.status_code == 400
    assert "stock_reconcile_minutes" in response.json()["error"]["fields"]


def test_a_compressed_minute_runs_the_schedule_faster(amazon, settings):
    settings.SCHEDULE_MINUTE_SECONDS = 1
    ran(amazon, "orders", minutes_ago=0)  # just now

    orders = next(d for d in planner.schedule() if d.stream == "orders")

    assert orders.next_run - orders.last_run == timedelta(seconds=5)


def test_stopped_inactive_and_connectorless_accounts_are_not_scheduled(amazon, tenant, warehouse):
    factories.make_account(tenant, warehouse, kind="custom", name="Own site")
    factories.make_account(tenant, warehouse, kind="shopify", name="Off", is_active=False)
    factories.make_account(tenant, warehouse, kind="shopify", name="Stopped", syncs_stopped_at=timezone.now())

    assert {d.account_id for d in planner.schedule()} == {amazon.pk}


def test_tick_queues_each_due_stream_on_its_own_queue(amazon, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.sync_account, "apply_async", lambda args, kwargs, queue: queued.append((args, kwargs, queue)))
    ran(amazon, "orders", minutes_ago=6)
    ran(amazon, "stock", minutes_ago=1)
    ran(amazon, "prices", minutes_ago=61)
    ran(amazon, "reconcile", minutes_ago=60)
    ran(amazon, "returns", minutes_ago=30)

    assert tasks.tick()["syncs"] == 2
    flags = {"orders": False, "stock": False, "prices": False, "reconcile": False, "returns": False, "trigger": "schedule"}
    assert sorted(queued, key=lambda q: q[2]) == [
        ([amazon.pk], {**flags, "prices": True}, "bulk"),
        ([amazon.pk], {**flags, "orders": True}, "orders"),
    ]


def test_a_channel_without_a_capability_gets_no_schedule_for_it(amazon, monkeypatch):
    from connectors.amazon.connector import AmazonConnector
    from connectors.base import Capability

    monkeypatch.setattr(AmazonConnector, "capabilities", frozenset({Capability.PULL_ORDERS, Capability.PUSH_STOCK}))

    assert {d.stream for d in planner.schedule()} == {"orders", "stock"}


def test_the_schedule_shows_last_and_next_run_and_outcome_per_tenant(amazon, api, other_tenant):
    from tests.conftest import api_client_for

    ran(amazon, "orders", minutes_ago=2)
    rival = api_client_for(factories.make_user(other_tenant, "admin"))

    rows = api.get("/api/v1/schedules/").json()

    orders = next(row for row in rows if row["stream"] == "orders")
    assert (orders["account_name"], orders["every_minutes"], orders["last_status"]) == ("Amazon IN", 5, "succeeded")
    assert orders["next_run"] > orders["last_run"]
    assert rival.get("/api/v1/schedules/").json() == []


def test_a_run_left_running_by_a_dead_worker_is_closed_once_its_lock_is_free(amazon, settings):
    from schedules.locks import try_lock

    settings.SYNC_LOCK_TTL_SECONDS = 60
    dead = SyncRun.objects.create(tenant=amazon.tenant, account=amazon, stream="orders")
    alive = SyncRun.objects.create(tenant=amazon.tenant, account=amazon, stream="stock")
    young = SyncRun.objects.create(tenant=amazon.tenant, account=amazon, stream="prices")
    SyncRun.objects.filter(pk__in=[dead.pk, alive.pk]).update(started_at=timezone.now() - timedelta(minutes=5))
    held = try_lock(amazon.pk, "stock")  # the live run's worker holds its lock

    assert planner.close_abandoned() == [dead.pk]

    held.release()
    dead.refresh_from_db()
    assert (dead.status, dead.finished_at is not None) == ("failed", True)
    assert "worker running this sync stopped" in dead.message
    assert SyncRun.objects.get(pk=alive.pk).status == SyncRun.Status.RUNNING
    assert SyncRun.objects.get(pk=young.pk).status == SyncRun.Status.RUNNING  # may be starting up still


def test_a_shopify_account_pulls_its_returns_on_the_orders_queue(tenant, warehouse, monkeypatch):
    shop = factories.make_account(tenant, warehouse, kind="shopify", name="Shop", return_pull_minutes=30)
    queued = []
    monkeypatch.setattr(tasks.sync_account, "apply_async", lambda args, kwargs, queue: queued.append((args, kwargs, queue)))
    for stream in ("orders", "stock", "prices", "reconcile"):
        ran(shop, stream, minutes_ago=1)
    ran(shop, "returns", minutes_ago=31)

    assert [(d.stream, d.every_minutes) for d in planner.due()] == [("returns", 30)]
    assert tasks.tick()["syncs"] == 1
    ((args, kwargs, queue),) = queued
    assert (args, kwargs["returns"], kwargs["orders"], queue) == ([shop.pk], True, False, "orders")
