"""Catalog import (hub/catalog/imports.py) through the generic job runner (hub/core/imports.py)."""

import csv
import io
import zipfile
from decimal import Decimal
from functools import partial

import openpyxl
import pytest

from hub.catalog import imports as catalog_imports
from hub.catalog.imports import COLUMNS, CatalogImporter
from hub.catalog.models import SKU, Barcode, BundleComponent, Product
from hub.core import imports
from hub.core.errors import DomainError
from hub.core.imports import error_report_csv, run_import_job, start_import
from hub.core.models import ImportJob
from schedules.tasks import run_import
from tests import factories

EAN = "8901234567890"
EAN_2 = "8901234567906"


def row(sku: str, **cells: str) -> dict[str, str]:
    """A valid catalog row for ``sku``; ``cells`` override or add columns."""
    return {
        "sku": sku, "name": f"Item {sku}", "hsn_code": "6109", "gst_rate": "5", "mrp": "999",
        "selling_price": "799", **cells,
    }  # fmt: skip


def csv_bytes(rows: list[dict[str, str]], columns=None, *, delimiter: str = ",") -> bytes:
    columns = columns or [c for c in COLUMNS if any(c in r for r in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_file(
    capture, tenant, content: bytes, *, dry_run: bool = False, file_name: str = "catalog.csv"
) -> ImportJob:
    """Start an import as the API does and let its task run (eagerly) once the job is committed."""
    with capture(execute=True):
        job = start_import(
            tenant, kind=ImportJob.Kind.CATALOG, file_name=file_name, content=content, dry_run=dry_run
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def import_file(django_capture_on_commit_callbacks):
    return partial(run_file, django_capture_on_commit_callbacks)


def problems(job: ImportJob) -> set[tuple[int, str]]:
    return {(error["row"], error["column"]) for error in job.errors}


def reason(job: ImportJob, row_number: int, column: str) -> str:
    return next(e["reason"] for e in job.errors if e["row"] == row_number and e["column"] == column)


# Creating and updating ---------------------------------------------------------------------------


def test_a_good_csv_creates_skus_with_products_barcodes_and_bundles(tenant, import_file):
    content = csv_bytes([
        row("TSHIRT-RED-M", product_code="TSHIRT", product_name="Cotton tee", brand="Acme", category="Tops",
            cost="300.50", weight_grams="180", barcodes=f"ean:{EAN}; internal:ACME-001"),
        row("CAP-BLK", mrp="499", selling_price="450", barcodes="CAP-BLK-01", active="no"),
        row("COMBO-1", mrp="1499", selling_price="1199", bundle_components="TSHIRT-RED-M:2; CAP-BLK:1"),
    ])  # fmt: skip

    job = import_file(tenant, content)

    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert (job.created_count, job.updated_count, job.error_count) == (3, 0, 0)
    tee = SKU.objects.get(tenant=tenant, code="TSHIRT-RED-M")
    assert (tee.cost, tee.weight_grams, tee.is_active, tee.is_bundle) == (Decimal("300.50"), 180, True, False)
    assert (tee.product.code, tee.product.name, tee.product.brand, tee.product.category) == (
        "TSHIRT", "Cotton tee", "Acme", "Tops"
    )  # fmt: skip
    assert set(tee.barcodes.values_list("code", "kind")) == {(EAN, "ean"), ("ACME-001", "internal")}
    cap = SKU.objects.get(tenant=tenant, code="CAP-BLK")
    assert not cap.is_active
    assert list(cap.barcodes.values_list("code", "kind")) == [("CAP-BLK-01", "internal")]
    combo = SKU.objects.get(tenant=tenant, code="COMBO-1")
    assert combo.is_bundle
    assert set(combo.components.values_list("component__code", "quantity")) == {
        ("TSHIRT-RED-M", 2),
        ("CAP-BLK", 1),
    }
    assert job.processed_rows == job.total_rows == 3
    assert job.started_at and job.finished_at and job.percent == 100


def test_reimport_updates_what_changed_and_counts_the_rest_unchanged(tenant, import_file):
    rows = [row("A-1", barcodes="A-1-BC"), row("B-1"), row("C-1")]
    import_file(tenant, csv_bytes(rows))
    rows[0]["selling_price"] = "749.50"
    rows[1]["barcodes"] = "B-1-NEW"

    job = import_file(tenant, csv_bytes([*rows, row("D-1")]))

    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert (job.created_count, job.updated_count) == (1, 2)
    assert "1 unchanged" in job.message
    assert SKU.objects.get(tenant=tenant, code="A-1").selling_price == Decimal("749.50")
    assert list(Barcode.objects.filter(sku__code="B-1").values_list("code", flat=True)) == ["B-1-NEW"]
    assert SKU.objects.for_tenant(tenant).count() == 4


def test_the_same_sku_code_of_another_tenant_is_not_touched(tenant, other_tenant, import_file):
    theirs = factories.make_sku(other_tenant, "TSHIRT-RED-M", selling_price=Decimal("500"))

    job = import_file(tenant, csv_bytes([row("TSHIRT-RED-M", selling_price="700")]))

    assert (job.created_count, job.updated_count) == (1, 0)
    theirs.refresh_from_db()
    assert theirs.selling_price == Decimal("500")


# Checking rows -----------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_every_bad_row(tenant, import_file):
    content = csv_bytes([
        row("GOOD-1"),
        row("BAD-PRICE", mrp="12,5"),
        row("BAD-GST", gst_rate="abc", hsn_code="61"),
        row("BAD-DIM", weight_grams="-3", length_mm="12.5"),
        row("TOO-DEAR", selling_price="1200"),
        row("BAD-EAN", barcodes="ean:8901234567894"),
        row("GOOD-1"),
        row("", name=""),
    ])  # fmt: skip

    job = import_file(tenant, content, dry_run=True)

    assert job.status == ImportJob.Status.VALIDATED
    assert problems(job) == {
        (3, "mrp"), (4, "hsn_code"), (4, "gst_rate"), (5, "weight_grams"), (5, "length_mm"),
        (6, "selling_price"), (7, "barcodes"), (8, "sku"), (9, "sku"), (9, "name"),
    }  # fmt: skip
    assert job.error_count == 10
    assert "dot for decimals" in reason(job, 3, "mrp")
    assert reason(job, 5, "weight_grams") == "Must not be negative."
    assert reason(job, 5, "length_mm") == "Must be a whole number."
    assert "above the MRP" in reason(job, 6, "selling_price")
    assert "check digit" in reason(job, 7, "barcodes")
    assert reason(job, 8, "sku") == "SKU GOOD-1 is also on row 2; list each SKU once."
    assert next(e for e in job.errors if e["row"] == 3)["value"] == "12,5"
    assert "7 rows have errors" in job.message and "Nothing was written" in job.message
    assert not SKU.objects.for_tenant(tenant).exists()


def test_a_clean_dry_run_says_what_would_happen_and_writes_nothing(tenant, import_file):
    factories.make_sku(tenant, "OLD-1")

    job = import_file(tenant, csv_bytes([row("OLD-1", mrp="2000"), row("NEW-1")]), dry_run=True)

    assert job.status == ImportJob.Status.VALIDATED
    assert job.error_count == 0
    assert "1 SKUs would be created and 1 existing SKUs updated" in job.message
    assert SKU.objects.for_tenant(tenant).count() == 1
    assert SKU.objects.get(tenant=tenant, code="OLD-1").mrp == Decimal("999.00")


def test_one_bad_row_among_many_imports_nothing(tenant, import_file):
    rows = [row(f"SKU-{n:04d}", barcodes=f"BC-{n:04d}") for n in range(300)]
    rows[149]["gst_rate"] = "13"

    job = import_file(tenant, csv_bytes(rows))

    assert job.status == ImportJob.Status.FAILED
    assert job.message == "1 row has errors; nothing was imported."
    assert (job.total_rows, job.processed_rows, job.error_count) == (300, 300, 1)
    assert job.errors[0]["row"] == 151 and job.errors[0]["column"] == "gst_rate"
    assert (job.created_count, job.updated_count) == (0, 0)
    assert not SKU.objects.for_tenant(tenant).exists()
    assert not Barcode.objects.for_tenant(tenant).exists()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("mrp", "12,5", "Use a dot for decimals"),
        ("mrp", "1,299.00", "Use a dot for decimals"),
        ("mrp", "1e5", "without an exponent"),
        ("mrp", "abc", "Not a number."),
        ("mrp", "₹999", "Not a number."),
        ("cost", "10.005", "At most 2 decimal places."),
        ("mrp", "1" * 40, "Too large."),
        ("gst_rate", "5.000001", "At most 2 decimal places."),
        ("cost", "-5", "Must not be negative."),
        ("gst_rate", "13", "is not a GST rate"),
        ("height_mm", "4.5", "Must be a whole number."),
        ("width_mm", "9999999999", "Must be at most"),
        ("active", "maybe", "Write yes or no"),
        ("name", "x" * 256, "At most 255 characters."),
    ],
)
def test_a_bad_cell_is_reported_with_its_column_value_and_reason(
    tenant, import_file, column, value, expected
):
    job = import_file(tenant, csv_bytes([row("SKU-1", **{column: value})]), dry_run=True)

    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(2, column, value[:200])]
    assert expected in job.errors[0]["reason"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"mrp": "999.00", "selling_price": ".5"}, {"mrp": Decimal("999"), "selling_price": Decimal("0.5")}),
        ({"gst_rate": "18%", "weight_grams": "12.0"}, {"gst_rate": Decimal("18"), "weight_grams": 12}),
        ({"active": "N"}, {"is_active": False}),
        ({"active": ""}, {"is_active": True}),
    ],
)
def test_numbers_and_flags_written_plainly_are_read(tenant, import_file, cells, expected):
    job = import_file(tenant, csv_bytes([row("SKU-1", **cells)]))

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    sku = SKU.objects.get(tenant=tenant, code="SKU-1")
    assert {name: getattr(sku, name) for name in expected} == expected


