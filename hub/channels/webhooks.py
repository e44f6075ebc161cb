"""Inbound webhooks: verify, store under a unique (account, event id), process after commit.

A delivery is answered as soon as it is stored, so the channel never times out on our work; a
redelivery of the same event finds its row and is acknowledged without doing anything again. The
processing imports the carried order through the same ``import_orders`` as polling, which stays the
safety net for deliveries that never came. ``pick_up_stale`` (every scheduler tick) queues again a
delivery whose processing never ran (its message was lost) or failed (tried again with a doubling
pause, ``WEBHOOK_MAX_ATTEMPTS`` tries in all; after that it stays failed for a person to look at).
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
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


PICK_UP_AT_MOST = 500  # deliveries queued again per tick; the next tick takes the rest


def pick_up_stale(now: datetime | None = None) -> list[int]:
    """Queue again the deliveries left waiting or failed for longer than their pause; returns their ids."""
    now = now or timezone.now()
    pause = timedelta(seconds=settings.WEBHOOK_RETRY_AFTER_SECONDS)
    waiting = Q(status=WebhookEvent.Status.PENDING, received_at__lte=now - pause)
    failed = Q()
    for attempts in range(1, settings.WEBHOOK_MAX_ATTEMPTS):
        failed |= Q(attempts=attempts, processed_at__lte=now - pause * 2 ** (attempts - 1))
    failed &= Q(status=WebhookEvent.Status.FAILED)
    stale = list(WebhookEvent.objects.filter(waiting | failed).order_by("received_at").values_list("pk", flat=True)[:PICK_UP_AT_MOST])
    for event_id in stale:
        _enqueue(event_id)
    return stale


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
