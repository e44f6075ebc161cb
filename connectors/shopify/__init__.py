"""Shopify: orders over REST, stock and fulfilments over GraphQL, order webhooks; through ShopifyAPI.

``connectors.registry`` finds the channel by this package's ``Connector``.
"""

from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.mapping import MappingError, order_from_payload
from connectors.shopify.stock import inventory_set_input
from connectors.shopify.webhooks import (
    InvalidWebhook,
    WebhookEvent,
    is_own_echo,
    order_from_webhook,
    verify_webhook,
)

Connector = ShopifyConnector

__all__ = [
    "Connector",
    "InvalidWebhook",
    "MappingError",
    "ShopifyConnector",
    "WebhookEvent",
    "inventory_set_input",
    "is_own_echo",
    "order_from_payload",
    "order_from_webhook",
    "verify_webhook",
]
