"""GST on an order line: CGST + SGST when the goods stay in the seller's state, IGST when they cross."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")


@dataclass(frozen=True)
class TaxSplit:
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def total(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


def split_tax(amount: Decimal, rate: Decimal | None, *, from_state: str, to_state: str, inclusive: bool = True) -> TaxSplit:
    """Tax on ``amount`` (what the buyer pays for the line) at ``rate`` per cent.

    ``inclusive``: the amount already includes the tax (as Indian marketplaces quote it), so the
    taxable value is amount / (1 + rate). Within one state the tax is halved into CGST and SGST (the
    SGST half takes the odd paisa); across states it is all IGST. An export (no Indian state) is zero-rated.
    """
    if not to_state:  # an export: zero-rated supply (under a letter of undertaking), no GST charged
        return TaxSplit(amount.quantize(PAISA, ROUND_HALF_UP), *(Decimal("0.00"),) * 3)
    rate = rate or Decimal("0")
    if inclusive:
        taxable = (amount * 100 / (100 + rate)).quantize(PAISA, ROUND_HALF_UP)
        tax = amount - taxable
    else:
        taxable = amount.quantize(PAISA, ROUND_HALF_UP)
        tax = (amount * rate / 100).quantize(PAISA, ROUND_HALF_UP)
    if from_state and from_state == to_state:
        cgst = (tax / 2).quantize(PAISA, ROUND_HALF_UP)
        return TaxSplit(taxable, cgst, tax - cgst, Decimal("0.00"))
    return TaxSplit(taxable, Decimal("0.00"), Decimal("0.00"), tax)
