"""Webhooks: verified, stored once under the event id, processed after commit; a redelivery does nothing."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from connectors.base import Connector, WebhookDelivery, WebhookRejected
from hub.channels import sync, webhook_views, webhooks
from hub.channels.models import WebhookEvent
from hub.orders.models import Order
from tests import factories
from tests.factories import order_dto

SECRET = b"hook-secret"


class HookConnector(Connector):
    kind = "hooks"

    def read_orders(self, *, updated_after, token=None):
        raise AssertionError("not used")

    def parse_webhook(self, headers, body):
        digest = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest, headers.get("X-Signature", "")):
            raise WebhookRejected("bad signature")
        return WebhookDelivery(headers["X-Event-Id"], headers["X-Topic"], json.loads(body))

    def order_from_webhook(self, delivery):
        if delivery.topic != "orders/create":
            return None
        body = delivery.payload
        return order_dto(body["id"], ("HOOK-TEE", body["quantity"], "500"), updated_at=datetime(2026, 11, 20, tzinfo=UTC))


@pytest.fixture
def account(tenant, warehouse, sku, bin_a, monkeypatch):
    from warehouse import stock

    account = factories.make_account(tenant, warehouse, kind="shopify", name="Store")
    factories.make_listing(account, sku, "HOOK-TEE")
    stock.receive(sku, bin_a, 10, key="r")
    for module in (sync, webhook_views, webhooks):
        monkeypatch.setattr(module, "connector_for", lambda account: HookConnector({}))
    return account


def deliver(account, body: dict, *, event="evt-1", topic="orders/create", signature=None):
    raw = json.dumps(body).encode()
    signature = signature or hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
    return Client().post(f"/hooks/{account.pk}/", raw, content_type="application/json",
                         headers={"X-Signature": signature, "X-Event-Id": event, "X-Topic": topic})  # fmt: skip


def test_a_delivery_is_stored_then_processed_after_commit(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(account, {"id": "1001", "quantity": 2})

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == "processed"
    assert Order.objects.get().status == "allocated"


def test_a_redelivery_is_acknowledged_and_does_nothing(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deliver(account, {"id": "1001", "quantity": 2})
        again = deliver(account, {"id": "1001", "quantity": 2})

    assert again.json() == {"received": "evt-1", "duplicate": True}
    assert WebhookEvent.objects.count() == 1
    assert len(callbacks) == 1
    assert Order.objects.count() == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(account):
    response = deliver(account, {"id": "1001", "quantity": 2}, signature="forged")

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_an_unknown_or_inactive_account_is_not_found(account):
    account.is_active = False
    account.save()

    assert deliver(account, {"id": "1", "quantity": 1}).status_code == 404


def test_a_topic_the_hub_does_not_act_on_is_ignored(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(account, {"id": "1", "quantity": 1}, topic="inventory_levels/update")

    assert WebhookEvent.objects.get().status == "ignored"
    assert not Order.objects.exists()


def test_processing_twice_is_harmless(account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(account, {"id": "1001", "quantity": 2})
    event = WebhookEvent.objects.get()

    webhooks.process(event.pk)

    assert WebhookEvent.objects.get().attempts == 1
    assert Order.objects.count() == 1


def aged(event, *, received_minutes=0, processed_minutes=None):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    WebhookEvent.objects.filter(pk=event.pk).update(
        received_at=now - timedelta(minutes=received_minutes),
        processed_at=None if processed_minutes is None else now - timedelta(minutes=processed_minutes),
    )


def test_a_delivery_whose_processing_never_ran_is_picked_up_by_the_tick(account):
    deliver(account, {"id": "1001", "quantity": 2})  # the on-commit enqueue never runs here: a lost message
    event = WebhookEvent.objects.get()
    assert webhooks.pick_up_stale() == []  # too fresh: its own message may still be on its way

    aged(event, received_minutes=3)
    from schedules import tasks

    assert tasks.tick()["webhooks"] == 1
    assert WebhookEvent.objects.get().status == "processed"
    assert Order.objects.get().channel_order_id == "1001"


def test_a_failed_delivery_is_tried_again_with_a_growing_pause_then_left_for_a_person(account, settings, monkeypatch):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    failing = {"on": True}
    original = HookConnector.order_from_webhook

    def flaky(self, delivery):
        if failing["on"]:
            raise ConnectionError("the database blinked")
        return original(self, delivery)

    monkeypatch.setattr(HookConnector, "order_from_webhook", flaky)
    deliver(account, {"id": "1001", "quantity": 2})
    event = WebhookEvent.objects.get()
    webhooks.process(event.pk)
    assert WebhookEvent.objects.get().status == "failed"

    aged(event, received_minutes=10, processed_minutes=1)  # 2 minutes' pause after the first try
    assert webhooks.pick_up_stale() == []
    aged(event, received_minutes=10, processed_minutes=3)
    assert webhooks.pick_up_stale() == [event.pk]  # second try, fails again
    assert WebhookEvent.objects.get().attempts == 2

    aged(event, received_minutes=10, processed_minutes=3)  # 4 minutes' pause after the second
    assert webhooks.pick_up_stale() == []
    failing["on"] = False
    aged(event, received_minutes=10, processed_minutes=5)
    assert webhooks.pick_up_stale() == [event.pk]
    assert WebhookEvent.objects.get().status == "processed"


def test_a_delivery_failed_at_every_try_stays_failed(account, settings, monkeypatch):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    monkeypatch.setattr(HookConnector, "order_from_webhook", lambda self, d: (_ for _ in ()).throw(ValueError("bad")))
    deliver(account, {"id": "1001", "quantity": 2})
    event = WebhookEvent.objects.get()
    webhooks.process(event.pk)
    webhooks.process(event.pk)  # the second and last try

    aged(event, received_minutes=60, processed_minutes=60)

    assert webhooks.pick_up_stale() == []
    assert WebhookEvent.objects.get().error == "ValueError: bad"
