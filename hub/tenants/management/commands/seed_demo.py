"""``manage.py seed_demo``: the demo tenant a new user logs in to after ``make demo``.

Idempotent by construction, so ``make demo`` can run it on every start: rows are looked up by their
natural keys before anything is created, existing rows are left exactly as they are (a demo user may
have changed them), and opening stock goes through ``warehouse.stock.receive`` with fixed idempotency
keys, so a rerun replays the same calls and changes no level.

It also connects two channel accounts to the local sandboxes (``connectors/sandbox``) that
``manage.py run_demo`` serves: "Amazon IN (sandbox)" and "Shopify store (sandbox)", both served by both
warehouses, with every demo SKU listed on each. Their channel ids (ASINs, Shopify variant and inventory
item ids) follow from the SKU's place in the catalog, so the demo orders and stock in ``fixtures/demo``
name the same ones.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from connectors.amazon.connector import AMAZON_RATES
from connectors.sandbox.amazon import SANDBOX_CREDENTIALS as AMAZON_SANDBOX_CREDENTIALS
from connectors.sandbox.shopify import SANDBOX_TOKEN as SHOPIFY_SANDBOX_TOKEN
from connectors.shopify.connector import DEFAULT_API_VERSION as SHOPIFY_API_VERSION
from hub.catalog.models import SKU, Product
from hub.catalog.rules import barcode_error, sku_field_errors
from hub.catalog.services import save_sku
from hub.channels.models import ChannelAccount, ChannelKind, Listing
from hub.channels.services import save_account, save_listing
from hub.core.errors import DomainError
from hub.core.india import gstin_check_digit
from hub.tenants.models import Tenant, User
from hub.tenants.roles import Role
from hub.tenants.services import create_tenant, create_user
from warehouse import stock
from warehouse.models import Bin, Warehouse

TENANT_NAME = "Demo Fashions"
TENANT_SLUG = "demo"
TENANT_STATE = "27"
PAN = "AAFCD4821K"
BRAND = "Demo Fashions"
DEFAULT_PASSWORD = "demo-pass-123"  # the published demo password, printed by make demo
GS1_COMPANY_PREFIX = "890765432"  # 890 is GS1 India; nine digits leave three for the item number

USERS = (
    ("demo-admin", Role.ADMIN),
    ("demo-ops", Role.OPERATIONS),
    ("demo-picker", Role.PICKER),
    ("demo-finance", Role.FINANCE),
)


def gstin(state: str, pan: str = PAN, entity: str = "1") -> str:
    """A GSTIN that passes the portal's checksum: state, PAN, entity number, 'Z', check character."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + gstin_check_digit(first14)


def ean13(item: int) -> str:
    """An EAN-13 under the demo's GS1 India company prefix, with its GS1 mod-10 check digit."""
    body = f"{GS1_COMPANY_PREFIX}{item:03d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class WarehouseSpec:
    code: str
    name: str
    address: str
    city: str
    state: str
    pincode: str


WAREHOUSES = (
    WarehouseSpec("PNQ", "Pune fulfilment centre", "Gat No. 118, MIDC Chinchwad", "Pune", "27", "411019"),
    WarehouseSpec(
        "BLR", "Bengaluru fulfilment centre", "Survey No. 45, NH-48, Nelamangala", "Bengaluru", "29", "562123"
    ),
)
# Special bins every warehouse has; storage bins are aisle-rack-level (PNQ-A-01-01 ... PNQ-B-03-02).
SPECIAL_BINS = (
    ("RCV-01", Bin.Kind.RECEIVING),
    ("PACK-01", Bin.Kind.PACKING),
    ("RET-01", Bin.Kind.RETURNS),
    ("DMG-01", Bin.Kind.DAMAGED),
)
AISLES, RACKS, LEVELS = ("A", "B"), (1, 2, 3), (1, 2)


@dataclass(frozen=True)
class Style:
    """A product (style) and the grid of colours and sizes its SKUs come in."""

    code: str
    name: str
    category: str
    hsn: str
    gst: str
    mrp: str
    price: str
    cost: str
    grams: int
    dims: tuple[int, int, int]
    colours: tuple[tuple[str, str], ...]
    sizes: tuple[str, ...] = ("",)


