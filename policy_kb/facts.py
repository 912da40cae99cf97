"""Facts vocabulary (policy_kb/facts.yml) and normalisation of user-given facts.

``normalise_facts(raw) -> (facts, errors)`` maps what people type (synonyms, Chinese
numerals, "是/否") to the vocabulary in facts.yml. It never raises: each bad fact gives an
error entry ``{"fact": name, "message": <Chinese message>}``.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

FACTS_PATH = Path(__file__).with_name("facts.yml")
MAX_TEXT = 200  # longest text accepted for one fact value


def load_facts(path: Path = FACTS_PATH) -> dict[str, dict]:
    """Load the facts vocabulary, ordered by asking order."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    facts = data.get("facts") or {}
    return dict(sorted(facts.items(), key=lambda kv: kv[1].get("order", 999)))


FACTS: dict[str, dict] = load_facts()
_DATA = yaml.safe_load(FACTS_PATH.read_text(encoding="utf-8")) or {}
MESSAGES: dict[str, str] = _DATA.get("messages") or {}
_DURATIONS: dict = _DATA.get("durations") or {}


def _words_re(words: list[str], at_start: bool) -> re.Pattern:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    return re.compile(f"^(?:{alternatives})+" if at_start else f"(?:{alternatives})+$")


_PREFIX_RE = _words_re(_DURATIONS.get("prefixes", []), True)
_SUFFIX_RE = _words_re(_DURATIONS.get("suffixes", []), False)
_MONTH_SUFFIX_RE = _words_re(_DURATIONS.get("month_suffixes", []), False)


def asking_order() -> list[str]:
    """Fact names in the order a person would be asked."""
    return list(FACTS)


# ---------------------------------------------------------------- numbers
_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3,
           "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
           "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100}
_CN_NUM = "零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_CN_NUM}]+)"


def cn_to_number(text: str) -> float | None:
    """'十二' -> 12, '二十' -> 20, '五' -> 5, '3.5' -> 3.5, '二〇二四' -> 2024."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if len(text) > 1 and all(ch in _DIGITS for ch in text):  # 二〇二四 -> 2024
        return float("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    seen = False
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
            seen = True
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
            seen = True
        else:
            return None
    return float(total + current) if seen else None


_YEARS_RE = re.compile(
    rf"(?P<y>{_NUM})?\s*(?:个)?(?:年|周年)(?P<half>半)?(?:零|又)?\s*(?:(?P<m>{_NUM})\s*个?(?:月))?"
)
_MONTHS_RE = re.compile(rf"(?P<m>{_NUM})\s*个?月")
_HALF_YEAR_RE = re.compile(r"(?<![\d一二两三四五六七八九十])半年")


def years_from_parts(years: str | None, half: bool, months: str | None) -> float | None:
    """Years from the parts of a duration (numerals in digits or Chinese): 三 年 半, 3 年 6 个月,
    18 个月 (no years). None when a part is not a number."""
    total = cn_to_number(years) if years else 0.0
    if total is None:
        return None
    if half:
        total += 0.5
    if months:
        extra = cn_to_number(months)
        if extra is None:
            return None
        total += extra / 12
    return total


def parse_years(text: Any) -> float | None:
    """Parse a duration in years: 5, '5', '5年', '五年', '满五年', '一年半', '两年',
    '3年6个月', '18个月', '半年', '十二年'. Returns None if it is not a duration."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s or len(s) > MAX_TEXT:
        return None
    s = s.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    s = _SUFFIX_RE.sub("", _PREFIX_RE.sub("", s))
    try:
        return float(s)
    except ValueError:
        pass
    if _HALF_YEAR_RE.fullmatch(s):
        return 0.5
    m = _YEARS_RE.fullmatch(s)
    if m and (m.group("y") or m.group("half")):
        years = years_from_parts(m.group("y"), bool(m.group("half")), m.group("m"))
        return None if years is None else round(years, 2)
    m = _MONTHS_RE.fullmatch(s)
    if m:
        years = years_from_parts(None, False, m.group("m"))
        return None if years is None else round(years, 2)
    n = cn_to_number(s)
    return n


