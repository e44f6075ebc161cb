"""The printed documents of packing and shipping, read back from the PDF as text and drawing operators."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.code128 import Code128

from connectors.base import AddressDTO
from hub.orders.services import import_order
from tests import factories
from tests.factories import order_dto
from warehouse import stock
from warehouse.documents import (
    EXPORT_NOTE,
    Address,
    Invoice,
    InvoiceLine,
    Manifest,
    ManifestShipment,
    ShippingLabel,
    invoice_from_order,
    manifest_pdf,
    shipping_label_pdf,
    tax_invoice_pdf,
)

GSTIN_MH = "27AAPFU0939F1ZV"  # a valid GSTIN registered in Maharashtra (27)
D = Decimal


def text_of(pdf: bytes) -> str:
    """Every page's text, whitespace collapsed to single spaces."""
    pages = PdfReader(BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def barcode_pattern(pdf: bytes) -> str:
    """The bars and spaces drawn on the first page, in reportlab's Code 128 notation ("BaBbBb..."):
    upper case a bar, lower case a space, the letter its width in modules."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    rects = [
        tuple(float(v) for v in operands)
        for operands, operator in ContentStream(page.get_contents(), page.pdf).operations
        if operator == b"re"
    ]
    row, _ = Counter((round(y, 2), round(h, 2)) for _, y, _, h in rects).most_common(1)[0]
    bars = sorted((x, w) for x, y, w, h in rects if (round(y, 2), round(h, 2)) == row)
    module = min(w for _, w in bars)
    pattern, end = "", None
    for x, w in bars:
        if end is not None:
            pattern += chr(ord("a") - 1 + round((x - end) / module))
        pattern += chr(ord("A") - 1 + round(w / module))
        end = x + w
    return pattern


def code128(value: str) -> str:
    symbol = Code128(value)
    symbol.validate()
    symbol.encode()
    return symbol.decompose()


# --- invoices from real hub orders ---------------------------------------------------------------


@pytest.fixture
def gst_warehouse(tenant):
    return factories.make_warehouse(tenant, "PNQ1", gstin=GSTIN_MH, address_line1="Plot 12, MIDC Bhosari")


@pytest.fixture
def account(tenant, gst_warehouse):
    return factories.make_account(tenant, gst_warehouse, kind="amazon", name="Acme on Amazon")


@pytest.fixture
def shirt(tenant, gst_warehouse, account):
    """An 18% shirt (HSN 6109) with stock in the warehouse, listed on the account."""
    sku = factories.make_sku(tenant, "SHIRT-OXF-L", name="Oxford shirt", gst_rate=D("18"), hsn_code="6109")
    stock.receive(sku, factories.make_bin(gst_warehouse), 20, key="opening-shirt")
    factories.make_listing(account, sku, "AMZ-SHIRT-L")
    return sku


@pytest.fixture
def cap(tenant, gst_warehouse, account):
    sku = factories.make_sku(tenant, "CAP-BLK", name="Cap", gst_rate=D("5"), hsn_code="6505", mrp=D("400"),
                             selling_price=D("315"))  # fmt: skip
    stock.receive(sku, factories.make_bin(gst_warehouse), 20, key="opening-cap")
    factories.make_listing(account, sku, "AMZ-CAP")
    return sku


def allocated_order(account, *lines, **fields):
    """An order imported through the hub, which allocates it and stores each line's tax."""
    order = import_order(account, order_dto("402-1111111-2222222", *lines, **fields))
    order.refresh_from_db()
    assert order.status == "allocated", order.events.last().message
    return order


def invoice_of(order) -> Invoice:
    return invoice_from_order(order, number="INV/26-27/0001", issued_on=date(2026, 11, 21), seller_name="Acme Apparel")


def test_an_order_within_the_state_is_invoiced_with_cgst_and_sgst(account, shirt):
    order = allocated_order(account, ("AMZ-SHIRT-L", 2, "1180.00"), ship_state="27", shipping="49.50")
    line = order.lines.get()

    invoice = invoice_of(order)
    text = text_of(tax_invoice_pdf(invoice))

    assert (invoice.is_intra_state, invoice.is_export) == (True, False)
    assert invoice.grand_total == order.grand_total == D("2409.50")
    assert (invoice.lines[0].taxable_value, invoice.lines[0].cgst, invoice.lines[0].sgst) == (
        line.taxable_value, line.cgst, line.sgst,
    )  # fmt: skip
    assert (line.taxable_value, line.cgst, line.sgst, line.igst) == (D("2000.00"), D("180.00"), D("180.00"), 0)
    assert text.startswith("Tax invoice INV/26-27/0001, page 1 Tax Invoice")
    assert "Sold by Acme Apparel Plot 12, MIDC Bhosari Pune 411019 State: Maharashtra (27) GSTIN: 27AAPFU0939F1ZV" in text
    assert "Invoice number: INV/26-27/0001 Invoice date: 21 Nov 2026" in text
    assert "Order: Amazon 402-1111111-2222222 Order date: 20 Nov 2026" in text
    assert "Place of supply: Maharashtra (27)" in text
    assert "Ship to Asha Rao 14 MG Road Pune 411001 State: Maharashtra (27)" in text
    assert "HSN" in text
    assert "1 Oxford shirt SHIRT-OXF-L 6109 2 1,180.00 0.00 2,000.00 9% 180.00 9% 180.00 2,360.00" in text
    assert "Taxable value 2,000.00 CGST 9% 180.00 SGST 9% 180.00 Shipping 49.50 Grand total (INR) 2,409.50" in text
    assert "Amount in words: Rupees Two Thousand Four Hundred Nine and Fifty Paise Only" in text
    assert "IGST" not in text
    assert "Whether tax is payable under reverse charge: No" in text
    assert "For Acme Apparel Authorised signatory" in text


def test_an_order_to_another_state_is_invoiced_with_igst_only(account, shirt, cap):
    order = allocated_order(
        account, ("AMZ-SHIRT-L", 1, "1180.00"), ("AMZ-CAP", 3, "315.00"), ship_state="Karnataka", pincode="560001"
    )

    invoice = invoice_of(order)
    text = text_of(tax_invoice_pdf(invoice))

    assert invoice.is_intra_state is False
    assert "Place of supply: Karnataka (29)" in text
    assert "1 Oxford shirt SHIRT-OXF-L 6109 1 1,180.00 0.00 1,000.00 18% 180.00 1,180.00" in text
    assert "2 Cap CAP-BLK 6505 3 315.00 0.00 900.00 5% 45.00 945.00" in text
    assert "Taxable value 1,900.00 IGST 5% 45.00 IGST 18% 180.00 Grand total (INR) 2,125.00" in text
    assert "Amount in words: Rupees Two Thousand One Hundred Twenty-Five Only" in text
    assert "CGST" not in text
    assert "SGST" not in text


def test_a_shipping_discount_comes_off_the_shipping_so_the_total_is_what_the_buyer_paid(account, shirt):
    order = allocated_order(account, ("AMZ-SHIRT-L", 1, "1180.00"), shipping="80.00", discount="30.00")

    invoice = invoice_of(order)

    assert invoice.shipping == D("50.00")
    assert invoice.grand_total == order.grand_total == D("1230.00")
    assert "Shipping 50.00 Grand total (INR) 1,230.00" in text_of(tax_invoice_pdf(invoice))


def test_cancelled_lines_are_left_out_of_the_invoice(account, shirt, cap):
    order = allocated_order(account, ("AMZ-SHIRT-L", 1, "1180.00"), ("AMZ-CAP", 1, "315.00", "cancelled"))

    invoice = invoice_of(order)

    assert [line.sku for line in invoice.lines] == ["SHIRT-OXF-L"]
    assert "CAP-BLK" not in text_of(tax_invoice_pdf(invoice))


def test_an_export_is_zero_rated_under_lut(account, shirt):
    abroad = AddressDTO(name="John Smith", line1="1 Infinite Loop", city="Cupertino", state="California",
                        pincode="95014", country="US")  # fmt: skip
    order = allocated_order(account, ("AMZ-SHIRT-L", 1, "1180.00"), shipping_address=abroad)

    invoice = invoice_of(order)
    text = text_of(tax_invoice_pdf(invoice))

    assert order.ship_state == ""
    assert invoice.is_export
    assert "Place of supply: Outside India (96, other country)" in text
    assert "Ship to John Smith 1 Infinite Loop Cupertino 95014 California, US" in text
    assert "Taxable value 1,180.00 IGST 0% 0.00 Grand total (INR) 1,180.00" in text
    assert EXPORT_NOTE in text


def test_an_order_not_yet_allocated_cannot_be_invoiced(account, tenant):
    order = import_order(account, order_dto("SO-UNMAPPED", ("NOT-LISTED", 1, "100.00")))

    with pytest.raises(ValueError, match="allocate"):
        invoice_of(order)


# --- invoice rules on the dataclass --------------------------------------------------------------

PUNE = Address("Acme Apparel", "Plot 12, MIDC", "Pune", "411019", state_code="27")
BUYER = Address("Asha Rao", "14 MG Road", "Pune", "411001", state_code="27")


def make_invoice(**changes) -> Invoice:
    line = InvoiceLine("Oxford shirt", "SHIRT-OXF-L", "6109", 1, D("1180.00"), D("1000.00"), D("18"),
                       cgst=D("90.00"), sgst=D("90.00"))  # fmt: skip
    values = {"number": "INV-1", "issued_on": date(2026, 11, 21), "seller": PUNE, "seller_gstin": GSTIN_MH,
              "bill_to": BUYER, "ship_to": BUYER, "channel": "Shopify", "channel_order_id": "#1001",
              "ordered_on": date(2026, 11, 20), "lines": (line,)}  # fmt: skip
    return Invoice(**values | changes)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"number": "INV-2026-27-000001"}, "at most 16"),
        ({"number": "INV 1"}, "at most 16"),
        ({"seller_gstin": ""}, "needs the seller's GSTIN"),
        ({"seller_gstin": "29AAGCB7383J1Z4"}, "registered in state 29"),
        ({"seller_gstin": "27AAPFU0939F1ZX"}, "check character"),
        ({"buyer_gstin": "29ABCDE1234F1Z5"}, "buyer's GSTIN 29ABCDE1234F1Z5: The GSTIN's check character"),
        ({"lines": ()}, "at least one line"),
        ({"ship_to": Address("Ravi", "1 Brigade Rd", "Bengaluru", "560001", state_code="29")}, "carries CGST"),
    ],
)
def test_an_invoice_that_would_be_wrong_is_refused(changes, reason):
    with pytest.raises(ValueError, match=reason):
        make_invoice(**changes)