# GST on apparel follows the sale value per piece: 5% up to Rs 2,500, 18% above; totes (HSN 4202) 18%.
STYLES = (
    Style("TEE-CREW", "Supima cotton crew-neck T-shirt", "Men / T-shirts", "6109", "5", "799", "599", "240",
          180, (300, 250, 20), (("BLK", "Black"), ("WHT", "White"), ("NVY", "Navy")), ("S", "M", "L", "XL")),
    Style("TEE-POLO", "Pique polo T-shirt", "Men / T-shirts", "6105", "5", "1299", "999", "410",
          230, (320, 260, 30), (("MRN", "Maroon"), ("OLV", "Olive")), ("M", "L", "XL")),
    Style("KRT-COT", "Block-print cotton kurta", "Women / Kurtas", "6204", "5", "1999", "1499", "560",
          260, (350, 280, 30), (("IND", "Indigo"), ("MUS", "Mustard")), ("S", "M", "L", "XL")),
    Style("JNS-SLIM", "Slim-fit stretch jeans", "Men / Jeans", "6203", "5", "2799", "2199", "820",
          650, (380, 300, 50), (("IND", "Indigo"),), ("30", "32", "34", "36")),
    Style("JNS-SELV", "Selvedge denim jeans", "Men / Jeans", "6203", "18", "4499", "3599", "1450",
          800, (380, 300, 60), (("RAW", "Raw indigo"),), ("32", "34")),
    Style("CAP-BB", "Cotton twill baseball cap", "Accessories / Caps", "6505", "5", "699", "499", "150",
          90, (250, 200, 120), (("BLK", "Black"), ("BGE", "Beige"))),
    Style("SCK-ANK", "Cotton ankle socks, 1 pair", "Accessories / Socks", "6115", "5", "199", "149", "45",
          40, (200, 90, 15), (("BLK", "Black"), ("GRY", "Grey"), ("WHT", "White"))),
    Style("BAG-TOTE", "Canvas tote bag", "Accessories / Bags", "4202", "18", "899", "699", "220",
          300, (420, 380, 20), (("NAT", "Natural"),)),
)  # fmt: skip


@dataclass(frozen=True)
class BundleSpec:
    code: str
    name: str
    hsn: str
    gst: str
    mrp: str
    price: str
    grams: int
    components: tuple[tuple[str, int], ...]


BUNDLES = (
    BundleSpec("CMB-SOCK-3", "Ankle socks combo, 3 pairs (black, grey, white)", "6115", "5", "597", "399", 120,
               (("SCK-ANK-BLK", 1), ("SCK-ANK-GRY", 1), ("SCK-ANK-WHT", 1))),
    BundleSpec("CMB-TEE-CAP", "Crew-neck T-shirt + cap combo, black, M", "6109", "5", "1498", "999", 270,
               (("TEE-CREW-BLK-M", 1), ("CAP-BB-BLK", 1))),
)  # fmt: skip

# Opening stock per plain SKU (by its position in the catalog), cycling; 0 means none in that warehouse.
# The cycles are of different lengths so the two warehouses hold different mixes; a few SKUs are out of
# stock everywhere, so the demo shows stock-outs and low-stock alerts as well as healthy stock.
OPENING_STOCK = {
    "PNQ": (48, 36, 0, 120, 3, 60, 24, 90, 2, 0, 75, 150, 12, 40, 1),
    "BLR": (30, 0, 18, 4, 55, 0, 80, 10, 1, 25, 0, 44),
}
OUT_OF_STOCK = frozenset({"KRT-COT-MUS-XL", "JNS-SELV-RAW-34", "TEE-POLO-OLV-XL"})
ALWAYS_STOCKED = frozenset({"TEE-CREW-BLK-M", "CAP-BB-BLK", "SCK-ANK-BLK", "SCK-ANK-GRY", "SCK-ANK-WHT"})


@dataclass(frozen=True)
class DemoAccount:
    kind: str
    name: str
    port: int  # where ``run_demo`` serves its sandbox by default
    buffer_units: int = 0