def test_barcodes_must_be_unique_in_the_file_and_in_the_catalog(tenant, import_file):
    other = factories.make_sku(tenant, "OTHER")
    factories.make_barcode(other, EAN, "ean")

    job = import_file(
        tenant,
        csv_bytes([row("A", barcodes=f"ean:{EAN}"), row("B", barcodes="X-1"), row("C", barcodes="X-1; X-1")]),
        dry_run=True,
    )

    assert problems(job) == {(2, "barcodes"), (4, "barcodes")}
    assert reason(job, 2, "barcodes") == f"Barcode {EAN} already belongs to SKU OTHER."
    assert "X-1 is listed twice." in reason(job, 4, "barcodes")


def test_a_barcode_may_move_between_two_skus_of_the_file(tenant, import_file):
    old = factories.make_sku(tenant, "OLD")
    factories.make_barcode(old, EAN, "ean")

    job = import_file(
        tenant, csv_bytes([row("NEW", barcodes=f"ean:{EAN}"), row("OLD", barcodes=f"ean:{EAN_2}")])
    )

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Barcode.objects.get(tenant=tenant, code=EAN).sku.code == "NEW"
    assert Barcode.objects.get(tenant=tenant, code=EAN_2).sku.code == "OLD"


def test_bundle_rules_are_judged_on_the_catalog_after_the_import(tenant, import_file):
    plain = factories.make_sku(tenant, "PLAIN")
    kit = factories.make_sku(tenant, "KIT", is_bundle=True)
    BundleComponent.objects.create(tenant=tenant, bundle=kit, component=plain, quantity=1)

    job = import_file(
        tenant,
        csv_bytes([
            row("B-UNKNOWN", bundle_components="NOPE:1"),
            row("B-NESTED", bundle_components="KIT:1"),
            row("B-SELF", bundle_components="B-SELF:2; PLAIN:1"),
            row("PLAIN", bundle_components="LATER:1"),
            row("LATER"),
            row("B-QTY", bundle_components="LATER:0"),
        ]),
        dry_run=True,
    )  # fmt: skip

    assert problems(job) == {(2, "bundle_components"), (3, "bundle_components"), (4, "bundle_components"),
                             (5, "bundle_components"), (7, "bundle_components")}  # fmt: skip
    assert "Unknown SKU NOPE" in reason(job, 2, "bundle_components")
    assert "KIT is a bundle" in reason(job, 3, "bundle_components")
    assert "cannot contain itself" in reason(job, 4, "bundle_components")
    assert "PLAIN is a component of bundle B-SELF, KIT" in reason(job, 5, "bundle_components")
    assert "at least 1" in reason(job, 7, "bundle_components")


