import pytest

from tests import factories
from tests.conftest import api_client_for
from warehouse import stock
from warehouse.selectors import stock_drift


@pytest.fixture(autouse=True)
def _ledger_stays_balanced(db):
    """After every flow the stock levels still equal the ledger (what ``manage.py audit_stock`` checks)."""
    yield
    assert stock_drift() == []


@pytest.fixture
def stocked(sku, bin_a):
    """Ten T-shirts in bin A-01-01."""
    stock.receive(sku, bin_a, 10, key="opening")
    return bin_a


@pytest.fixture
def operations(tenant):
    return factories.make_user(tenant, "operations")


@pytest.fixture
def picker_user(tenant):
    return factories.make_user(tenant, "picker")


@pytest.fixture
def picker(picker_user):
    return api_client_for(picker_user)