DEMO_ACCOUNTS = (
    DemoAccount(ChannelKind.AMAZON, "Amazon IN (sandbox)", 8101, buffer_units=1),
    DemoAccount(ChannelKind.SHOPIFY, "Shopify store (sandbox)", 8102),
)
SHOPIFY_SHOP = "hub-sandbox.myshopify.com"
SHOPIFY_LOCATION_ID = 76_543_210_001  # the sandbox shop's one location, where the hub sets "available"
SHOPIFY_WEBHOOK_SECRET = "demo-sandbox-webhook-secret"  # the sandbox's, published like the demo password
# Amazon's published usage plans would make the demo's first pull wait minutes; the sandbox has none.
AMAZON_FAST_RATES = {operation: [50, 50] for operation in AMAZON_RATES}


def asin(item: int) -> str:
    """The demo ASIN of catalog item ``item`` (1-based): ten characters, like Amazon's."""
    return f"B0DEMO{item:04d}"


def shopify_variant_id(item: int) -> int:
    return 44_100_000_000_000 + item


def shopify_inventory_item_id(item: int) -> int:
    return 46_200_000_000_000 + item


def shopify_product_id(item: int) -> int:
    """One product per demo variant: Shopify prices a variant through its product."""
    return 8_100_000_000_000 + item


def sandbox_credentials(kind: str) -> dict:
    """The credentials the channel's sandbox expects (sandbox values, not secrets)."""
    if kind == ChannelKind.AMAZON:
        return dict(AMAZON_SANDBOX_CREDENTIALS)
    if kind == ChannelKind.SHOPIFY:
        return {"shop": SHOPIFY_SHOP, "access_token": SHOPIFY_SANDBOX_TOKEN, "api_version": SHOPIFY_API_VERSION,
                "location_id": str(SHOPIFY_LOCATION_ID), "webhook_secret": SHOPIFY_WEBHOOK_SECRET}  # fmt: skip
    raise ValueError(f"No demo sandbox for {kind!r}.")


def sandbox_options(kind: str, base_url: str) -> dict:
    """Connector options pointing an account at its sandbox on ``base_url``."""
    options: dict = {"base_url": base_url.rstrip("/"), "timeout": 10}
    if kind == ChannelKind.AMAZON:
        options |= {"rate_limits": AMAZON_FAST_RATES, "page_size": 100, "feed_poll_interval": 0.2}
    return options


@dataclass
class Seeded:
    tenant: Tenant
    users: list[tuple[User, str, bool]]  # (user, role, created now)
    created: dict[str, int]


class Command(BaseCommand):
    help = "Create the demo tenant, its users, two warehouses, a catalog and opening stock (safe to rerun)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the demo users")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Where the hub is served, for the message"
        )

    def handle(self, *args, password: str, url: str, **options) -> None:
        try:
            with transaction.atomic():
                seeded = seed(password=password)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self._report(seeded, password=password, url=url.rstrip("/"))

    def _report(self, seeded: Seeded, *, password: str, url: str) -> None:
        made = ", ".join(f"{count} {what}" for what, count in seeded.created.items() if count)
        self.stdout.write(
            self.style.SUCCESS(f"Demo tenant {seeded.tenant.name} ({seeded.tenant.slug}) is ready")
        )
        self.stdout.write(f"  created now: {made}" if made else "  nothing to create: it was seeded before")
        self.stdout.write(
            f"\nSign in at {url}{reverse('login')} (admin site: {url}{reverse('admin:index')})\n"
        )
        rows = [
            (
                user.username,
                password if created or user.check_password(password) else "(unchanged, set earlier)",
                role,
            )
            for user, role, created in seeded.users
        ]
        for line in table(("username", "password", "role"), rows):
            self.stdout.write(f"  {line}")


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Plain-text columns: what a new user copies the logins from, so no box drawing to trip over."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(tuple("-" * width for width in widths)), *map(line, rows)]


