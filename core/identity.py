"""Identity validators: resident ID numbers (GB 11643), unified social credit codes (GB 32100),
and check digits for the center's own account numbers (ISO 7064 MOD 11-2)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CHARS = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # A=10 ... Z=35


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _birth_date(digits8: str):
    try:
        return datetime.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def validate_resident_id(value, *, today=None) -> str:
    """Validate a resident ID number; return the normalised 18-character form.

    15-digit legacy numbers are converted (``19`` inserted after the 6th digit, check character added).
    Raises ValidationError with a message that says what is wrong.
    """
    if value is None:
        raise ValidationError(_("Enter the ID number."), code="required")
    raw = str(value).strip().upper().replace(" ", "")
    if not raw:
        raise ValidationError(_("Enter the ID number."), code="required")
    if len(raw) == 15:
        if not raw.isdigit():
            raise ValidationError(_("A 15-digit ID number may contain digits only."), code="characters")
        first17 = raw[:6] + "19" + raw[6:]
        raw = first17 + resident_id_check_char(first17)
    if len(raw) != 18:
        raise ValidationError(
            _("The ID number must have 18 characters; %(n)d were entered.") % {"n": len(raw)}, code="length"
        )
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValidationError(
            _("The ID number may contain only digits, with an X allowed as the last character."),
            code="characters",
        )
    birth = _birth_date(raw[6:14])
    if birth is None:
        raise ValidationError(_("The birth date %(d)s in the ID number is not a valid date.") % {"d": raw[6:14]},
                              code="birth_date")
    today = today or datetime.date.today()
    if birth > today:
        raise ValidationError(_("The birth date %(d)s in the ID number is in the future.") % {"d": raw[6:14]},
                              code="birth_future")
    expected = resident_id_check_char(raw[:17])
    if raw[17] != expected:
        raise ValidationError(
            _("The check character of the ID number is wrong: it should be %(c)s.") % {"c": expected},
            code="check",
        )
    return raw


def resident_id_facts(id_number: str):
    """Birth date and gender ('M'/'F') from a valid 18-character ID number."""
    birth = _birth_date(id_number[6:14])
    gender = "M" if int(id_number[16]) % 2 == 1 else "F"
    return birth, gender


def organisation_code_check_char(first8: str) -> str:
    total = sum(ORG_CHARSET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return USCC_CHARSET[check]


def validate_uscc(value) -> str:
    """Validate a unified social credit code; return it upper-case. Raises ValidationError."""
    if value is None or not str(value).strip():
        raise ValidationError(_("Enter the unified social credit code."), code="required")
    raw = str(value).strip().upper().replace(" ", "")
    if len(raw) != 18:
        raise ValidationError(
            _("The unified social credit code must have 18 characters; %(n)d were entered.") % {"n": len(raw)},
            code="length",
        )
    bad = sorted({c for c in raw if c not in USCC_CHARSET})
    if bad:
        raise ValidationError(
            _("The unified social credit code contains characters that are not allowed: %(c)s "
              "(the letters I, O, S, V and Z are never used).") % {"c": "".join(bad)},
            code="characters",
        )
    if not raw[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 of the unified social credit code must be the division code "
                                "(six digits)."), code="division")
    org_expected = organisation_code_check_char(raw[8:16])
    if raw[16] != org_expected:
        raise ValidationError(
            _("The organisation code embedded in the unified social credit code has a wrong check character: "
              "it should be %(c)s.") % {"c": org_expected},
            code="org_check",
        )
    expected = uscc_check_char(raw[:17])
    if raw[17] != expected:
        raise ValidationError(
            _("The check character of the unified social credit code is wrong: it should be %(c)s.")
            % {"c": expected},
            code="check",
        )
    return raw


def mod11_2_check_char(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character for a string of digits (0-9 or X)."""
    p = 0
    for ch in digits:
        p = ((p + int(ch)) * 2) % 11
    c = (12 - p) % 11
    return "X" if c == 10 else str(c)


def is_valid_account_number(number: str) -> bool:
    number = (number or "").strip().upper()
    return len(number) >= 2 and number[:-1].isdigit() and mod11_2_check_char(number[:-1]) == number[-1]


def luhn_ok(card_number: str) -> bool:
    digits = (card_number or "").replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# Area code 0 + 2 or 3 digits, a 7- or 8-digit number (not starting with 0), an optional extension.
LANDLINE_RE = re.compile(r"(0\d{2,3})-?([1-9]\d{6,7})(?:-(\d{1,6}))?")


def validate_phone(value) -> str:
    """A mainland mobile number (11 digits, 1 then 3-9) or a landline with its area code (0755-12345678,
    010-12345678, an extension after a dash); spaces, a "+86" prefix and brackets around the area code are
    tolerated. Returns it in a standard form (the mobile's 11 digits; area code-number[-extension]). Raises
    ValidationError with the field's message."""
    raw = re.sub(r"[\s\u3000]", "", str(value or "")).replace("（", "(").replace("）", ")").replace("—", "-")
    if raw.startswith("+86"):
        raw = raw[3:].lstrip("-")
    raw = re.sub(r"^\((0\d{2,3})\)-?", r"\1-", raw)
    if MOBILE_RE.fullmatch(raw):
        return raw
    match = LANDLINE_RE.fullmatch(raw)
    if match:
        area, number, ext = match.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    raise ValidationError(
        _("Enter a mobile number (11 digits starting with 1) or a landline with its area code, "
          "e.g. 0755-12345678."), code="phone")


def mask_id_number(value: str) -> str:
    value = value or ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_phone(value: str) -> str:
    value = value or ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else ("*" * len(value))
