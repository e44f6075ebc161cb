"""System checks that catch a production deployment still on the quick-start secrets."""

from django.conf import settings
from django.core.checks import Warning, register

QUICK_START_KEY_PREFIX = "insecure-quick-start-key"


@register(deploy=True)
def secrets_are_set(app_configs, **kwargs):
    warnings = []
    if settings.SECRET_KEY.startswith(QUICK_START_KEY_PREFIX):
        warnings.append(Warning("SECRET_KEY is the quick-start key.", hint="Set SECRET_KEY in the environment.", id="hub.W001"))
    if not settings.FIELD_ENCRYPTION_KEY:
        warnings.append(
            Warning(
                "FIELD_ENCRYPTION_KEY is not set; channel credentials are encrypted with a key derived from SECRET_KEY.",
                hint='Generate one: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"',
                id="hub.W002",
            )
        )
    return warnings