def seed(*, password: str = DEFAULT_PASSWORD) -> Seeded:
    """Create whatever of the demo is missing; return what exists and what was created now."""
    created: dict[str, int] = {}
    tenant = _tenant(created)
    users = _users(tenant, password, created)
    warehouses = {spec.code: _warehouse(tenant, spec, created) for spec in WAREHOUSES}
    storage = {code: _bins(warehouse, created) for code, warehouse in warehouses.items()}
    skus = _catalog(tenant, created)
    _opening_stock([sku for sku in skus if not sku.is_bundle], storage, actor=users[0][0], created=created)
    _channels(tenant, list(warehouses.values()), skus, actor=users[0][0], created=created)
    _warehouse_ops(tenant, list(warehouses.values()), skus, actor=users[0][0], created=created)
    return Seeded(tenant=tenant, users=users, created=created)


COURIERS = (  # (code, name, Amazon carrierCode, AWB series prefix or None for keyed AWBs)
    ("DLV", "Delhivery", "Delhivery", "DLV"),
    ("BDT", "Blue Dart", "Blue Dart", None),
)
BOXES = (("S", "Small 20x15x10", 200, 150, 100), ("M", "Medium 30x25x15", 300, 250, 150),
         ("L", "Large 40x30x20", 400, 300, 200))  # fmt: skip
SUPPLIER = "Tiruppur Knits"


def _warehouse_ops(tenant: Tenant, warehouses: list[Warehouse], skus: list[SKU], *, actor: User,
                   created: dict[str, int]) -> None:  # fmt: skip
    """What the scanner flows need: couriers (one with an AWB series), box sizes, a supplier and an open
    purchase order of the first warehouse, so a picker can receive, pick, pack and hand over at once."""
    from warehouse.inbound import services as inbound
    from warehouse.inbound.models import PurchaseOrder, Supplier
    from warehouse.shipping.models import BoxSize, Courier

    for code, name, carrier, prefix in COURIERS:
        series = {"awb_source": Courier.AwbSource.SERIES, "awb_prefix": prefix, "awb_next": 10_000_001,
                  "awb_last": 10_999_999, "awb_digits": 8} if prefix else {"awb_source": Courier.AwbSource.MANUAL}  # fmt: skip
        _, is_new = Courier.objects.get_or_create(tenant=tenant, code=code,
                                                  defaults={"name": name, "channel_carrier_code": carrier, **series})  # fmt: skip
        _count(created, "couriers", is_new)
    for code, name, length, width, height in BOXES:
        _, is_new = BoxSize.objects.get_or_create(tenant=tenant, code=code, defaults={
            "name": name, "length_mm": length, "breadth_mm": width, "height_mm": height})  # fmt: skip
        _count(created, "box sizes", is_new)
    supplier, is_new = Supplier.objects.get_or_create(tenant=tenant, name=SUPPLIER, defaults={"contact_name": "Murugan"})
    _count(created, "suppliers", is_new)
    if PurchaseOrder.objects.filter(tenant=tenant).exists():
        return
    stocked = [sku for sku in skus if not sku.is_bundle][:3]
    lines = [inbound.LineInput(sku=sku, quantity_ordered=12, unit_cost=(sku.selling_price * 2 / 5).quantize(sku.selling_price))
             for sku in stocked]  # fmt: skip
    po = inbound.create_purchase_order(tenant, supplier=supplier, warehouse=warehouses[0], lines=lines, actor=actor)
    inbound.open_purchase_order(po, actor=actor)
    _count(created, "purchase orders", True)


def _count(created: dict[str, int], what: str, was_created: bool) -> None:
    created[what] = created.get(what, 0) + int(was_created)


def _tenant(created: dict[str, int]) -> Tenant:
    tenant = Tenant.objects.filter(slug=TENANT_SLUG).first()
    _count(created, "tenant", tenant is None)
    return tenant or create_tenant(
        TENANT_NAME, slug=TENANT_SLUG, gstin=gstin(TENANT_STATE), state=TENANT_STATE
    )


def _users(tenant: Tenant, password: str, created: dict[str, int]) -> list[tuple[User, str, bool]]:
    """One user per role. An existing user keeps its password: a rerun must not undo a change."""
    users = []
    for username, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is not None and user.tenant_id != tenant.pk:
            raise CommandError(
                f"The username {username!r} belongs to another tenant; remove it or rename it first."
            )
        is_new = user is None
        user = user or create_user(
            tenant, username, password=password, roles=[role], email=f"{username}@example.com"
        )
        _count(created, "users", is_new)
        users.append((user, str(role), is_new))
    return users


