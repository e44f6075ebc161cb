"""The one writer of stock levels.

Every change of stock is one call here. A call locks the level rows it touches in primary-key order
(``select_for_update``), checks the result against the rules (on hand never negative, reserved never
beyond on hand), updates the levels with ``F()`` and appends one ledger row per change, all in one
transaction. Each call carries an idempotency key: replaying a call with the same key and the same
changes is a no-op that returns the original rows; the same key with different changes is refused.
Database check constraints back the rules up.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from hub.catalog.models import SKU
from hub.core.bulk import bulk_set
from hub.core.errors import Conflict, DomainError
from warehouse.models import Bin, StockLevel, StockMovement
from warehouse.signals import stock_changed

Kind = StockMovement.Kind
MAX_QUANTITY = 1_000_000_000
MAX_KEY_LENGTH = StockMovement._meta.get_field("idempotency_key").max_length


class StockError(DomainError):
    code = "invalid_stock_request"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Change:
    """One change to one (SKU, bin) level; ``sku`` and ``bin`` are the rows, for ids and messages."""

    sku: SKU
    bin: Bin
    kind: str
    on_hand: int = 0
    reserved: int = 0

    @property
    def pair(self) -> tuple[int, int]:
        return (self.sku.pk, self.bin.pk)

    def signature(self) -> tuple:
        return (self.sku.pk, self.bin.pk, self.kind, self.on_hand, self.reserved)


@dataclass
class StockResult:
    movements: list[StockMovement]
    replayed: bool = False
    levels: list[StockLevel] = field(default_factory=list)


def receive(sku: SKU, bin: Bin, quantity: int, *, key: str, actor=None, reference: str = "", reason: str = "") -> StockResult:
    """Units arrive in ``bin`` (a GRN, a return graded good, opening stock)."""
    quantity = _quantity(quantity)
    _check_stockable(sku)
    _check_bin_open(bin)
    return post([Change(sku, bin, Kind.RECEIVE, on_hand=quantity)], key=key, actor=actor, reference=reference, reason=reason)


def move(
    sku: SKU, from_bin: Bin, to_bin: Bin, quantity: int, *, key: str, actor=None, reference: str = "", reason: str = ""
) -> StockResult:
    """Move unreserved units between two bins of one warehouse (putaway, replenishment, re-slotting)."""
    quantity = _quantity(quantity)
    _check_stockable(sku)
    if from_bin.pk == to_bin.pk:
        raise StockError("The source and destination bin are the same.", field="to_bin")
    if from_bin.warehouse_id != to_bin.warehouse_id:
        raise StockError(
            f"Bins {from_bin.code} and {to_bin.code} are in different warehouses; use a stock transfer.",
            field="to_bin",
        )
    _check_bin_open(to_bin, field_name="to_bin")
    changes = [
        Change(sku, from_bin, Kind.MOVE_OUT, on_hand=-quantity),
        Change(sku, to_bin, Kind.MOVE_IN, on_hand=quantity),
    ]
    return post(changes, key=key, actor=actor, reference=reference, reason=reason)


def adjust(sku: SKU, bin: Bin, delta: int, *, reason: str, key: str, actor=None, reference: str = "") -> StockResult:
    """Correct on hand by ``delta`` (found, lost, damaged, counted), with the reason kept in the ledger."""
    delta = _quantity(delta, field_name="delta", signed=True)
    if not (reason or "").strip():
        raise StockError("An adjustment needs a reason.", field="reason")
    _check_stockable(sku)
    return post([Change(sku, bin, Kind.ADJUST, on_hand=delta)], key=key, actor=actor, reference=reference, reason=reason)


def reserve(sku: SKU, bin: Bin, quantity: int, *, key: str, actor=None, reference: str = "", reason: str = "") -> StockResult:
    """Hold units for an order: they stay on hand but are no longer available to sell."""
    quantity = _quantity(quantity)
    return post([Change(sku, bin, Kind.RESERVE, reserved=quantity)], key=key, actor=actor, reference=reference, reason=reason)


def release(sku: SKU, bin: Bin, quantity: int, *, key: str, actor=None, reference: str = "", reason: str = "") -> StockResult:
    """Give back reserved units (a cancellation, a re-allocation)."""
    quantity = _quantity(quantity)
    return post([Change(sku, bin, Kind.RELEASE, reserved=-quantity)], key=key, actor=actor, reference=reference, reason=reason)


def consume(sku: SKU, bin: Bin, quantity: int, *, key: str, actor=None, reference: str = "", reason: str = "") -> StockResult:
    """Reserved units leave the building (shipped): both on hand and reserved go down."""
    quantity = _quantity(quantity)
    changes = [Change(sku, bin, Kind.CONSUME, on_hand=-quantity, reserved=-quantity)]
    return post(changes, key=key, actor=actor, reference=reference, reason=reason)


@dataclass(frozen=True)
class Call:
    """One idempotent stock call: its changes, applied all together or not at all."""

    key: str
    changes: list[Change]
    reference: str = ""
    reason: str = ""


def post(changes: list[Change], *, key: str, actor=None, reference: str = "", reason: str = "") -> StockResult:
    """Apply ``changes`` as one atomic, idempotent stock call. The verbs above build the changes."""
    return post_many([Call(key, changes, reference, reason)], actor=actor)[0]


def post_many(calls: list[Call], *, actor=None) -> list[StockResult]:
    """Apply several stock calls in one transaction under one set of row locks: all of them or none.

    This is the set-based path for bulk work (a page of orders allocating at once): the levels are
    locked in one query, the keys looked up in one, the levels updated in one and the ledger written in
    one, however many calls there are. A call whose key was used before is a replay, as in ``post``.
    """
    if not calls or any(not call.changes for call in calls):
        raise StockError("A stock call needs at least one change.")
    keys = [_check_key(call.key) for call in calls]
    if len(set(keys)) != len(keys):
        raise StockError("Two calls in one batch share an idempotency key.", field="idempotency_key")
    tenant_id = _one_tenant([change for call in calls for change in call.changes])
    try:
        with transaction.atomic():
            return _post_locked(tenant_id, calls, actor=actor)
    except IntegrityError:
        # A concurrent call with the same key on other rows committed first: these are its replays.
        existing = _existing(tenant_id, keys)
        if set(existing) != set(keys):
            raise
        return [_replay(existing[call.key], call) for call in calls]


def lock_levels(tenant_id, *, sku_ids, warehouse_ids, bin_kinds) -> list[StockLevel]:
    """Lock (in primary-key order) and return the levels of these SKUs in bins of these kinds and
    warehouses, for a caller that must decide on the quantities before posting them (allocation).
    Call it inside the caller's transaction; ``post_many`` then re-locks the same rows at no cost."""
    return list(
        StockLevel.objects.select_for_update(of=("self",))
        .filter(
            tenant_id=tenant_id, sku_id__in=list(sku_ids), warehouse_id__in=list(warehouse_ids),
            bin__kind__in=list(bin_kinds), bin__is_active=True,
        )
        .select_related("bin")
        .order_by("pk")
    )  # fmt: skip


