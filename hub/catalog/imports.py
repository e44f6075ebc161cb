"""Catalog import: one row per SKU, created or updated by its SKU code within the tenant.

Columns, in this order (``exports.py`` writes the same, so an exported file re-imports unchanged):
sku*, name*, product_code, product_name, brand, category, hsn_code*, gst_rate*, mrp*, selling_price*,
cost, weight_grams, length_mm, width_mm, height_mm, active, barcodes, bundle_components
(* required: the column must be there and its cells must not be blank).

Cells:

- Numbers are written plainly with a dot for decimals: "799", "799.5", ".5". Refused, in every number
  column alike: thousands separators and decimal commas ("1,299", "12,5"), exponents ("1e5"),
  currency signs and words. Money (mrp, selling_price, cost) has at most 2 decimal places and is not
  negative; gst_rate must be a rate in force ("5%" is read as 5); weight_grams, length_mm, width_mm and
  height_mm are whole numbers ("12.0" is 12), not negative. The SKU code, name, HSN code, GST rate and
  prices are checked by ``hub.catalog.rules`` (shared with the API), barcodes by ``rules.barcode_error``.
- A column left out of the file leaves that field of existing SKUs alone.
- A blank cell in an optional column clears the field (cost, weight and dimensions become empty, a
  blank product_code detaches the SKU from its product): the file is the truth for the columns it
  has, which is what makes export, edit, import round-trip. Exceptions:
  - active: yes/no, true/false, y/n or 1/0 in any case; blank is yes.
  - product_name, brand and category describe the product named by product_code. Blank leaves that
    product's value as it is (a new product is named after the SKU); rows of one product must agree.
    They need a product_code on the row.
  - barcodes, e.g. ``ean:8901234567894; internal:ACME-001`` (a code without a type is internal):
    the list replaces the SKU's barcodes. Blank leaves the SKU's barcodes as they are; ``-`` removes
    them all. A barcode may appear once in the file and must not belong to another SKU, unless that
    SKU is in the file too with a new list that drops it (a barcode moving between SKUs).
  - bundle_components, e.g. ``TSHIRT-RED-M:2; CAP-BLK:1`` (a code without a quantity means 1): a
    non-empty list makes the SKU a bundle of exactly those components. Blank leaves it as it is;
    ``-`` makes it a plain SKU. Components must exist (in the catalog or in the file), be listed
    once, not be the bundle itself and not be bundles; a SKU that is a component of a bundle cannot
    become a bundle. These are judged on the catalog as it will be after the import.
- A SKU code may appear on one row only. Codes are compared exactly (case matters).

Validation reads the tenant's existing SKUs, barcodes and bundle links for the codes in the file in a
few queries, never per row. Applying writes in bulk: products, then SKUs, then the barcodes and
components of the SKUs whose lists changed. ``apply`` counts a SKU as updated only if something about
it changed, so re-importing an export reports every row unchanged.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from hub.catalog import rules
from hub.catalog.models import SKU, Barcode, BundleComponent, Product
from hub.core.imports import (
    CellError,
    Importer,
    Progress,
    Row,
    RowError,
    chunked,
    parse_decimal,
    parse_whole,
    parse_yes_no,
    read_rows,
)
from hub.core.models import ImportJob

COLUMNS = (
    "sku", "name", "product_code", "product_name", "brand", "category", "hsn_code", "gst_rate", "mrp",
    "selling_price", "cost", "weight_grams", "length_mm", "width_mm", "height_mm", "active", "barcodes",
    "bundle_components",
)  # fmt: skip
REQUIRED = frozenset({"sku", "name", "hsn_code", "gst_rate", "mrp", "selling_price"})
PRODUCT_FIELDS = {"product_name": "name", "brand": "brand", "category": "category"}  # column -> Product field
PRODUCT_COLUMNS = tuple(PRODUCT_FIELDS)
INTEGER_COLUMNS = ("weight_grams", "length_mm", "width_mm", "height_mm")
CLEAR = "-"
LIST_SEPARATOR = ";"
MAX_COMPONENT_QUANTITY = 10_000
MAX_MONEY = Decimal("1e12")
TEXT_LIMITS = {"sku": 64, "name": 255, "product_code": 64, "product_name": 255, "brand": 120, "category": 120}
# Import column -> SKU model field, for the plain fields a row sets.
SKU_FIELDS = {
    **{column: column for column in ("name", "hsn_code", "gst_rate", "mrp", "selling_price", "cost")},
    **{column: column for column in INTEGER_COLUMNS},
    "active": "is_active",
}
RULE_COLUMNS = {"code": "sku"}  # rules.sku_field_errors names the SKU code "code"


# Reading one cell -------------------------------------------------------------------------------


def parse_money(text: str) -> Decimal:
    value = parse_decimal(text, places=2)
    if abs(value) >= MAX_MONEY:
        raise CellError("Too large.")
    return value


def parse_gst_rate(text: str) -> Decimal:
    return parse_decimal(text.removesuffix("%").strip(), places=2)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def parse_barcodes(text: str) -> list[tuple[str, str]]:
    """``"ean:8901234567894; ACME-001"`` as [(code, kind)]; ``-`` is the empty list."""
    if text == CLEAR:
        return []
    barcodes: list[tuple[str, str]] = []
    reasons: list[str] = []
    for item in _items(text):
        kind, _, code = item.rpartition(":") if ":" in item else ("internal", "", item)
        kind, code = kind.strip().lower(), code.strip()
        if message := rules.barcode_error(code, kind):
            reasons.append(message)
        elif code in {existing for existing, _ in barcodes}:
            reasons.append(f"{code} is listed twice.")
        else:
            barcodes.append((code, kind))
    if reasons:
        raise CellError(" ".join(reasons))
    return barcodes


def parse_components(text: str) -> list[tuple[str, int]]:
    """``"TSHIRT-RED-M:2; CAP-BLK"`` as [(sku code, quantity)]; ``-`` is the empty list."""
    if text == CLEAR:
        return []
    components: list[tuple[str, int]] = []
    reasons: list[str] = []
    for item in _items(text):
        code, _, quantity = item.rpartition(":") if ":" in item else (item, "", "1")
        code = code.strip()
        try:
            number = parse_whole(quantity.strip(), minimum=1, maximum=MAX_COMPONENT_QUANTITY)
        except CellError as exc:
            reasons.append(f"Quantity of {code}: {exc}")
            continue
        if code in {existing for existing, _ in components}:
            reasons.append(f"{code} is listed twice; give its total quantity once.")
        else:
            components.append((code, number))
    if reasons:
        raise CellError(" ".join(reasons))
    return components


def _text(column: str):
    def parse(text: str) -> str:
        if len(text) > TEXT_LIMITS[column]:
            raise CellError(f"At most {TEXT_LIMITS[column]} characters.")
        return text

    return parse


PARSERS = {
    **{column: _text(column) for column in TEXT_LIMITS},
    "hsn_code": str,
    "gst_rate": parse_gst_rate,
    "mrp": parse_money,
    "selling_price": parse_money,
    "cost": parse_money,
    **dict.fromkeys(INTEGER_COLUMNS, parse_whole),
    "active": parse_yes_no,
    "barcodes": parse_barcodes,
    "bundle_components": parse_components,
}


# Reading one row --------------------------------------------------------------------------------


@dataclass
class SkuRow:
    """What one row asks for. ``None`` for barcodes/components means "leave as they are"."""

    number: int
    code: str
    cells: dict[str, str]
    fields: dict[str, object] = field(default_factory=dict)
    sets_product: bool = False
    product_code: str | None = None
    product: dict[str, str] = field(default_factory=dict)
    barcodes: list[tuple[str, str]] | None = None
    components: list[tuple[str, int]] | None = None


def read_row(row: Row) -> tuple[SkuRow, list[RowError]]:
    """Type every cell of a row and check it on its own (no database, no other rows)."""
    typed, reasons = _typed_cells(row.values)
    reasons |= _rule_reasons(typed, failed=set(reasons))
    reasons |= _product_reasons(typed, row.values)
    sku_row = SkuRow(number=row.number, code=row.values["sku"], cells=row.values)
    sku_row.fields = {SKU_FIELDS[column]: typed[column] for column in SKU_FIELDS if column in typed}
    if "is_active" in sku_row.fields and sku_row.fields["is_active"] is None:
        sku_row.fields["is_active"] = True
    if "product_code" in row.values:
        sku_row.sets_product = True
        sku_row.product_code = typed.get("product_code")
    if sku_row.product_code:
        sku_row.product = {column: typed[column] for column in PRODUCT_COLUMNS if typed.get(column)}
    sku_row.barcodes = typed.get("barcodes")
    sku_row.components = typed.get("bundle_components")
    errors = [
        RowError(row.number, column, row.values.get(column, ""), reason) for column, reason in reasons.items()
    ]
    return sku_row, errors


def _typed_cells(cells: dict[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    typed: dict[str, object] = {}
    reasons: dict[str, str] = {}
    for column, text in cells.items():
        if not text:
            if column in REQUIRED:
                reasons[column] = "Required; this cell is blank."
            typed[column] = None
            continue
        try:
            typed[column] = PARSERS[column](text)
        except CellError as exc:
            reasons[column] = str(exc)
    return typed, reasons


def _rule_reasons(typed: dict[str, object], *, failed: set[str]) -> dict[str, str]:
    """``rules.sku_field_errors`` on the typed row; cells that could not be read get stand-in values
    (their own reason is already reported) so that the other checks still run."""
    mrp, price = typed.get("mrp"), typed.get("selling_price")
    if mrp is None:
        mrp = price if price is not None else Decimal(0)
    if price is None:
        price = Decimal(0)
    found = rules.sku_field_errors(
        code=typed.get("sku") or "",
        name=typed.get("name") or "",
        hsn_code=typed.get("hsn_code") or "",
        gst_rate=typed.get("gst_rate") if typed.get("gst_rate") is not None else Decimal(0),
        mrp=mrp,
        selling_price=price,
        cost=typed.get("cost"),
    )
    columns = {RULE_COLUMNS.get(name, name): reason for name, reason in found.items()}
    return {column: reason for column, reason in columns.items() if column not in failed}


def _product_reasons(typed: dict[str, object], cells: dict[str, str]) -> dict[str, str]:
    if typed.get("product_code"):
        return {}
    return {
        column: "Describes a product: give its product_code on this row too."
        for column in PRODUCT_COLUMNS
        if cells.get(column)
    }


# The catalog as it is, for the codes in the file ------------------------------------------------


@dataclass
class CatalogFacts:
    """What the database holds about the SKUs, barcodes and components a file names."""

    is_bundle: dict[str, bool]  # SKU code -> is_bundle, for the SKUs that exist
    barcode_owner: dict[str, str]  # barcode -> SKU code
    parents: dict[str, list[str]]  # component SKU code -> codes of the bundles it is in

    @classmethod
    def load(cls, tenant, rows: list[SkuRow]) -> "CatalogFacts":
        codes = {row.code for row in rows} | {code for row in rows for code, _ in row.components or ()}
        barcodes = {code for row in rows for code, _ in row.barcodes or ()}
        facts = cls(is_bundle={}, barcode_owner={}, parents={})
        for chunk in chunked(codes):
            facts.is_bundle.update(
                SKU.objects.for_tenant(tenant).filter(code__in=chunk).values_list("code", "is_bundle")
            )
            links = BundleComponent.objects.for_tenant(tenant).filter(component__code__in=chunk)
            for component, bundle in links.values_list("component__code", "bundle__code"):
                facts.parents.setdefault(component, []).append(bundle)
        for chunk in chunked(barcodes):
            facts.barcode_owner.update(
                Barcode.objects.for_tenant(tenant).filter(code__in=chunk).values_list("code", "sku__code")
            )
        return facts


# Checks across rows -----------------------------------------------------------------------------


@dataclass
class CatalogPlan:
    rows: list[SkuRow]
    facts: CatalogFacts


def check_rows(rows: list[SkuRow], facts: CatalogFacts) -> list[RowError]:
    """The problems that need the other rows or the database, judged on the catalog after import."""
    by_code: dict[str, SkuRow] = {}
    errors: list[RowError] = []
    for row in rows:
        if first := by_code.get(row.code):
            reason = f"SKU {row.code} is also on row {first.number}; list each SKU once."
            errors.append(RowError(row.number, "sku", row.code, reason))
        else:
            by_code[row.code] = row
    errors += _product_conflicts(rows)
    errors += _barcode_errors(rows, by_code, facts)
    errors += _bundle_errors(rows, by_code, facts)
    return errors


def _product_conflicts(rows: list[SkuRow]) -> list[RowError]:
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    errors = []
    for row in rows:
        for column, value in row.product.items():
            first_value, first_row = seen.setdefault((row.product_code, column), (value, row.number))
            if value != first_value:
                reason = f"Row {first_row} gives product {row.product_code} the {column} {first_value!r}."
                errors.append(RowError(row.number, column, value, reason))
    return errors


def _barcode_errors(rows: list[SkuRow], by_code: dict[str, SkuRow], facts: CatalogFacts) -> list[RowError]:
    first_use: dict[str, SkuRow] = {}
    errors = []
    for row in rows:
        for code, _ in row.barcodes or ():
            reason = None
            if (other := first_use.setdefault(code, row)) is not row:
                reason = f"Barcode {code} is also on row {other.number} (SKU {other.code})."
            elif (owner := facts.barcode_owner.get(code, row.code)) != row.code and _keeps(
                by_code, owner, code
            ):
                reason = f"Barcode {code} already belongs to SKU {owner}."
            if reason:
                errors.append(RowError(row.number, "barcodes", row.cells["barcodes"], reason))
    return errors


def _keeps(by_code: dict[str, SkuRow], owner: str, barcode: str) -> bool:
    """Whether ``owner`` still has ``barcode`` after the import (the file may give it a new list)."""
    row = by_code.get(owner)
    if row is None or row.barcodes is None:
        return True
    return barcode in {code for code, _ in row.barcodes}


def _bundle_errors(rows: list[SkuRow], by_code: dict[str, SkuRow], facts: CatalogFacts) -> list[RowError]:
    parents = _parents_after(by_code, facts)
    errors = []
    for row in rows:
        if not row.components or by_code.get(row.code) is not row:
            continue
        reasons = [_component_reason(row, code, by_code, facts) for code, _ in row.components]
        if bundles := parents.get(row.code):
            reasons.append(
                f"{row.code} is a component of bundle {', '.join(sorted(bundles))}, so it cannot be a bundle."
            )
        errors += [
            RowError(row.number, "bundle_components", row.cells["bundle_components"], r) for r in reasons if r
        ]
    return errors


def _component_reason(row: SkuRow, code: str, by_code: dict[str, SkuRow], facts: CatalogFacts) -> str | None:
    if code == row.code:
        return f"A bundle cannot contain itself ({code})."
    if code not in by_code and code not in facts.is_bundle:
        return f"Unknown SKU {code}: it is neither in the catalog nor in this file."
    if _is_bundle_after(code, by_code, facts):
        return f"{code} is a bundle; a bundle's components must be plain SKUs."
    return None


def _is_bundle_after(code: str, by_code: dict[str, SkuRow], facts: CatalogFacts) -> bool:
    row = by_code.get(code)
    if row is not None and row.components is not None:
        return bool(row.components)
    return facts.is_bundle.get(code, False)


def _parents_after(by_code: dict[str, SkuRow], facts: CatalogFacts) -> dict[str, set[str]]:
    """Component code -> bundles containing it after the import (file lists replace stored ones)."""
    parents: dict[str, set[str]] = {}
    for component, bundles in facts.parents.items():
        for bundle in bundles:
            row = by_code.get(bundle)
            if row is None or row.components is None:
                parents.setdefault(component, set()).add(bundle)
    for row in by_code.values():
        for component, _ in row.components or ():
            parents.setdefault(component, set()).add(row.code)
    return parents


# Writing ----------------------------------------------------------------------------------------


def _ids(model, tenant, codes: Iterable[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunked(codes):
        ids.update(model.objects.for_tenant(tenant).filter(code__in=chunk).values_list("code", "id"))
    return ids


def _existing(model, tenant, codes: Iterable[str]) -> dict[str, object]:
    found = {}
    for chunk in chunked(codes):
        found.update({obj.code: obj for obj in model.objects.for_tenant(tenant).filter(code__in=chunk)})
    return found


def _wanted_products(rows: list[SkuRow]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Product code -> the model fields the file gives it, and -> the name a new product gets."""
    given: dict[str, dict[str, str]] = {}
    default_names: dict[str, str] = {}
    for row in rows:
        if row.product_code:
            default_names.setdefault(row.product_code, row.fields.get("name") or row.code)
            fields = {PRODUCT_FIELDS[column]: value for column, value in row.product.items()}
            given.setdefault(row.product_code, {}).update(fields)
    return given, default_names


