"""Shared rows for the channel tests: an account served by the tenant's warehouse, and a rival tenant."""

import pytest

from tests import factories
from tests.conftest import api_client_for
from warehouse import stock

SECRET = "s3cr3t-refresh-token-42"


@pytest.fixture
def account(tenant, warehouse):
    return factories.make_account(tenant, warehouse, kind="amazon", name="Amazon IN")


@pytest.fixture
def stocked(sku, bin_a):
    """11 units of the SKU in a sellable bin of the account's warehouse."""
    stock.receive(sku, bin_a, 11, key="opening")
    return sku


@pytest.fixture
def theirs(other_tenant):
    """Another tenant's warehouse, SKU, account and listing, all named RIVAL."""
    warehouse = factories.make_warehouse(other_tenant, "RIVAL-WH")
    sku = factories.make_sku(other_tenant, "RIVAL-SKU")
    account = factories.make_account(other_tenant, warehouse, kind="flipkart", name="RIVAL Flipkart")
    listing = factories.make_listing(account, sku, "RIVAL-CH")
    return {"warehouse": warehouse, "sku": sku, "account": account, "listing": listing}


def client_with(tenant, role: str):
    return api_client_for(factories.make_user(tenant, role))
