import pytest
from django.db import connection
from rest_framework.test import APIClient

from hub.celery import app as celery_app
from tests import factories


def pytest_configure(config):
    """Passwords hash fast: the tests make many users, and PBKDF2 is slow on purpose."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_tasks_and_clean_cache(settings):
    """Tasks run in-process in ordinary tests (the schedules tests start real workers themselves), and a
    stock change queues no channel push unless a test asks for it (tests push explicitly)."""
    celery_app.conf.task_always_eager = True
    settings.STOCK_PUSH_ON_CHANGE = False
    clear_cache()
    return


def clear_cache() -> None:
    """Empty the hub's cache. On Redis only the hub's keys go (its ``KEY_PREFIX``): ``cache.clear()`` would
    flush the whole database, a demo's queues and locks on the same Redis included."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(None, write=True)
    for key in client.scan_iter(match=f"{backend.key_prefix}*"):
        client.delete(key)


@pytest.fixture
def postgres():
    """Skip, saying why, unless the suite runs on PostgreSQL (DATABASE_URL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI's .ci/run does)")


@pytest.fixture
def tenant(db):
    return factories.make_tenant("Acme Apparel", slug="acme")


@pytest.fixture
def other_tenant(db):
    return factories.make_tenant("Rival Retail", slug="rival")


@pytest.fixture
def warehouse(tenant):
    return factories.make_warehouse(tenant, "PNQ1")


@pytest.fixture
def bin_a(warehouse):
    return factories.make_bin(warehouse, "A-01-01")


@pytest.fixture
def bin_b(warehouse):
    return factories.make_bin(warehouse, "A-01-02")


@pytest.fixture
def sku(tenant):
    return factories.make_sku(tenant, "TSHIRT-RED-M")


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def admin_user(tenant):
    return factories.make_user(tenant, "admin", username="acme-admin")


@pytest.fixture
def api(admin_user):
    return api_client_for(admin_user)
