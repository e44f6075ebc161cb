"""Queue names in one place, so a huge catalog push never delays an order pull."""

from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    ORDERS = "orders"
    STOCK = "stock"
    BULK = "bulk"
