"""The stock push outbox: which listings must be pushed because what they are offered may have changed."""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max

from hub.catalog.models import BundleComponent
from hub.channels.models import ChannelAccount, Listing, ListingOutbox


def on_stock_changed(sender, *, tenant_id, sku_ids, warehouse_ids, emptied_sku_ids=frozenset(), **kwargs) -> None:
    """``warehouse.signals.stock_changed`` receiver: runs inside the stock call's transaction. The notes
    commit with the change; once they have, the affected accounts' pushes are requested."""
    notes = _notes_for_skus(tenant_id, sku_ids, warehouse_ids=warehouse_ids)
    if notes and settings.STOCK_PUSH_ON_CHANGE:
        accounts = sorted({note.account_id for note in notes})
        transaction.on_commit(partial(request_push, accounts, urgent=bool(emptied_sku_ids)))


def request_push(account_ids: list[int], *, urgent: bool = False) -> None:
    """Push these accounts' stock soon: once per account per debounce window, so a burst of movements
    becomes one push; at once when a SKU has just run out (an oversell window must be short).

    Off in the embedded quick start, where the in-process scheduler pushes on its own clock."""
    if not settings.STOCK_PUSH_ON_CHANGE:
        return
    from schedules.tasks import push_account_stock

    delay = settings.STOCK_PUSH_DEBOUNCE_SECONDS
    for account_id in account_ids:
        if urgent:
            push_account_stock.apply_async((account_id,), kwargs={"trigger": "sold_out"})
        elif cache.add(pending_key(account_id), 1, timeout=delay + 60):
            push_account_stock.apply_async((account_id,), kwargs={"trigger": "stock_change"}, countdown=delay)


def pending_key(account_id: int) -> str:
    """Set while a debounced push of the account is queued; the push clears it before it reads the outbox."""
    return f"stock-push-pending:{account_id}"


def mark_skus_changed(tenant_id, sku_ids: Iterable[int], *, warehouse_ids: Iterable[int] | None = None) -> int:
    """Note every active listing of these SKUs (and of the bundles made of them) on the accounts served
    by these warehouses (all accounts when None). Returns how many notes were written."""
    return len(_notes_for_skus(tenant_id, sku_ids, warehouse_ids=warehouse_ids))


def _notes_for_skus(tenant_id, sku_ids: Iterable[int], *, warehouse_ids: Iterable[int] | None) -> list[ListingOutbox]:
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
    rows = account.listings.filter(is_active=True).values_list("pk", "account_id", "tenant_id")
    return len(_note(rows, cause=cause))


def mark_listings_changed(listings: Iterable[Listing], *, cause: str = "listing") -> int:
    return len(_note([(listing.pk, listing.account_id, listing.tenant_id) for listing in listings], cause=cause))


def _note(rows, *, cause: str) -> list[ListingOutbox]:
    notes = [
        ListingOutbox(tenant_id=tenant_id, account_id=account_id, listing_id=pk, cause=cause)
        for pk, account_id, tenant_id in rows
    ]
    ListingOutbox.objects.bulk_create(notes, batch_size=1000)
    return notes


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
