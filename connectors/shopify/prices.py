"""Price pushes through the GraphQL ``productVariantsBulkUpdate`` mutation; pure functions, no I/O.

The REST variant update is legacy, and the mutation updates the variants of *one* product a field:
``productVariantsBulkUpdate(productId: ..., variants: [{id, price}])``. A push is therefore grouped by
product, and the products of one push go out as aliased fields of one request (``p0``, ``p1``, ...),
so pricing a few hundred variants costs a request, not a request each.

``allowPartialUpdates: true`` (from 2023-04) lets Shopify update a product's valid variants when
another of its variants is refused; without it one bad price would hold back its siblings. A userError
names the variant it refuses by its index in ``variants`` (``["variants", "0", "price"]``); one naming
no variant (``["productId"]``: no such product) refuses every variant of its product.

Only ``price`` is set. ``compareAtPrice`` (the struck-through "was" price) is the shop's own choice for
its promotions and is left as it is.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.base import PriceUpdate
from connectors.shopify.stock import gid

PAISA = Decimal("0.01")
BULK_UPDATE_FIELDS = "productVariants { id price }\n    userErrors { code field message }"


@dataclass(frozen=True)
class PriceMutation:
    """One request: the document, its variables, and per aliased field the updates its ``variants``
    carry in order (userErrors name a variant by its index)."""

    document: str
    variables: dict
    groups: dict[str, tuple[PriceUpdate, ...]]


def sendable(updates: list[PriceUpdate]) -> tuple[list[PriceUpdate], dict[str, str]]:
    """The updates Shopify can take, and those refused before asking, with the reason.

    A variant is priced through its product, so a listing without its Shopify product id (or without its
    variant id) cannot be sent; a variant already priced by another SKU of the same push is refused too,
    since one request would then carry two prices for it.
    """
    accepted: list[PriceUpdate] = []
    rejected: dict[str, str] = {}
    seen: set[str] = set()
    for update in updates:
        if not update.channel_item_id:
            rejected[update.channel_sku] = "The listing has no Shopify variant id (channel_item_id)."
        elif not update.channel_product_id:
            rejected[update.channel_sku] = ("The listing has no Shopify product id (channel_product_id): "
                                            "Shopify prices a variant through its product.")  # fmt: skip
        elif gid("ProductVariant", update.channel_item_id) in seen:
            rejected[update.channel_sku] = f"Variant {update.channel_item_id} is priced by another SKU in the same push."
        else:
            seen.add(gid("ProductVariant", update.channel_item_id))
            accepted.append(update)
    return accepted, rejected


def by_product(updates: list[PriceUpdate]) -> list[tuple[PriceUpdate, ...]]:
    """The updates grouped by product, products in the order first seen."""
    groups: dict[str, list[PriceUpdate]] = {}
    for update in updates:
        groups.setdefault(gid("Product", update.channel_product_id), []).append(update)
    return [tuple(group) for group in groups.values()]


def money(price: Decimal) -> str:
    """Shopify's ``Money`` scalar: a decimal string without a currency ("799.00")."""
    return str(Decimal(price).quantize(PAISA, rounding=ROUND_HALF_UP))


def variants_update_mutation(products: list[tuple[PriceUpdate, ...]]) -> PriceMutation:
    """One request pricing the variants of each product (a group of ``by_product``) in its own field."""
    groups = {f"p{index}": group for index, group in enumerate(products)}
    variables: dict[str, Any] = {}
    for alias, group in groups.items():
        variables[f"{alias}Product"] = gid("Product", group[0].channel_product_id)
        variables[f"{alias}Variants"] = [{"id": gid("ProductVariant", u.channel_item_id), "price": money(u.price)} for u in group]
    declared = ", ".join(f"${alias}Product: ID!, ${alias}Variants: [ProductVariantsBulkInput!]!" for alias in groups)
    fields = "\n".join(
        f"  {alias}: productVariantsBulkUpdate(productId: ${alias}Product, variants: ${alias}Variants, "
        f"allowPartialUpdates: true) {{\n    {BULK_UPDATE_FIELDS}\n  }}"
        for alias in groups
    )
    return PriceMutation(f"mutation variantPrices({declared}) {{\n{fields}\n}}", variables, groups)


def price_outcome(mutation: PriceMutation, data: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The channel SKUs Shopify priced, and those it refused with its message, field by field.

    A variant counts as priced only when the answer lists it among ``productVariants``: with partial
    updates allowed, an answer that names neither an error nor the variant has not said it took.
    """
    accepted: list[str] = []
    rejected: dict[str, str] = {}
    for alias, group in mutation.groups.items():
        payload = data.get(alias) if isinstance(data.get(alias), Mapping) else {}
        named, general = _user_errors(payload.get("userErrors") or [], len(group))
        priced = {str(v.get("id")) for v in payload.get("productVariants") or [] if isinstance(v, Mapping)}
        for index, update in enumerate(group):
            if not payload:
                rejected[update.channel_sku] = "Shopify's answer has no result for this product."
            elif index in named or general:
                rejected[update.channel_sku] = "; ".join(named.get(index, []) + general)
            elif gid("ProductVariant", update.channel_item_id) in priced:
                accepted.append(update.channel_sku)
            else:
                rejected[update.channel_sku] = "Shopify's answer does not list this variant as updated."
    return accepted, rejected


def _user_errors(errors: list, size: int) -> tuple[dict[int, list[str]], list[str]]:
    """({variant index: [messages]}, [messages naming no variant])."""
    named: dict[int, list[str]] = {}
    general: list[str] = []
    for error in errors:
        if not isinstance(error, Mapping):
            continue
        message = str(error.get("message") or error.get("code") or "Refused by Shopify.")
        path = [str(part) for part in error.get("field") or []]
        if len(path) >= 2 and path[0] == "variants" and path[1].isdigit() and int(path[1]) < size:
            named.setdefault(int(path[1]), []).append(message)
        else:
            general.append(message)
    return named, general
