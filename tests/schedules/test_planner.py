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
    assert {d.stream for d in planner.due()} == {"orders", "stock"}

    ran(amazon, "orders", minutes_ago=2)
    ran(amazon, "stock", minutes_ago=11)

    assert [(d.account_id, d.stream) for d in planner.due()] == [(amazon.pk, "stock")]
    orders = next(d for d in planner.schedule() if d.stream == "orders")
    assert orders.next_run - orders.last_run == timedelta(minutes=5)


def test_stopped_inactive_and_connectorless_accounts_are_not_scheduled(amazon, tenant, warehouse):
    factories.make_account(tenant, warehouse, kind="custom", name="Own site")
    factories.make_account(tenant, warehouse, kind="shopify", name="Off", is_active=False)
    factories.make_account(tenant, warehouse, kind="shopify", name="Stopped", syncs_stopped_at=timezone.now())

    assert {d.account_id for d in planner.schedule()} == {amazon.pk}


def test_tick_queues_one_task_per_due_stream(amazon, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.sync_account, "delay", lambda *a, **k: queued.append((a, k)))
    ran(amazon, "orders", minutes_ago=6)
    ran(amazon, "stock", minutes_ago=1)

    assert tasks.tick() == 1
    assert queued == [((amazon.pk,), {"orders": True, "stock": False, "trigger": "schedule"})]


def test_the_schedule_shows_last_and_next_run_and_outcome_per_tenant(amazon, api, other_tenant):
    from tests.conftest import api_client_for

    ran(amazon, "orders", minutes_ago=2)
    rival = api_client_for(factories.make_user(other_tenant, "admin"))

    rows = api.get("/api/v1/schedules/").json()

    orders = next(row for row in rows if row["stream"] == "orders")
    assert (orders["account_name"], orders["every_minutes"], orders["last_status"]) == ("Amazon IN", 5, "succeeded")
    assert orders["next_run"] > orders["last_run"]
    assert rival.get("/api/v1/schedules/").json() == []
