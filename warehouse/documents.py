"""The printed paper of packing and shipping, as PDF: GST tax invoice, courier label, courier manifest.

Each document is a plain frozen dataclass rendered by a pure function into PDF bytes. The PDFs are
deterministic (reportlab's ``invariant`` mode fixes the creation date and file id) and keep their
text as text, so a test or a search can read them back. Money prints with two decimals in Indian
digit grouping after "INR": the standard PDF fonts have no rupee sign, and no font file is assumed.

The invoice follows rule 46 of the CGST Rules: supplier's name, address and GSTIN; a serial number
of at most 16 characters; date; recipient and delivery address; HSN, description, quantity, value,
taxable value, rate and amount of each tax; place of supply with the state's name and code; the
reverse-charge statement; and a space for the authorised signatory. Whether the supply is within a
state (CGST + SGST) or across states (IGST) is decided from the addresses, not asked of the caller;
a delivery outside India is an export, zero-rated under a letter of undertaking.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from hub.core.india import STATE_CODES, amount_in_words, gstin_error
from hub.orders.states import LineStatus

ZERO = Decimal("0.00")
PAISA = Decimal("0.01")
IST = ZoneInfo("Asia/Kolkata")
LABEL_SIZE = (101.6 * mm, 152.4 * mm)  # 4 x 6 inches, the thermal label couriers print
EXPORT_NOTE = "Supply meant for export under LUT without payment of IGST"
_INVOICE_NUMBER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/")
_CURRENCY_WORDS = {"INR": ("Rupees", "Paise"), "USD": ("US Dollars", "Cents"), "EUR": ("Euros", "Cents"),
                   "GBP": ("Pounds Sterling", "Pence"), "AED": ("UAE Dirhams", "Fils")}  # fmt: skip


# --- the documents' data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """A postal address. ``state_code`` is the GST state code, blank outside India (``region`` then
    holds the foreign state or province as written)."""

    name: str
    line1: str
    city: str
    pincode: str
    line2: str = ""
    state_code: str = ""
    region: str = ""
    country: str = "IN"
    phone: str = ""

    @property
    def in_india(self) -> bool:
        return bool(self.state_code) and self.country in ("IN", "")

    @property
    def state(self) -> str:
        """The state as printed: "Karnataka (29)" in India, the region and country abroad."""
        if self.in_india:
            return f"{STATE_CODES.get(self.state_code, 'Unknown state')} ({self.state_code})"
        return ", ".join(part for part in (self.region, self.country) if part)


@dataclass(frozen=True)
class InvoiceLine:
    """One line as the hub taxed it: ``unit_price`` as sold (tax included when the invoice says
    prices include tax), ``discount`` for the whole line, and the tax amounts the hub stored."""

    description: str
    sku: str
    hsn: str
    quantity: int
    unit_price: Decimal
    taxable_value: Decimal
    gst_rate: Decimal
    discount: Decimal = ZERO
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def total(self) -> Decimal:
        return self.taxable_value + self.tax


@dataclass(frozen=True)
class Invoice:
    """A GST tax invoice. ``seller.state_code`` is the state the goods leave (the warehouse's, which
    the seller's GSTIN must be registered in); ``ship_to`` is where they go, the place of supply."""

    number: str
    issued_on: date
    seller: Address
    seller_gstin: str
    bill_to: Address
    ship_to: Address
    channel: str
    channel_order_id: str
    ordered_on: date
    lines: tuple[InvoiceLine, ...]
    shipping: Decimal = ZERO
    currency: str = "INR"
    prices_include_tax: bool = True
    buyer_gstin: str = ""

    def __post_init__(self) -> None:
        if not self.number or len(self.number) > 16 or set(self.number) - _INVOICE_NUMBER_CHARS:
            raise ValueError(
                f"Invoice number {self.number!r}: at most 16 letters, digits, '-' or '/' (CGST Rules, rule 46)."
            )
        if not self.seller_gstin:
            raise ValueError("A tax invoice needs the seller's GSTIN; set it on the dispatching warehouse.")
        for whose, gstin in (("seller", self.seller_gstin), ("buyer", self.buyer_gstin)):
            if gstin and (error := gstin_error(gstin)):
                raise ValueError(f"The {whose}'s GSTIN {gstin}: {error}")
        if self.seller_gstin[:2] != self.seller.state_code:
            raise ValueError(
                f"GSTIN {self.seller_gstin} is registered in state {self.seller_gstin[:2]}, but the goods leave "
                f"from state {self.seller.state_code}: use that state's GSTIN."
            )
        if not self.lines:
            raise ValueError("An invoice needs at least one line.")
        for n, line in enumerate(self.lines, 1):
            if wrong := self._wrong_tax(line):
                raise ValueError(f"Line {n} ({line.sku}): {wrong}")

    @property
    def is_export(self) -> bool:
        return not self.ship_to.in_india

    @property
    def is_intra_state(self) -> bool:
        return not self.is_export and self.ship_to.state_code == self.seller.state_code

    @property
    def place_of_supply(self) -> str:
        return "Outside India (96, other country)" if self.is_export else self.ship_to.state

    def _wrong_tax(self, line: InvoiceLine) -> str:
        if self.is_export and line.tax:
            return "an export is zero-rated, but the line carries GST."
        if self.is_intra_state and line.igst:
            return "the supply stays within the state (CGST + SGST), but the line carries IGST."
        if not self.is_intra_state and (line.cgst or line.sgst):
            return "the supply crosses states (IGST), but the line carries CGST or SGST."
        return ""

    @property
    def taxable_total(self) -> Decimal:
        return sum((line.taxable_value for line in self.lines), ZERO)

    @property
    def grand_total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO) + self.shipping

    def tax_summary(self) -> list[tuple[str, Decimal]]:
        """("CGST 9%", amount), ... by tax and rate, in rate order."""
        by_rate: dict[Decimal, list[InvoiceLine]] = defaultdict(list)
        for line in self.lines:
            by_rate[ZERO if self.is_export else line.gst_rate].append(line)
        if len(by_rate) > 1:  # a nil-rated line adds no tax row beside taxed ones
            by_rate.pop(ZERO, None)
        rows = []
        for rate, lines in sorted(by_rate.items()):
            if self.is_intra_state:
                rows.append((f"CGST {_rate(rate / 2)}%", sum((ln.cgst for ln in lines), ZERO)))
                rows.append((f"SGST {_rate(rate / 2)}%", sum((ln.sgst for ln in lines), ZERO)))
            else:
                rows.append((f"IGST {_rate(rate)}%", sum((ln.igst for ln in lines), ZERO)))
        return rows


