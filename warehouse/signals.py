"""``stock_changed`` is sent by ``warehouse.stock`` inside the transaction of every stock call, after the
levels and the ledger rows are written, so receivers that write (the channel stock outbox) commit or
roll back with the change itself, and receivers with side effects defer them with ``on_commit``.

Arguments: ``tenant_id``, ``sku_ids`` (every SKU whose level changed), ``warehouse_ids``, and
``restocked_sku_ids`` (SKUs whose available units went up: receipts, positive adjustments, releases) and
``emptied_sku_ids`` (SKUs a bin has just run out of: nothing left there to sell).
"""

from django.dispatch import Signal

stock_changed = Signal()
