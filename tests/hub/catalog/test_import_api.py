"""The catalog import and export endpoints and the import jobs (hub/catalog/import_api.py)."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.catalog.models import SKU
from hub.core.models import ImportJob
from tests import factories
from tests.conftest import api_client_for
from tests.hub.catalog.test_imports import csv_bytes, row, xlsx_bytes

IMPORT_URL = "/api/v1/skus/import/"
EXPORT_URL = "/api/v1/skus/export/"
JOBS_URL = "/api/v1/imports/"


@pytest.fixture
def upload(api, django_capture_on_commit_callbacks):
    """POST a file as multipart and run the queued job (eagerly) once the request's writes commit."""

    def post(content: bytes, *, name: str = "catalog.csv", dry_run: bool = False, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api).post(
                IMPORT_URL,
                {"file": SimpleUploadedFile(name, content), "dry_run": dry_run},
                format="multipart",
            )

    return post


def job_after(api, response) -> dict:
    """The job as a poll sees it once the worker is done (the 202 itself shows it queued)."""
    assert response.status_code == 202, response.json()
    return api.get(response.json()["links"]["self"]).json()


def client_with(tenant, role: str):
    return api_client_for(factories.make_user(tenant, role))


def test_an_upload_answers_202_with_the_queued_job_and_then_imports_the_rows(upload, api, tenant):
    response = upload(csv_bytes([row("A", barcodes="A-BC"), row("B")]))

    assert response.status_code == 202, response.json()
    queued = response.json()
    assert (queued["status"], queued["dry_run"], queued["file_name"], queued["percent"]) == (
        "pending", False, "catalog.csv", 0
    )  # fmt: skip
    job = job_after(api, response)
    assert job["status"] == "succeeded"
    assert (job["total_rows"], job["processed_rows"], job["percent"]) == (2, 2, 100)
    assert (job["created_count"], job["updated_count"], job["error_count"], job["errors"]) == (2, 0, 0, [])
    assert job["links"]["self"].endswith(f"{JOBS_URL}{job['id']}/")
    assert job["links"]["errors"].endswith(f"{JOBS_URL}{job['id']}/errors/")
    assert response["Location"] == job["links"]["self"]
    assert SKU.objects.for_tenant(tenant).count() == 2


def test_a_dry_run_reports_the_bad_rows_and_the_report_downloads(upload, api, tenant):
    response = upload(csv_bytes([row("A"), row("B", mrp="12,5"), row("C", hsn_code="12")]), dry_run=True)

    job = job_after(api, response)
    assert (job["status"], job["dry_run"], job["error_count"]) == ("validated", True, 2)
    assert [(e["row"], e["column"], e["value"]) for e in job["errors"]] == [
        (3, "mrp", "12,5"),
        (4, "hsn_code", "12"),
    ]
    assert not SKU.objects.for_tenant(tenant).exists()

    report = api.get(job["links"]["errors"])

    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert report["Content-Disposition"] == f'attachment; filename="import-{job["id"]}-errors.csv"'
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "column", "value", "reason"]
    assert [line[:2] for line in lines[1:]] == [["3", "mrp"], ["4", "hsn_code"]]


def test_a_file_with_a_bad_row_fails_whole(upload, api, tenant):
    response = upload(csv_bytes([row(f"SKU-{n}") for n in range(20)] + [row("BAD", gst_rate="17")]))

    job = job_after(api, response)
    assert (job["status"], job["error_count"], job["created_count"]) == ("failed", 1, 0)
    assert job["message"] == "1 row has errors; nothing was imported."
    assert not SKU.objects.for_tenant(tenant).exists()


def test_only_the_first_50_errors_come_with_the_job(upload, api):
    job = job_after(api, upload(csv_bytes([row(f"SKU-{n}", mrp="x") for n in range(60)]), dry_run=True))

    assert job["error_count"] == 60
    assert len(job["errors"]) == 50


