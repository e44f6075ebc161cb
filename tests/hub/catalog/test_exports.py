"""Catalog export to XLSX (hub/catalog/exports.py), and importing what it wrote."""

import io
from decimal import Decimal
from functools import partial

import openpyxl
import pytest

from hub.catalog.exports import export_catalog_xlsx
from hub.catalog.imports import COLUMNS
from hub.catalog.models import SKU, BundleComponent, Product
from hub.catalog.serializers import SKUSerializer
from hub.core.models import ImportJob
from tests import factories
from tests.hub.catalog.test_imports import EAN, run_file


@pytest.fixture
def import_file(django_capture_on_commit_callbacks):
    return partial(run_file, django_capture_on_commit_callbacks)


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def catalog(tenant):
    product = Product.objects.create(
        tenant=tenant, code="TSHIRT", name="Cotton tee", brand="Acme", category="Tops"
    )
    tee = factories.make_sku(
        tenant, "TSHIRT-RED-M", product=product, cost=Decimal("300.50"), weight_grams=180, length_mm=300,
        hsn_code="0401", gst_rate=Decimal("12"),
    )  # fmt: skip
    factories.make_barcode(tee, EAN, "ean")
    factories.make_barcode(tee, "ACME-001")
    cap = factories.make_sku(tenant, "CAP-BLK", name="=SUM(A1)", is_active=False)
    combo = factories.make_sku(
        tenant, "COMBO-1", is_bundle=True, mrp=Decimal("1499"), selling_price=Decimal("1199.99")
    )
    BundleComponent.objects.create(tenant=tenant, bundle=combo, component=tee, quantity=2)
    BundleComponent.objects.create(tenant=tenant, bundle=combo, component=cap, quantity=1)
    return tenant


def test_the_export_has_the_import_columns_and_one_row_per_sku(catalog, other_tenant):
    factories.make_sku(other_tenant, "THEIRS")

    rows = sheet_rows(export_catalog_xlsx(catalog))

    assert rows[0] == COLUMNS
    assert [r[0] for r in rows[1:]] == ["CAP-BLK", "COMBO-1", "TSHIRT-RED-M"]
    tee = dict(zip(COLUMNS, rows[3], strict=True))
    assert tee == {
        "sku": "TSHIRT-RED-M", "name": "Cotton T-shirt", "product_code": "TSHIRT", "product_name": "Cotton tee",
        "brand": "Acme", "category": "Tops", "hsn_code": "0401", "gst_rate": 12, "mrp": 999, "selling_price": 799,
        "cost": 300.5, "weight_grams": 180, "length_mm": 300, "width_mm": None, "height_mm": None, "active": "yes",
        "barcodes": f"ean:{EAN}; internal:ACME-001", "bundle_components": None,
    }  # fmt: skip
    combo = dict(zip(COLUMNS, rows[2], strict=True))
    assert combo["bundle_components"] == "CAP-BLK:1; TSHIRT-RED-M:2"
    assert combo["selling_price"] == 1199.99


def test_text_that_looks_like_a_formula_stays_text(catalog):
    workbook = openpyxl.load_workbook(io.BytesIO(export_catalog_xlsx(catalog)))
    cell = workbook.worksheets[0]["B2"]

    assert (cell.value, cell.data_type) == ("=SUM(A1)", "s")


def test_an_empty_catalog_exports_just_the_header(tenant):
    assert sheet_rows(export_catalog_xlsx(tenant)) == [COLUMNS]


def test_importing_an_export_changes_nothing(catalog, import_file):
    before = SKUSerializer(SKU.objects.for_tenant(catalog), many=True).data

    job = import_file(catalog, export_catalog_xlsx(catalog), file_name="export.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert (job.total_rows, job.created_count, job.updated_count) == (3, 0, 0)
    after = SKUSerializer(SKU.objects.for_tenant(catalog), many=True).data
    assert after == before
    assert Product.objects.for_tenant(catalog).count() == 1


def test_an_export_edited_and_imported_updates_the_catalog(catalog, import_file):
    workbook = openpyxl.load_workbook(io.BytesIO(export_catalog_xlsx(catalog)))
    sheet = workbook.worksheets[0]
    sheet["J4"] = 749.5  # selling_price of TSHIRT-RED-M
    sheet["P2"] = "yes"  # CAP-BLK active again
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = import_file(catalog, buffer.getvalue(), file_name="export.xlsx")

    assert (job.created_count, job.updated_count) == (0, 2), job.errors
    assert SKU.objects.get(tenant=catalog, code="TSHIRT-RED-M").selling_price == Decimal("749.50")
    assert SKU.objects.get(tenant=catalog, code="CAP-BLK").is_active
