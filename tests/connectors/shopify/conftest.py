"""Shopify's published samples, Indian orders built from them, and the sandbox served on loopback."""

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.sandbox.base import SandboxServer
from connectors.sandbox.shopify import SANDBOX_TOKEN, ShopifySandbox
from connectors.shopify import ShopifyConnector

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "shopify"
LOCATION = 905684977
SECRET = "whsec-test-secret"
START = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def indian_order(order_id: int, *, updated_at: datetime, lines: int = 2, gateway: str = "razorpay",
                 financial_status: str = "paid") -> dict:  # fmt: skip
    """Shopify's published order (order.json) reshaped as a consistent Indian order: tax-inclusive INR
    prices, 100 shipping, a 50 discount, a Pune address. Totals follow Shopify's arithmetic."""
    order = copy.deepcopy(sample("order.json")["order"])
    template = order["line_items"][0]
    items = []
    for n in range(lines):
        item = copy.deepcopy(template)
        item.update(id=order_id * 10 + n, sku=f"TEE-{n}", variant_id=5000 + n, price="499.00", quantity=n + 1,
                    tax_lines=[{"title": "IGST", "price": f"{Decimal('76.12') * (n + 1):.2f}", "rate": 0.18}],
                    discount_allocations=[{"amount": "25.00", "discount_application_index": 0}])  # fmt: skip
        items.append(item)
    item_total = sum(Decimal(i["price"]) * i["quantity"] for i in items)
    address = {"first_name": "Asha", "last_name": "Rao", "name": "Asha Rao", "address1": "12 FC Road", "address2": "Shivajinagar",
               "city": "Pune", "province": "Maharashtra", "province_code": "MH", "zip": "411005", "country": "India",
               "country_code": "IN", "phone": "+919800000000", "company": None}  # fmt: skip
    order.update(
        id=order_id, name=f"#{order_id}", order_number=order_id, currency="INR", taxes_included=True, gateway=gateway,
        payment_gateway_names=[gateway], financial_status=financial_status, fulfillment_status=None, line_items=items,
        shipping_lines=[{"code": "Standard", "price": "100.00", "source": "shopify", "title": "Standard"}],
        total_line_items_price=f"{item_total:.2f}", total_discounts=f"{25 * lines:.2f}",
        total_tax=f"{sum(Decimal(i['tax_lines'][0]['price']) for i in items):.2f}",
        total_price=f"{item_total + 100 - 25 * lines:.2f}", shipping_address=address, billing_address=dict(address),
        fulfillments=[], refunds=[], created_at=updated_at.isoformat(), updated_at=updated_at.isoformat(),
        email="asha@example.in", phone=None,
    )  # fmt: skip
    return order


@pytest.fixture(scope="module")
def _served_sandbox():
    """One server per module (stopping one takes half a second); every test gets it reset."""
    app = ShopifySandbox()
    with SandboxServer(app) as server:
        app.url = server.url
        yield app


@pytest.fixture
def sandbox(_served_sandbox):
    _served_sandbox.reset()
    return _served_sandbox


def make_connector(url: str, *, token: str = SANDBOX_TOKEN, version: str = "2025-01", **options) -> ShopifyConnector:
    credentials = {"shop": "hub-sandbox", "access_token": token, "api_version": version,
                   "location_id": str(LOCATION), "webhook_secret": SECRET}  # fmt: skip
    return ShopifyConnector(credentials, options={"base_url": url, "timeout": 5, **options})


@pytest.fixture
def connector(sandbox):
    return make_connector(sandbox.url)


@pytest.fixture
def orders(sandbox):
    """Seven orders updated a minute apart, added to the sandbox."""
    return [sandbox.add_order(indian_order(1001 + n, updated_at=START + timedelta(minutes=n))) for n in range(7)]
