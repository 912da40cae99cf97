"""Masking of personal data in texts that staff or logs may see.

``mask_pii(text)`` hides Chinese resident ID-card numbers and mainland mobile
numbers while keeping enough of them for a human to tell two apart:

* ID card (18 characters: 17 digits + a digit or X): first 3 and last 2 kept,
  e.g. ``110105199001011234`` -> ``110*************34``.  Old 15-digit numbers
  are masked the same way.
* Mobile (1[3-9] + 9 digits, optionally after +86): ``13812345678`` -> ``138****5678``.

One normaliser sees through the ways a number gets written: digits of any script
(full-width ``１３８``), and separators between digits -- spaces, dashes, dots,
their full-width forms and zero-width characters (``110101-19900307-8515``,
``138.1234.5678``, ``138－1234－5678``, ``1381234\u200b5678``).  A run of digits
joined by such separators is one *token*; a number is found in a token when it
starts and ends where the writer put a separator (or at the token's ends), so
``2024.06.01 13812345678`` masks the mobile and keeps the date.  A number spanning
several groups must look like one (an ID card's birth date must be a date), so
two landlines side by side (``0472-6169341 0472-6169343``, public hotlines) stay
readable.
"""
from __future__ import annotations

import re
import unicodedata

# Characters a writer puts between the digits of one number (at most 3 in a row).
_SEPARATORS = (
    r"\s\u00a0\u3000"                      # spaces, no-break and ideographic space
    r"\-\.\u00b7\u30fb_/"                  # dash, dot, middle dots, underscore, slash
    r"\uff0d\uff0e\uff3f\uff0f"            # full-width － ． ＿ ／
    r"\u2010-\u2015\u2212"                 # hyphens, en/em dashes, minus
    r"\u00ad\u200b-\u200f\u2060-\u2064\ufeff"  # soft hyphen, zero-width and invisible marks
)
_SEP = f"[{_SEPARATORS}]"
_SEP_RE = re.compile(_SEP)
_TOKEN = re.compile(rf"(?<!\d)[+＋]?\d(?:{_SEP}{{0,3}}\d)*(?:{_SEP}{{0,3}}[XxＸｘ](?![A-Za-z]))?")
_MOBILE = re.compile(r"(?:86)?(1[3-9]\d{9})")
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
MAX_NUMBER = 18


def _digit_value(ch: str) -> str:
    if ch in "XxＸｘ":
        return "X"
    return str(unicodedata.decimal(ch))


def _plausible_birth(digits: str) -> bool:
    """An ID card's birth date (YYYYMMDD in an 18-digit, YYMMDD in a 15-digit number)."""
    if len(digits) == 18:
        year, month, day = digits[6:10], digits[10:12], digits[12:14]
        if year[:2] not in ("19", "20"):
            return False
    else:
        month, day = digits[8:10], digits[10:12]
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _kind(digits: str, whole: bool) -> str | None:
    """'id', 'mobile' or None for the digits of one candidate span."""
    if _MOBILE.fullmatch(digits):
        return "mobile"
    if _ID18.fullmatch(digits) or _ID15.fullmatch(digits):
        # A number written in one piece is taken as written; pieces joined by separators
        # must carry a birth date to be taken for an ID card.
        if whole or _plausible_birth(digits):
            return "id"
    return None


def _mask_token(token: str) -> str:
    plus = token[:1] if token[:1] in "+＋" else ""
    token = token[len(plus):]
    positions = [i for i, ch in enumerate(token) if not _SEP_RE.match(ch)]
    digits = "".join(_digit_value(token[i]) for i in positions)
    # Group boundaries: indices into `digits` where a separator was written (and both ends).
    bounds = [0]
    for n in range(1, len(positions)):
        if positions[n] != positions[n - 1] + 1:
            bounds.append(n)
    bounds.append(len(digits))
    whole_group = {(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)}
    out: list[str] = []
    last_char = 0   # index in token copied up to
    k = 0
    while k < len(bounds) - 1:
        start = bounds[k]
        found = None
        for m in range(len(bounds) - 1, k, -1):   # longest span first
            end = bounds[m]
            if end - start > MAX_NUMBER + 2:
                continue
            span = digits[start:end]
            if "X" in span[:-1]:
                continue
            kind = _kind(span, (start, end) in whole_group)
            if kind:
                found = (m, kind, span)
                break
        if not found:
            k += 1
            continue
        m, kind, span = found
        end = bounds[m]
        first_char, end_char = positions[start], positions[end - 1] + 1
        out.append(token[last_char:first_char])
        if start == 0 and kind == "mobile" and len(span) == 13:
            plus = ""   # "+86 138…": the country code goes, with its plus
        kept = [token[i] for i in positions[start:end]]
        if kind == "mobile":
            if len(span) == 13:   # +86 prefix dropped
                kept = kept[2:]
            masked = "".join(kept[:3]) + "****" + "".join(kept[-4:])
        else:
            masked = "".join(kept[:3]) + "*" * (len(kept) - 5) + "".join(kept[-2:])
        out.append(masked)
        last_char = end_char
        k = m
    out.append(token[last_char:])
    return plus + "".join(out)


def mask_pii(text: object) -> str:
    """Return ``text`` with ID-card and mobile numbers masked.

    Non-string input is converted with ``str``; ``None`` gives ``""``.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)

    return _TOKEN.sub(lambda match: _mask_token(match.group(0)), text)


def normalised_digits(text: str) -> str:
    """The digits of ``text`` as ASCII with every separator removed (for checks and tests)."""
    return "".join(_digit_value(ch) for ch in text if ch.isdecimal() or ch in "XxＸｘ")