def _warehouse(tenant: Tenant, spec: WarehouseSpec, created: dict[str, int]) -> Warehouse:
    warehouse = Warehouse.objects.filter(tenant=tenant, code=spec.code).first()
    _count(created, "warehouses", warehouse is None)
    if warehouse is not None:
        return warehouse
    warehouse = Warehouse(
        tenant=tenant, code=spec.code, name=spec.name, address_line1=spec.address, city=spec.city,
        state=spec.state, pincode=spec.pincode, gstin=gstin(spec.state),
    )  # fmt: skip
    warehouse.full_clean()
    warehouse.save()
    return warehouse


def _bins(warehouse: Warehouse, created: dict[str, int]) -> list[Bin]:
    """The special bins and the storage bins of one warehouse; returns the storage bins in code order."""
    wanted = [(f"{warehouse.code}-{suffix}", kind) for suffix, kind in SPECIAL_BINS]
    wanted += [
        (f"{warehouse.code}-{aisle}-{rack:02d}-{level:02d}", Bin.Kind.STORAGE)
        for aisle in AISLES for rack in RACKS for level in LEVELS
    ]  # fmt: skip
    storage = []
    for code, kind in wanted:
        bin_, is_new = Bin.objects.get_or_create(
            warehouse=warehouse,
            code=code,
            defaults={"tenant_id": warehouse.tenant_id, "barcode": code, "kind": kind},
        )
        _count(created, "bins", is_new)
        if bin_.kind == Bin.Kind.STORAGE:
            storage.append(bin_)
    return storage


def _catalog(tenant: Tenant, created: dict[str, int]) -> list[SKU]:
    """Products, their SKUs and the bundles, in catalog order (the order fixes barcodes and stock)."""
    skus: dict[str, SKU] = {}
    item = 0
    for style in STYLES:
        _product(tenant, style, created)
        for colour, colour_name in style.colours:
            for size in style.sizes:
                item += 1
                code = "-".join(part for part in (style.code, colour, size) if part)
                name = ", ".join(part for part in (style.name, colour_name, size and f"size {size}") if part)
                skus[code] = _sku(
                    tenant, code, _style_fields(style, name), item, created, product_code=style.code
                )
    for bundle in BUNDLES:
        item += 1
        components = [(skus[code], quantity) for code, quantity in bundle.components]
        skus[bundle.code] = _sku(
            tenant, bundle.code, _bundle_fields(bundle), item, created, components=components
        )
    return list(skus.values())


def _product(tenant: Tenant, style: Style, created: dict[str, int]) -> None:
    # There is no product service; save_sku would name a new product after its first SKU, so make it here.
    _, is_new = Product.objects.get_or_create(
        tenant=tenant, code=style.code,
        defaults={"name": style.name, "brand": BRAND, "category": style.category},
    )  # fmt: skip
    _count(created, "products", is_new)


def _style_fields(style: Style, name: str) -> dict:
    length, width, height = style.dims
    return {
        "name": name, "hsn_code": style.hsn, "gst_rate": Decimal(style.gst), "mrp": Decimal(style.mrp),
        "selling_price": Decimal(style.price), "cost": Decimal(style.cost), "weight_grams": style.grams,
        "length_mm": length, "width_mm": width, "height_mm": height,
    }  # fmt: skip


def _bundle_fields(bundle: BundleSpec) -> dict:
    return {
        "name": bundle.name, "hsn_code": bundle.hsn, "gst_rate": Decimal(bundle.gst), "mrp": Decimal(bundle.mrp),
        "selling_price": Decimal(bundle.price), "weight_grams": bundle.grams,
    }  # fmt: skip


def _sku(tenant: Tenant, code: str, fields: dict, item: int, created: dict[str, int], **links) -> SKU:
    """The SKU ``code``, created through ``save_sku`` with an EAN-13 and an internal barcode if missing."""
    existing = SKU.objects.filter(tenant=tenant, code=code).first()
    _count(created, "SKUs", existing is None)
    if existing is not None:
        return existing
    barcodes = [{"code": ean13(item), "kind": "ean"}, {"code": f"DF{item:06d}", "kind": "internal"}]
    _check_sku(code, fields, barcodes)
    return save_sku(tenant, fields={"code": code, **fields}, barcodes=barcodes, **links)