@dataclass(frozen=True)
class ShippingLabel:
    """A courier label. ``cod_amount`` None or zero: prepaid. ``dimensions_mm``: length, breadth, height."""

    courier: str
    awb: str
    ship_to: Address
    return_to: Address
    order_id: str
    channel: str
    items: int
    cod_amount: Decimal | None = None
    weight_grams: int | None = None
    dimensions_mm: tuple[int, int, int] | None = None
    currency: str = "INR"

    @property
    def payment(self) -> str:
        if self.cod_amount:
            return f"COD: collect {self.currency} {_money(self.cod_amount)}"
        return "PREPAID"


@dataclass(frozen=True)
class ManifestShipment:
    awb: str
    order_id: str
    channel: str
    pieces: int
    weight_grams: int
    cod_amount: Decimal = ZERO


@dataclass(frozen=True)
class Manifest:
    """The list of shipments handed to one courier's agent at one warehouse, signed by both sides."""

    number: str
    courier: str
    courier_code: str
    warehouse: Address
    created_at: datetime
    shipments: tuple[ManifestShipment, ...] = field(default_factory=tuple)
    currency: str = "INR"

    @property
    def pieces(self) -> int:
        return sum(s.pieces for s in self.shipments)

    @property
    def weight_grams(self) -> int:
        return sum(s.weight_grams for s in self.shipments)

    @property
    def cod_total(self) -> Decimal:
        return sum((s.cod_amount for s in self.shipments), ZERO)


# --- building an invoice from a hub order --------------------------------------------------------


