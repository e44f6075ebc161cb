"""Listing import: one row per channel SKU of an account, mapped to a hub SKU; created or updated by
(account, channel_sku) within the tenant. Runs through ``hub.core.imports`` like the catalog import:
dry run, per-cell errors (row, column, value, reason), and an all-or-nothing apply.

Columns: account*, channel_sku*, sku*, channel_item_id, channel_product_id, channel_inventory_item_id,
active (* required: the column must be there and its cells must not be blank).

Cells:

- account: the channel account's name as shown in the hub (exact, case matters), or its id. A cell of
  digits that is the id of one of the tenant's accounts means that account (unless another account is
  named so: then the row is refused as ambiguous); otherwise the cell is a name. A name shared by
  accounts of two channels (an Amazon and a Flipkart account both called "Main") cannot tell them
  apart: use the id. Another tenant's account reads like an unknown one.
- channel_sku: the seller SKU as the channel knows it (at most 120 characters), compared exactly.
  One (account, channel_sku) per file.
- sku: the hub SKU code, exactly as in the catalog.
- channel_item_id (ASIN, FSN, Shopify variant id, Myntra style id), channel_product_id,
  channel_inventory_item_id (Shopify inventory item id): at most 120 characters. A column left out
  leaves the field of existing listings alone; a blank cell clears it.
- active: yes/no, true/false, y/n or 1/0 in any case; blank is yes. Left out: new listings are
  active and existing ones keep their flag.

Validation reads the tenant's accounts, the SKUs the file names and the existing listings of those
channel SKUs in a few queries, never per row. Applying creates and updates in bulk, counts a listing
as updated only if something changed, notes every new or changed active listing in the stock-push
outbox and maps the order lines that were waiting on a newly mapped channel SKU (so those orders
allocate), all in the import's one transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from hub.catalog.models import SKU
from hub.channels.models import ChannelAccount, Listing
from hub.channels.services import after_listings_written
from hub.core.imports import CellError, Importer, Progress, Row, RowError, chunked, parse_yes_no, read_rows
from hub.core.models import ImportJob

COLUMNS = (
    "account", "channel_sku", "sku", "channel_item_id", "channel_product_id", "channel_inventory_item_id",
    "active",
)  # fmt: skip
REQUIRED = frozenset({"account", "channel_sku", "sku"})
IDENTIFIER_COLUMNS = ("channel_item_id", "channel_product_id", "channel_inventory_item_id")
TEXT_LIMIT = 120
# Import column -> Listing model field, for the plain fields a row sets.
LISTING_FIELDS = {**{column: column for column in IDENTIFIER_COLUMNS}, "active": "is_active"}
CHANGEABLE = ("sku_id", *IDENTIFIER_COLUMNS, "is_active")


# Reading one row --------------------------------------------------------------------------------


@dataclass
class ListingRow:
    """What one row asks for; ``account_id`` and ``sku_id`` are filled once the row is resolved."""

    number: int
    cells: dict[str, str]
    fields: dict[str, object] = field(default_factory=dict)
    account_id: int | None = None
    sku_id: int | None = None

    @property
    def channel_sku(self) -> str:
        return self.cells["channel_sku"]

    @property
    def key(self) -> tuple[int | None, str]:
        return self.account_id, self.channel_sku


def read_row(row: Row) -> tuple[ListingRow, list[RowError]]:
    """Check each cell of a row on its own (no database, no other rows)."""
    reasons: dict[str, str] = {}
    for column, text in row.values.items():
        if column in REQUIRED and not text:
            reasons[column] = "Required; this cell is blank."
        elif column != "active" and len(text) > TEXT_LIMIT:
            reasons[column] = f"At most {TEXT_LIMIT} characters."
    listing_row = ListingRow(number=row.number, cells=row.values)
    for column, name in LISTING_FIELDS.items():
        if column in row.values and column not in reasons:
            listing_row.fields[name] = row.values[column]
    if "active" in row.values:
        try:
            listing_row.fields["is_active"] = (
                parse_yes_no(row.values["active"]) if row.values["active"] else True
            )
        except CellError as exc:
            reasons["active"] = str(exc)
    errors = [
        RowError(row.number, column, row.values.get(column, ""), reason) for column, reason in reasons.items()
    ]
    return listing_row, errors


# The tenant's accounts and SKUs, for the names in the file ---------------------------------------


@dataclass
class ListingFacts:
    """What the database holds about the accounts, SKU codes and channel SKUs a file names."""

    account_ids: set[int]
    accounts_by_name: dict[str, list[tuple[int, str]]]  # name -> [(id, channel label)]
    sku_ids: dict[str, int]  # SKU code -> id
    existing: set[tuple[int, str]]  # (account id, channel SKU) already listed

    @classmethod
    def load(cls, tenant, rows: list[ListingRow]) -> "ListingFacts":
        facts = cls(account_ids=set(), accounts_by_name={}, sku_ids={}, existing=set())
        for account in ChannelAccount.objects.for_tenant(tenant).only("pk", "name", "kind"):
            facts.account_ids.add(account.pk)
            facts.accounts_by_name.setdefault(account.name, []).append(
                (account.pk, account.get_kind_display())
            )
        for chunk in chunked(row.cells["sku"] for row in rows):
            facts.sku_ids.update(
                SKU.objects.for_tenant(tenant).filter(code__in=chunk).values_list("code", "id")
            )
        for chunk in chunked(row.channel_sku for row in rows):
            facts.existing.update(
                Listing.objects.for_tenant(tenant)
                .filter(channel_sku__in=chunk)
                .values_list("account_id", "channel_sku")
            )
        return facts

    def account(self, text: str) -> tuple[int | None, str | None]:
        """(account id, None), or (None, the reason the cell names no single account)."""
        named = self.accounts_by_name.get(text, [])
        by_id = int(text) if text.isdigit() and int(text) in self.account_ids else None
        if by_id is not None and all(pk == by_id for pk, _ in named):
            return by_id, None
        if len(named) == 1 and by_id is None:
            return named[0][0], None
        if named:
            channels = ", ".join(sorted(f"{label} (id {pk})" for pk, label in named))
            return None, f"Several accounts answer to {text!r}: {channels}; write the account's id instead."
        return None, f"Unknown channel account {text!r}: give the name or id of one of your accounts."


# Checks across rows -----------------------------------------------------------------------------


@dataclass
class ListingPlan:
    rows: list[ListingRow]
    existing: set[tuple[int, str]]


def check_rows(rows: list[ListingRow], facts: ListingFacts) -> list[RowError]:
    """Resolve each row's account and SKU and refuse a channel SKU listed twice for one account."""
    errors: list[RowError] = []
    first: dict[tuple[int | None, str], ListingRow] = {}
    for row in rows:
        errors += _resolve(row, facts)
        if row.account_id is None or not row.channel_sku:
            continue
        if (other := first.setdefault(row.key, row)) is not row:
            reason = (
                f"Channel SKU {row.channel_sku} of this account is also on row {other.number}; list it once."
            )
            errors.append(RowError(row.number, "channel_sku", row.channel_sku, reason))
    return errors