def _post_locked(tenant_id, calls: list[Call], *, actor) -> list[StockResult]:
    all_changes = [change for call in calls for change in call.changes]
    levels = _lock_levels(tenant_id, all_changes)
    # Keys are looked up only once the rows are locked: a racing call with a key has committed by then.
    existing = _existing(tenant_id, [call.key for call in calls])
    results, movements, touched = [], [], {}
    for call in calls:
        if call.key in existing:
            results.append(_replay(existing[call.key], call))
            continue
        rows = [_apply(levels[change.pair], change, seq, call, tenant_id, actor) for seq, change in enumerate(call.changes)]
        touched.update({levels[change.pair].pk: levels[change.pair] for change in call.changes})
        movements += rows
        results.append(StockResult(movements=rows, levels=[levels[change.pair] for change in call.changes]))
    if movements:
        _write(tenant_id, list(touched.values()), movements)
    return results


def _apply(level: StockLevel, change: Change, seq: int, call: Call, tenant_id, actor) -> StockMovement:
    """Check one change against the locked level, apply it in memory, and build its ledger row."""
    _check_result(level, change)
    level.on_hand += change.on_hand
    level.reserved += change.reserved
    return StockMovement(
        tenant_id=tenant_id,
        sku_id=change.sku.pk,
        bin_id=change.bin.pk,
        warehouse_id=change.bin.warehouse_id,
        kind=change.kind,
        on_hand_delta=change.on_hand,
        reserved_delta=change.reserved,
        on_hand_after=level.on_hand,
        reserved_after=level.reserved,
        idempotency_key=call.key,
        seq=seq,
        reason=(call.reason or "")[:255],
        reference=(call.reference or "")[:255],
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _write(tenant_id, levels: list[StockLevel], movements: list[StockMovement]) -> None:
    """Store the new levels and the ledger rows, and tell the listeners (the channel outbox, allocation).

    The levels are written as absolute values computed from rows this transaction has locked, so no
    other writer can have changed them in between; one UPDATE serves any number of levels.
    """
    now = timezone.now()
    for level in levels:
        level.updated_at = now
    bulk_set(StockLevel, levels, ["on_hand", "reserved", "updated_at"])
    StockMovement.objects.bulk_create(movements)
    restocked = {m.sku_id for m in movements if m.on_hand_delta - m.reserved_delta > 0}
    emptied = {m.sku_id for m in movements if m.on_hand_delta - m.reserved_delta < 0 and m.on_hand_after == m.reserved_after}
    stock_changed.send(
        sender=StockMovement,
        tenant_id=tenant_id,
        sku_ids={m.sku_id for m in movements},
        warehouse_ids={m.warehouse_id for m in movements},
        restocked_sku_ids=restocked,
        emptied_sku_ids=emptied,
    )


def _lock_levels(tenant_id, changes: list[Change]) -> dict[tuple[int, int], StockLevel]:
    """Lock the level rows of every (SKU, bin) pair in primary-key order, creating missing ones."""
    bins = {change.bin.pk: change.bin for change in changes}
    pairs = sorted({change.pair for change in changes})
    levels = _select_for_update(tenant_id, pairs)
    missing = [pair for pair in pairs if pair not in levels]
    if missing:
        StockLevel.objects.bulk_create(
            [
                StockLevel(tenant_id=tenant_id, sku_id=sku_id, bin_id=bin_id, warehouse_id=bins[bin_id].warehouse_id)
                for sku_id, bin_id in missing
            ],
            ignore_conflicts=True,
        )
        levels.update(_select_for_update(tenant_id, missing))
    return levels


def _select_for_update(tenant_id, pairs) -> dict[tuple[int, int], StockLevel]:
    rows = StockLevel.objects.select_for_update().filter(_exactly(pairs), tenant_id=tenant_id).order_by("pk")
    return {(row.sku_id, row.bin_id): row for row in rows}


def _exactly(pairs) -> Q:
    """The levels of exactly these (SKU, bin) pairs, not the cross product of their SKUs and bins."""
    sku_ids = {sku_id for sku_id, _ in pairs}
    bin_ids = {bin_id for _, bin_id in pairs}
    if len(sku_ids) == 1 or len(bin_ids) == 1:
        return Q(sku_id__in=sku_ids, bin_id__in=bin_ids)
    if connection.vendor == "postgresql":  # one join against two arrays instead of hundreds of ORs
        return Q(pk__in=RawSQL(
            "SELECT l.id FROM warehouse_stocklevel l JOIN unnest(%s::bigint[], %s::bigint[]) AS p(sku, bin) "
            "ON l.sku_id = p.sku AND l.bin_id = p.bin",
            ([sku for sku, _ in pairs], [bin_id for _, bin_id in pairs]),
        ))  # fmt: skip
    condition = Q()
    for sku_id, bin_id in pairs:
        condition |= Q(sku_id=sku_id, bin_id=bin_id)
    return condition


def _check_result(level: StockLevel, change: Change) -> None:
    on_hand = level.on_hand + change.on_hand
    reserved = level.reserved + change.reserved
    where = f"{change.sku.code} in bin {change.bin.code}"
    if on_hand < 0:
        raise InsufficientStock(
            f"Only {level.on_hand} units of {where}; cannot take out {-change.on_hand}.", field="quantity"
        )
    if reserved < 0:
        raise InsufficientStock(
            f"Only {level.reserved} units of {where} are reserved; cannot release {-change.reserved}.",
            field="quantity",
        )
    if reserved > on_hand:
        if change.reserved > 0:
            message = (
                f"Only {level.available} units of {where} are available "
                f"({level.on_hand} on hand, {level.reserved} reserved); cannot reserve {change.reserved}."
            )
        else:
            message = (
                f"{level.reserved} of the {level.on_hand} units of {where} are reserved for orders; "
                f"only {level.available} can be taken out."
            )
        raise InsufficientStock(message, field="quantity")


def _existing(tenant_id, keys: list[str]) -> dict[str, list[StockMovement]]:
    found: dict[str, list[StockMovement]] = defaultdict(list)
    for movement in StockMovement.objects.filter(tenant_id=tenant_id, idempotency_key__in=keys).order_by("seq"):
        found[movement.idempotency_key].append(movement)
    return found


def _replay(existing: list[StockMovement], call: Call) -> StockResult:
    done = [(m.sku_id, m.bin_id, m.kind, m.on_hand_delta, m.reserved_delta) for m in existing]
    if done != [change.signature() for change in call.changes]:
        raise IdempotencyConflict(
            f"The idempotency key {call.key!r} was already used for a different stock change.",
            field="idempotency_key",
        )
    return StockResult(movements=existing, replayed=True)


def _quantity(value, *, field_name: str = "quantity", signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StockError(f"{field_name} must be a whole number of units, not {value!r}.", field=field_name)
    if signed and value == 0:
        raise StockError(f"{field_name} must not be zero.", field=field_name)
    if not signed and value <= 0:
        raise StockError(f"{field_name} must be a positive whole number, not {value}.", field=field_name)
    if abs(value) > MAX_QUANTITY:
        raise StockError(f"{field_name} {value} is beyond the largest allowed ({MAX_QUANTITY}).", field=field_name)
    return value


def _check_key(key) -> str:
    if not isinstance(key, str) or not key.strip():
        raise StockError("Every stock change needs an idempotency key.", field="idempotency_key")
    if len(key) > MAX_KEY_LENGTH:
        raise StockError(f"An idempotency key is at most {MAX_KEY_LENGTH} characters.", field="idempotency_key")
    return key


def _one_tenant(changes: list[Change]) -> int:
    tenants = {change.sku.tenant_id for change in changes} | {change.bin.tenant_id for change in changes}
    if len(tenants) != 1:
        raise StockError("A stock change cannot mix SKUs and bins of different tenants.")
    return tenants.pop()


def _check_stockable(sku: SKU) -> None:
    if sku.is_bundle:
        raise StockError(
            f"{sku.code} is a bundle; its stock is its components' stock, so stock the components.", field="sku"
        )


def _check_bin_open(bin: Bin, *, field_name: str = "bin") -> None:
    if not bin.is_active:
        raise StockError(f"Bin {bin.code} is inactive; it takes no new stock.", field=field_name)