def invoice_from_order(order, *, number: str, issued_on: date, seller_name: str) -> Invoice:
    """The invoice of an allocated hub ``Order``, with the tax the hub stored on its lines.

    The dispatching warehouse is the seller's address and GSTIN; cancelled lines are left out. The
    channels put item discounts on the lines and count a shipping discount only in the order's
    ``discount_total``, so what that total holds beyond the lines' discounts comes off the shipping.
    Raises ``ValueError`` if the order has no warehouse or a line has not been taxed yet.
    """
    warehouse = order.warehouse
    if warehouse is None:
        raise ValueError(f"Order {order.channel_order_id} has no warehouse yet: allocate it before invoicing.")
    every_line = list(order.lines.select_related("sku").order_by("pk"))
    lines = [line for line in every_line if line.status != LineStatus.CANCELLED]
    shipping_discount = order.discount_total - sum((line.discount for line in every_line), ZERO)
    shipping = order.shipping_total - min(max(shipping_discount, ZERO), order.shipping_total)
    if untaxed := [line.channel_sku for line in lines if line.gst_rate is None or line.sku is None]:
        raise ValueError(f"Order {order.channel_order_id}: no tax computed for {', '.join(untaxed)}; allocate it first.")
    seller = Address(
        name=seller_name, line1=warehouse.address_line1, line2=warehouse.address_line2, city=warehouse.city,
        pincode=warehouse.pincode, state_code=warehouse.state,
    )  # fmt: skip
    ship_to = _address(order.shipping_address, name=order.buyer_name, phone=order.buyer_phone, state=order.ship_state)
    bill_to = _address(order.billing_address, name=order.buyer_name) if order.billing_address else ship_to
    return Invoice(
        number=number, issued_on=issued_on, seller=seller, seller_gstin=warehouse.gstin, bill_to=bill_to,
        ship_to=ship_to, channel=order.account.get_kind_display(), channel_order_id=order.channel_order_id,
        ordered_on=timezone.localdate(order.ordered_at), lines=tuple(_invoice_line(line) for line in lines),
        shipping=shipping, currency=order.currency, prices_include_tax=order.prices_include_tax,
    )  # fmt: skip


def _invoice_line(line) -> InvoiceLine:
    return InvoiceLine(
        description=line.title or line.sku.name, sku=line.sku.code, hsn=line.sku.hsn_code, quantity=line.quantity,
        unit_price=line.unit_price, discount=line.discount, taxable_value=line.taxable_value, gst_rate=line.gst_rate,
        cgst=line.cgst, sgst=line.sgst, igst=line.igst,
    )  # fmt: skip


def _address(values: dict, *, name: str = "", phone: str = "", state: str | None = None) -> Address:
    """An ``Address`` from the hub's stored address JSON (see ``hub.orders.validation``)."""
    country = values.get("country") or "IN"
    code = values.get("state", "") if state is None else state
    code = code if code in STATE_CODES and country == "IN" else ""
    return Address(
        name=values.get("name") or name, line1=values.get("line1", ""), line2=values.get("line2", ""),
        city=values.get("city", ""), pincode=values.get("pincode", ""), state_code=code,
        region="" if code else values.get("state_name") or values.get("state", ""), country=country,
        phone=values.get("phone") or phone,
    )  # fmt: skip


# --- formatting ----------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    """Two decimals in Indian grouping: 1,23,456.78."""
    value = Decimal(value).quantize(PAISA, ROUND_HALF_UP)
    sign, digits = ("-" if value < 0 else ""), f"{abs(value):.2f}"
    whole, paise = digits.split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        head, groups = head[:-2], [head[-2:], *groups]
    return sign + ",".join([g for g in (head, *groups) if g] + [tail]) + "." + paise


def _rate(rate: Decimal) -> str:
    """9.00 -> "9", 2.50 -> "2.5", 0.125 -> "0.125"."""
    text = f"{Decimal(rate):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _words(amount: Decimal, currency: str) -> str:
    unit, subunit = _CURRENCY_WORDS.get(currency.upper(), (currency.upper(), "Cents"))
    return amount_in_words(amount, unit=unit, subunit=subunit)


def _address_lines(address: Address) -> list[str]:
    lines = [address.line1, address.line2, " ".join(part for part in (address.city, address.pincode) if part)]
    lines.append(f"State: {address.state}" if address.in_india else address.state)
    return [line for line in lines if line]


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        return moment.strftime("%d %b %Y %H:%M")
    return moment.astimezone(IST).strftime("%d %b %Y %H:%M IST")


