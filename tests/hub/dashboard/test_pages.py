from decimal import Decimal

import pytest

from hub.catalog.models import BundleComponent
from hub.core.models import ImportJob
from tests import factories
from tests.hub.dashboard.conftest import client_for
from warehouse import stock


def test_home_shows_the_tenants_figures(ops, stocked, rival):
    factories.make_sku(stocked["sku"].tenant, "OLD-1", is_active=False)

    response = ops.get("/")

    figures = response.context["figures"]
    assert (figures.active_skus, figures.bundles, figures.warehouses) == (2, 0, 1)
    assert (figures.on_hand, figures.reserved, figures.out_of_stock) == (15, 1, 1)  # the mug has none
    assert b'data-figure="on_hand">15<' in response.content
    assert b"Rival" not in response.content


def test_home_counts_a_sku_whose_stock_is_all_reserved_as_out_of_stock(ops, tenant, bin_a):
    sku = factories.make_sku(tenant, "ALL-RESERVED")
    stock.receive(sku, bin_a, 2, key="in")
    stock.reserve(sku, bin_a, 2, key="out")

    assert ops.get("/").context["figures"].out_of_stock == 1


def test_home_lists_the_latest_imports(ops, tenant, other_tenant):
    ImportJob.objects.create(
        tenant=tenant, kind="catalog", file_name="acme.csv", file_format="csv", content=b"x"
    )
    ImportJob.objects.create(
        tenant=other_tenant, kind="catalog", file_name="rival.csv", file_format="csv", content=b"x"
    )

    content = ops.get("/").content.decode()

    assert "acme.csv" in content
    assert "Waiting to start" in content
    assert "rival.csv" not in content


def test_home_makes_a_fixed_number_of_queries(ops, stocked, django_assert_max_num_queries):
    for n in range(10):
        factories.make_sku(stocked["sku"].tenant, f"EXTRA-{n}")

    with django_assert_max_num_queries(12):
        ops.get("/")


def test_catalog_lists_the_tenants_skus_with_stock(ops, stocked, rival):
    response = ops.get("/catalog/")

    rows = {sku.code: sku for sku in response.context["page"].object_list}
    assert set(rows) == {"MUG-WHITE", "TSHIRT-RED-M"}
    assert (rows["TSHIRT-RED-M"].on_hand, rows["TSHIRT-RED-M"].available) == (15, 14)
    content = response.content.decode()
    assert "RIVAL-SECRET" not in content
    assert 'href="/api/v1/skus/export/"' in content
    assert f'href="/catalog/{stocked["sku"].pk}/"' in content


@pytest.mark.parametrize("query", ["tshirt", "T-shirt", "8901234567"])
def test_catalog_searches_code_name_and_barcode(ops, stocked, query):
    codes = [sku.code for sku in ops.get("/catalog/", {"q": query}).context["page"].object_list]

    assert codes == ["TSHIRT-RED-M"]


def test_catalog_search_does_not_reach_another_tenant(ops, stocked, rival):
    response = ops.get("/catalog/", {"q": "RIVAL"})

    assert list(response.context["page"].object_list) == []
    assert "No SKU matches" in response.content.decode()