def test_a_bundle_may_use_components_defined_further_down_the_file(tenant, import_file):
    job = import_file(
        tenant, csv_bytes([row("KIT", bundle_components="PART-A:2;PART-B"), row("PART-A"), row("PART-B")])
    )

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    kit = SKU.objects.get(tenant=tenant, code="KIT")
    assert set(kit.components.values_list("component__code", "quantity")) == {("PART-A", 2), ("PART-B", 1)}


def test_rows_of_one_product_must_agree_and_need_a_product_code(tenant, import_file):
    job = import_file(
        tenant,
        csv_bytes([
            row("A", product_code="P1", brand="Acme"),
            row("B", product_code="P1", brand="Other"),
            row("C", product_code="", brand="Acme"),
        ]),
        dry_run=True,
    )  # fmt: skip

    assert problems(job) == {(3, "brand"), (4, "brand")}
    assert "Row 2 gives product P1 the brand 'Acme'" in reason(job, 3, "brand")


# Blank cells and missing columns -----------------------------------------------------------------


def test_blank_lists_are_left_alone_and_a_dash_clears_them(tenant, import_file):
    import_file(tenant, csv_bytes([
        row("A", barcodes="A-BC", cost="100"), row("B", barcodes="B-BC"), row("PART"),
        row("KIT", bundle_components="PART:1"),
    ]))  # fmt: skip

    job = import_file(tenant, csv_bytes([
        row("A", barcodes="", cost=""), row("B", barcodes="-", cost="100"), row("KIT", bundle_components="-"),
    ]))  # fmt: skip

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    a = SKU.objects.get(tenant=tenant, code="A")
    assert list(a.barcodes.values_list("code", flat=True)) == ["A-BC"]
    assert a.cost is None
    assert not Barcode.objects.filter(sku__code="B").exists()
    kit = SKU.objects.get(tenant=tenant, code="KIT")
    assert not kit.is_bundle and not kit.components.exists()