_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=8.5, leading=10.5)
_SMALL = ParagraphStyle("small", parent=_BASE, fontSize=7, leading=8.5)
_CELL = ParagraphStyle("cell", parent=_BASE, fontSize=7, leading=8.5)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName="Helvetica-Bold")
_HEAD_RIGHT = ParagraphStyle("head_right", parent=_HEAD, alignment=TA_RIGHT)
_HEAD_CENTRE = ParagraphStyle("head_centre", parent=_HEAD, alignment=TA_CENTER)
_TITLE = ParagraphStyle("title", parent=_BASE, fontName="Helvetica-Bold", fontSize=16, leading=20, alignment=TA_CENTER)
_SUBTITLE = ParagraphStyle("subtitle", parent=_SMALL, alignment=TA_CENTER)
_RIGHT = ParagraphStyle("right", parent=_BASE, alignment=TA_RIGHT)
_SIGN = ParagraphStyle("sign", parent=_BASE, fontSize=9, leading=24)
_GRID = colors.HexColor("#9a9a9a")
_SHADE = colors.HexColor("#ececec")


def _para(lines: list[str], *, label: str = "", style: ParagraphStyle = _BASE) -> Paragraph:
    """A block of lines under a bold ``label``."""
    text = "<br/>".join(_escape(line) for line in lines)
    return Paragraph((f"<b>{_escape(label)}</b><br/>" if label else "") + text, style)


def _build(flowables: list[Flowable], *, title: str) -> bytes:
    """An A4 document; each page's foot says whose page it is ("Tax invoice INV-1, page 2")."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=12 * mm,
        title=title, author="channel-hub", creator="channel-hub", invariant=True,
    )  # fmt: skip

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.setFont("Helvetica", 7)
        canvas.drawCentredString(A4[0] / 2, 6 * mm, f"{title}, page {doc.page}")

    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- tax invoice ---------------------------------------------------------------------------------


def tax_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF."""
    width = A4[0] - 20 * mm
    flowables = [
        Paragraph("Tax Invoice", _TITLE),
        Paragraph("Original for recipient", _SUBTITLE),
        Spacer(1, 4 * mm),
        _invoice_header(invoice, width),
        Spacer(1, 3 * mm),
        _invoice_lines(invoice, width),
        Spacer(1, 3 * mm),
    ]
    closing = [
        _invoice_totals(invoice),
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Amount in words:</b> {_escape(_words(invoice.grand_total, invoice.currency))}", _BASE),
        Spacer(1, 2 * mm),
        Paragraph("Whether tax is payable under reverse charge: No", _BASE),
    ]
    if invoice.is_export:
        closing += [Spacer(1, 2 * mm), Paragraph(f"<b>{EXPORT_NOTE}</b>", _BASE)]
    closing += [Spacer(1, 6 * mm), _signature(invoice.seller.name)]
    return _build([*flowables, KeepTogether(closing)], title=f"Tax invoice {invoice.number}")


def _invoice_header(invoice: Invoice, width: float) -> Table:
    seller = _para(
        [invoice.seller.name, *_address_lines(invoice.seller), f"GSTIN: {invoice.seller_gstin}"], label="Sold by"
    )
    facts = _para([
        f"Invoice number: {invoice.number}",
        f"Invoice date: {invoice.issued_on:%d %b %Y}",
        f"Order: {invoice.channel} {invoice.channel_order_id}",
        f"Order date: {invoice.ordered_on:%d %b %Y}",
        f"Place of supply: {invoice.place_of_supply}",
    ], label="Invoice")  # fmt: skip
    bill_to = [invoice.bill_to.name, *_address_lines(invoice.bill_to)]
    if invoice.buyer_gstin:
        bill_to.append(f"GSTIN: {invoice.buyer_gstin}")
    ship_to = [invoice.ship_to.name, *_address_lines(invoice.ship_to)]
    table = Table(
        [[seller, facts], [_para(bill_to, label="Bill to"), _para(ship_to, label="Ship to")]],
        colWidths=[width / 2, width / 2],
    )
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID), ("INNERGRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))  # fmt: skip
    return table


def _invoice_lines(invoice: Invoice, width: float) -> Table:
    price = "Unit price (incl. GST)" if invoice.prices_include_tax and not invoice.is_export else "Unit price"
    taxes = ["CGST", "SGST"] if invoice.is_intra_state else ["IGST"]
    head = [_h("#"), _h("Description"), _h("SKU"), _h("HSN"), *(_h(text, right=True) for text in (
        "Qty", price, "Discount", "Taxable value"))]  # fmt: skip
    top, sub = list(head), [""] * len(head)
    for tax in taxes:
        top += [Paragraph(tax, _HEAD_CENTRE), ""]
        sub += [_h("Rate", right=True), _h("Amount", right=True)]
    top.append(_h("Total", right=True))
    sub.append("")
    rows = [top, sub, *(_line_row(invoice, n, line) for n, line in enumerate(invoice.lines, 1))]
    fixed = [6, None, 24, 13, 8, 16, 13, 17, *([9, 14] * len(taxes)), 17]
    fixed[1] = width / mm - sum(w for w in fixed if w)
    table = Table(rows, colWidths=[w * mm for w in fixed], repeatRows=2)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID), ("BACKGROUND", (0, 0), (-1, 1), _SHADE),
        ("FONT", (0, 2), (-1, -1), "Helvetica", 7), ("ALIGN", (4, 2), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]  # fmt: skip
    style += [("SPAN", (col, 0), (col, 1)) for col in (*range(len(head)), len(top) - 1)]
    style += [("SPAN", (len(head) + 2 * i, 0), (len(head) + 2 * i + 1, 0)) for i in range(len(taxes))]
    table.setStyle(TableStyle(style))
    return table


