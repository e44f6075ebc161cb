"""Reads behind the channel pages: the tenant's accounts and what each listing is offered."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from hub.channels.models import ChannelAccount, Listing, ListingOutbox


def channel_accounts(tenant) -> QuerySet[ChannelAccount]:
    """The tenant's channel accounts with their warehouses, active listings and dirty (to push) listings."""
    dirty = (
        ListingOutbox.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("listing", distinct=True))
        .values("n")
    )
    return (
        ChannelAccount.objects.for_tenant(tenant)
        .defer("credentials")  # never shown
        .prefetch_related("warehouses")
        .annotate(
            listing_count=Count("listings", filter=Q(listings__is_active=True)),
            dirty_count=Coalesce(Subquery(dirty, output_field=IntegerField()), Value(0)),
        )
        .order_by("kind", "name")
    )


def channel_account(tenant, account_id: int) -> ChannelAccount:
    """One account of the tenant with its counts (raises ``ChannelAccount.DoesNotExist`` for another's)."""
    return channel_accounts(tenant).get(pk=account_id)


def account_listings(tenant, account: ChannelAccount) -> QuerySet[Listing]:
    """The account's listings by channel SKU, each with its hub SKU and whether it waits to be pushed."""
    return (
        Listing.objects.for_tenant(tenant)
        .filter(account=account)
        .select_related("sku")
        .annotate(is_dirty=Exists(ListingOutbox.objects.filter(listing=OuterRef("pk"))))
        .order_by("channel_sku", "pk")
    )
