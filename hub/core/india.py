"""Indian tax and address facts: GST state codes, GSTIN checksum, PIN codes, HSN codes, GST rates,
and amounts in words (lakh and crore) as invoices print them."""

import re
from decimal import ROUND_HALF_UP, Decimal

# GST state codes (first two digits of a GSTIN), as the GST portal lists them.
STATE_CODES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
}
STATE_CHOICES = list(STATE_CODES.items())
_STATE_BY_NAME = {name.lower(): code for code, name in STATE_CODES.items()}
# ISO 3166-2:IN subdivision codes (Shopify's province_code), old and new, to GST state codes.
_STATE_BY_ISO = {
    "AN": "35", "AP": "37", "AR": "12", "AS": "18", "BR": "10", "CH": "04", "CT": "22", "CG": "22", "DN": "26",
    "DD": "26", "DH": "26", "DL": "07", "GA": "30", "GJ": "24", "HR": "06", "HP": "02", "JK": "01", "JH": "20",
    "KA": "29", "KL": "32", "LA": "38", "LD": "31", "MP": "23", "MH": "27", "MN": "14", "ML": "17", "MZ": "15",
    "NL": "13", "OR": "21", "OD": "21", "PY": "34", "PB": "03", "RJ": "08", "SK": "11", "TN": "33", "TG": "36",
    "TS": "36", "TR": "16", "UP": "09", "UT": "05", "UK": "05", "WB": "19",
}  # fmt: skip

# GST rates in force (per cent), including the special rates (gold 3, rough diamonds 0.25, 1.5, 0.1)
# and the slabs before the 2025 rationalisation (12, 28), which goods may still carry.
GST_RATES = tuple(
    Decimal(rate) for rate in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
)

_GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{10}[1-9A-Z]Z[0-9A-Z]$")
_GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")
_HSN_RE = re.compile(r"^(?:[0-9]{4}|[0-9]{6}|[0-9]{8})$")


def state_code(value: str) -> str | None:
    """The GST state code for a code ("27"), a state name ("Maharashtra") or an ISO code ("MH", "IN-MH")."""
    value = (value or "").strip()
    if value.zfill(2) in STATE_CODES and value.isdigit():
        return value.zfill(2)
    iso = value.upper().removeprefix("IN-")
    return _STATE_BY_NAME.get(value.lower()) or _STATE_BY_ISO.get(iso)


def gstin_check_digit(first14: str) -> str:
    total = 0
    for index, char in enumerate(first14):
        product = _GSTIN_ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_ALPHABET[(36 - total % 36) % 36]


def gstin_error(gstin: str) -> str | None:
    """Why ``gstin`` is not a valid GSTIN, or None if it is."""
    if not _GSTIN_RE.match(gstin):
        return "A GSTIN is 15 characters: state code, PAN, entity number, 'Z' and a check character."
    if gstin[:2] not in STATE_CODES:
        return f"{gstin[:2]} is not a GST state code."
    if gstin_check_digit(gstin[:14]) != gstin[14]:
        return "The GSTIN's check character does not match; check for a typing mistake."
    return None


def pincode_error(pincode: str) -> str | None:
    if not _PINCODE_RE.match(pincode or ""):
        return "A PIN code is 6 digits and does not start with 0."
    return None


def hsn_error(hsn: str) -> str | None:
    if not _HSN_RE.match(hsn or ""):
        return "An HSN code is 4, 6 or 8 digits."
    return None


def gst_rate_error(rate: Decimal) -> str | None:
    if rate not in GST_RATES:
        listed = ", ".join(str(r) for r in GST_RATES)
        return f"{rate} is not a GST rate; use one of {listed}."
    return None


_ONES = (
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
    "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
)  # fmt: skip
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def amount_in_words(amount: Decimal, *, unit: str = "Rupees", subunit: str = "Paise") -> str:
    """``amount`` as an Indian invoice writes it, in lakh and crore, rounded to the paisa:
    ``Decimal("123456.78")`` is "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and
    Seventy-Eight Paise Only"; no paise, no paise part. A negative amount is refused."""
    amount = Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if amount < 0:
        raise ValueError(f"{amount} is negative; write a credit note's amount as a positive number.")
    whole, paise = divmod(int(amount * 100), 100)
    words = f"{unit} {_indian_words(whole) if whole else 'Zero'}"
    if paise:
        words += f" and {_indian_words(paise)} {subunit}"
    return words + " Only"


def _indian_words(number: int) -> str:
    """A positive whole number in words, grouped as crore (10^7), lakh (10^5), thousand and hundred."""
    parts = []
    crore, number = divmod(number, 10_000_000)
    if crore:  # above 99 crore the crore count is itself written in lakh and thousand
        parts.append(f"{_indian_words(crore)} Crore")
    for size, name in ((100_000, "Lakh"), (1000, "Thousand"), (100, "Hundred")):
        count, number = divmod(number, size)
        if count:
            parts.append(f"{_below_hundred(count)} {name}")
    if number:
        parts.append(_below_hundred(number))
    return " ".join(parts)


def _below_hundred(number: int) -> str:
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