def test_a_column_left_out_leaves_that_field_alone(tenant, import_file):
    product = Product.objects.create(tenant=tenant, code="P1", name="Tee")
    factories.make_sku(tenant, "A", cost=Decimal("120"), product=product, is_active=False)

    job = import_file(tenant, csv_bytes([row("A", mrp="1500", selling_price="1400")]))

    sku = SKU.objects.get(tenant=tenant, code="A")
    assert (job.updated_count, sku.mrp, sku.cost, sku.product, sku.is_active) == (
        1, Decimal("1500"), Decimal("120"), product, False
    )  # fmt: skip


def test_product_fields_left_blank_keep_the_products_values(tenant, import_file):
    Product.objects.create(tenant=tenant, code="P1", name="Tee", brand="Acme", category="Tops")

    job = import_file(
        tenant, csv_bytes([row("A", product_code="P1", product_name="", brand="", category="Shirts")])
    )

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    product = Product.objects.get(tenant=tenant, code="P1")
    assert (product.name, product.brand, product.category) == ("Tee", "Acme", "Shirts")


# The file itself ---------------------------------------------------------------------------------


def start(tenant, content: bytes, file_name: str = "catalog.csv") -> ImportJob:
    return start_import(
        tenant, kind=ImportJob.Kind.CATALOG, file_name=file_name, content=content, dry_run=False
    )


