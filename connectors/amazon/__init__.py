"""Amazon (Selling Partner API): orders in, stock out as a JSON_LISTINGS_FEED, shipments confirmed."""

from connectors.amazon.connector import AmazonConnector

Connector = AmazonConnector

__all__ = ["AmazonConnector", "Connector"]
