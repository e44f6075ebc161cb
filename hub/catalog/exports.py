"""Catalog export to XLSX: one sheet, one row per SKU, in the import's columns (``imports.COLUMNS``).

What comes out goes back in unchanged: money, GST rate, weights and dimensions are numbers; SKU codes,
HSN codes and every other text are text cells (so "0401" keeps its zero and a name starting with "="
is not a formula); active is yes/no; barcodes are ``kind:code`` joined by "; " and bundle components
``code:quantity`` likewise. SKUs come in code order, streamed in chunks, so a large catalog needs little
memory beyond the workbook itself.
"""

import io

from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hub.catalog.imports import COLUMNS, LIST_SEPARATOR
from hub.catalog.models import SKU, BundleComponent

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "0.00"
MONEY_COLUMNS = frozenset({"mrp", "selling_price", "cost"})
WIDTHS = {
    "sku": 22,
    "name": 36,
    "product_code": 16,
    "product_name": 30,
    "barcodes": 40,
    "bundle_components": 40,
}
CHUNK = 2000


def _skus(tenant):
    return (
        SKU.objects.for_tenant(tenant)
        .select_related("product")
        .prefetch_related(
            "barcodes",
            Prefetch(
                "components",
                queryset=BundleComponent.objects.select_related("component").order_by("component__code"),
            ),
        )
        .order_by("code")
        .iterator(chunk_size=CHUNK)
    )


def _joined(items: list[str]) -> str:
    return f"{LIST_SEPARATOR} ".join(items)


def sku_values(sku: SKU) -> dict[str, object]:
    """One SKU as {column: value} in the import's terms."""
    product = sku.product
    return {
        "sku": sku.code,
        "name": sku.name,
        "product_code": product.code if product else "",
        "product_name": product.name if product else "",
        "brand": product.brand if product else "",
        "category": product.category if product else "",
        "hsn_code": sku.hsn_code,
        "gst_rate": sku.gst_rate,
        "mrp": sku.mrp,
        "selling_price": sku.selling_price,
        "cost": sku.cost,
        "weight_grams": sku.weight_grams,
        "length_mm": sku.length_mm,
        "width_mm": sku.width_mm,
        "height_mm": sku.height_mm,
        "active": "yes" if sku.is_active else "no",
        "barcodes": _joined([f"{barcode.kind}:{barcode.code}" for barcode in sku.barcodes.all()]),
        "bundle_components": _joined(
            [f"{part.component.code}:{part.quantity}" for part in sku.components.all()]
        ),
    }


def _cell(sheet, column: str, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value if value != "" else None)
    if isinstance(value, str) and value:
        cell.data_type = "s"  # a text starting with "=" stays text
    elif column in MONEY_COLUMNS and value is not None:
        cell.number_format = MONEY_FORMAT
    return cell


def _header(sheet) -> list[WriteOnlyCell]:
    cells = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def export_catalog_xlsx(tenant) -> bytes:
    """The tenant's whole catalog as the bytes of an .xlsx workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Catalog")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, 12)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet))
    for sku in _skus(tenant):
        values = sku_values(sku)
        sheet.append([_cell(sheet, column, values[column]) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
