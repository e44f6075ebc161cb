"""connectors/shopify/webhooks.py: signatures, event ids, order topics, the echo of the hub's own push."""

import base64
import hashlib
import hmac
import json

import pytest

from connectors.base import ChannelOrderState
from connectors.shopify.webhooks import (
    InvalidWebhook,
    is_own_echo,
    order_from_webhook,
    verify_webhook,
    webhook_event,
    webhook_event_id,
)
from tests.connectors.shopify.conftest import SECRET, START, indian_order, make_connector, sample

BODY = json.dumps(sample("order.json")["order"]).encode()


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_hmac_good_tampered_and_wrong_secret():
    signature = sign(BODY, SECRET)
    assert verify_webhook(BODY, signature, SECRET)
    assert not verify_webhook(BODY.replace(b"199.00", b"1.00"), signature, SECRET)
    assert not verify_webhook(BODY, signature, "another-secret")
    assert not verify_webhook(BODY, "", SECRET)
    assert not verify_webhook(BODY, signature, "")
    assert not verify_webhook(BODY, "not base64 at all", SECRET)


def test_webhook_event_reads_a_signed_delivery_and_refuses_a_forged_one():
    headers = {"X-Shopify-Topic": "orders/updated", "X-Shopify-Hmac-Sha256": sign(BODY, SECRET),
               "X-Shopify-Shop-Domain": "acme.myshopify.com", "X-Shopify-Webhook-Id": "w-1", "X-Shopify-Event-Id": "e-1"}  # fmt: skip
    event = webhook_event(headers, BODY, SECRET)
    assert (event.event_id, event.topic, event.shop) == ("e-1", "orders/updated", "acme.myshopify.com")
    assert event.payload["id"] == 450789469
    with pytest.raises(InvalidWebhook, match="signature"):
        webhook_event({**headers, "X-Shopify-Hmac-Sha256": sign(BODY, "forger")}, BODY, SECRET)
    with pytest.raises(InvalidWebhook, match="X-Shopify-Topic"):
        webhook_event({k: v for k, v in headers.items() if k != "X-Shopify-Topic"}, BODY, SECRET)


def test_event_id_prefers_the_event_id_and_falls_back_to_the_webhook_id():
    assert webhook_event_id({"x-shopify-event-id": "e-9", "x-shopify-webhook-id": "w-9"}) == "e-9"
    assert webhook_event_id({"X-Shopify-Webhook-Id": "w-9"}) == "w-9"


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "orders/cancelled"])
def test_order_topics_map_the_order_body(topic):
    dto = order_from_webhook(topic, BODY)
    assert dto.channel_order_id == "450789469" and len(dto.lines) == 3


def test_other_topics_and_bodies_are_refused():
    with pytest.raises(InvalidWebhook, match="not an order topic"):
        order_from_webhook("products/update", BODY)
    with pytest.raises(InvalidWebhook, match="not JSON"):
        order_from_webhook("orders/create", b"<xml/>")


def test_sandbox_delivery_verifies_and_its_redelivery_carries_the_same_event_id(sandbox):
    order = sandbox.add_order(indian_order(2001, updated_at=START))
    sandbox.cancel_order(order["id"])
    body, headers = sandbox.order_webhook(order["id"], "orders/cancelled", SECRET)
    connector = make_connector(sandbox.url)
    first = connector.parse_webhook(headers, body)
    again = connector.parse_webhook(headers, body)  # Shopify retries with the same headers
    assert first.event_id == again.event_id and first.topic == "orders/cancelled"
    assert connector.order_from_webhook(first).state == ChannelOrderState.CANCELLED


def test_a_forged_delivery_is_rejected_and_other_topics_carry_no_order(sandbox):
    from connectors.base import WebhookDelivery, WebhookRejected

    order = sandbox.add_order(indian_order(2002, updated_at=START))
    body, headers = sandbox.order_webhook(order["id"], "orders/updated", SECRET)
    connector = make_connector(sandbox.url)

    with pytest.raises(WebhookRejected):
        connector.parse_webhook(headers, body + b" ")
    assert connector.order_from_webhook(WebhookDelivery("e1", "inventory_levels/update", {})) is None


def test_echo_of_the_hubs_own_push_is_recognised():
    pushed = {"808950810": 6}
    level = sample("inventory_levels.json")["inventory_levels"][1]  # item 808950810 at 905684977: 1 available
    assert not is_own_echo(level, pushed, "905684977")  # 1 is not what the hub pushed: a real change
    assert is_own_echo({**level, "available": 6}, pushed, "gid://shopify/Location/905684977")
    assert not is_own_echo({**level, "available": 6}, pushed, "487838322")  # another location
    assert not is_own_echo({**level, "inventory_item_id": 39072856, "available": 6}, pushed, "905684977")
