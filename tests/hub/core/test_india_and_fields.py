from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from hub.core import india
from hub.core.fields import EncryptedTextField, _fernet


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4"])
def test_valid_gstins_pass(gstin):
    assert india.gstin_error(gstin) is None


@pytest.mark.parametrize(
    ("gstin", "reason"),
    [("27AAPFU0939F1ZX", "check character"), ("99AAPFU0939F1ZV", "not a GST state code"), ("27AAPFU0939", "15 characters")],
)
def test_invalid_gstins_say_why(gstin, reason):
    assert reason in india.gstin_error(gstin)


def test_states_resolve_by_code_or_name():
    assert india.state_code("Karnataka") == "29"
    assert india.state_code("7") == "07"
    assert india.state_code("MH") == "27"
    assert india.state_code("IN-KA") == "29"
    assert india.state_code("Atlantis") is None


def test_gst_rates_and_hsn_codes():
    assert india.gst_rate_error(Decimal("18")) is None
    assert "not a GST rate" in india.gst_rate_error(Decimal("13"))
    assert india.hsn_error("610910") is None
    assert india.hsn_error("61091") is not None


def test_encrypted_field_stores_ciphertext_and_reads_plain_text(settings):
    settings.FIELD_ENCRYPTION_KEY = "0" * 43 + "="
    field = EncryptedTextField()
    field.set_attributes_from_name("secret")

    stored = field.get_prep_value("refresh-token-123")

    assert "refresh-token-123" not in stored
    assert field.from_db_value(stored, None, None) == "refresh-token-123"


def test_encryption_keys_can_be_rotated(settings):
    old = "1" * 43 + "="
    new = "2" * 43 + "="
    settings.FIELD_ENCRYPTION_KEY = old
    field = EncryptedTextField()
    stored = field.get_prep_value("secret")

    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"

    assert field.from_db_value(stored, None, None) == "secret"


def test_a_malformed_key_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        _fernet("not-a-key", "x")
