"""What quantity a channel account is offered for a listing, as a policy built from small steps.

available (on hand - reserved over the account's serving warehouses, in sellable bins; for a bundle
the fewest whole bundles its components make) goes through the account's steps in this order:

1. out-of-stock threshold: fewer than N available offers zero (sell the last few units elsewhere);
2. percentage: offer that share of what is available, rounded down;
3. buffer: hold back N units;
4. cap: offer at most N;

and the result is never below zero. Each step says what it did, so the hub can show why a channel
was offered what it was.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol


class Step(Protocol):
    """One part of a policy: the quantity after it, and a note when it changed something."""

    def apply(self, quantity: int, *, available: int) -> tuple[int, str | None]: ...


@dataclass(frozen=True)
class OutOfStockThreshold:
    units: int

    def apply(self, quantity, *, available):
        if self.units and available < self.units:
            return 0, f"fewer than the out-of-stock threshold of {self.units} available: offer 0"
        return quantity, None


@dataclass(frozen=True)
class Percentage:
    percent: Decimal

    def apply(self, quantity, *, available):
        if self.percent >= 100:
            return quantity, None
        share = int((Decimal(quantity) * self.percent / 100).to_integral_value(rounding=ROUND_FLOOR))
        return share, f"{self.percent.normalize():f}% of {quantity}: {share}"


@dataclass(frozen=True)
class Buffer:
    units: int

    def apply(self, quantity, *, available):
        if not self.units:
            return quantity, None
        return quantity - self.units, f"buffer of {self.units} held back: {max(0, quantity - self.units)}"


@dataclass(frozen=True)
class Cap:
    units: int | None

    def apply(self, quantity, *, available):
        if self.units is None or quantity <= self.units:
            return quantity, None
        return self.units, f"capped at {self.units}"


@dataclass(frozen=True)
class Offer:
    available: int
    quantity: int
    explanation: tuple[str, ...]

    @property
    def why(self) -> str:
        return "; ".join(self.explanation)


@dataclass(frozen=True)
class OfferPolicy:
    steps: tuple[Step, ...]

    @classmethod
    def for_account(cls, account) -> "OfferPolicy":
        return cls(
            steps=(
                OutOfStockThreshold(account.out_of_stock_threshold),
                Percentage(Decimal(account.percent_of_available)),
                Buffer(account.buffer_units),
                Cap(account.max_units),
            )
        )

    def offer(self, available: int) -> Offer:
        quantity = max(0, available)
        notes = [f"{quantity} available"]
        for step in self.steps:
            quantity, note = step.apply(quantity, available=available)
            if note:
                notes.append(note)
            if quantity <= 0:
                quantity = 0
                break
        return Offer(available=available, quantity=quantity, explanation=tuple(notes))
