"""What each channel account is offered per listing, and why."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Sum

from hub.catalog.models import BundleComponent
from hub.channels import outbox
from hub.channels.models import ChannelAccount, Listing
from hub.channels.policy import Offer, OfferPolicy
from warehouse.models import StockLevel
from warehouse.sellable import SELLABLE_BIN_KINDS


@dataclass(frozen=True)
class ListingOffer:
    listing: Listing
    offer: Offer

    @property
    def quantity(self) -> int:
        return self.offer.quantity


def available_by_sku(account: ChannelAccount, sku_ids: Iterable[int]) -> dict[int, int]:
    """Units on hand minus reserved, in sellable bins of the account's warehouses, per SKU.

    A bundle's figure is the number of whole bundles its components make."""
    sku_ids = set(sku_ids)
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for bundle_id, component_id, quantity in BundleComponent.objects.filter(bundle_id__in=sku_ids).values_list(
        "bundle_id", "component_id", "quantity"
    ):
        parts[bundle_id].append((component_id, quantity))
    wanted = (sku_ids - parts.keys()) | {c for components in parts.values() for c, _ in components}
    levels = (
        StockLevel.objects.filter(
            tenant_id=account.tenant_id, sku_id__in=wanted, bin__kind__in=SELLABLE_BIN_KINDS, bin__is_active=True,
            warehouse__in=account.warehouses.filter(is_active=True),
        )
        .values("sku_id")
        .annotate(available=Sum(F("on_hand") - F("reserved")))
    )  # fmt: skip
    available = {row["sku_id"]: row["available"] or 0 for row in levels}
    result = {sku_id: available.get(sku_id, 0) for sku_id in sku_ids - parts.keys()}
    for bundle_id, components in parts.items():
        result[bundle_id] = min((available.get(c, 0) // q for c, q in components), default=0)
    return result


def offers(account: ChannelAccount, listings: Iterable[Listing] | None = None) -> list[ListingOffer]:
    """The quantity each listing (all active listings of the account by default) would be offered."""
    if listings is None:
        listings = account.listings.filter(is_active=True).select_related("sku")
    listings = list(listings)
    policy = OfferPolicy.for_account(account)
    available = available_by_sku(account, {listing.sku_id for listing in listings})
    return [ListingOffer(listing, policy.offer(available.get(listing.sku_id, 0))) for listing in listings]


@dataclass(frozen=True)
class DirtyListing:
    offer: ListingOffer
    last_note_id: int  # clear the outbox up to here once the channel accepts the quantity


def dirty_listings(account: ChannelAccount) -> list[DirtyListing]:
    """The account's listings that must be pushed, with the quantity to send."""
    notes = outbox.pending_notes(account)
    listings = Listing.objects.filter(pk__in=notes, is_active=True).select_related("sku").order_by("pk")
    return [DirtyListing(item, notes[item.listing.pk]) for item in offers(account, listings)]
