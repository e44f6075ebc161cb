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


def make_account(tenant: Tenant, *warehouses, kind: str = "custom", name: str | None = None, **fields):
    from hub.channels.models import ChannelAccount

    account = ChannelAccount.objects.create(tenant=tenant, kind=kind, name=name or f"Account {next(_seq)}", **fields)
    account.warehouses.set(warehouses)
    return account


def make_listing(account, sku: SKU, channel_sku: str | None = None, **fields):
    from hub.channels.models import Listing

    return Listing.objects.create(
        tenant=account.tenant, account=account, sku=sku, channel_sku=channel_sku or sku.code, **fields
    )


def order_dto(channel_order_id: str, *lines, state: str = "open", ship_state: str = "27", pincode: str = "411001",
              ship_by=None, ordered_at=None, updated_at=None, shipping: str = "0", discount: str = "0", **fields):
    """An OrderDTO; each line is (channel_sku, quantity, unit_price[, line state])."""
    from datetime import UTC, datetime

    from connectors.base import AddressDTO, ChannelOrderState, LineState, OrderDTO, OrderLineDTO

    dto_lines = tuple(
        OrderLineDTO(channel_line_id=f"{channel_order_id}-{n}", channel_sku=line[0], quantity=line[1],
                     unit_price=Decimal(str(line[2])), state=LineState(line[3]) if len(line) > 3 else LineState.OPEN)
        for n, line in enumerate(lines, 1)
    )  # fmt: skip
    items = sum((line.unit_price * line.quantity for line in dto_lines), Decimal("0"))
    address = AddressDTO(name="Asha Rao", line1="14 MG Road", city="Pune", state=ship_state, pincode=pincode)
    values = {
        "channel_order_id": channel_order_id, "channel_status": state.title(), "state": ChannelOrderState(state),
        "ordered_at": ordered_at or datetime(2026, 11, 20, 10, 0, tzinfo=UTC), "lines": dto_lines,
        "shipping_address": address, "item_total": items, "shipping_total": Decimal(shipping),
        "discount_total": Decimal(discount), "grand_total": items + Decimal(shipping) - Decimal(discount),
        "ship_by": ship_by, "updated_at": updated_at,
    }  # fmt: skip
    values.update(fields)
    return OrderDTO(**values)


class ChannelAccountSpec:
    """The policy fields of a channel account, without a database row."""

    def __init__(self, buffer_units=0, max_units=None, percent_of_available=Decimal("100"), out_of_stock_threshold=0):
        self.buffer_units = buffer_units
        self.max_units = max_units
        self.percent_of_available = percent_of_available
        self.out_of_stock_threshold = out_of_stock_threshold
