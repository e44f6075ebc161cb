"""Stock pushes through the GraphQL ``inventorySetQuantities`` mutation, and stock reads through the
``nodes`` query; pure functions, no I/O.

The REST inventory_levels/set.json is legacy; the mutation sets absolute quantities of up to 250
inventory items per call, by ``gid://shopify/InventoryItem/<id>`` at ``gid://shopify/Location/<id>``,
for the quantity name "available". Its ``userErrors`` (code, field, message) name the quantity they
refuse by its index in ``quantities``.

A read asks ``nodes(ids: [...])`` (at most 250 ids, Shopify's limit on any input array) for each
InventoryItem's ``inventoryLevel(locationId:)`` and its ``quantities(names: ["available"])``. ``nodes``
answers null for an id Shopify does not know, and ``inventoryLevel`` null for an item not stocked at the
location. Shopify's "available" may be below zero (oversold on Shopify); it is read as it is.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import ListingRef, RecordFailure, StockReading, StockUpdate

# From this version each quantity carries ``changeFromQuantity`` (null opts out of the check) and the
# mutation needs an ``@idempotent`` key; before it, ``compareQuantity`` per quantity or
# ``ignoreCompareQuantity`` for the whole input.
CHANGE_FROM_VERSION = "2026-04"
SET_QUANTITIES_FIELDS = """inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { code field message }"""


def gid(kind: str, value: str | int) -> str:
    """A GraphQL global id from a REST numeric id ("gid://shopify/InventoryItem/808950810")."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def numeric_id(value: str | int) -> str:
    """The REST numeric id of a GraphQL global id (or of a numeric id)."""
    return str(value).rsplit("/", 1)[-1]


def uses_change_from(api_version: str) -> bool:
    return api_version == "unstable" or api_version >= CHANGE_FROM_VERSION


@dataclass(frozen=True)
class StockMutation:
    """One inventorySetQuantities request: the document, its variables, and, per response field, the
    updates its ``quantities`` carry in order (userErrors name a quantity by its index)."""

    document: str
    variables: dict
    groups: dict[str, tuple[StockUpdate, ...]]


def inventory_set_input(updates: list[StockUpdate], location_id: str | int, reason: str = "correction", *,
                        compare_quantities: Mapping[str, int] | None = None, api_version: str = "2025-01",
                        idempotency_key: str = "", reference: str = "") -> dict:  # fmt: skip
    """The variables of ``inventory_set_mutation`` (which see)."""
    return inventory_set_mutation(updates, location_id, reason, compare_quantities=compare_quantities,
                                  api_version=api_version, idempotency_key=idempotency_key, reference=reference).variables  # fmt: skip


def inventory_set_mutation(updates: list[StockUpdate], location_id: str | int, reason: str = "correction", *,
                           compare_quantities: Mapping[str, int] | None = None, api_version: str = "2025-01",
                           idempotency_key: str = "", reference: str = "") -> StockMutation:  # fmt: skip
    """Set the "available" quantity of each update's inventory item at one location.

    Compare-and-set needs the quantity Shopify holds *now* (``compare_quantities``, by channel SKU): if
    it moved meanwhile (a sale on Shopify), that quantity is refused with COMPARE_QUANTITY_STALE and the
    rest go on. The hub's last pushed quantity is not that number once Shopify has sold a unit, so
    updates without a known current quantity are sent without the check: ``ignoreCompareQuantity: true``
    (a flag of the whole input before 2026-04, hence two aliased fields in one request when some are
    checked and some not), or ``changeFromQuantity: null`` per quantity from 2026-04.
    """
    known = dict(compare_quantities or {})

    def quantity(update: StockUpdate, key: str) -> dict:
        row = {"inventoryItemId": gid("InventoryItem", update.channel_inventory_item_id),
               "locationId": gid("Location", location_id), "quantity": update.quantity}  # fmt: skip
        if key:
            row[key] = known.get(update.channel_sku)
        return row

    base = {"name": "available", "reason": reason, **({"referenceDocumentUri": reference} if reference else {})}
    if uses_change_from(api_version):
        variables = {"input": {**base, "quantities": [quantity(u, "changeFromQuantity") for u in updates]},
                     "idempotencyKey": idempotency_key}  # fmt: skip
        document = ("mutation inventorySet($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {\n"
                    f"  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {{\n    {SET_QUANTITIES_FIELDS}\n  }}\n}}")  # fmt: skip
        return StockMutation(document, variables, {"inventorySetQuantities": tuple(updates)})
    groups = {
        "checked": tuple(u for u in updates if u.channel_sku in known),
        "unchecked": tuple(u for u in updates if u.channel_sku not in known),
    }
    groups = {alias: group for alias, group in groups.items() if group}
    variables = {
        alias: {**base, "ignoreCompareQuantity": alias == "unchecked",
                "quantities": [quantity(u, "compareQuantity" if alias == "checked" else "") for u in group]}
        for alias, group in groups.items()
    }  # fmt: skip
    fields = "\n".join(f"  {alias}: inventorySetQuantities(input: ${alias}) {{\n    {SET_QUANTITIES_FIELDS}\n  }}" for alias in groups)
    declared = ", ".join(f"${alias}: InventorySetQuantitiesInput!" for alias in groups)
    return StockMutation(f"mutation inventorySet({declared}) {{\n{fields}\n}}", variables, groups)


