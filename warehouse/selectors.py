"""Reads of stock: levels, availability, and the ledger audit."""

from dataclasses import dataclass

from django.db.models import Sum

from warehouse.models import StockLevel, StockMovement


@dataclass(frozen=True)
class Drift:
    tenant_id: int
    sku_id: int
    bin_id: int
    level_on_hand: int
    level_reserved: int
    ledger_on_hand: int
    ledger_reserved: int

    def __str__(self) -> str:
        return (
            f"tenant {self.tenant_id} sku {self.sku_id} bin {self.bin_id}: level {self.level_on_hand} on hand / "
            f"{self.level_reserved} reserved, ledger {self.ledger_on_hand} / {self.ledger_reserved}"
        )


def stock_drift(*, tenant=None) -> list[Drift]:
    """Every (SKU, bin) whose level differs from the sum of its ledger rows (or that breaks a rule)."""
    movements = StockMovement.objects.all()
    levels = StockLevel.objects.all()
    if tenant is not None:
        movements, levels = movements.for_tenant(tenant), levels.for_tenant(tenant)
    ledger = {
        (row["tenant_id"], row["sku_id"], row["bin_id"]): (row["on_hand"], row["reserved"])
        for row in movements.values("tenant_id", "sku_id", "bin_id")
        .order_by()
        .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
    }
    drifts = []
    for tenant_id, sku_id, bin_id, on_hand, reserved in levels.values_list(
        "tenant_id", "sku_id", "bin_id", "on_hand", "reserved"
    ).iterator(chunk_size=5000):
        ledger_on_hand, ledger_reserved = ledger.pop((tenant_id, sku_id, bin_id), (0, 0))
        broken = on_hand < 0 or reserved < 0 or reserved > on_hand
        if (on_hand, reserved) != (ledger_on_hand, ledger_reserved) or broken:
            drifts.append(Drift(tenant_id, sku_id, bin_id, on_hand, reserved, ledger_on_hand, ledger_reserved))
    for (tenant_id, sku_id, bin_id), (ledger_on_hand, ledger_reserved) in ledger.items():
        if (ledger_on_hand, ledger_reserved) != (0, 0):
            drifts.append(Drift(tenant_id, sku_id, bin_id, 0, 0, ledger_on_hand, ledger_reserved))
    return drifts