def _check_sku(code: str, fields: dict, barcodes: list[dict]) -> None:
    """The rules the API and importer apply (save_sku itself trusts its caller), so bad demo data fails loudly."""
    rule_fields = ("name", "hsn_code", "gst_rate", "mrp", "selling_price")
    errors = sku_field_errors(
        code=code, cost=fields.get("cost"), **{name: fields[name] for name in rule_fields}
    )
    errors |= {
        item["code"]: message for item in barcodes if (message := barcode_error(item["code"], item["kind"]))
    }
    if errors:
        raise CommandError(f"Demo SKU {code} is invalid: {errors}")


def _opening_stock(
    plain: list[SKU], storage: dict[str, list[Bin]], *, actor: User, created: dict[str, int]
) -> None:
    """Receive each SKU's opening stock into a storage bin per warehouse; fixed keys make a rerun a no-op."""
    for index, sku in enumerate(plain):
        for quantity, bin_ in _placements(index, sku.code, storage):
            result = stock.receive(
                sku, bin_, quantity, key=f"demo-opening-{sku.code}-{bin_.code}", actor=actor,
                reference="Opening stock", reason="Demo opening stock",
            )  # fmt: skip
            _count(created, "opening stock receipts", not result.replayed)


def _placements(index: int, code: str, storage: dict[str, list[Bin]]) -> list[tuple[int, Bin]]:
    """Where SKU number ``index`` gets opening stock: (units, storage bin), at most one bin per warehouse."""
    if code in OUT_OF_STOCK:
        return []
    placements = []
    for offset, (warehouse_code, cycle) in enumerate(OPENING_STOCK.items()):
        quantity = cycle[index % len(cycle)] or (25 if code in ALWAYS_STOCKED else 0)
        bins = storage[warehouse_code]
        if quantity:
            placements.append((quantity, bins[(index + 5 * offset) % len(bins)]))
    return placements


def _channels(
    tenant: Tenant, warehouses: list[Warehouse], skus: list[SKU], *, actor: User, created: dict[str, int]
) -> None:
    """The sandbox channel accounts and a listing of every demo SKU on each (``skus`` in catalog order)."""
    for spec in DEMO_ACCOUNTS:
        account = ChannelAccount.objects.filter(tenant=tenant, kind=spec.kind, name=spec.name).first()
        _count(created, "channel accounts", account is None)
        if account is None:
            fields = {"kind": spec.kind, "name": spec.name, "buffer_units": spec.buffer_units,
                      "options": sandbox_options(spec.kind, f"http://127.0.0.1:{spec.port}")}  # fmt: skip
            account = save_account(
                tenant, fields=fields, warehouses=warehouses, credentials=sandbox_credentials(spec.kind)
            )
        listed = set(Listing.objects.filter(account=account).values_list("channel_sku", flat=True))
        for item, sku in enumerate(skus, start=1):
            _count(created, "listings", sku.code not in listed)
            ids = _listing_ids(spec.kind, item, sku)
            if sku.code not in listed:
                save_listing(tenant, fields={"account": account, "sku": sku, **ids}, actor=actor)
            elif ids.get("channel_product_id"):  # seeded before listings kept the product id
                Listing.objects.filter(account=account, channel_sku=sku.code, channel_product_id="").update(
                    channel_product_id=ids["channel_product_id"]
                )


def _listing_ids(kind: str, item: int, sku: SKU) -> dict:
    """A demo listing's channel SKU and ids: the hub code as the seller SKU on both channels."""
    if kind == ChannelKind.AMAZON:
        return {"channel_sku": sku.code, "channel_item_id": asin(item)}
    return {"channel_sku": sku.code, "channel_item_id": str(shopify_variant_id(item)),
            "channel_inventory_item_id": str(shopify_inventory_item_id(item)),
            "channel_product_id": str(shopify_product_id(item))}  # fmt: skip
