"""Packing and shipping over the API, as a scanner page drives it: each answer says what to do next, a
scan sent twice counts once, and the PDFs carry the GSTIN, HSN and AWB."""

import pytest

from hub.orders.models import Order
from tests import factories
from tests.conftest import api_client_for
from tests.warehouse.test_documents import barcode_pattern, code128, text_of
from warehouse.models import StockMovement
from warehouse.shipping.models import BoxSize, Courier, InvoiceSeries, Manifest, Shipment

API = "/api/v1"


@pytest.fixture
def scanner(packer):
    return api_client_for(packer)


def post(client, path: str, data: dict, key: str | None = None, status: int = 200) -> dict:
    response = client.post(f"{API}/{path}", data, format="json", **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}))
    assert response.status_code == status, response.content
    return response.json()


def pack_over_api(scanner, floor, code: str, units: dict[str, int], *, finish: dict) -> dict:
    box = post(scanner, "shipments/pack/", {"code": code}, key=f"start-{code}")
    sid = box["shipment"]["id"]
    for sku, count in units.items():
        for n in range(count):
            post(scanner, f"shipments/{sid}/scan/", {"barcode": floor.barcode[sku]}, key=f"{code}-{sku}-{n}")
    return post(scanner, f"shipments/{sid}/finish/", finish, key=f"finish-{code}")


def test_a_pack_station_flow_answers_what_to_do_next_and_a_repeated_scan_counts_once(
    picked, floor, scanner, series_courier, box
):
    picked(("O-1", [("RED", 2)]))

    start = post(scanner, "shipments/pack/", {"code": "O-1"}, key="k-start")
    sid = start["shipment"]["id"]
    first = post(scanner, f"shipments/{sid}/scan/", {"barcode": floor.barcode["RED"]}, key="k-1")
    copy = post(scanner, f"shipments/{sid}/scan/", {"barcode": floor.barcode["RED"]}, key="k-1")
    wrong = post(scanner, f"shipments/{sid}/scan/", {"barcode": floor.barcode["GREEN"]}, key="k-2", status=400)
    second = post(scanner, f"shipments/{sid}/scan/", {"barcode": floor.barcode["RED"]}, key="k-3")

    assert (start["message"], start["next"]["action"], start["progress"]) == (
        "Packing order O-1.", "scan_unit", {"units": 2, "packed": 0, "left": 2})
    assert (first["replayed"], copy["replayed"], copy["progress"]["packed"]) == (False, True, 1)
    assert first["next"]["message"] == "Scan into the box: 1 x RED."
    assert wrong["error"]["code"] == "wrong_item" and "GREEN (Green T-shirt) is not on order O-1" in wrong["error"]["message"]
    assert (second["progress"]["left"], second["next"]["action"]) == (0, "finish")

    done = post(scanner, f"shipments/{sid}/finish/", {"box": "b2", "weight_grams": 480}, key="k-finish")
    again = post(scanner, f"shipments/{sid}/finish/", {"box": "b2", "weight_grams": 480}, key="k-finish")

    assert done["shipment"]["awb"] == "DL00001001" and done["shipment"]["status"] == "packed"
    assert done["next"] == {
        "action": "print", "documents": {"invoice": f"{API}/shipments/{sid}/invoice.pdf", "label": f"{API}/shipments/{sid}/label.pdf"},
        "message": "Print the invoice and the label (AWB DL00001001), put them on the box, and set it aside for the courier.",
    }  # fmt: skip
    assert again["replayed"] and Courier.objects.get().awb_next == 1002  # one AWB taken
    assert Order.objects.get().status == "packed"


def test_the_invoice_and_label_pdfs_carry_the_gstin_hsn_and_awb(picked, floor, scanner, series_courier, box):
    picked(("O-1", [("RED", 1), ("BLUE", 1)]), ship_state="29", pincode="560001")  # Karnataka: IGST
    done = pack_over_api(scanner, floor, "O-1", {"RED": 1, "BLUE": 1}, finish={"box": "B2", "weight_grams": 600})
    sid = done["shipment"]["id"]

    invoice = scanner.get(f"{API}/shipments/{sid}/invoice.pdf")
    label = scanner.get(f"{API}/shipments/{sid}/label.pdf")

    assert (invoice.status_code, invoice["Content-Type"]) == (200, "application/pdf")
    text = text_of(invoice.content)
    number = done["shipment"]["invoice"]
    assert f"Invoice number: {number}" in text and "GSTIN: 27AAPFU0939F1ZV" in text and "Acme Apparel" in text
    assert "RED 6109" in text and "BLUE 6105" in text  # each line's SKU and HSN
    assert "IGST" in text and "CGST" not in text and "Place of supply: Karnataka (29)" in text
    assert "Amount in words: Rupees One Thousand Fifty Only" in text
    label_text = text_of(label.content)
    assert "AWB DL00001001" in label_text and "Delhivery" in label_text and "PIN 560001" in label_text
    assert "Box: 30 x 20 x 10 cm" in label_text and "Weight: 600 g" in label_text and "PREPAID" in label_text
    assert barcode_pattern(label.content) == code128("DL00001001")