def _update_products(products: Iterable[Product], given: dict[str, dict[str, str]]) -> set[str]:
    now = timezone.now()
    changed = []
    for product in products:
        values = given[product.code]
        if any(getattr(product, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(product, name, value)
            product.updated_at = now
            changed.append(product)
    Product.objects.bulk_update(changed, ["name", "brand", "category", "updated_at"], batch_size=500)
    return {product.code for product in changed}


def upsert_products(tenant, rows: list[SkuRow]) -> tuple[dict[str, int], set[str]]:
    """Create the products the file names and update their given fields; returns (ids by code, changed codes)."""
    given, default_names = _wanted_products(rows)
    existing = _existing(Product, tenant, given)
    changed = _update_products(existing.values(), given)
    Product.objects.bulk_create(
        [
            Product(
                tenant=tenant,
                code=code,
                **{"name": default_names[code], "brand": "", "category": "", **values},
            )
            for code, values in given.items()
            if code not in existing
        ],
        batch_size=500,
    )
    return _ids(Product, tenant, given), changed


def _sku_values(row: SkuRow, product_ids: dict[str, int]) -> dict[str, object]:
    values = dict(row.fields)
    if row.sets_product:
        values["product_id"] = product_ids.get(row.product_code) if row.product_code else None
    if row.components is not None:
        values["is_bundle"] = bool(row.components)
    return values


def upsert_skus(tenant, rows: list[SkuRow], product_ids: dict[str, int]) -> tuple[set[str], set[str]]:
    """Create new SKUs and update changed ones in bulk; returns (created codes, updated codes)."""
    existing = _existing(SKU, tenant, (row.code for row in rows))
    now = timezone.now()
    new, changed, names = [], [], {"updated_at"}
    for row in rows:
        values = _sku_values(row, product_ids)
        sku = existing.get(row.code)
        if sku is None:
            new.append(SKU(tenant=tenant, code=row.code, **values))
            continue
        differing = {name for name, value in values.items() if getattr(sku, name) != value}
        if differing:
            for name in differing:
                setattr(sku, name, values[name])
            sku.updated_at = now
            names |= differing
            changed.append(sku)
    SKU.objects.bulk_create(new, batch_size=500)
    SKU.objects.bulk_update(changed, sorted(names), batch_size=500)
    return {sku.code for sku in new}, {sku.code for sku in changed}


def _rows_of(queryset, key: str, ids: Iterable[int], *fields: str) -> Iterator[tuple]:
    for chunk in chunked(ids):
        yield from queryset.filter(**{f"{key}__in": chunk}).values_list(key, *fields)


def _delete_of(queryset, key: str, ids: Iterable[int]) -> None:
    for chunk in chunked(ids):
        queryset.filter(**{f"{key}__in": chunk}).delete()


def replace_barcodes(tenant, rows: list[SkuRow], sku_ids: dict[str, int]) -> set[int]:
    """Give each row with a barcodes list exactly that list; returns the ids of SKUs whose list changed.

    Every changed SKU's old barcodes go before any new one is written, so a barcode can move between
    two SKUs of the file.
    """
    wanted = {sku_ids[row.code]: set(row.barcodes) for row in rows if row.barcodes is not None}
    current: dict[int, set[tuple[str, str]]] = {sku_id: set() for sku_id in wanted}
    for sku_id, code, kind in _rows_of(Barcode.objects.for_tenant(tenant), "sku_id", wanted, "code", "kind"):
        current[sku_id].add((code, kind))
    changed = [sku_id for sku_id, barcodes in wanted.items() if barcodes != current[sku_id]]
    _delete_of(Barcode.objects.for_tenant(tenant), "sku_id", changed)
    Barcode.objects.bulk_create(
        [Barcode(tenant=tenant, sku_id=sku_id, code=code, kind=kind) for sku_id in changed for code, kind in sorted(wanted[sku_id])],
        batch_size=1000,
    )  # fmt: skip
    return set(changed)


def replace_components(tenant, rows: list[SkuRow], sku_ids: dict[str, int]) -> set[int]:
    """Give each row with a components list exactly that list; returns the ids of bundles that changed."""
    wanted = {
        sku_ids[row.code]: {(sku_ids[code], quantity) for code, quantity in row.components}
        for row in rows
        if row.components is not None
    }
    current: dict[int, set[tuple[int, int]]] = {sku_id: set() for sku_id in wanted}
    for bundle_id, *part in _rows_of(
        BundleComponent.objects.for_tenant(tenant), "bundle_id", wanted, "component_id", "quantity"
    ):
        current[bundle_id].add(tuple(part))
    changed = [sku_id for sku_id, parts in wanted.items() if parts != current[sku_id]]
    _delete_of(BundleComponent.objects.for_tenant(tenant), "bundle_id", changed)
    BundleComponent.objects.bulk_create(
        [
            BundleComponent(tenant=tenant, bundle_id=bundle_id, component_id=component_id, quantity=quantity)
            for bundle_id in changed for component_id, quantity in sorted(wanted[bundle_id])
        ],
        batch_size=1000,
    )  # fmt: skip
    return set(changed)


class CatalogImporter(Importer):
    kind = ImportJob.Kind.CATALOG
    columns = COLUMNS
    required_columns = REQUIRED

    def validate(self, tenant, rows: list[Row], progress: Progress) -> tuple[CatalogPlan, list[RowError]]:
        sku_rows, errors = read_rows(rows, read_row, progress)
        facts = CatalogFacts.load(tenant, sku_rows)
        errors += check_rows(sku_rows, facts)
        return CatalogPlan(rows=sku_rows, facts=facts), errors

    def apply(self, tenant, plan: CatalogPlan) -> tuple[int, int]:
        product_ids, changed_products = upsert_products(tenant, plan.rows)
        created, updated = upsert_skus(tenant, plan.rows, product_ids)
        codes = {row.code for row in plan.rows} | {
            code for row in plan.rows for code, _ in row.components or ()
        }
        sku_ids = _ids(SKU, tenant, codes)
        relinked = replace_barcodes(tenant, plan.rows, sku_ids) | replace_components(
            tenant, plan.rows, sku_ids
        )
        updated |= {code for code, sku_id in sku_ids.items() if sku_id in relinked}
        updated |= {row.code for row in plan.rows if row.product_code in changed_products}
        return len(created), len(updated - created)

    def describe(self, plan: CatalogPlan) -> str:
        existing = sum(1 for row in plan.rows if row.code in plan.facts.is_bundle)
        return f"{len(plan.rows) - existing} SKUs would be created and {existing} existing SKUs updated"
