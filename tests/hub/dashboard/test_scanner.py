import pytest
from django.template.loader import render_to_string

from hub.dashboard.selectors import lookup_code
from tests import factories


def lookup(client, code: str):
    return client.get("/scanner/lookup/", {"code": code}, headers={"HX-Request": "true"})


def test_the_scanner_page_is_ready_for_a_wedge_scanner(picker, db):
    content = picker.get("/scanner/").content.decode()

    assert 'inputmode="none"' in content
    assert "autofocus" in content
    assert 'hx-get="/scanner/lookup/"' in content
    assert 'id="scan-keyboard"' in content
    assert "dashboard/scanner.js" in content
    assert "django_htmx/htmx-2.min.js" in content


def test_a_bin_barcode_shows_the_skus_in_it(picker, stocked):
    response = lookup(picker, "A-01-01")

    content = response.content.decode()
    assert 'data-scan-state="ok"' in content
    assert "TSHIRT-RED-M" in content
    assert ">12<" in content and "1 reserved" in content
    assert "<html" not in content  # a fragment for htmx, not a page


def test_a_sku_barcode_shows_the_bins_holding_it(picker, stocked):
    response = lookup(picker, "8901234567890")

    content = response.content.decode()
    assert 'data-scan-state="ok"' in content
    assert "TSHIRT-RED-M" in content
    assert "A-01-01" in content and "A-01-02" in content
    assert "15 on hand · 14 available" in content


def test_a_sku_code_works_as_well(picker, stocked):
    assert lookup(picker, "tshirt-red-m").context["lookup"].sku == stocked["sku"]


def test_an_unknown_code_is_an_error(picker, stocked):
    response = lookup(picker, "NO-SUCH-THING")

    content = response.content.decode()
    assert 'data-scan-state="error"' in content
    assert "Unknown code" in content
    assert "NO-SUCH-THING" in content


@pytest.mark.parametrize("code", ["RIVAL-BIN", "RIVAL-EAN", "RIVAL-SECRET"])
def test_another_tenants_codes_are_unknown(picker, stocked, rival, code):
    assert 'data-scan-state="error"' in lookup(picker, code).content.decode()


def test_an_empty_scan_says_nothing_was_scanned(picker, db):
    assert "Nothing scanned" in lookup(picker, "  ").content.decode()


def test_without_javascript_the_page_itself_shows_the_result(picker, stocked):
    response = picker.get("/scanner/", {"code": "A-01-02"})

    content = response.content.decode()
    assert "<html" in content
    assert 'data-scan-state="ok"' in content
    assert "TSHIRT-RED-M" in content


def test_office_roles_may_open_the_scanner(ops, finance, db):
    assert ops.get("/scanner/").status_code == 200
    assert finance.get("/scanner/").status_code == 200


def test_lookup_prefers_a_bin_and_lists_only_stocked_rows(stocked):
    tenant = stocked["sku"].tenant
    empty = factories.make_bin(stocked["warehouse"], "EMPTY-1")

    bin_result = lookup_code(tenant, "A-01-01")
    empty_result = lookup_code(tenant, "EMPTY-1")

    assert bin_result.bin == stocked["bin_a"] and bin_result.sku is None
    assert [level.sku.code for level in bin_result.levels] == ["TSHIRT-RED-M"]
    assert empty_result.bin == empty and empty_result.levels == []
    assert "This bin is empty" in _render(empty_result)


def _render(result) -> str:
    return render_to_string("dashboard/scanner/_result.html", {"lookup": result})