def test_a_wrong_header_is_refused_naming_the_columns_and_no_job_is_written(tenant):
    content = b"sku,title,hsn_code,gst_rate,mrp,price\nA,Tee,6109,5,999,799\n"

    with pytest.raises(DomainError) as refused:
        start(tenant, content)

    message = refused.value.message
    assert "missing required columns: name, selling_price" in message
    assert "unknown columns: title, price" in message
    assert "Expected columns: sku, name, product_code" in message
    assert refused.value.field == "file"
    assert not ImportJob.objects.exists()


def test_header_names_are_normalised_and_repeats_refused(tenant, import_file):
    good = b"SKU , Name,HSN Code,GST rate,MRP,Selling  Price\nA,Tee,6109,5,999,799\n"
    assert import_file(tenant, good).status == ImportJob.Status.SUCCEEDED

    with pytest.raises(DomainError, match="more than once in the header: mrp"):
        start(tenant, b"sku,name,hsn_code,gst_rate,mrp,selling_price,MRP\nA,Tee,6109,5,999,799,1\n")


def test_a_csv_that_is_not_utf8_is_refused_naming_where(tenant):
    content = "sku,name,hsn_code,gst_rate,mrp,selling_price\nA,Café,6109,5,999,799\n".encode("cp1252")

    with pytest.raises(DomainError, match=r"not UTF-8 text: byte 0xe9 at offset 50 \(line 2\)"):
        start(tenant, content)
    assert not ImportJob.objects.exists()


def test_a_utf8_csv_with_bom_and_semicolons_is_read(tenant, import_file):
    content = b"\xef\xbb\xbf" + csv_bytes([row("A", name="Café")], delimiter=";")

    job = import_file(tenant, content)

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert SKU.objects.get(tenant=tenant, code="A").name == "Café"


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("catalog.xlsx", b"sku,name\nA,B\n"),
        ("catalog.xlsx", b"PK\x03\x04 not really a zip"),
        ("catalog.csv", None),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(tenant, file_name, content):
    if content is None:  # a real zip that is not a workbook
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hello")
        content = buffer.getvalue()

    with pytest.raises(DomainError, match="not an Excel .xlsx workbook"):
        start(tenant, content, file_name)


def test_a_file_over_the_size_limit_is_refused(tenant, settings):
    settings.IMPORT_MAX_BYTES = 100
    content = csv_bytes([row(f"SKU-{n}") for n in range(10)])

    with pytest.raises(DomainError, match="largest file accepted is 100 bytes") as refused:
        start(tenant, content)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"sku,name,hsn_code,gst_rate,mrp,selling_price\n,,,,,\n", "no data rows"),
    ],
)
def test_an_empty_file_or_one_without_rows_is_refused(tenant, content, expected):
    with pytest.raises(DomainError, match=expected):
        start(tenant, content)


def test_other_file_types_are_refused(tenant):
    with pytest.raises(DomainError, match="neither a .csv nor an .xlsx"):
        start(tenant, b"%PDF-1.4", "catalog.pdf")


