"""The dashboard in a real browser: sign in, read the figures and the catalog, scan on a handheld."""

import pytest

from tests.browser import HANDHELD, log_in, screenshot
from tests.hub.dashboard.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_at_desktop_size(browser_page):
    page = browser_page
    page.goto("/login/")

    assert page.locator("h1").inner_text() == "Channel hub"
    assert page.evaluate("document.activeElement.name") == "username"
    screenshot(page, "login-desktop")

    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "correct username and password" in page.locator(".alert-error").inner_text()
    screenshot(page, "login-error")


def test_operations_sign_in_read_the_figures_and_scan(browser_page, users, stocked):
    page = browser_page
    log_in(page, "acme.operations", PASSWORD)

    assert page.url.endswith("/")
    assert page.locator('[data-figure="active_skus"]').inner_text() == "2"
    assert page.locator('[data-figure="on_hand"]').inner_text() == "15"
    assert page.locator('[data-figure="out_of_stock"]').inner_text() == "1"
    screenshot(page, "home-desktop")

    page.click("nav >> text=Catalog")
    assert page.locator("table tbody tr", has_text="TSHIRT-RED-M").count() == 1
    screenshot(page, "catalog-desktop")

    page.click("text=TSHIRT-RED-M")
    assert page.locator("h1").inner_text().startswith("TSHIRT-RED-M")
    screenshot(page, "sku-detail-desktop")

    page.set_viewport_size(HANDHELD)
    page.goto("/scanner/")
    scan = page.locator("#scan-code")
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert scan.get_attribute("inputmode") == "none"
    screenshot(page, "scanner-handheld-ready")

    scan.type("A-01-01")
    scan.press("Enter")
    ok = page.locator('#scan-result [data-scan-state="ok"]')
    ok.wait_for()
    assert "TSHIRT-RED-M" in ok.inner_text()
    assert scan.input_value() == ""
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert page.url.endswith("/scanner/")  # swapped in place, no page load
    screenshot(page, "scanner-handheld-bin")

    scan.type("8901234567890")
    scan.press("Enter")
    page.locator('#scan-result [data-scan-state="ok"]', has_text="A-01-02").wait_for()
    screenshot(page, "scanner-handheld-sku")

    scan.type("JUNK-404")
    scan.press("Enter")
    error = page.locator('#scan-result [data-scan-state="error"]')
    error.wait_for()
    assert "JUNK-404" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "scan-code"
    screenshot(page, "scanner-handheld-error")


def test_the_keyboard_button_switches_the_input_to_typing(browser_page, users):
    page = browser_page
    log_in(page, "acme.picker", PASSWORD)
    page.set_viewport_size(HANDHELD)

    assert page.url.endswith("/scan/")  # a picker lands on the scanner menu
    page.goto("/scanner/")  # its stock lookup
    page.click("#scan-keyboard")

    assert page.locator("#scan-code").get_attribute("inputmode") == "text"
    assert page.locator("#scan-keyboard").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert page.locator("nav >> text=Catalog").count() == 0


def test_an_import_job_page_polls_until_finished(browser_page, users, tenant):
    from hub.core.models import ImportJob

    job = ImportJob.objects.create(
        tenant=tenant, kind="catalog", file_name="big.csv", file_format="csv", content=b"",
        status=ImportJob.Status.VALIDATING, total_rows=400, processed_rows=100,
    )  # fmt: skip
    page = browser_page
    log_in(page, "acme.operations", PASSWORD)
    page.goto(f"/imports/{job.pk}/")
    assert page.locator(".progress").get_attribute("aria-valuenow") == "25"
    screenshot(page, "import-running")

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, processed_rows=400, error_count=1, message="1 rows have errors; nothing was imported.",
        errors=[{"row": 7, "column": "gst_rate", "value": "7", "reason": "GST rate must be one of 0, 5, 12, 18, 28."}],
    )  # fmt: skip

    page.locator('[data-status="failed"]').wait_for(timeout=5_000)
    assert page.locator(".progress").get_attribute("aria-valuenow") == "100"
    assert "gst_rate" in page.locator("table").inner_text()
    screenshot(page, "import-failed")


def test_office_pages_in_the_browser(browser_page, users, stocked):
    page = browser_page
    log_in(page, "acme.operations", PASSWORD)

    page.click("nav >> text=Stock ledger")
    assert page.locator("table tbody tr").count() == 3
    assert "AMZ-402-1234567" in page.locator("table").inner_text()
    screenshot(page, "ledger-desktop")

    page.click("nav >> text=Stock")
    page.select_option("select[name=warehouse]", label=str(stocked["warehouse"]))
    page.click("button:has-text('Filter')")
    assert page.locator("table tbody tr").count() == 2
    screenshot(page, "stock-desktop")

    page.click("nav >> text=Imports")
    page.set_input_files("input[type=file]", files=[
        {"name": "catalog.csv", "mimeType": "text/csv", "buffer": b"code,title\nA,B\n"},
    ])  # fmt: skip
    page.click("button:has-text('Upload')")
    assert "header does not match" in page.locator("#upload-error").inner_text()
    screenshot(page, "imports-bad-header")

    good = b"sku,name,hsn_code,gst_rate,mrp,selling_price\nKURTA-L,Cotton kurta,6211,5,1299,999\n"
    page.set_input_files(
        "input[type=file]", files=[{"name": "kurtas.csv", "mimeType": "text/csv", "buffer": good}]
    )
    page.click("button:has-text('Upload')")
    page.locator('[data-status="succeeded"]').wait_for()
    assert "Imported" in page.locator(".job").inner_text()
    screenshot(page, "import-succeeded")
    page.click("nav >> text=Imports")
    assert page.locator("table tbody tr", has_text="kurtas.csv").count() == 1
    screenshot(page, "imports-list")

    page.set_viewport_size(HANDHELD)
    page.goto("/")
    screenshot(page, "home-handheld")
