"""Masking of personal data in texts that staff or logs may see.

``mask_pii(text)`` hides Chinese resident ID-card numbers and mainland mobile
numbers while keeping enough of them for a human to tell two apart:

* ID card (18 characters: 17 digits + a digit or X): first 3 and last 2 kept,
  e.g. ``110105199001011234`` -> ``110*************34``.  Old 15-digit numbers
  are masked the same way.
* Mobile (1[3-9] + 9 digits, optionally written with spaces or hyphens
  3-4-4): ``13812345678`` -> ``138****5678``.

Full-width digits (０-９) are recognised too.  Landline numbers such as public
hotlines (0472-6169341) are not personal data and are left alone.
"""
from __future__ import annotations

import re

_DIGIT = r"[0-9０-９]"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"

_ID_CARD = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?:{_DIGIT}{{17}}[0-9０-９XxＸｘ]|{_DIGIT}{{15}})"
    + _NOT_DIGIT_AFTER
)
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?:\+?86[ -]?)?([1１][3-9３-９]{_DIGIT})[ -]?({_DIGIT}{{4}})[ -]?({_DIGIT}{{4}})"
    + _NOT_DIGIT_AFTER
)


def _mask_id(match: re.Match) -> str:
    value = match.group(0)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def _mask_mobile(match: re.Match) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def mask_pii(text: object) -> str:
    """Return ``text`` with ID-card and mobile numbers masked.

    Non-string input is converted with ``str``; ``None`` gives ``""``.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = _ID_CARD.sub(_mask_id, text)
    return _MOBILE.sub(_mask_mobile, text)