@dataclass(frozen=True)
class StockOutcome:
    """What one inventorySetQuantities answer means for its updates: accepted, rejected with Shopify's
    message, or not applied only because another quantity of the same input was refused (to send again)."""

    accepted: tuple[StockUpdate, ...] = ()
    rejected: dict[str, str] = field(default_factory=dict)
    retry: tuple[StockUpdate, ...] = ()


def stock_outcome(mutation: StockMutation, data: Mapping[str, Any]) -> StockOutcome:
    """Read the ``data`` of an inventorySetQuantities answer, field by field.

    A userError names its quantity by ``field`` ["input", "quantities", "<index>", ...]. Shopify applies
    an input whole or not at all: with userErrors and no ``inventoryAdjustmentGroup`` nothing of that
    input changed, so the quantities no error names are returned in ``retry``; an error naming no
    quantity (a bad reason, a bad location) refuses every quantity of its input.
    """
    accepted: list[StockUpdate] = []
    rejected: dict[str, str] = {}
    retry: list[StockUpdate] = []
    for alias, group in mutation.groups.items():
        payload = data.get(alias) if isinstance(data.get(alias), Mapping) else {}
        named, general = _user_errors(payload.get("userErrors") or [], len(group))
        applied = payload.get("inventoryAdjustmentGroup") is not None
        for index, update in enumerate(group):
            if not payload:
                rejected[update.channel_sku] = "Shopify's answer has no result for this quantity."
            elif index in named:
                rejected[update.channel_sku] = named[index]
            elif applied or not (named or general):
                accepted.append(update)
            elif general:
                rejected[update.channel_sku] = "; ".join(general)
            else:
                retry.append(update)
    return StockOutcome(tuple(accepted), rejected, tuple(retry))


def _user_errors(errors: list, size: int) -> tuple[dict[int, str], list[str]]:
    """({quantity index: message}, [messages naming no quantity])."""
    named: dict[int, str] = {}
    general: list[str] = []
    for error in errors:
        if not isinstance(error, Mapping):
            continue
        message = str(error.get("message") or error.get("code") or "Refused by Shopify.")
        path = [str(part) for part in error.get("field") or []]
        if len(path) >= 3 and path[1] == "quantities" and path[2].isdigit() and int(path[2]) < size:
            index = int(path[2])
            named[index] = f"{named[index]}; {message}" if index in named else message
        else:
            general.append(message)
    return named, general



# --- reads --------------------------------------------------------------------------------------------

INVENTORY_ITEM_GID = "gid://shopify/InventoryItem/"
LEVELS_QUERY = """query inventoryLevels($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}"""


def readable(listings: list[ListingRef]) -> tuple[list[ListingRef], list[RecordFailure]]:
    """The listings Shopify can be asked about, and failures for those it cannot: no inventory item id,
    or one that is not an InventoryItem's (a whole read would be refused for one malformed id)."""
    asked, failures = [], []
    for listing in listings:
        item = listing.channel_inventory_item_id
        if not item:
            failures.append(RecordFailure(listing.channel_sku, "The listing has no Shopify inventory item id."))
        elif not gid("InventoryItem", item).removeprefix(INVENTORY_ITEM_GID).isdigit():
            failures.append(RecordFailure(listing.channel_sku, f"{item!r} is not a Shopify inventory item id."))
        else:
            asked.append(listing)
    return asked, failures


def levels_variables(listings: list[ListingRef], location_id: str | int) -> dict:
    """The variables of ``LEVELS_QUERY``: each inventory item once, and the location."""
    ids = list(dict.fromkeys(gid("InventoryItem", listing.channel_inventory_item_id) for listing in listings))
    return {"ids": ids, "locationId": gid("Location", location_id)}


def stock_reading(listings: list[ListingRef], location_id: str | int, data: Mapping[str, Any]) -> StockReading:
    """Read the ``data`` of a ``LEVELS_QUERY`` answer: each listing's "available" quantity at the location,
    or why there is none."""
    nodes = data.get("nodes") if isinstance(data.get("nodes"), list) else []
    by_id = {str(node.get("id")): node for node in nodes if isinstance(node, Mapping)}
    quantities: dict[str, int] = {}
    failures: list[RecordFailure] = []
    for listing in listings:
        item = gid("InventoryItem", listing.channel_inventory_item_id)
        node = by_id.get(item)
        try:
            quantities[listing.channel_sku] = _available(node, item, location_id)
        except ValueError as exc:
            failures.append(RecordFailure(listing.channel_sku, str(exc), payload={"node": node} if node else {},
                                          request={"operation": "inventoryLevels", "inventoryItemId": item,
                                                   "locationId": gid("Location", location_id)}))  # fmt: skip
    return StockReading(quantities, failures)


def _available(node: Mapping[str, Any] | None, item: str, location_id: str | int) -> int:
    if node is None:
        raise ValueError(f"Shopify has no inventory item {numeric_id(item)}.")
    level = node.get("inventoryLevel")
    if not isinstance(level, Mapping):
        raise ValueError(f"Inventory item {numeric_id(item)} is not stocked at location {numeric_id(location_id)}.")
    quantities = level.get("quantities") if isinstance(level.get("quantities"), list) else []
    available = next((q.get("quantity") for q in quantities if isinstance(q, Mapping) and q.get("name") == "available"), None)
    if isinstance(available, bool) or not isinstance(available, int):
        raise ValueError(f"Shopify's available quantity of inventory item {numeric_id(item)} is {available!r}, not a whole number.")
    return available
