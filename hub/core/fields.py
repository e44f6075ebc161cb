"""A text field encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

``FIELD_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys; the first encrypts, all
decrypt, so keys can be rotated. Without it (the embedded quick start) a key is derived from
``SECRET_KEY``; production sets its own.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    raw = [key.strip() for key in keys.split(",") if key.strip()]
    if not raw:
        raw = [base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode()]
    try:
        return MultiFernet([Fernet(key) for key in raw])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be Fernet keys (urlsafe base64 of 32 bytes), comma-separated"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


class EncryptedTextField(models.TextField):
    """Stores ``fernet(value)``; reads give back the plain text. Not searchable, by design."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return fernet().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name} cannot be decrypted with FIELD_ENCRYPTION_KEY"
            ) from exc
