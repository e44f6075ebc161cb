"""Small builders for test rows. Each takes what the test cares about and fills the rest sensibly."""

import itertools
from decimal import Decimal

from hub.catalog.models import SKU, Barcode, BundleComponent, Product  # noqa: F401 - re-exported for tests
from hub.tenants.models import Tenant, User
from hub.tenants.services import create_user
from warehouse.models import Bin, Warehouse

_seq = itertools.count(1)


def make_tenant(name: str | None = None, **fields) -> Tenant:
    n = next(_seq)
    name = name or f"Tenant {n}"
    return Tenant.objects.create(name=name, slug=fields.pop("slug", f"tenant-{n}"), **fields)


def make_user(tenant: Tenant, *roles: str, username: str | None = None, password: str = "pw-Test-12345") -> User:
    return create_user(tenant, username or f"user{next(_seq)}", password=password, roles=roles or ("admin",))


def make_sku(tenant: Tenant, code: str | None = None, **fields) -> SKU:
    defaults = {
        "name": "Cotton T-shirt",
        "hsn_code": "6109",
        "gst_rate": Decimal("5"),
        "mrp": Decimal("999.00"),
        "selling_price": Decimal("799.00"),
    }
    defaults.update(fields)
    return SKU.objects.create(tenant=tenant, code=code or f"SKU-{next(_seq)}", **defaults)


def make_barcode(sku: SKU, code: str, kind: str = "internal") -> Barcode:
    return Barcode.objects.create(tenant=sku.tenant, sku=sku, code=code, kind=kind)


def make_warehouse(tenant: Tenant, code: str | None = None, **fields) -> Warehouse:
    defaults = {
        "name": "Main warehouse",
        "address_line1": "Plot 12, MIDC",
        "city": "Pune",
        "state": "27",
        "pincode": "411019",
    }
    defaults.update(fields)
    return Warehouse.objects.create(tenant=tenant, code=code or f"WH{next(_seq)}", **defaults)


def make_bin(warehouse: Warehouse, code: str | None = None, kind: str = Bin.Kind.STORAGE, **fields) -> Bin:
    code = code or f"A-{next(_seq):03d}"
    return Bin.objects.create(
        tenant_id=warehouse.tenant_id, warehouse=warehouse, code=code, barcode=fields.pop("barcode", code),
        kind=kind, **fields,
    )  # fmt: skip
