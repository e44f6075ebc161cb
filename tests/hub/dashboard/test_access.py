import pytest

from tests import factories
from tests.hub.dashboard.conftest import client_for

OFFICE_PAGES = ["/", "/orders/", "/channels/", "/catalog/", "/stock/", "/stock/ledger/", "/imports/"]


@pytest.mark.parametrize("url", [*OFFICE_PAGES, "/scanner/", "/scanner/lookup/?code=X", "/imports/1/"])
def test_every_page_asks_an_anonymous_visitor_to_sign_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("url", [*OFFICE_PAGES, "/catalog/1/", "/imports/1/"])
def test_a_picker_is_sent_to_the_scanner(picker, url):
    response = picker.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/scan/"


def test_a_picker_cannot_upload_either(picker):
    response = picker.post("/imports/upload/", {})

    assert response.status_code == 302
    assert response["Location"] == "/scan/"


def test_a_picker_may_use_the_scanner(picker):
    assert picker.get("/scanner/").status_code == 200


def test_after_login_a_picker_lands_on_the_scanner(client, users):
    response = client.post("/login/", {"username": "acme.picker", "password": "pw-Test-12345"}, follow=True)

    assert response.redirect_chain == [("/", 302), ("/scan/", 302)]
    assert b"Stock lookup" in response.content  # the scanner menu: receive, put away, pick ... and the lookup


def test_a_wrong_password_is_refused_with_a_message(client, users):
    response = client.post("/login/", {"username": "acme.operations", "password": "nope"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b"Channel hub" in response.content


def test_the_login_page_renders(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


@pytest.mark.parametrize("role", ["admin", "operations", "finance"])
@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_office_roles_open_the_office_pages(users, role, url):
    assert client_for(users[role]).get(url).status_code == 200


def test_a_user_without_a_tenant_is_refused(db):
    user = factories.make_user(factories.make_tenant(), "admin")
    user.tenant = None
    user.save()

    assert client_for(user).get("/").status_code == 403


def nav_labels(response) -> list[str]:
    return [item.label for item in response.context["items"]]


def test_operations_see_the_full_nav(ops):
    response = ops.get("/")

    assert nav_labels(response) == [
        "Home",
        "Orders",
        "Channels",
        "Catalog",
        "Stock",
        "Stock ledger",
        "Imports",
        "Scanner",
        "API docs",
        "Admin",
    ]
    assert b'href="/api/v1/docs/"' in response.content
    assert b'href="/admin/"' in response.content


def test_finance_sees_no_imports_scanner_or_admin_in_the_nav(finance):
    assert nav_labels(finance.get("/")) == [
        "Home", "Orders", "Channels", "Catalog", "Stock", "Stock ledger", "API docs",
    ]  # fmt: skip


def test_a_picker_sees_only_the_scanner_in_the_nav(picker):
    assert nav_labels(picker.get("/scanner/")) == ["Scanner"]


def test_the_layout_shows_the_tenant_and_a_logout_form(ops):
    content = ops.get("/").content.decode()

    assert "Acme Apparel" in content
    assert "acme.operations" in content
    assert '<form method="post" action="/logout/">' in content


def test_logging_out_is_a_post(ops):
    response = ops.post("/logout/")

    assert response.status_code == 302
    assert ops.get("/").status_code == 302
