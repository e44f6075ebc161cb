"""SKUs through the API: create and update with barcodes and bundle components, and every refusal."""

import pytest

from hub.catalog.models import SKU, Barcode
from tests import factories

TEE = {"code": "TEE-BLK-L", "name": "Black tee, L", "hsn_code": "6109", "gst_rate": "5", "mrp": "799.00",
       "selling_price": "599.00"}  # fmt: skip


def create(api, **changes):
    return api.post("/api/v1/skus/", TEE | changes, format="json")


def test_a_sku_is_created_with_its_product_and_barcodes(api):
    response = create(
        api, product="TEE-BLK", barcodes=[{"code": "8901234567890", "kind": "ean"}, {"code": "ACME-1", "kind": "internal"}]
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["product"], body["is_bundle"], body["gst_rate"]) == ("TEE-BLK", False, "5.00")
    assert sorted(b["code"] for b in body["barcodes"]) == ["8901234567890", "ACME-1"]
    assert SKU.objects.get(code="TEE-BLK-L").product.name == "Black tee, L"


def test_a_bundle_lists_its_components_and_becomes_a_bundle(api, tenant):
    socks = factories.make_sku(tenant, "SOCKS-1")

    response = create(api, code="COMBO", components=[{"sku": "SOCKS-1", "quantity": 3}])
    detail = api.get(f"/api/v1/skus/{response.json()['id']}/").json()

    assert response.status_code == 201
    assert detail["is_bundle"] is True
    assert detail["components"] == [{"sku": socks.code, "quantity": 3}]


def test_updating_barcodes_replaces_them(api, sku):
    factories.make_barcode(sku, "OLD-1")

    response = api.patch(f"/api/v1/skus/{sku.pk}/", {"barcodes": [{"code": "NEW-1", "kind": "internal"}]}, format="json")

    assert response.status_code == 200
    assert list(Barcode.objects.filter(sku=sku).values_list("code", flat=True)) == ["NEW-1"]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"gst_rate": "13"}, "gst_rate", "not a GST rate"),
        ({"hsn_code": "61091"}, "hsn_code", "4, 6 or 8 digits"),
        ({"selling_price": "899.00"}, "selling_price", "above the MRP"),
        ({"mrp": "12.3.4"}, "mrp", "valid number"),
        ({"mrp": "-1"}, "mrp", "greater than or equal to 0"),
        ({"mrp": "10.123"}, "mrp", "decimal places"),
        ({"code": ""}, "code", "blank"),
        ({"weight_grams": -5}, "weight_grams", "greater than or equal to 0"),
        ({"barcodes": [{"code": "8901234567891", "kind": "ean"}]}, "barcodes[0].code", "check digit"),
        ({"barcodes": [{"code": "X1", "kind": "qr"}]}, "barcodes[0].kind", "not a valid choice"),
        ({"components": [{"sku": "NOPE", "quantity": 1}]}, "components", "Unknown SKU: NOPE"),
        ({"components": [{"sku": "TSHIRT-RED-M", "quantity": 0}]}, "components[0].quantity", "greater than or equal to 1"),
    ],
)
def test_bad_skus_are_refused_with_the_field_and_the_reason(api, sku, changes, field, reason):
    response = create(api, **changes)

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert reason in " ".join(fields[field])
    assert not SKU.objects.filter(code="TEE-BLK-L").exists()


def test_sku_codes_and_barcodes_are_unique_per_tenant(api, sku, other_tenant):
    factories.make_barcode(sku, "TAKEN-1")
    factories.make_sku(other_tenant, "TEE-BLK-L")  # the same code in another tenant is fine

    clash_code = create(api, code=sku.code)
    clash_barcode = create(api, barcodes=[{"code": "TAKEN-1", "kind": "internal"}])
    ok = create(api)

    assert clash_code.status_code == 400
    assert "exists already" in clash_code.json()["error"]["fields"]["code"][0]
    assert clash_barcode.status_code == 400
    assert "already belongs to SKU TSHIRT-RED-M" in clash_barcode.json()["error"]["fields"]["barcodes"][0]
    assert ok.status_code == 201


def test_a_component_of_another_bundle_cannot_become_a_bundle(api, tenant):
    part = factories.make_sku(tenant, "PART")
    bundle = factories.make_sku(tenant, "BOX", is_bundle=True)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=bundle, component=part, quantity=1)
    other = factories.make_sku(tenant, "OTHER")

    response = api.patch(f"/api/v1/skus/{part.pk}/", {"components": [{"sku": "OTHER", "quantity": 1}]}, format="json")

    assert response.status_code == 400
    assert "component of another bundle" in response.json()["error"]["message"]
    assert not factories.BundleComponent.objects.filter(bundle=part).exists()
    assert other.pk


def test_search_finds_a_sku_by_barcode(api, sku):
    factories.make_barcode(sku, "8901234567890", "ean")

    found = api.get("/api/v1/skus/?search=8901234567890").json()

    assert [row["code"] for row in found["results"]] == [sku.code]


def test_a_component_can_be_saved_back_as_it_was_read(api, tenant):
    part = factories.make_sku(tenant, "PART")
    bundle = factories.make_sku(tenant, "BOX", is_bundle=True)
    factories.BundleComponent.objects.create(tenant=tenant, bundle=bundle, component=part, quantity=2)
    body = api.get(f"/api/v1/skus/{part.pk}/").json()

    response = api.put(f"/api/v1/skus/{part.pk}/", body | {"components": []}, format="json")

    assert response.status_code == 200, response.content
    assert factories.BundleComponent.objects.filter(bundle=bundle, component=part).exists()