def test_an_xlsx_file_imports_with_numbers_typed_as_numbers(tenant, import_file):
    content = xlsx_bytes([
        ["SKU", "Name", "HSN code", "GST rate", "MRP", "Selling price", "Weight grams", "Barcodes", "Active"],
        ["A-1", "Tee", 6109, 5, 999, 799.99, 180.0, f"ean:{EAN}", True],
        [None, None, None, None, None, None, None, None, None],
        ["A-2", "Cap", "6505", 0.25, 499.5, 450, None, 12345678, "no"],
    ])  # fmt: skip

    job = import_file(tenant, content, file_name="catalog.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert job.file_format == "xlsx"
    first, second = SKU.objects.for_tenant(tenant).order_by("code")
    assert (first.hsn_code, first.gst_rate, first.selling_price, first.weight_grams) == (
        "6109", Decimal("5"), Decimal("799.99"), 180
    )  # fmt: skip
    assert (second.gst_rate, second.mrp, second.is_active) == (Decimal("0.25"), Decimal("499.5"), False)
    assert list(second.barcodes.values_list("code", "kind")) == [("12345678", "internal")]


def test_xlsx_errors_carry_the_spreadsheet_row_numbers(tenant, import_file):
    content = xlsx_bytes([
        [], ["sku", "name", "hsn_code", "gst_rate", "mrp", "selling_price"],
        ["A", "Tee", 6109, 5, 999, 799], [], ["B", "Tee", 6109, 5, 999, 1999],
    ])  # fmt: skip

    job = import_file(tenant, content, file_name="catalog.xlsx", dry_run=True)

    assert problems(job) == {(5, "selling_price")}


def test_cells_past_the_header_are_reported(tenant, import_file):
    content = b"sku,name,hsn_code,gst_rate,mrp,selling_price\nA,Tee,6109,5,999,799,oops\n"

    job = import_file(tenant, content, dry_run=True)

    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [(2, "", "oops")]


# Running the job ---------------------------------------------------------------------------------


def test_progress_is_saved_while_rows_are_checked(tenant, monkeypatch, import_file):
    seen: list[int] = []
    validate = CatalogImporter.validate

    def watching(self, tenant, rows, progress):
        def spy(done):
            progress(done)
            seen.append(ImportJob.objects.values_list("processed_rows", flat=True).get())

        return validate(self, tenant, rows, spy)

    monkeypatch.setattr(CatalogImporter, "validate", watching)

    job = import_file(tenant, csv_bytes([row(f"SKU-{n}") for n in range(450)]), dry_run=True)

    assert sorted(set(seen)) == [0, 200, 400, 450]
    assert job.processed_rows == job.total_rows == 450


def test_an_unexpected_error_while_applying_fails_the_job_and_writes_nothing(
    tenant, monkeypatch, import_file
):
    def explode(tenant, rows, sku_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog_imports, "replace_components", explode)

    job = import_file(tenant, csv_bytes([row("A", product_code="P1", barcodes="A-BC"), row("B")]))

    assert job.status == ImportJob.Status.FAILED
    assert "RuntimeError: disk full" in job.message and "Nothing was imported" in job.message
    assert job.finished_at is not None
    assert not SKU.objects.for_tenant(tenant).exists()
    assert not Product.objects.for_tenant(tenant).exists()


def test_validation_reads_the_catalog_in_a_few_queries(tenant, django_assert_max_num_queries):
    for n in range(50):
        factories.make_barcode(factories.make_sku(tenant, f"OLD-{n}"), f"OLD-BC-{n}")
    rows = [
        imports.Row(
            n + 2, row(f"OLD-{n}" if n < 50 else f"NEW-{n}", barcodes=f"BC-{n}", bundle_components="")
        )
        for n in range(1000)
    ]

    with django_assert_max_num_queries(5):
        plan, errors = CatalogImporter().validate(tenant, rows, lambda done: None)

    assert errors == []
    assert len(plan.rows) == 1000


def test_the_error_report_lists_every_error_as_csv(tenant, import_file):
    job = import_file(tenant, csv_bytes([row("A", mrp="x"), row("B", gst_rate="=1+2")]), dry_run=True)

    report = list(csv.reader(io.StringIO(error_report_csv(job))))

    assert report[0] == ["row", "column", "value", "reason"]
    assert [line[:3] for line in report[1:]] == [["2", "mrp", "x"], ["3", "gst_rate", "'=1+2"]]
    assert report[1][3] == "Not a number."


def test_the_task_leaves_missing_and_finished_jobs_alone(tenant, import_file):
    job = import_file(tenant, csv_bytes([row("A")]))
    SKU.objects.all().delete()

    assert run_import.delay(job.id).get() == ImportJob.Status.SUCCEEDED
    assert run_import.delay(999_999).get() is None
    assert not SKU.objects.exists()
    assert run_import_job(job.id).status == ImportJob.Status.SUCCEEDED


def test_the_job_is_queued_on_the_bulk_queue_only_after_commit(
    tenant, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(run_import, "apply_async", lambda args, **options: sent.append((args, options)))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = start(tenant, csv_bytes([row("A")]))
        assert sent == []

    assert len(callbacks) == 1
    assert sent == [((job.id,), {"queue": "bulk"})]
    job.refresh_from_db()
    assert (job.status, bytes(job.content)) == (ImportJob.Status.PENDING, csv_bytes([row("A")]))
