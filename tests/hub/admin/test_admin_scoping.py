"""The admin site: a tenant's staff see and change only their own tenant's rows."""

import pytest
from django.test import Client

from hub.catalog.models import SKU
from tests import factories
from warehouse import stock


@pytest.fixture
def rival_sku(other_tenant):
    return factories.make_sku(other_tenant, "RIVAL-SKU")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_tenant_admin_lists_only_their_own_skus(admin_user, sku, rival_sku):
    page = logged_in(admin_user).get("/admin/catalog/sku/").content.decode()

    assert sku.code in page
    assert "RIVAL-SKU" not in page


def test_another_tenants_row_cannot_be_opened_or_deleted(admin_user, rival_sku):
    client = logged_in(admin_user)

    change = client.get(f"/admin/catalog/sku/{rival_sku.pk}/change/")
    delete = client.post(f"/admin/catalog/sku/{rival_sku.pk}/delete/", {"post": "yes"})

    assert change.status_code == 302  # "doesn't exist. Perhaps it was deleted?" back to the list
    assert delete.status_code == 302
    assert SKU.objects.filter(pk=rival_sku.pk).exists()


def test_a_sku_added_in_the_admin_belongs_to_the_admins_tenant(admin_user, tenant):
    response = logged_in(admin_user).post(
        "/admin/catalog/sku/add/",
        {
            "code": "ADMIN-1", "name": "Added in admin", "hsn_code": "6109", "gst_rate": "5", "mrp": "100",
            "selling_price": "90", "is_active": "on",
            "barcodes-TOTAL_FORMS": "1", "barcodes-INITIAL_FORMS": "0",
            "barcodes-0-code": "ADM-BC-1", "barcodes-0-kind": "internal",
            "components-TOTAL_FORMS": "0", "components-INITIAL_FORMS": "0",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    created = SKU.objects.get(code="ADMIN-1")
    assert created.tenant == tenant
    assert created.barcodes.get().tenant == tenant


def test_foreign_key_choices_offer_only_the_tenants_rows(admin_user, warehouse, other_tenant):
    factories.make_warehouse(other_tenant, "RIVAL-WH")

    page = logged_in(admin_user).get("/admin/warehouse/bin/add/").content.decode()

    assert warehouse.code in page
    assert "RIVAL-WH" not in page


def test_the_ledger_and_levels_are_read_only_in_the_admin(admin_user, sku, bin_a):
    movement = stock.receive(sku, bin_a, 3, key="r").movements[0]
    client = logged_in(admin_user)

    assert client.get("/admin/warehouse/stockmovement/").status_code == 200
    assert client.get("/admin/warehouse/stockmovement/add/").status_code == 403
    assert client.post(f"/admin/warehouse/stockmovement/{movement.pk}/delete/", {"post": "yes"}).status_code == 403


def test_finance_can_view_but_not_change(tenant, sku):
    finance = factories.make_user(tenant, "finance")
    client = logged_in(finance)

    assert client.get("/admin/catalog/sku/").status_code == 200
    assert client.get("/admin/catalog/sku/add/").status_code == 403


def test_tenant_admins_manage_only_their_own_users(admin_user, other_tenant):
    factories.make_user(other_tenant, "admin", username="rival-admin")
    colleague = factories.make_user(admin_user.tenant, "picker", username="colleague")

    client = logged_in(admin_user)
    listing = client.get("/admin/tenants/user/").content.decode()
    response = client.post(
        f"/admin/tenants/user/{colleague.pk}/change/",
        {"username": "colleague", "first_name": "", "last_name": "", "email": "", "is_active": "on",
         "roles": ["picker", "operations"]},
    )  # fmt: skip

    assert "colleague" in listing
    assert "rival-admin" not in listing
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert sorted(colleague.roles) == ["operations", "picker"]
    assert colleague.is_staff


def test_sidebar_filters_never_name_another_tenant(admin_user, bin_a, other_tenant):
    factories.make_bin(factories.make_warehouse(other_tenant, "RIVAL-WH"))
    client = logged_in(admin_user)

    for url in ("/admin/warehouse/bin/", "/admin/warehouse/stocklevel/", "/admin/warehouse/stockmovement/",
                "/admin/tenants/user/"):  # fmt: skip
        page = client.get(url).content.decode()
        assert "RIVAL" not in page, url
        assert "Rival Retail" not in page, url
