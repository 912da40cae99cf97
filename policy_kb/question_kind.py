"""What a question asks for (a date, copies, a place, steps...), told by the cue words of
policy_kb/question_kinds.yml: the one place where such cue words live."""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from . import paths, text


@lru_cache(maxsize=1)
def cues() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load((paths.package_dir() / "question_kinds.yml").read_text(encoding="utf-8")) or {}
    return {kind: tuple(str(w).lower() for w in words) for kind, words in data.items()}


# "考试…报名": both parts in this order, at most this many characters apart ("考试在哪报名")
GAP = 6


@lru_cache(maxsize=None)
def _pattern(word: str) -> re.Pattern:
    return re.compile(f".{{0,{GAP}}}".join(re.escape(part) for part in word.split("…")))


def holds(value: str, word: str) -> bool:
    """Does a (normalised, lower-case) text hold a cue word? "A…B" holds when A comes before B
    at most GAP characters apart."""
    return word in value if "…" not in word else bool(_pattern(word).search(value))


def kinds(question: str) -> set[str]:
    """The kinds a question asks for ("几号截止" -> {"when"})."""
    norm = text.normalise(question or "").lower()
    return {kind for kind, words in cues().items() if any(holds(norm, w) for w in words)}


def asks(question: str, *wanted: str) -> bool:
    """Does the question ask for any of these kinds?"""
    return bool(kinds(question) & set(wanted))


def cue_words(question: str, kind: str) -> list[str]:
    """The cue words of one kind that a question holds ("评上副高退休金能多多少" -> ["退休金"] for
    not_covered)."""
    norm = text.normalise(question or "").lower()
    return [w for w in cues().get(kind, ()) if holds(norm, w)]


# A notice year: "2020年", "22年全区…" (two digits only when not a length of service: "干了20年",
# "满20年", "20年以上", "20多年"), or a bare "2022 评审公示" as an officer types it (not a
# document number: "〔2021〕16号")
YEAR = re.compile(r"(?<!\d)(?P<full>20(?:1\d|2\d))\s*年"
                  r"|(?<![\d满了干近超够足共第作事])(?P<short>1\d|2\d)\s*年(?![以多来内左])"
                  r"|(?<![\d〔\[（(])(?P<bare>20(?:1\d|2\d))(?![\d〕\]）)号月])")


def year_of(match: re.Match) -> int:
    """The year a match of YEAR names ("22年" -> 2022)."""
    if match.group("short"):
        return 2000 + int(match.group("short"))
    return int(match.group("full") or match.group("bare"))


def years_named(question: str) -> set[int]:
    """Notice years a question names: "2020年" -> 2020, "22年" -> 2022, "满20年" -> none."""
    return {year_of(m) for m in YEAR.finditer(question or "")}


def years_asked(question: str, newest: int | None) -> set[int]:
    """The notice years a question asks about: those it names ("2022年…"), unless it asks how
    things stand now or this year ("今年…", "2020年是…，现在还这样吗", "以前说…，现在呢"): then
    the newest."""
    if newest and asks(question, "current", "now"):
        return {newest}
    return years_named(question)
