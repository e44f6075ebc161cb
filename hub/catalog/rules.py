"""Rules of a catalog row that need no database: the API serializers and the file importer share them.

Each check takes already-typed values and returns ``{field: reason}`` for what is wrong.
"""

import re
from decimal import Decimal

from hub.core import india

BARCODE_PATTERNS = {
    "ean": re.compile(r"^(?:[0-9]{8}|[0-9]{13})$"),
    "upc": re.compile(r"^[0-9]{12}$"),
    "internal": re.compile(r"^[A-Za-z0-9._/-]{1,64}$"),
}
SKU_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/ -]{0,63}$")


def gtin_check_digit_ok(code: str) -> bool:
    """EAN-8, UPC-A (12) and EAN-13 share the GS1 mod-10 check digit."""
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def barcode_error(code: str, kind: str) -> str | None:
    pattern = BARCODE_PATTERNS.get(kind)
    if pattern is None:
        return f"Barcode type {kind!r} is not one of {', '.join(BARCODE_PATTERNS)}."
    if not pattern.match(code):
        shapes = {"ean": "8 or 13 digits", "upc": "12 digits", "internal": "up to 64 letters, digits or . _ / -"}
        return f"{code!r} is not a valid {kind.upper()} barcode ({shapes[kind]})."
    if kind in {"ean", "upc"} and not gtin_check_digit_ok(code):
        return f"{code!r} fails the {kind.upper()} check digit; check for a typing mistake."
    return None


def sku_field_errors(
    *,
    code: str,
    name: str,
    hsn_code: str,
    gst_rate: Decimal,
    mrp: Decimal,
    selling_price: Decimal,
    cost: Decimal | None = None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not SKU_CODE_RE.match(code or ""):
        errors["code"] = "A SKU code is 1-64 letters, digits, spaces or . _ / - and starts with a letter or digit."
    if not (name or "").strip():
        errors["name"] = "A SKU needs a name."
    if message := india.hsn_error(hsn_code):
        errors["hsn_code"] = message
    if message := india.gst_rate_error(gst_rate):
        errors["gst_rate"] = message
    for field, value in (("mrp", mrp), ("selling_price", selling_price), ("cost", cost)):
        if value is not None and value < 0:
            errors[field] = "Must not be negative."
    if "mrp" not in errors and "selling_price" not in errors and selling_price > mrp:
        errors["selling_price"] = f"Selling price {selling_price} is above the MRP {mrp}; it may not exceed MRP."
    return errors
