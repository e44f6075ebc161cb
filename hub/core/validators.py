"""Model-field validators built on the India facts."""

from django.core.exceptions import ValidationError

from hub.core import india


def _raise_if(message: str | None) -> None:
    if message:
        raise ValidationError(message)


def validate_gstin(value: str) -> None:
    _raise_if(india.gstin_error(value))


def validate_pincode(value: str) -> None:
    _raise_if(india.pincode_error(value))


def validate_hsn(value: str) -> None:
    _raise_if(india.hsn_error(value))


def validate_gst_rate(value) -> None:
    _raise_if(india.gst_rate_error(value))