def _h(text: str, *, right: bool = False) -> Paragraph:
    return Paragraph(_escape(text), _HEAD_RIGHT if right else _HEAD)


def _line_row(invoice: Invoice, n: int, line: InvoiceLine) -> list:
    row = [str(n), Paragraph(_escape(line.description), _CELL), _code_cell(line.sku, 24 * mm - 4), line.hsn,
           str(line.quantity), _money(line.unit_price), _money(line.discount), _money(line.taxable_value)]  # fmt: skip
    if invoice.is_intra_state:
        half = _rate(line.gst_rate / 2)
        row += [f"{half}%", _money(line.cgst), f"{half}%", _money(line.sgst)]
    else:
        row += [f"{_rate(ZERO if invoice.is_export else line.gst_rate)}%", _money(line.igst)]
    return [*row, _money(line.total)]


def _code_cell(code: str, width: float) -> Paragraph:
    """A code broken after its hyphens to fit ``width`` (TSHIRT-RED-M- / PK2), not in the middle of a part."""
    lines, line = [], ""
    for part in re.findall(r"[^-]*-|[^-]+$", code):
        if line and stringWidth(line + part, _CELL.fontName, _CELL.fontSize) > width:
            lines, line = [*lines, line], ""
        line += part
    return Paragraph("<br/>".join(_escape(text) for text in [*lines, line]), _CELL)


def _invoice_totals(invoice: Invoice) -> Table:
    rows = [("Taxable value", invoice.taxable_total), *invoice.tax_summary()]
    if invoice.shipping:
        rows.append(("Shipping", invoice.shipping))
    rows.append((f"Grand total ({invoice.currency})", invoice.grand_total))
    table = Table([[label, _money(amount)] for label, amount in rows], colWidths=[50 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5), ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9.5),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID), ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))  # fmt: skip
    return table


def _signature(seller_name: str) -> Table:
    table = Table(
        [[Paragraph(f"For {_escape(seller_name)}", _RIGHT)], [""], [Paragraph("Authorised signatory", _RIGHT)]],
        colWidths=[70 * mm], rowHeights=[None, 14 * mm, None], hAlign="RIGHT",
    )
    table.setStyle(TableStyle([("LINEABOVE", (0, 2), (0, 2), 0.5, colors.black)]))
    return table


# --- shipping label ------------------------------------------------------------------------------