def test_the_same_invoice_renders_to_the_same_bytes():
    assert tax_invoice_pdf(make_invoice()) == tax_invoice_pdf(make_invoice())


def test_a_long_invoice_runs_onto_more_pages_with_every_line():
    line = InvoiceLine("Oxford shirt, long sleeves", "SHIRT", "6109", 1, D("118.00"), D("100.00"), D("18"),
                       cgst=D("9.00"), sgst=D("9.00"))  # fmt: skip
    pdf = tax_invoice_pdf(make_invoice(lines=(line,) * 60))
    text = text_of(pdf)

    assert len(PdfReader(BytesIO(pdf)).pages) > 1
    assert "60 Oxford shirt, long sleeves SHIRT 6109" in text
    assert "Grand total (INR) 7,080.00" in text
    assert "Rupees Seven Thousand Eighty Only" in text


# --- shipping label ------------------------------------------------------------------------------

WAREHOUSE = Address("Acme Apparel PNQ1", "Plot 12, MIDC", "Pune", "411019", state_code="27", phone="020 4000 1234")


def make_label(**changes) -> ShippingLabel:
    to = Address("Ravi Kumar", "221 Brigade Road", "Bengaluru", "560025", state_code="29", phone="9845012345")
    values = {"courier": "Delhivery", "awb": "1234567890123", "ship_to": to, "return_to": WAREHOUSE,
              "order_id": "402-1111111-2222222", "channel": "Amazon", "items": 3}  # fmt: skip
    return ShippingLabel(**values | changes)