def test_pdfs_of_an_unknown_or_unpacked_shipment_are_refused_as_json(picked, floor, scanner):
    picked(("O-1", [("RED", 1)]))
    sid = post(scanner, "shipments/pack/", {"code": "O-1"}, key="s")["shipment"]["id"]

    unpacked = scanner.get(f"{API}/shipments/{sid}/invoice.pdf")
    missing = scanner.get(f"{API}/shipments/999999/label.pdf")

    assert unpacked.status_code == 409 and unpacked.json()["error"]["code"] == "not_packed"
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


def test_a_manifest_over_the_api_hands_over_by_scanning_each_awb_once(
    picked, floor, scanner, series_courier, box, warehouse
):
    picked(("O-1", [("RED", 1)]), ("O-2", [("GREEN", 1)]))
    awbs = [pack_over_api(scanner, floor, code, {sku: 1}, finish={"box": "B2", "weight_grams": 300})["shipment"]["awb"]
            for code, sku in (("O-1", "RED"), ("O-2", "GREEN"))]  # fmt: skip

    opened = post(scanner, "manifests/", {"courier": series_courier.pk, "warehouse": warehouse.pk}, status=201)
    mid = opened["manifest"]["id"]
    pdf = scanner.get(f"{API}/manifests/{mid}/manifest.pdf")
    first = post(scanner, f"manifests/{mid}/scan/", {"awb": awbs[0], "agent_name": "Ravi"}, key="d-1")
    copy = post(scanner, f"manifests/{mid}/scan/", {"awb": awbs[0]}, key="d-1")
    last = post(scanner, f"manifests/{mid}/scan/", {"awb": awbs[1]}, key="d-2")

    assert opened["manifest"]["shipments"] == 2 and opened["next"]["action"] == "add_or_scan"
    assert opened["next"]["document"] == f"{API}/manifests/{mid}/manifest.pdf"
    assert pdf.status_code == 200 and all(awb in text_of(pdf.content) for awb in awbs)
    assert (first["next"]["action"], first["next"]["unscanned"], first["manifest"]["scanned"]) == ("scan_awb", [awbs[1]], 1)
    assert copy["replayed"] and copy == {**first, "replayed": True}
    assert (last["shipped"], last["next"]["action"], last["manifest"]["status"]) == (2, "done", "handed_over")
    assert set(Order.objects.values_list("status", flat=True)) == {"shipped"}
    assert StockMovement.objects.filter(kind="consume").count() == 2  # each order consumed once
    detail = scanner.get(f"{API}/manifests/{mid}/").json()
    assert (detail["agent_name"], detail["shipment_count"], detail["scanned_count"]) == ("Ravi", 2, 2)
    assert {s["awb"] for s in detail["shipments"]} == set(awbs)
    listed = scanner.get(f"{API}/shipments/", {"status": "handed_over"}).json()
    assert listed["count"] == 2


def test_set_up_rows_are_for_admin_and_operations_and_scoped_to_the_tenant(api, tenant, other_tenant, packer, warehouse):
    made = api.post(f"{API}/couriers/", {"name": "Delhivery", "code": "DLV", "awb_source": "series", "awb_prefix": "DL",
                                         "awb_next": 1, "awb_last": 500, "awb_digits": 10}, format="json")  # fmt: skip
    no_range = api.post(f"{API}/couriers/", {"name": "X", "code": "X", "awb_source": "series"}, format="json")
    box = api.post(f"{API}/boxes/", {"code": "B1", "name": "Tiny", "length_mm": 100, "breadth_mm": 100,
                                     "height_mm": 50}, format="json")  # fmt: skip
    long_prefix = api.post(f"{API}/invoice-series/", {"prefix": "INVOICE", "warehouse": warehouse.pk}, format="json")
    series = api.post(f"{API}/invoice-series/", {"prefix": "MH", "warehouse": warehouse.pk}, format="json")
    by_picker = api_client_for(packer).post(f"{API}/boxes/", {"code": "B9", "name": "x", "length_mm": 1, "breadth_mm": 1,
                                                               "height_mm": 1}, format="json")  # fmt: skip
    Courier.objects.create(tenant=other_tenant, name="Theirs", code="T", awb_source="manual")

    assert made.status_code == 201 and made.json()["awbs_left"] == 500
    assert no_range.status_code == 400 and "awb_next" in no_range.json()["error"]["fields"]
    assert box.status_code == 201 and BoxSize.objects.get().dimensions_mm == (100, 100, 50)
    assert long_prefix.status_code == 400 and "at most 3 characters" in long_prefix.json()["error"]["message"]
    assert series.status_code == 201 and InvoiceSeries.objects.get().warehouse == warehouse
    assert by_picker.status_code == 403
    assert [c["code"] for c in api.get(f"{API}/couriers/").json()["results"]] == ["DLV"]


def test_a_picker_of_another_tenant_cannot_reach_a_shipment(picked, floor, scanner, other_tenant):
    picked(("O-1", [("RED", 1)]))
    sid = post(scanner, "shipments/pack/", {"code": "O-1"}, key="s")["shipment"]["id"]
    outsider = api_client_for(factories.make_user(other_tenant, "picker"))

    response = outsider.post(f"{API}/shipments/{sid}/scan/", {"barcode": floor.barcode["RED"]}, format="json",
                             HTTP_IDEMPOTENCY_KEY="x")  # fmt: skip

    assert response.status_code == 404
    assert Shipment.objects.get().items.get().packed == 0
    assert not Manifest.objects.exists()
