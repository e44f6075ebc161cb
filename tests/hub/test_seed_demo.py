"""``manage.py seed_demo``: what ``make demo`` runs on every start, so a rerun must change nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Sum

from hub.catalog.models import SKU, Barcode, BundleComponent, Product
from hub.catalog.rules import gtin_check_digit_ok
from hub.core.india import gstin_error
from hub.tenants.models import Tenant, User
from warehouse.inbound.models import PurchaseOrder, Supplier
from warehouse.models import Bin, StockLevel, StockMovement, Warehouse
from warehouse.selectors import stock_drift
from warehouse.shipping.models import BoxSize, Courier

MODELS = (Tenant, User, Warehouse, Bin, Product, SKU, Barcode, BundleComponent, StockLevel, StockMovement, Courier,
          BoxSize, Supplier, PurchaseOrder)  # fmt: skip
ROLES = {"demo-admin": "admin", "demo-ops": "operations", "demo-picker": "picker", "demo-finance": "finance"}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def stock_state() -> list[tuple]:
    return list(StockLevel.objects.order_by("pk").values_list("pk", "sku_id", "bin_id", "on_hand", "reserved"))


@pytest.mark.django_db
def test_a_rerun_changes_nothing_and_the_ledger_matches_the_levels():
    seed()
    first_counts, first_stock = counts(), stock_state()

    output = seed()

    assert counts() == first_counts
    assert stock_state() == first_stock
    assert "nothing to create" in output
    tenant = Tenant.objects.get(slug="demo")
    assert stock_drift(tenant=tenant) == []
    assert stock_drift() == []


@pytest.mark.django_db
def test_each_role_user_can_log_in_with_the_password():
    output = seed("--password", "Kx7-orchid-93")
    table = [line.split() for line in output.splitlines()]

    for username, role in ROLES.items():
        user = authenticate(username=username, password="Kx7-orchid-93")
        assert user is not None, username
        assert user.tenant.slug == "demo"
        assert user.roles == {role}
        assert [username, "Kx7-orchid-93", role] in table
    assert authenticate(username="demo-admin", password="demo-pass-123") is None


@pytest.mark.django_db
def test_a_rerun_keeps_a_password_the_user_changed():
    seed()
    user = User.objects.get(username="demo-ops")
    user.set_password("changed-later-42")
    user.save()

    output = seed()

    assert authenticate(username="demo-ops", password="changed-later-42") is not None
    assert "(unchanged, set earlier)" in output


@pytest.mark.django_db
def test_the_catalog_is_valid_and_realistic():
    seed()
    tenant = Tenant.objects.get(slug="demo")
    skus = SKU.objects.for_tenant(tenant)

    assert gstin_error(tenant.gstin) is None
    assert tenant.gstin.startswith("27")
    assert 35 <= skus.count() <= 45
    assert all(sku.selling_price <= sku.mrp for sku in skus)
    eans = Barcode.objects.for_tenant(tenant).filter(kind="ean").values_list("code", flat=True)
    assert len(eans) == skus.count()
    assert all(code.startswith("890") and len(code) == 13 and gtin_check_digit_ok(code) for code in eans)
    assert Barcode.objects.for_tenant(tenant).filter(kind="internal").count() == skus.count()
    bundles = {sku.code: sorted(part.component.code for part in sku.components.all()) for sku in skus.filter(is_bundle=True)}
    assert bundles == {
        "CMB-SOCK-3": ["SCK-ANK-BLK", "SCK-ANK-GRY", "SCK-ANK-WHT"],
        "CMB-TEE-CAP": ["CAP-BB-BLK", "TEE-CREW-BLK-M"],
    }


@pytest.mark.django_db
def test_both_warehouses_have_their_bins_and_varied_opening_stock():
    seed()
    tenant = Tenant.objects.get(slug="demo")

    for code, state, pincode in (("PNQ", "27", "411019"), ("BLR", "29", "562123")):
        warehouse = Warehouse.objects.get(tenant=tenant, code=code)
        assert (warehouse.state, warehouse.pincode) == (state, pincode)
        assert gstin_error(warehouse.gstin) is None
        kinds = list(warehouse.bins.values_list("kind", flat=True))
        assert {kind: kinds.count(kind) for kind in set(kinds)} == {
            "receiving": 1, "packing": 1, "returns": 1, "damaged": 1, "storage": 12,
        }  # fmt: skip
        assert warehouse.bins.get(code=f"{code}-A-01-01").barcode == f"{code}-A-01-01"
        stocked = StockLevel.objects.filter(warehouse=warehouse)
        assert stocked.exists()
        assert set(stocked.values_list("bin__kind", flat=True)) == {"storage"}

    on_hand = dict(
        SKU.objects.for_tenant(tenant).filter(is_bundle=False).annotate(units=Sum("stock_levels__on_hand"))
        .values_list("code", "units")
    )  # fmt: skip
    assert any(units is None for units in on_hand.values()), "some SKU should be out of stock"
    assert any(units and units < 5 for units in on_hand.values()), "some SKU should be low on stock"
    assert all(on_hand[code] for code in ("TEE-CREW-BLK-M", "CAP-BB-BLK", "SCK-ANK-BLK", "SCK-ANK-GRY"))
    assert not StockMovement.objects.exclude(kind="receive").exists()
    assert all(key.startswith("demo-opening-") for key in StockMovement.objects.values_list("idempotency_key", flat=True))


@pytest.mark.django_db
def test_the_scanner_flows_have_couriers_boxes_and_an_open_purchase_order():
    from warehouse.shipping.numbering import take_awb

    seed()

    delhivery = Courier.objects.get(code="DLV")
    assert take_awb(delhivery) == "DLV10000001"
    assert Courier.objects.get(code="BDT").awb_source == "manual"
    assert set(BoxSize.objects.values_list("code", flat=True)) == {"S", "M", "L"}
    po = PurchaseOrder.objects.get()
    assert (po.status, po.supplier.name, po.lines.count()) == ("open", "Tiruppur Knits", 3)
