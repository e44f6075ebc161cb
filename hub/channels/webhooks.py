"""Inbound webhooks: verify, store under a unique (account, event id), process after commit.

A delivery is answered as soon as it is stored, so the channel never times out on our work; a
redelivery of the same event finds its row and is acknowledged without doing anything again. The
processing imports the carried order through the same ``import_orders`` as polling, which stays the
safety net for deliveries that never came.
"""

import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.base import WebhookDelivery
from hub.channels.models import ChannelAccount, WebhookEvent
from hub.channels.sync import connector_for
from hub.orders.services import import_orders

logger = logging.getLogger(__name__)


def receive(account: ChannelAccount, delivery: WebhookDelivery) -> tuple[WebhookEvent, bool]:
    """Store a verified delivery once; returns (event, created). Processing is queued on commit."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                tenant_id=account.tenant_id, account=account, event_id=delivery.event_id[:200],
                topic=delivery.topic[:100], payload=delivery.payload,
            )  # fmt: skip
            transaction.on_commit(partial(_enqueue, event.pk))
            return event, True
    except IntegrityError:
        return WebhookEvent.objects.get(account=account, event_id=delivery.event_id[:200]), False


def _enqueue(event_id: int) -> None:
    from schedules.tasks import process_webhook

    process_webhook.delay(event_id)


def process(event_id: int) -> WebhookEvent | None:
    """Import the order a stored delivery carries. Safe to run twice: a processed event is left alone."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().select_related("account").filter(pk=event_id).first()
        if event is None or event.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
            return event
        event.attempts += 1
        event.save(update_fields=["attempts"])
    try:
        order = connector_for(event.account).order_from_webhook(
            WebhookDelivery(event.event_id, event.topic, event.payload)
        )
        outcome = import_orders(event.account, [order], source="webhook")[0] if order is not None else None
    except Exception as exc:
        logger.exception("Webhook %s of %s failed", event.event_id, event.account)
        return _mark(event, WebhookEvent.Status.FAILED, f"{type(exc).__name__}: {exc}")
    if outcome is not None and outcome.error is not None:
        return _mark(event, WebhookEvent.Status.FAILED, str(outcome.error))
    return _mark(event, WebhookEvent.Status.IGNORED if order is None else WebhookEvent.Status.PROCESSED, "")


def _mark(event: WebhookEvent, status: str, error: str) -> WebhookEvent:
    event.status, event.error, event.processed_at = status, error, timezone.now()
    event.save(update_fields=["status", "error", "processed_at"])
    return event