def test_an_xlsx_upload_imports(upload, api):
    content = xlsx_bytes(
        [["sku", "name", "hsn_code", "gst_rate", "mrp", "selling_price"], ["A", "Tee", 6109, 5, 999, 799]]
    )

    job = job_after(api, upload(content, name="catalog.xlsx"))

    assert (job["status"], job["file_format"], job["created_count"]) == ("succeeded", "xlsx", 1)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "catalog.csv",
            b"sku,title\nA,Tee\n",
            "missing required columns: name, hsn_code, gst_rate, mrp, selling_price",
        ),
        (
            "catalog.csv",
            "sku,name,hsn_code,gst_rate,mrp,selling_price\nA,Caf\xe9,1,5,1,1\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("catalog.xlsx", b"this is not a workbook", "not an Excel .xlsx workbook"),
        ("catalog.csv", b"sku,name,hsn_code,gst_rate,mrp,selling_price\n", "no data rows"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_400_naming_the_problem(upload, name, content, expected):
    response = upload(content, name=name)

    assert response.status_code == 400
    error = response.json()["error"]
    assert expected in error["message"]
    assert error["fields"] == {"file": [error["message"]]}
    assert not ImportJob.objects.exists()


def test_an_unknown_column_is_named_in_the_400(upload):
    response = upload(b"sku,name,hsn_code,gst_rate,mrp,selling_price,colour\nA,Tee,6109,5,999,799,red\n")

    assert response.status_code == 400
    assert "unknown columns: colour" in response.json()["error"]["message"]


def test_a_file_over_the_limit_is_a_400(upload, settings):
    settings.IMPORT_MAX_BYTES = 50

    response = upload(csv_bytes([row("A"), row("B")]))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_large"
    assert not ImportJob.objects.exists()


def test_an_upload_without_a_file_is_a_400(api):
    response = api.post(IMPORT_URL, {"dry_run": True}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_jobs_are_listed_newest_first_for_the_callers_tenant_only(upload, tenant, other_tenant):
    first = upload(csv_bytes([row("A")]), dry_run=True).json()
    second = upload(csv_bytes([row("B")])).json()
    upload(csv_bytes([row("C")]), client=client_with(other_tenant, "admin"))

    response = client_with(tenant, "finance").get(JOBS_URL)

    assert response.status_code == 200
    listed = response.json()["results"]
    assert [job["id"] for job in listed] == [second["id"], first["id"]]
    assert "errors" not in listed[0]


def test_a_job_shows_its_progress(upload, api):
    response = upload(csv_bytes([row(f"SKU-{n}") for n in range(5)]))
    assert (response.json()["processed_rows"], response.json()["percent"]) == (0, 0)

    job = api.get(f"{JOBS_URL}{response.json()['id']}/").json()

    assert (job["status"], job["processed_rows"], job["total_rows"], job["percent"]) == (
        "succeeded",
        5,
        5,
        100,
    )
    assert job["message"] == "Imported 5 rows: 5 created, 0 updated, 0 unchanged."


def test_another_tenants_job_and_its_report_are_not_found(upload, other_tenant):
    job_id = upload(csv_bytes([row("A")])).json()["id"]
    rival = client_with(other_tenant, "admin")

    assert rival.get(f"{JOBS_URL}{job_id}/").status_code == 404
    assert rival.get(f"{JOBS_URL}{job_id}/errors/").status_code == 404


def test_a_picker_can_neither_import_nor_see_jobs_nor_export(upload, tenant):
    picker = client_with(tenant, "picker")

    assert upload(csv_bytes([row("A")]), client=picker).status_code == 403
    assert picker.get(JOBS_URL).status_code == 403
    assert picker.get(EXPORT_URL).status_code == 403
    assert not SKU.objects.exists()


def test_finance_may_export_and_read_jobs_but_not_import(upload, tenant):
    finance = client_with(tenant, "finance")

    assert upload(csv_bytes([row("A")]), client=finance).status_code == 403
    assert finance.get(EXPORT_URL).status_code == 200


def test_operations_may_import(upload, tenant):
    response = upload(csv_bytes([row("A")]), client=client_with(tenant, "operations"))

    assert response.status_code == 202


def test_the_export_downloads_as_a_workbook_of_the_callers_catalog(api, tenant, other_tenant):
    factories.make_sku(tenant, "MINE")
    factories.make_sku(other_tenant, "THEIRS")

    response = api.get(
        EXPORT_URL, HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="catalog-acme-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [values[0] for values in sheet.iter_rows(values_only=True)] == ["sku", "MINE"]


def test_import_and_export_paths_are_not_taken_for_sku_ids(api):
    assert api.get(IMPORT_URL).status_code == 405
    assert api.post(EXPORT_URL).status_code == 405