def _resolve(row: ListingRow, facts: ListingFacts) -> list[RowError]:
    errors = []
    if text := row.cells["account"]:
        row.account_id, reason = facts.account(text)
        if reason:
            errors.append(RowError(row.number, "account", text, reason))
    if code := row.cells["sku"]:
        row.sku_id = facts.sku_ids.get(code)
        if row.sku_id is None:
            errors.append(
                RowError(row.number, "sku", code, f"Unknown SKU {code}: it is not in your catalog.")
            )
    return errors


# Writing ----------------------------------------------------------------------------------------


def _stored(tenant, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Listing]:
    """The tenant's listings for these (account id, channel SKU) pairs, by pair, with their SKUs."""
    accounts = {account_id for account_id, _ in keys}
    found: dict[tuple[int, str], Listing] = {}
    for chunk in chunked(channel_sku for _, channel_sku in keys):
        listings = Listing.objects.for_tenant(tenant).filter(account_id__in=accounts, channel_sku__in=chunk)
        found.update({(x.account_id, x.channel_sku): x for x in listings.select_related("sku")})
    return {key: listing for key, listing in found.items() if key in keys}


def _changes(listing: Listing, row: ListingRow) -> set[str]:
    """Set the row's values on a stored listing; returns the names of the fields that changed."""
    values = {"sku_id": row.sku_id, **row.fields}
    changed = {name for name, value in values.items() if getattr(listing, name) != value}
    for name in changed:
        setattr(listing, name, values[name])
    return changed


def upsert_listings(tenant, rows: list[ListingRow]) -> tuple[list[Listing], list[Listing], list[Listing]]:
    """Create new listings and update changed ones in bulk.

    Returns (created, updated, remap): ``remap`` are the listings whose hub SKU or active flag changed
    (with the created ones they may map waiting order lines)."""
    stored = _stored(tenant, {row.key for row in rows})
    now = timezone.now()
    created, updated, remap = [], [], []
    for row in rows:
        listing = stored.get(row.key)
        if listing is None:
            created.append(
                Listing(
                    tenant=tenant,
                    account_id=row.account_id,
                    channel_sku=row.channel_sku,
                    sku_id=row.sku_id,
                    **row.fields,
                )
            )
            continue
        if changed := _changes(listing, row):
            listing.updated_at = now
            updated.append(listing)
            if changed & {"sku_id", "is_active"}:
                remap.append(listing)
    Listing.objects.bulk_create(created, batch_size=500)
    Listing.objects.bulk_update(updated, [*CHANGEABLE, "updated_at"], batch_size=500)
    created = _reloaded(tenant, created)
    return created, updated, [*created, *remap]


def _reloaded(tenant, listings: Iterable[Listing]) -> list[Listing]:
    """Fresh copies with their ids (bulk_create does not give ids back on every database)."""
    keys = {(listing.account_id, listing.channel_sku) for listing in listings}
    stored = _stored(tenant, keys)
    return [stored[key] for key in sorted(keys)]


class ListingImporter(Importer):
    kind = ImportJob.Kind.LISTINGS
    columns = COLUMNS
    required_columns = REQUIRED

    def validate(self, tenant, rows: list[Row], progress: Progress) -> tuple[ListingPlan, list[RowError]]:
        listing_rows, errors = read_rows(rows, read_row, progress)
        facts = ListingFacts.load(tenant, listing_rows)
        errors += check_rows(listing_rows, facts)
        return ListingPlan(rows=listing_rows, existing=facts.existing), errors

    def apply(self, tenant, plan: ListingPlan) -> tuple[int, int]:
        created, updated, remap = upsert_listings(tenant, plan.rows)
        after_listings_written([*created, *updated], remap=remap, actor=self.actor)
        return len(created), len(updated)

    def describe(self, plan: ListingPlan) -> str:
        existing = sum(1 for row in plan.rows if row.key in plan.existing)
        return f"{_listings(len(plan.rows) - existing)} would be created and {_listings(existing)} updated"


def _listings(count: int) -> str:
    return f"{count} listing{'' if count == 1 else 's'}"