def test_catalog_pages_by_fifty(ops, tenant):
    for n in range(55):
        factories.make_sku(tenant, f"P-{n:03d}")

    first = ops.get("/catalog/")
    second = ops.get("/catalog/", {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert [sku.code for sku in second.context["page"].object_list] == [f"P-{n:03d}" for n in range(50, 55)]
    assert "Page 2 of 2" in second.content.decode()


def test_catalog_shows_a_bundle_as_what_its_components_make(ops, stocked):
    tenant, shirt, mug = stocked["sku"].tenant, stocked["sku"], stocked["mug"]
    stock.receive(mug, stocked["bin_a"], 5, key="mugs")
    gift = factories.make_sku(
        tenant, "GIFT-SET", is_bundle=True, mrp=Decimal("1999"), selling_price=Decimal("1499")
    )
    BundleComponent.objects.create(tenant=tenant, bundle=gift, component=shirt, quantity=2)
    BundleComponent.objects.create(tenant=tenant, bundle=gift, component=mug, quantity=1)

    rows = {sku.code: sku for sku in ops.get("/catalog/").context["page"].object_list}

    # shirts: 15 on hand, 14 available -> 7 sets; mugs: 5 -> 5 sets
    assert (rows["GIFT-SET"].on_hand, rows["GIFT-SET"].available) == (5, 5)
    detail = ops.get(f"/catalog/{gift.pk}/")
    assert detail.context["detail"].totals == {"on_hand": 5, "reserved": 0, "available": 5}
    assert "MUG-WHITE" in detail.content.decode()


def test_sku_detail_shows_fields_barcodes_stock_and_ledger(ops, stocked):
    sku = stocked["sku"]

    response = ops.get(f"/catalog/{sku.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "8901234567890" in content
    assert "6109" in content
    assert "A-01-01" in content and "A-01-02" in content
    assert [row.kind for row in response.context["detail"].movements] == ["reserve", "receive", "receive"]
    assert response.context["detail"].totals == {"on_hand": 15, "reserved": 1, "available": 14}


def test_sku_detail_of_another_tenant_is_not_found(ops, rival):
    assert ops.get(f"/catalog/{rival['sku'].pk}/").status_code == 404


def test_another_tenant_does_not_find_our_sku(stocked, rival):
    outsider = factories.make_user(rival["sku"].tenant, "admin", username="rival-admin")

    assert client_for(outsider).get(f"/catalog/{stocked['sku'].pk}/").status_code == 404


def test_finance_reads_the_catalog_and_sku_detail(finance, stocked):
    assert finance.get("/catalog/").status_code == 200
    assert finance.get(f"/catalog/{stocked['sku'].pk}/").status_code == 200


def test_stock_lists_levels_with_available(ops, stocked, rival):
    response = ops.get("/stock/")

    levels = list(response.context["page"].object_list)
    assert [(level.bin.code, level.on_hand, level.reserved, level.available) for level in levels] == [
        ("A-01-01", 12, 1, 11),
        ("A-01-02", 3, 0, 3),
    ]
    assert response.context["totals"] == {"on_hand": 15, "reserved": 1, "available": 14}
    assert "RIVAL" not in response.content.decode()


def test_stock_filters_by_warehouse_and_sku(ops, stocked):
    tenant = stocked["sku"].tenant
    other_bin = factories.make_bin(factories.make_warehouse(tenant, "BLR2"), "B-1")
    stock.receive(stocked["mug"], other_bin, 4, key="mug-blr")

    by_warehouse = ops.get("/stock/", {"warehouse": other_bin.warehouse_id}).context["page"].object_list
    by_sku = ops.get("/stock/", {"q": "tshirt"}).context["page"].object_list

    assert [level.sku.code for level in by_warehouse] == ["MUG-WHITE"]
    assert {level.sku.code for level in by_sku} == {"TSHIRT-RED-M"}


def test_stock_ignores_another_tenants_warehouse_id(ops, stocked, rival):
    response = ops.get("/stock/", {"warehouse": rival["warehouse"].pk})

    assert "warehouse" in response.context["form"].errors
    assert "RIVAL" not in response.content.decode()


def test_ledger_lists_newest_first_and_filters(ops, stocked, rival):
    everything = ops.get("/stock/ledger/").context["ledger"].rows
    receipts = ops.get("/stock/ledger/", {"kind": "receive"}).context["ledger"].rows
    mugs = ops.get("/stock/ledger/", {"sku": "mug-white"}).context["ledger"].rows

    assert [row.kind for row in everything] == ["reserve", "receive", "receive"]
    assert [row.bin.code for row in receipts] == ["A-01-02", "A-01-01"]
    assert mugs == []


def test_ledger_pages_by_fifty_with_an_older_link(ops, stocked):
    for n in range(60):
        stock.adjust(stocked["sku"], stocked["bin_a"], 1, reason="count", key=f"count-{n}")

    first = ops.get("/stock/ledger/")
    older_than = first.context["ledger"].older_than
    second = ops.get("/stock/ledger/", {"before": older_than})

    assert len(first.context["ledger"].rows) == 50
    assert f"before={older_than}" in first.content.decode()
    assert len(second.context["ledger"].rows) == 13
    assert second.context["ledger"].older_than is None
    assert "Newest" in second.content.decode()


def test_finance_reads_stock_and_ledger(finance, stocked):
    assert finance.get("/stock/").status_code == 200
    assert finance.get("/stock/ledger/").status_code == 200


@pytest.mark.parametrize("url", ["/catalog/", "/stock/", "/stock/ledger/"])
def test_list_pages_make_no_query_per_row(ops, tenant, bin_a, url, django_assert_max_num_queries):
    for n in range(30):
        sku = factories.make_sku(tenant, f"Q-{n:02d}")
        factories.make_barcode(sku, f"BC-{n:02d}")
        stock.receive(sku, bin_a, n + 1, key=f"q-{n}")

    with django_assert_max_num_queries(10):
        assert ops.get(url).status_code == 200


def test_the_export_link_works_with_the_dashboard_session(ops, stocked):
    response = ops.get("/api/v1/skus/export/")

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]


def test_a_wrong_filter_is_left_out_and_the_valid_ones_apply(ops, stocked):
    rows = ops.get("/stock/ledger/", {"sku": "TSHIRT-RED-M", "kind": "bogus"}).context["ledger"].rows
    response = ops.get("/stock/", {"warehouse": "999999", "q": "tshirt"})

    assert len(rows) == 3
    assert "warehouse" in response.context["form"].errors
    assert {level.sku.code for level in response.context["page"].object_list} == {"TSHIRT-RED-M"}
