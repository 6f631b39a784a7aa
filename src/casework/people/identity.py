"""Identity facts about a person: national ID numbers, names without diacritics, age.

Pure functions, no database: the person services and schemas build on them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import gettext as _

ADULT_AGE = 18
_ID_RE = re.compile(r"\d{12}")

# The fourth digit of a citizen identity number (Circular 59/2021/TT-BCA, Art 7) encodes the
# century of birth and the gender: 0/1 for 1900–1999 male/female, 2/3 for 2000–2099, 4/5 for
# 2100–2199, and so on. The fifth and sixth digits are the last two digits of the birth year.
_CENTURY_BASE = 1900


def national_id_problem(number: str, birth_date: date | None = None,
                        gender: str | None = None) -> str | None:
    """Why ``number`` is not a valid 12-digit citizen identity number, or None.

    When the birth date (and gender) are known, the number must agree with them.
    """
    if not _ID_RE.fullmatch(number or ""):
        return _("A national ID number has exactly 12 digits.")
    code = int(number[3])
    century_start = _CENTURY_BASE + (code // 2) * 100
    year = century_start + int(number[4:6])
    if birth_date is not None and year != birth_date.year:
        return _("This national ID number is for someone born in %(year)d, not %(given)d.",
                 year=year, given=birth_date.year)
    if gender in ("male", "female") and ("female" if code % 2 else "male") != gender:
        return _("The gender digit of this national ID number does not match the gender.")
    return None


def fold(text: str) -> str:
    """Lower-case ``text`` without Vietnamese diacritics, with single spaces.

    "Nguyễn Văn Đức" and "nguyen  van duc" fold to the same "nguyen van duc".
    """
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def age_on(birth_date: date, on: date) -> int:
    """Whole years of age on the day ``on``."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years



_NAME_PART = re.compile(r"([-'’])")


def normalize_name(text: str) -> str:
    """A person's name as it is stored: single spaces, each word capitalised, diacritics
    kept (composed, NFC). "  nguyễn   VĂN đức " → "Nguyễn Văn Đức"; the parts of a word
    joined by a hyphen or an apostrophe are each capitalised ("h'hen niê" → "H'Hen Niê")."""
    words = unicodedata.normalize("NFC", text or "").split()
    return " ".join(
        "".join(part[:1].upper() + part[1:].lower() for part in _NAME_PART.split(word))
        for word in words)
