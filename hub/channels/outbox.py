"""The stock push outbox: which listings must be pushed because what they are offered may have changed."""

from collections.abc import Iterable

from django.db.models import Max

from hub.catalog.models import BundleComponent
from hub.channels.models import ChannelAccount, Listing, ListingOutbox


def on_stock_changed(sender, *, tenant_id, sku_ids, warehouse_ids, **kwargs) -> None:
    """``warehouse.signals.stock_changed`` receiver: runs inside the stock call's transaction."""
    mark_skus_changed(tenant_id, sku_ids, warehouse_ids=warehouse_ids)


def mark_skus_changed(tenant_id, sku_ids: Iterable[int], *, warehouse_ids: Iterable[int] | None = None) -> int:
    """Note every active listing of these SKUs (and of the bundles made of them) on the accounts served
    by these warehouses (all accounts when None). Returns how many notes were written."""
    sku_ids = set(sku_ids)
    bundles = BundleComponent.objects.filter(tenant_id=tenant_id, component_id__in=sku_ids).values_list(
        "bundle_id", flat=True
    )
    listings = Listing.objects.filter(tenant_id=tenant_id, is_active=True, sku_id__in=sku_ids | set(bundles))
    if warehouse_ids is not None:
        listings = listings.filter(account__warehouses__in=list(warehouse_ids)).distinct()
    return _note(listings.values_list("pk", "account_id", "tenant_id"), cause="stock")


def mark_account_changed(account: ChannelAccount, *, cause: str = "policy") -> int:
    """Note every active listing of the account (its policy or its warehouses changed)."""
    return _note(account.listings.filter(is_active=True).values_list("pk", "account_id", "tenant_id"), cause=cause)


def mark_listings_changed(listings: Iterable[Listing], *, cause: str = "listing") -> int:
    return _note([(listing.pk, listing.account_id, listing.tenant_id) for listing in listings], cause=cause)


def _note(rows, *, cause: str) -> int:
    notes = [
        ListingOutbox(tenant_id=tenant_id, account_id=account_id, listing_id=pk, cause=cause)
        for pk, account_id, tenant_id in rows
    ]
    ListingOutbox.objects.bulk_create(notes, batch_size=1000)
    return len(notes)


def pending_notes(account: ChannelAccount) -> dict[int, int]:
    """{listing id: highest outbox note id} for the account's dirty listings."""
    return dict(
        ListingOutbox.objects.filter(account=account)
        .values("listing_id")
        .annotate(last=Max("pk"))
        .values_list("listing_id", "last")
    )


def clear(account: ChannelAccount, pushed: dict[int, int]) -> int:
    """Delete the notes a push has dealt with: for each listing, those up to the id it read."""
    deleted = 0
    for listing_id, last in pushed.items():
        deleted += ListingOutbox.objects.filter(account=account, listing_id=listing_id, pk__lte=last).delete()[0]
    return deleted