def test_a_label_is_four_by_six_inches_with_the_awb_as_code_128_and_text():
    pdf = shipping_label_pdf(make_label(weight_grams=850, dimensions_mm=(300, 225, 100)))
    page = PdfReader(BytesIO(pdf)).pages[0]
    text = text_of(pdf)

    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((288, 432))
    assert barcode_pattern(pdf) == code128("1234567890123")
    assert "Delhivery Amazon order AWB 1234567890123 PREPAID" in text
    assert "DELIVER TO Ravi Kumar 221 Brigade Road Bengaluru Karnataka (29) PIN 560025 Phone: 9845012345" in text
    assert "Order: 402-1111111-2222222 Channel: Amazon Items: 3 Weight: 850 g Box: 30 x 22.5 x 10 cm" in text
    assert "If undelivered, return to: Acme Apparel PNQ1, Plot 12, MIDC, Pune 411019" in text


def test_a_cash_on_delivery_label_says_what_to_collect():
    pdf = shipping_label_pdf(make_label(awb="SF123456789IN", cod_amount=D("1234.5")))
    text = text_of(pdf)

    assert "COD: collect INR 1,234.50" in text
    assert "PREPAID" not in text
    assert barcode_pattern(pdf) == code128("SF123456789IN")


# --- manifest ------------------------------------------------------------------------------------


