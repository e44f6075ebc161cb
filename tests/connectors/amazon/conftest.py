"""Amazon's published samples, a loopback sandbox, a connector pointed at it, and amazon.in orders.

No amazon.in order is published (``fixtures/amazon/README.md``): ``india_order`` builds one from the
published order's shape (``getOrder_sandbox.json``) with an Indian marketplace, rupees and an address.
"""

import copy
import json
from pathlib import Path

import pytest

from connectors.amazon import AmazonConnector
from connectors.amazon.connector import AMAZON_RATES
from connectors.sandbox.amazon import SANDBOX_CREDENTIALS, AmazonSandbox
from connectors.sandbox.base import SandboxServer

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "amazon"
FAST = {operation: [1000, 1000] for operation in AMAZON_RATES}  # Amazon's plans would make a test wait minutes


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def static_responses(name: str, status: str = "200") -> list[dict]:
    """The response bodies of an x-amzn-api-sandbox file's static cases."""
    return [case["response"] for case in sample(name)[status]["static"]]


def published_order() -> dict:
    return copy.deepcopy(static_responses("getOrder_sandbox.json")[0]["payload"])


def published_items() -> list[dict]:
    return copy.deepcopy(static_responses("getOrderItems_sandbox.json")[0]["payload"]["OrderItems"])


def india_order(number: int, *, status: str = "Unshipped", updated: str = "2025-03-01T10:00:00Z", cod: bool = False) -> dict:
    """An amazon.in order in the published order's shape (not a published payload)."""
    order = published_order()
    order.update({
        "AmazonOrderId": f"408-{number:07d}-{number:07d}", "PurchaseDate": "2025-03-01T09:00:00Z", "LastUpdateDate": updated,
        "OrderStatus": status, "SalesChannel": "Amazon.in", "MarketplaceId": "A21TJRUUN4KGV",
        "OrderTotal": {"CurrencyCode": "INR", "Amount": "1298.00"}, "PaymentMethod": "COD" if cod else "Other",
        "PaymentMethodDetails": ["COD"] if cod else ["Standard"], "LatestShipDate": "2025-03-03T18:29:59Z",
        "ShippingAddress": {"Name": "Asha Kulkarni", "AddressLine1": "12 FC Road", "AddressLine2": "Shivajinagar",
                            "City": "Pune", "StateOrRegion": "MAHARASHTRA", "PostalCode": "411005", "CountryCode": "IN",
                            "Phone": "+91 98200 00000", "AddressType": "Residential"},
        "BuyerInfo": {"BuyerEmail": "asha@marketplace.amazon.in", "BuyerName": "Asha Kulkarni"},
    })  # fmt: skip
    return order


def india_item(number: int, *, sku: str = "TEE-BLK-M", quantity: int = 2, price: str = "1198.00", tax: str = "128.36",
               shipping: str = "100.00") -> dict:  # fmt: skip
    """An amazon.in order item in the published item's shape: ItemPrice is for the whole quantity, GST included."""
    item = published_items()[0]
    item.pop("BuyerRequestedCancel")
    item.update({
        "ASIN": f"B0TEST{number:04d}", "OrderItemId": f"{number:014d}", "SellerSKU": sku, "Title": f"Crew tee {sku}",
        "QuantityOrdered": quantity, "ItemPrice": {"CurrencyCode": "INR", "Amount": price},
        "ItemTax": {"CurrencyCode": "INR", "Amount": tax}, "ShippingPrice": {"CurrencyCode": "INR", "Amount": shipping},
        "PromotionDiscount": {"CurrencyCode": "INR", "Amount": "0.00"},
    })  # fmt: skip
    return item


@pytest.fixture(scope="session")
def sandbox_server():
    """One loopback server for the session (stopping one waits out serve_forever's half-second poll)."""
    app = AmazonSandbox()
    server = SandboxServer(app)
    # The base handler writes headers and body in two sends: without TCP_NODELAY every keep-alive call
    # waits out a delayed ACK (about 40 ms).
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True
    with server:
        app.url = server.url
        yield app


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox, emptied: no orders, listings, feeds, faults or calls."""
    sandbox_server.reset()
    sandbox_server.items_page_size, sandbox_server.feed_checks_in_progress = 30, 0
    return sandbox_server


@pytest.fixture
def connect(sandbox):
    """Build connectors pointed at the sandbox: ``connect(page_size=3)``, ``connect(credentials={...})``."""
    built = []

    def make(*, credentials: dict | None = None, **options) -> AmazonConnector:
        connector = AmazonConnector({**SANDBOX_CREDENTIALS, **(credentials or {})},
                                    options={"base_url": sandbox.url, "rate_limits": FAST, **options})  # fmt: skip
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()
