"""The inbound admin: tenant-scoped, POs editable only as drafts, GRNs read-only, statuses by actions."""

from tests import factories
from tests.warehouse.inbound.conftest import TSHIRT_EAN, client_for, make_po
from warehouse.inbound import services
from warehouse.inbound.models import PurchaseOrder, Supplier


def test_staff_see_their_own_inbound_rows_only(users, po, other_tenant):
    rival_supplier = Supplier.objects.create(tenant=other_tenant, name="Rival Supplies")
    rival_po = make_po(
        other_tenant, rival_supplier, factories.make_warehouse(other_tenant, "DEL9"),
        (factories.make_sku(other_tenant, "R-1"), 1), number="RIVAL-PO",
    )  # fmt: skip
    ops = client_for(users["operations"])

    listing = ops.get("/admin/inbound/purchaseorder/").content.decode()
    assert po.number in listing and "RIVAL-PO" not in listing
    assert "Rival Supplies" not in ops.get("/admin/inbound/supplier/").content.decode()
    assert ops.get(f"/admin/inbound/purchaseorder/{rival_po.pk}/change/").status_code == 302


def test_an_open_po_is_read_only_in_the_admin_and_moves_by_its_actions(users, po, tenant):
    ops = client_for(users["operations"])
    page = ops.get(f"/admin/inbound/purchaseorder/{po.pk}/change/").content.decode()
    assert 'name="lines-0-quantity_ordered"' not in page and 'name="number"' not in page
    draft = make_po(tenant, po.supplier, po.warehouse, (po.lines.first().sku, 1), open_it=False)
    assert 'name="lines-0-quantity_ordered"' in ops.get(f"/admin/inbound/purchaseorder/{draft.pk}/change/").content.decode()

    response = ops.post(
        "/admin/inbound/purchaseorder/", {"action": "close_orders", "_selected_action": [po.pk]}, follow=True
    )
    assert "1 purchase order(s) closed." in response.content.decode()
    assert PurchaseOrder.objects.get(pk=po.pk).status == "closed"

    refused = ops.post(
        "/admin/inbound/purchaseorder/", {"action": "cancel_orders", "_selected_action": [po.pk]}, follow=True
    )
    assert "is closed; it cannot become cancelled." in refused.content.decode()


def test_grns_are_read_only_in_the_admin(users, po, tenant):
    receipt = services.start_receipt(tenant, purchase_order=po)
    services.receive_scan(receipt, barcode=TSHIRT_EAN, key="k")
    admin = client_for(users["admin"])

    assert admin.get(f"/admin/inbound/goodsreceipt/{receipt.pk}/change/").status_code == 200
    assert admin.get("/admin/inbound/goodsreceipt/add/").status_code == 403
    assert client_for(users["finance"]).get("/admin/inbound/purchaseorder/").status_code == 200
    assert client_for(users["picker"]).get("/admin/inbound/purchaseorder/").status_code == 302  # not staff
