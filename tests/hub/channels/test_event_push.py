"""Event-driven stock pushes: a burst of movements becomes one debounced push per account; a sell-out
is pushed at once; the push task clears the pending mark before it reads the outbox."""

import pytest
from django.core.cache import cache

from hub.channels.outbox import pending_key
from schedules import tasks
from tests import factories
from warehouse import stock


@pytest.fixture
def queued(settings, monkeypatch):
    settings.STOCK_PUSH_ON_CHANGE = True
    settings.STOCK_PUSH_DEBOUNCE_SECONDS = 5
    calls = []
    monkeypatch.setattr(tasks.push_account_stock, "apply_async",
                        lambda args, kwargs=None, countdown=None: calls.append((args[0], kwargs["trigger"], countdown)))  # fmt: skip
    return calls


@pytest.fixture
def account(tenant, warehouse, sku):
    account = factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")
    factories.make_listing(account, sku, "AMZ-TEE")
    return account


def test_a_burst_of_movements_queues_one_debounced_push(account, sku, bin_a, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stock.receive(sku, bin_a, 10, key="r1")
    with django_capture_on_commit_callbacks(execute=True):
        stock.reserve(sku, bin_a, 1, key="o1")
    with django_capture_on_commit_callbacks(execute=True):
        stock.reserve(sku, bin_a, 1, key="o2")

    assert queued == [(account.pk, "stock_change", 5)]


def test_a_sku_running_out_is_pushed_at_once(account, sku, bin_a, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stock.receive(sku, bin_a, 1, key="r1")
    with django_capture_on_commit_callbacks(execute=True):
        stock.reserve(sku, bin_a, 1, key="last-one")

    assert queued == [(account.pk, "stock_change", 5), (account.pk, "sold_out", None)]


def test_nothing_is_queued_when_the_movement_rolls_back(account, sku, bin_a, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(stock.InsufficientStock):
        stock.reserve(sku, bin_a, 1, key="nothing-there")

    assert queued == []


def test_nothing_is_queued_in_the_embedded_quick_start(account, sku, bin_a, settings, queued, django_capture_on_commit_callbacks):
    settings.STOCK_PUSH_ON_CHANGE = False

    with django_capture_on_commit_callbacks(execute=True):
        stock.receive(sku, bin_a, 3, key="r1")

    assert queued == []


def test_the_push_task_clears_the_pending_mark_and_is_quiet_for_a_stopped_account(account, monkeypatch):
    from hub.channels import sync

    cache.set(pending_key(account.pk), 1)
    account.syncs_stopped_at = account.created_at
    account.save(update_fields=["syncs_stopped_at"])
    monkeypatch.setattr(sync, "push_stock", lambda *a, **k: pytest.fail("a stopped account is not pushed"))

    assert tasks.push_account_stock(account.pk) is None
    assert cache.get(pending_key(account.pk)) is None


def test_a_push_that_finds_another_running_asks_again_after_the_debounce(account, queued, monkeypatch):
    """The running push may have read the outbox before this change was noted: waiting for the periodic
    push would leave the channel wrong for up to stock_push_minutes."""
    from contextlib import contextmanager

    from hub.channels import sync

    @contextmanager
    def held_elsewhere(account_id, stream, **kwargs):
        yield False

    monkeypatch.setattr("schedules.locks.run_once", held_elsewhere)
    monkeypatch.setattr(sync, "push_stock", lambda *a, **k: pytest.fail("the stock lock is held"))

    assert tasks.push_account_stock(account.pk) is None
    assert queued == [(account.pk, "stock_change", 5)]
