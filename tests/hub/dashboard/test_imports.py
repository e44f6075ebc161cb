import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.catalog.models import SKU
from hub.core.models import ImportJob

HEADER = "sku,name,hsn_code,gst_rate,mrp,selling_price,barcodes\n"
GOOD_CSV = (
    HEADER
    + "KURTA-BLUE-L,Cotton kurta,6211,5,1299,999,8900000000011\nKURTA-BLUE-XL,Cotton kurta,6211,5,1299,999,\n"
)
BAD_ROWS_CSV = HEADER + "KURTA-BLUE-L,Cotton kurta,6211,7,1299,1499,\n"


def upload(client, text: str, *, name: str = "catalog.csv", dry_run: bool = False, follow: bool = False):
    data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/imports/upload/", data, follow=follow)


def test_the_imports_page_offers_the_upload_form_to_operations(ops, db):
    content = ops.get("/imports/").content.decode()

    assert 'enctype="multipart/form-data"' in content
    assert "Dry run (check only)" in content


def test_finance_sees_the_imports_but_no_form(finance, db):
    content = finance.get("/imports/").content.decode()

    assert "Recent imports" in content
    assert 'action="/imports/upload/"' not in content


def test_finance_cannot_post_an_import(finance, db):
    response = upload(finance, GOOD_CSV)

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_valid_file_is_imported_and_the_job_page_says_so(ops, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(ops, GOOD_CSV)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    page = ops.get(response["Location"])
    content = page.content.decode()
    assert "Imported" in content
    assert 'data-status="succeeded"' in content
    assert "hx-trigger" not in content  # finished: no more polling
    assert set(SKU.objects.for_tenant(tenant).values_list("code", flat=True)) == {
        "KURTA-BLUE-L",
        "KURTA-BLUE-XL",
    }
    assert page.context["job"].created_count == 2


def test_a_dry_run_writes_nothing(ops, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(ops, GOOD_CSV, dry_run=True)

    content = ops.get(response["Location"]).content.decode()
    assert "Dry run finished" in content
    assert "Would create" in content
    assert not SKU.objects.exists()


def test_row_errors_are_listed_with_a_report_link(ops, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(ops, BAD_ROWS_CSV)

    job = ImportJob.objects.get()
    page = ops.get(response["Location"])
    content = page.content.decode()
    assert job.status == ImportJob.Status.FAILED
    assert page.context["errors"]
    assert {error["column"] for error in page.context["errors"]} >= {"gst_rate"}
    assert "<th>Reason</th>" in content
    assert f'href="/api/v1/imports/{job.pk}/errors/"' in content


def test_a_bad_header_is_refused_on_the_form(ops, db):
    response = upload(ops, "code,title\nA,B\n")

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert 'id="upload-error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(ops, db):
    response = upload(ops, "this is not a zip", name="catalog.xlsx")

    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(ops, db, settings):
    settings.IMPORT_MAX_BYTES = 10

    response = upload(ops, GOOD_CSV)

    assert response.status_code == 400
    assert "larger than" in response.context["form"].errors["file"][0]


def test_an_unfinished_job_polls_its_progress(ops, tenant):
    job = ImportJob.objects.create(
        tenant=tenant, kind="catalog", file_name="big.csv", file_format="csv", content=b"",
        status=ImportJob.Status.VALIDATING, total_rows=400, processed_rows=100,
    )  # fmt: skip

    page = ops.get(f"/imports/{job.pk}/").content.decode()
    fragment = ops.get(f"/imports/{job.pk}/progress/", headers={"HX-Request": "true"}).content.decode()

    assert f'hx-get="/imports/{job.pk}/progress/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert 'hx-swap="outerHTML"' in page
    assert 'aria-valuenow="25"' in fragment
    assert "<html" not in fragment


def test_the_progress_fragment_stops_polling_once_finished(ops, tenant):
    job = ImportJob.objects.create(
        tenant=tenant, kind="catalog", file_name="done.csv", file_format="csv", content=b"",
        status=ImportJob.Status.SUCCEEDED, total_rows=3, processed_rows=3, created_count=3,
    )  # fmt: skip

    fragment = ops.get(f"/imports/{job.pk}/progress/").content.decode()

    assert "hx-get" not in fragment
    assert 'aria-valuenow="100"' in fragment


@pytest.mark.parametrize("suffix", ["", "progress/"])
def test_another_tenants_job_is_not_found(ops, other_tenant, suffix):
    job = ImportJob.objects.create(
        tenant=other_tenant, kind="catalog", file_name="x.csv", file_format="csv", content=b""
    )

    assert ops.get(f"/imports/{job.pk}/{suffix}").status_code == 404


def test_finance_may_view_a_job(finance, tenant):
    job = ImportJob.objects.create(
        tenant=tenant, kind="catalog", file_name="x.csv", file_format="csv", content=b""
    )

    assert finance.get(f"/imports/{job.pk}/").status_code == 200


def test_the_error_report_link_works_with_the_dashboard_session(ops, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(ops, BAD_ROWS_CSV)

    report = ops.get(f"/api/v1/imports/{ImportJob.objects.get().pk}/errors/")

    assert report.status_code == 200
    assert b"gst_rate" in report.getvalue()
