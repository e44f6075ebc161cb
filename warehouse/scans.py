"""A scan counts once, however many times the handheld sends it.

Every scanner request carries an idempotency key (the ``Idempotency-Key`` header, or ``key`` in the
body): the page makes a new one per scan and sends the same one again when it retries. ``once`` runs
the work and stores its answer under the key in the same transaction, so:

- a copy that arrives after the first committed gets the stored answer, and nothing runs twice;
- a copy that arrives while the first is still running waits on the key's unique index and then gets
  the stored answer (PostgreSQL), or the first's answer once it commits (SQLite serialises writers);
- work that is refused (a ``DomainError``: wrong item, wrong bin, too many units) writes nothing, the
  key included, so the refusal is given again to a copy, the same as the first time.

A key used before for another kind of request is refused with 409: the device has a bug, and
answering it with another request's answer would hide it.
"""

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from hub.core.errors import Conflict, DomainError
from warehouse.models import ScanRequest

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = ScanRequest._meta.get_field("key").max_length


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class MissingKey(DomainError):
    code = "idempotency_key_required"


def request_key(request) -> str:
    """The request's idempotency key: the header, else ``key`` in the body; 400 when neither is there."""
    key = request.headers.get(KEY_HEADER) or (request.data.get("key") if hasattr(request.data, "get") else None)
    key = str(key or "").strip()
    if not key:
        raise MissingKey(f"Every scan needs an idempotency key (the {KEY_HEADER} header or \"key\").", field="key")
    if len(key) > MAX_KEY_LENGTH:
        raise MissingKey(f"The idempotency key is longer than {MAX_KEY_LENGTH} characters.", field="key")
    return key


def once(tenant, key: str, action: str, work: Callable[[], dict[str, Any]], *, user=None,
         status_code: int = 200) -> tuple[dict[str, Any], int, bool]:  # fmt: skip
    """Run ``work`` once per (tenant, key) and return ``(answer, status code, replayed)``.

    ``work`` returns the answer (a JSON-able dict) and may raise a ``DomainError`` to refuse, in which
    case nothing is stored. Runs in one transaction with the work's own writes.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = ScanRequest.objects.create(tenant=tenant, key=key, action=action, user=user, status_code=status_code)
        except IntegrityError:
            row = ScanRequest.objects.get(tenant=tenant, key=key)
            if row.action != action:
                raise KeyReused(
                    f"The idempotency key {key!r} was used for another request ({row.action}); send a new key.",
                    field="key",
                ) from None
            return row.response, row.status_code, True
        answer = work()
        row.response = answer
        row.save(update_fields=["response"])
        return answer, status_code, False
