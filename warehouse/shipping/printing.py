"""The printed paper of a shipment and a manifest, drawn by ``warehouse.documents`` from the hub's rows."""

from warehouse import documents
from warehouse.shipping.models import Manifest, Shipment
from warehouse.shipping.packing import PackingConflict, invoice_document, seller_name


def invoice_of(shipment: Shipment) -> documents.Invoice:
    """The shipment's tax invoice as issued: its number, date, seller name and GSTIN from the invoice row."""
    invoice = shipment.invoice
    if invoice is None:
        raise PackingConflict(f"The box of order {shipment.order.channel_order_id} is not packed yet: no invoice.",
                              code="not_packed")  # fmt: skip
    return invoice_document(shipment.order, number=invoice.number, issued_on=invoice.issued_on,
                            seller_name=invoice.seller_name, gstin=invoice.seller_gstin)  # fmt: skip


def invoice_pdf(shipment: Shipment) -> bytes:
    return documents.tax_invoice_pdf(invoice_of(shipment))


def label_of(shipment: Shipment) -> documents.ShippingLabel:
    """The courier label: the AWB as a barcode, the buyer's address, COD or prepaid, the box, and the
    dispatching warehouse as the return address."""
    invoice = invoice_of(shipment)
    order = shipment.order
    return documents.ShippingLabel(
        courier=shipment.courier.name, awb=shipment.awb, ship_to=invoice.ship_to, return_to=invoice.seller,
        order_id=order.channel_order_id, channel=order.account.get_kind_display(),
        items=sum(item.expected for item in shipment.items.all()),
        cod_amount=order.grand_total if order.payment_mode == order.PaymentMode.COD else None,
        weight_grams=shipment.weight_grams, dimensions_mm=shipment.box.dimensions_mm if shipment.box_id else None,
        currency=order.currency,
    )  # fmt: skip


def label_pdf(shipment: Shipment) -> bytes:
    return documents.shipping_label_pdf(label_of(shipment))


def manifest_of(manifest: Manifest) -> documents.Manifest:
    """The manifest as printed: every parcel on it (scanned or not), one piece each."""
    warehouse = manifest.warehouse
    rows = manifest.shipments.select_related("order__account").order_by("pk")
    return documents.Manifest(
        number=manifest.number, courier=manifest.courier.name, courier_code=manifest.courier.code,
        warehouse=documents.Address(
            name=f"{seller_name(manifest.tenant)}, {warehouse.name}",
            line1=warehouse.address_line1, line2=warehouse.address_line2, city=warehouse.city,
            pincode=warehouse.pincode, state_code=warehouse.state,
        ),
        created_at=manifest.created_at,
        shipments=tuple(
            documents.ManifestShipment(
                awb=s.awb, order_id=s.order.channel_order_id, channel=s.order.account.get_kind_display(), pieces=1,
                weight_grams=s.weight_grams or 0,
                cod_amount=s.order.grand_total if s.order.payment_mode == s.order.PaymentMode.COD else documents.ZERO,
            )
            for s in rows
        ),
    )  # fmt: skip


def manifest_pdf(manifest: Manifest) -> bytes:
    return documents.manifest_pdf(manifest_of(manifest))