def shipping_label_pdf(label: ShippingLabel) -> bytes:
    """The label as a 4 x 6 inch PDF: courier, AWB barcode, payment, ship-to, parcel, return address."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, invariant=1)
    canvas.setTitle(f"Shipping label {label.awb}")
    canvas.setAuthor("channel-hub")
    width, height = LABEL_SIZE
    pen = _Pen(canvas, left=5 * mm, right=width - 5 * mm, y=height - 5 * mm)
    pen.text(label.courier, "Helvetica-Bold", 16, advance=False)
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawRightString(pen.right, pen.y - 14, f"{label.channel} order")
    pen.y -= 20
    pen.rule()
    _label_barcode(pen, label.awb)
    _label_payment(pen, label)
    _label_ship_to(pen, label.ship_to)
    _label_parcel(pen, label)
    _label_return_to(pen, label.return_to, bottom=5 * mm)
    canvas.setLineWidth(1.2)
    canvas.rect(2.5 * mm, 2.5 * mm, width - 5 * mm, height - 5 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Pen:
    """Writes lines of text down a canvas from the top, between two margins."""

    def __init__(self, canvas: Canvas, *, left: float, right: float, y: float) -> None:
        self.canvas, self.left, self.right, self.y = canvas, left, right, y

    @property
    def width(self) -> float:
        return self.right - self.left

    def text(self, text: str, font: str, size: float, *, x: float | None = None, advance: bool = True) -> None:
        self.canvas.setFont(font, size)
        self.canvas.drawString(self.left if x is None else x, self.y - size, text)
        if advance:
            self.y -= size * 1.25

    def wrapped(self, text: str, font: str, size: float, *, max_lines: int = 2) -> None:
        for line in simpleSplit(text, font, size, self.width)[:max_lines]:
            self.text(line, font, size)

    def rule(self, gap: float = 2.5 * mm) -> None:
        self.y -= gap / 2
        self.canvas.setLineWidth(0.8)
        self.canvas.line(self.left - 2.5 * mm, self.y, self.right + 2.5 * mm, self.y)
        self.y -= gap / 2


def _label_barcode(pen: _Pen, awb: str) -> None:
    modules = Code128(awb, barWidth=1, quiet=False).width + 20  # the symbol and its quiet zones, in modules
    bar_width = min(0.5 * mm, pen.width / modules)
    barcode = Code128(awb, barWidth=bar_width, barHeight=24 * mm, quiet=False, humanReadable=False)
    barcode.drawOn(pen.canvas, pen.left + (pen.width - barcode.width) / 2, pen.y - 24 * mm)
    pen.y -= 24 * mm + 2 * mm
    pen.canvas.setFont("Helvetica-Bold", 13)
    pen.canvas.drawCentredString(pen.left + pen.width / 2, pen.y - 13, f"AWB {awb}")
    pen.y -= 13 * 1.3
    pen.rule()


def _label_payment(pen: _Pen, label: ShippingLabel) -> None:
    """A band across the label: black for cash on delivery, so the courier cannot miss it."""
    cod, band = bool(label.cod_amount), 9 * mm
    pen.canvas.setFillColor(colors.black if cod else colors.white)
    pen.canvas.rect(pen.left - 2.5 * mm, pen.y - band, pen.width + 5 * mm, band, stroke=0, fill=1)
    pen.canvas.setFillColor(colors.white if cod else colors.black)
    pen.canvas.setFont("Helvetica-Bold", 15)
    pen.canvas.drawCentredString(pen.left + pen.width / 2, pen.y - band / 2 - 5, label.payment)
    pen.canvas.setFillColor(colors.black)
    pen.y -= band
    pen.rule(gap=0)
    pen.y -= 2 * mm


def _label_ship_to(pen: _Pen, to: Address) -> None:
    pen.text("DELIVER TO", "Helvetica-Bold", 8)
    pen.text(to.name, "Helvetica-Bold", 13)
    for line in (to.line1, to.line2, to.city, to.state):
        if line:
            pen.wrapped(line, "Helvetica", 10.5)
    pen.y -= 1 * mm
    pen.text(f"PIN {to.pincode}" if to.in_india else to.pincode, "Helvetica-Bold", 24)
    if to.phone:
        pen.text(f"Phone: {to.phone}", "Helvetica", 10.5)
    pen.rule()


def _label_parcel(pen: _Pen, label: ShippingLabel) -> None:
    middle = pen.left + pen.width * 0.62
    left = [f"Order: {label.order_id}", f"Channel: {label.channel}"]
    right = [f"Items: {label.items}"]
    if label.weight_grams:
        right.append(f"Weight: {label.weight_grams} g")
    if label.dimensions_mm:
        right.append("Box: " + " x ".join(_rate(Decimal(side) / 10) for side in label.dimensions_mm) + " cm")
    top = pen.y
    for line in left:
        pen.text(line, "Helvetica", 9)
    bottom, pen.y = pen.y, top
    for line in right:
        pen.text(line, "Helvetica", 9, x=middle)
    pen.y = min(pen.y, bottom)
    pen.rule()


def _label_return_to(pen: _Pen, address: Address, *, bottom: float) -> None:
    """The return address, set at the foot of the label."""
    size = 7.5
    lines = simpleSplit(", ".join([address.name, *_address_lines(address)]), "Helvetica", size, pen.width)[:3]
    if address.phone:
        lines.append(f"Phone: {address.phone}")
    pen.y = min(pen.y, bottom + (len(lines) + 1) * size * 1.25)
    pen.text("If undelivered, return to:", "Helvetica-Bold", size)
    for line in lines:
        pen.text(line, "Helvetica", size)


# --- manifest ------------------------------------------------------------------------------------


def manifest_pdf(manifest: Manifest) -> bytes:
    """The manifest as an A4 PDF: header, one row per shipment, totals, and both sides' signatures."""
    width = A4[0] - 20 * mm
    flowables = [
        Paragraph("Courier manifest", _TITLE),
        Spacer(1, 4 * mm),
        _manifest_header(manifest, width),
        Spacer(1, 4 * mm),
        _manifest_table(manifest, width),
        Spacer(1, 3 * mm),
        KeepTogether([
            Paragraph(
                f"<b>Shipments: {len(manifest.shipments)}</b> &nbsp; <b>Pieces: {manifest.pieces}</b> &nbsp; "
                f"<b>COD total: {manifest.currency} {_money(manifest.cod_total)}</b>", _BASE,
            ),
            Spacer(1, 10 * mm),
            _manifest_signatures(manifest, width),
        ]),
    ]  # fmt: skip
    return _build(flowables, title=f"Courier manifest {manifest.number}")