def parse_number(text: Any) -> float | None:
    """A plain number (months etc.): 3, '3', '三', '3个月'."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    s = text.strip().translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    s = _MONTH_SUFFIX_RE.sub("", _PREFIX_RE.sub("", s))
    return cn_to_number(s)


# ---------------------------------------------------------------- values
def _clean(text: str) -> str:
    return re.sub(r"[\s，。,.!！?？、]+", "", text)


def _lookup_enum(spec: dict, value: str) -> str | None:
    v = _clean(value)
    if v in spec.get("values", []):
        return v
    for canonical, words in (spec.get("synonyms") or {}).items():
        if v in words:
            return canonical
    return None


def _lookup_bool(spec: dict, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = _clean(value).lower()
        if v in ("true", "yes", "y", "1"):
            return True
        if v in ("false", "no", "n", "0"):
            return False
        if v in spec.get("false_words", []):
            return False
        if v in spec.get("true_words", []):
            return True
    return None


def _error(name: str, spec: dict, key: str, value: Any = "") -> dict:
    m = MESSAGES
    kind = spec.get("type")
    if kind == "enum":
        hint = m["hint_enum"].format(values=m["list_joiner"].join(spec.get("values", [])))
    elif kind == "bool":
        hint = m["hint_bool"]
    elif kind == "number":
        unit = spec.get("unit", "")
        example = m["example_months"] if spec.get("parse") == "months" else m["example_years"]
        hint = m["hint_number"].format(min=spec.get("min", 0), max=spec.get("max", ""), unit=unit,
                                       example=example)
    else:
        hint = m["hint_text"].format(limit=MAX_TEXT)
    text = m[key].format(label=spec.get("label", name), name=name, value=_show(value), hint=hint)
    return {"fact": name, "message": text}


def describe_facts(facts: dict[str, Any]) -> str:
    """'学历为本科，从事专业技术工作年限为6年' -- facts as the chat says them back."""
    parts = []
    for name, value in facts.items():
        spec = FACTS.get(name) or {}
        if isinstance(value, bool):
            shown = MESSAGES["answer_yes"] if value else MESSAGES["answer_no"]
        elif isinstance(value, (int, float)):
            shown = f"{value:g}{spec.get('display_unit') or spec.get('unit', '')}"
        else:
            shown = _show(value)
        parts.append(MESSAGES["noted_fact"].format(label=spec.get("label", name), value=shown))
    return MESSAGES["noted_joiner"].join(parts)


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:20] + "…"


def normalise_fact(name: str, value: Any) -> tuple[Any, dict | None, str | None]:
    """Normalise one fact. Returns (value, error, note)."""
    spec = FACTS.get(name)
    if spec is None:
        return None, None, None
    kind = spec.get("type")
    if kind == "enum":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return None, _error(name, spec, "unknown_value", value), None
        found = _lookup_enum(spec, value)
        if found is None:
            return None, _error(name, spec, "unknown_value", value), None
        note = (spec.get("note") or {}).get(_clean(value))
        return found, None, note
    if kind == "bool":
        found = _lookup_bool(spec, value)
        if found is None:
            return None, _error(name, spec, "unknown_value", value), None
        return found, None, None
    if kind == "number":
        parser = parse_number if spec.get("parse") == "months" else parse_years
        num = parser(value)
        if num is None:
            return None, _error(name, spec, "not_number", value), None
        if num < spec.get("min", 0):
            return None, _error(name, spec, "negative", value), None
        if "max" in spec and num > spec["max"]:
            return None, _error(name, spec, "too_large", value), None
        return (int(num) if float(num).is_integer() else num), None, None
    # str
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        return None, _error(name, spec, "bad_text", value), None
    text = value.strip()
    if not text or _clean(text) in spec.get("none_words", []):
        return None, None, None
    found = _lookup_enum(spec, text) if spec.get("synonyms") else None
    return (found or text), None, None


def normalise_facts_with_notes(raw: Any) -> tuple[dict, list[dict], list[str]]:
    """Like normalise_facts, plus notes on interpretations (e.g. 初级 read as 助理级)."""
    facts: dict[str, Any] = {}
    errors: list[dict] = []
    notes: list[str] = []
    if raw is None:
        return facts, errors, notes
    if not isinstance(raw, dict):
        return facts, [{"fact": "facts", "message": MESSAGES["not_object"]}], notes
    for name, value in raw.items():
        if not isinstance(name, str) or name not in FACTS:
            errors.append({"fact": str(name)[:40], "message": MESSAGES["unknown_fact"].format(
                name=_show(name), names=MESSAGES["list_joiner"].join(FACTS))})
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        val, err, note = normalise_fact(name, value)
        if err:
            errors.append(err)
        elif val is not None:
            facts[name] = val
            if note and note not in notes:
                notes.append(note)
    return facts, errors, notes


def normalise_facts(raw: Any) -> tuple[dict, list[dict]]:
    """Normalise a dict of raw facts -> (facts, errors). Unknown fact names are reported
    as errors; None / empty values are treated as not given. Never raises."""
    facts, errors, _notes = normalise_facts_with_notes(raw)
    return facts, errors
