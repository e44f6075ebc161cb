"""Which stock can be sold: units in storage bins. Receiving, packing, returns and damaged bins hold
stock that is on its way in, already picked, waiting for grading, or unsellable."""

from warehouse.models import Bin

SELLABLE_BIN_KINDS = (Bin.Kind.STORAGE,)