def _manifest_header(manifest: Manifest, width: float) -> Table:
    facts = _para([
        f"Manifest number: {manifest.number}",
        f"Courier: {manifest.courier} ({manifest.courier_code})",
        f"Created: {_when(manifest.created_at)}",
    ], label="Manifest")  # fmt: skip
    house = manifest.warehouse
    warehouse = _para([house.name, *_address_lines(house), *([f"Phone: {house.phone}"] if house.phone else [])],
                      label="Warehouse")  # fmt: skip
    cell = width * 0.28
    modules = Code128(manifest.number, barWidth=1).width
    barcode = Code128(manifest.number, barWidth=min(0.4 * mm, (cell - 8) / modules), barHeight=14 * mm)
    table = Table([[facts, warehouse, barcode]], colWidths=[width * 0.36, width * 0.36, cell])
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID), ("INNERGRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (2, 0), (2, 0), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))  # fmt: skip
    return table


def _manifest_table(manifest: Manifest, width: float) -> Table:
    head = ["#", "AWB", "Order ID", "Channel", "Pieces", "Weight (kg)", f"COD amount ({manifest.currency})"]
    rows = [head]
    for n, s in enumerate(manifest.shipments, 1):
        rows.append([str(n), s.awb, s.order_id, s.channel, str(s.pieces), _kg(s.weight_grams),
                     _money(s.cod_amount) if s.cod_amount else "-"])  # fmt: skip
    rows.append(["", "Total", f"{len(manifest.shipments)} shipments", "", str(manifest.pieces),
                 _kg(manifest.weight_grams), _money(manifest.cod_total)])  # fmt: skip
    widths = [10 * mm, 42 * mm, None, 30 * mm, 16 * mm, 22 * mm, 30 * mm]
    widths[2] = width - sum(w for w in widths if w)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5), ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8.5), ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID), ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
        ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
    ]))  # fmt: skip
    return table


def _kg(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f}"


def _manifest_signatures(manifest: Manifest, width: float) -> Table:
    count = len(manifest.shipments)
    handed = f"{count} shipment{'s' if count != 1 else ''} ({manifest.pieces} pieces)"
    blanks = Paragraph("Name: " + "_" * 36 + "<br/>Signature: " + "_" * 32 + "<br/>Date/time: " + "_" * 32, _SIGN)
    seller = [Paragraph("<b>Handed over by (seller)</b>", _BASE), Spacer(1, 2 * mm),
              Paragraph(f"Handed over {handed} to {_escape(manifest.courier)}.", _BASE), Spacer(1, 3 * mm), blanks]  # fmt: skip
    courier = [Paragraph("<b>Received by (courier agent)</b>", _BASE), Spacer(1, 2 * mm),
               Paragraph(f"Received {handed} from {_escape(manifest.warehouse.name)}.", _BASE), Spacer(1, 3 * mm), blanks]  # fmt: skip
    table = Table([[seller, courier]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, _GRID), ("INNERGRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))  # fmt: skip
    return table
