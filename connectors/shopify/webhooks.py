"""Shopify webhooks: signature, event id, and the order topics; pure functions, no I/O.

Facts followed (Shopify's webhook documentation): the body is signed with the app's secret and the
signature travels base64-encoded in ``X-Shopify-Hmac-Sha256``; ``X-Shopify-Topic`` names the topic,
``X-Shopify-Shop-Domain`` the shop, ``X-Shopify-Event-Id`` the event (the same on every delivery of it;
older deliveries carry ``X-Shopify-Webhook-Id``). The order topics deliver the REST order object.

The hub verifies a delivery, stores it under a unique (account, event id) so a redelivery is a no-op,
processes it after commit, and keeps polling orders as the safety net for a lost delivery.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import OrderDTO
from connectors.shopify.mapping import order_from_payload
from connectors.shopify.stock import numeric_id

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
INVENTORY_TOPIC = "inventory_levels/update"


class InvalidWebhook(ValueError):
    """A delivery that did not come from Shopify (bad or missing signature) or cannot be read."""


@dataclass(frozen=True)
class WebhookEvent:
    """One verified delivery. ``event_id`` is what the hub stores under its unique (account, event id)
    constraint, so a redelivery of the same event is a no-op."""

    event_id: str
    topic: str
    shop: str
    payload: dict = field(repr=False)
    api_version: str = ""


def verify_webhook(body: bytes, hmac_header: str, secret: str) -> bool:
    """Shopify signs the raw body: ``X-Shopify-Hmac-Sha256`` is base64(HMAC-SHA256(secret, body)).

    Compared in constant time; an empty secret or header never verifies.
    """
    if not secret or not hmac_header:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), hmac_header.strip().encode())


def webhook_event_id(headers: Mapping[str, str]) -> str:
    """``X-Shopify-Event-Id`` is the same on every delivery of one event (Shopify's advice for ignoring
    duplicates); deliveries that predate it carry only ``X-Shopify-Webhook-Id``, which a retry repeats."""
    lowered = _lower(headers)
    return lowered.get("x-shopify-event-id") or lowered.get("x-shopify-webhook-id") or ""


def webhook_event(headers: Mapping[str, str], body: bytes, secret: str) -> WebhookEvent:
    """Verify a delivery and read it; raises ``InvalidWebhook`` if it is not Shopify's or has no id."""
    lowered = _lower(headers)
    if not verify_webhook(body, lowered.get("x-shopify-hmac-sha256", ""), secret):
        raise InvalidWebhook("The X-Shopify-Hmac-Sha256 signature does not match the body.")
    event_id, topic = webhook_event_id(lowered), lowered.get("x-shopify-topic", "")
    if not event_id or not topic:
        raise InvalidWebhook("A Shopify delivery carries X-Shopify-Topic and X-Shopify-Event-Id (or X-Shopify-Webhook-Id).")
    return WebhookEvent(event_id=event_id, topic=topic, shop=lowered.get("x-shopify-shop-domain", ""),
                        payload=_json_object(body), api_version=lowered.get("x-shopify-api-version", ""))  # fmt: skip


def order_from_webhook(topic: str, body: bytes | str | Mapping[str, Any]) -> OrderDTO:
    """orders/create, orders/updated and orders/cancelled deliver the order object itself."""
    if topic not in ORDER_TOPICS:
        raise InvalidWebhook(f"{topic!r} is not an order topic ({', '.join(sorted(ORDER_TOPICS))}).")
    return order_from_payload(body if isinstance(body, Mapping) else _json_object(body))


def _json_object(body: bytes | str) -> dict:
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidWebhook("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidWebhook("The body is not a JSON object.")
    return payload


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(key).lower(): str(value) for key, value in headers.items()}


def is_own_echo(level: Mapping[str, Any], pushed: Mapping[str, int], location_id: str | int) -> bool:
    """Whether an inventory_levels/update delivery only reports the hub's own push.

    Shopify sends inventory_levels/update for every change, the hub's included, and the payload does not
    say who made it. ``pushed`` is what a push set ({inventory item id: quantity}, the ``pushed`` entry of
    ``PushResult.response``, kept by the hub per listing as its last pushed quantity): a delivery for the
    same item and location reporting exactly that quantity is the echo and is dropped; any other quantity
    is a real change on Shopify (a sale, a manual edit).
    """
    item = numeric_id(level.get("inventory_item_id") or "")
    if numeric_id(level.get("location_id") or "") != numeric_id(location_id) or item not in pushed:
        return False
    return level.get("available") == pushed[item]
