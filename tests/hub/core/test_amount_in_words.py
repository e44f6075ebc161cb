"""amount_in_words: rupees and paise in the Indian numbering system, as invoices print the total."""

from decimal import Decimal

import pytest

from hub.core.india import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123456.78", "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise Only"),
        ("1000", "Rupees One Thousand Only"),
        ("1000.00", "Rupees One Thousand Only"),
        ("0.50", "Rupees Zero and Fifty Paise Only"),
        ("0", "Rupees Zero Only"),
        ("7", "Rupees Seven Only"),
        ("15", "Rupees Fifteen Only"),
        ("40", "Rupees Forty Only"),
        ("99.99", "Rupees Ninety-Nine and Ninety-Nine Paise Only"),
        ("100", "Rupees One Hundred Only"),
        ("105.05", "Rupees One Hundred Five and Five Paise Only"),
        ("1575.00", "Rupees One Thousand Five Hundred Seventy-Five Only"),
        ("100000", "Rupees One Lakh Only"),
        ("1000001", "Rupees Ten Lakh One Only"),
        ("10000000", "Rupees One Crore Only"),
        ("12345678.90", "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight and Ninety Paise Only"),
        ("990000000", "Rupees Ninety-Nine Crore Only"),
        ("1000000000", "Rupees One Hundred Crore Only"),
        ("123456789012", "Rupees Twelve Thousand Three Hundred Forty-Five Crore Sixty-Seven Lakh Eighty-Nine Thousand Twelve Only"),
    ],
)
def test_amounts_read_in_lakh_and_crore(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amounts_round_half_up_to_the_paisa():
    assert amount_in_words(Decimal("10.005")) == "Rupees Ten and One Paise Only"
    assert amount_in_words(Decimal("10.004")) == "Rupees Ten Only"
    assert amount_in_words(Decimal("99.995")) == "Rupees One Hundred Only"


def test_another_currency_names_its_units():
    assert amount_in_words(Decimal("12.50"), unit="US Dollars", subunit="Cents") == (
        "US Dollars Twelve and Fifty Cents Only"
    )


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(Decimal("-1"))