def make_manifest(count: int) -> Manifest:
    shipments = tuple(
        ManifestShipment(f"AWB{n:07d}", f"SO-{n}", "Shopify" if n % 2 else "Amazon", pieces=1 + n % 2,
                         weight_grams=500, cod_amount=D("499.00") if n % 3 == 0 else D("0"))
        for n in range(1, count + 1)
    )  # fmt: skip
    return Manifest("MF-PNQ1-0001", "Delhivery", "DLV", WAREHOUSE, datetime(2026, 11, 21, 11, 30, tzinfo=UTC), shipments)


def test_a_manifest_lists_every_shipment_with_the_counts_and_both_signatures():
    text = text_of(manifest_pdf(make_manifest(4)))

    assert "Courier manifest" in text
    assert "Manifest number: MF-PNQ1-0001 Courier: Delhivery (DLV) Created: 21 Nov 2026 17:00 IST" in text
    assert "Warehouse Acme Apparel PNQ1 Plot 12, MIDC Pune 411019 State: Maharashtra (27)" in text
    assert "# AWB Order ID Channel Pieces Weight (kg) COD amount (INR)" in text
    assert "1 AWB0000001 SO-1 Shopify 2 0.500 -" in text
    assert "3 AWB0000003 SO-3 Shopify 2 0.500 499.00" in text
    assert "Total 4 shipments 6 2.000 499.00" in text
    assert "Shipments: 4 Pieces: 6 COD total: INR 499.00" in text
    assert "Handed over by (seller) Handed over 4 shipments (6 pieces) to Delhivery." in text
    assert "Received by (courier agent) Received 4 shipments (6 pieces) from Acme Apparel PNQ1." in text
    assert "Name:" in text
    assert "Signature:" in text
    assert "Date/time:" in text


def test_a_long_manifest_keeps_every_awb_across_pages():
    pdf = manifest_pdf(make_manifest(90))
    text = text_of(pdf)

    assert len(PdfReader(BytesIO(pdf)).pages) > 1
    assert all(f"AWB{n:07d}" in text for n in range(1, 91))
    assert "Shipments: 90 Pieces: 135 COD total: INR 14,970.00" in text
    assert "Received 90 shipments (135 pieces)" in text
