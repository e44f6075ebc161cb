import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def client_anon():
    return APIClient()


def test_a_script_gets_a_token_and_uses_it(client_anon, tenant, sku):
    factories.make_user(tenant, "operations", username="ops-script", password="s3cret-Pass-1")

    response = client_anon.post("/api/v1/auth/token/", {"username": "ops-script", "password": "s3cret-Pass-1"})
    token = response.json()["token"]
    client_anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    skus = client_anon.get("/api/v1/skus/")

    assert response.status_code == 200
    assert response.json()["tenant"] == "acme"
    assert [row["code"] for row in skus.json()["results"]] == [sku.code]


def test_a_wrong_password_gets_no_token(client_anon, tenant):
    factories.make_user(tenant, "admin", username="someone", password="right-Pass-1")

    response = client_anon.post("/api/v1/auth/token/", {"username": "someone", "password": "wrong"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "token" not in response.json()


def test_a_bad_token_is_refused_in_the_one_error_format(client_anon, db):
    client_anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client_anon.get("/api/v1/skus/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_the_openapi_schema_describes_the_endpoints(client_anon, db):
    response = client_anon.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/skus/", "/api/v1/stock/adjust/", "/api/v1/stock/move/", "/api/v1/stock/movements/",
                 "/api/v1/warehouses/", "/api/v1/bins/", "/api/v1/stock/", "/api/v1/auth/token/"):  # fmt: skip
        assert path in paths


def test_the_interactive_docs_load_swagger_from_our_own_static_files(client_anon, db):
    html = client_anon.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "//unpkg" not in html and "jsdelivr" not in html
