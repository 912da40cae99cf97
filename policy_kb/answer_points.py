"""Answer points: question-answer pairs resting on clauses, verified against the clause text.

A point (policy_kb/answers/<topic>.yml, format in policy_kb/answers/README.md) holds the ways
applicants ask one thing, a short answer, and the clauses it rests on. Every number, date,
count and quoted phrase of the short answer must stand in a cited clause, and the scope words
of the sentence it comes from must not be dropped: `verify` names each point that breaks this,
and the build fails on it (no answer can cite a clause that does not say it).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from . import paths

TABLES = {None, "schedules", "materials"}
MIN_QUESTIONS = 4

# Numbers with what they count: 6月14日, 15份, 满8年, 2024年, 30%, 三年, 两份, 1个月.
_CN = "一二三四五六七八九十两百零〇"
_UNITS = r"(?:个工作日|个月|周岁|年度|学时|小时|年|月|日|号|份|项|篇|本|部|人|天|周|岁|级|名|个|%|％)"
NUMBER_RE = re.compile(
    rf"\d+(?:\.\d+)?(?:月\d+日|年\d+月\d+日|年\d+月)?{_UNITS}?"
    rf"|[{_CN}]+(?:{_UNITS})"
)
# Chinese-numeral words that are not counts.
_NOT_COUNTS = ("一级", "一年一度", "一个", "一名", "一项", "一份", "一本", "一部", "一篇", "一人")
QUOTE_RE = re.compile(r"[“「]([^”」]+)[”」]")
# Words that limit who a rule is for. A number taken from a sentence with one of these must
# be said with it (e.g. "在苏木乡镇、嘎查村基层单位…满1年的，可认定中级职称").
SCOPE_WORDS = ("苏木乡镇", "嘎查村", "非公", "旗县", "基层", "民营", "社会化", "艰苦边远")
# The scope of a number is read in its part of the sentence (up to "；"), and in the sentence
# before when its sentence goes on with "其中" ("…在苏木乡镇、嘎查村基层单位…。其中，…；具有硕士
#学位…工作满1年的，可认定中级职称；…").
_SENTENCE = re.compile(r"[^。\n]+。?")


def _fold(value: str) -> str:
    """Full-width digits and letters to half-width, no white space but the line breaks."""
    out = []
    for ch in value or "":
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF5A:
            ch = chr(code - 0xFEE0)
        out.append(ch)
    return re.sub(r"[^\S\n]+", "", "".join(out))


def load(folder: Path | None = None) -> list[dict]:
    """All points of every topic file, each with its `topic` and `file`."""
    folder = Path(folder or paths.answers_dir())
    points: list[dict] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        topic = data.get("topic") or path.stem
        for point in data.get("points") or []:
            points.append({**point, "topic": point.get("topic") or topic, "file": path.name})
    return points


def numbers(text: str) -> list[str]:
    """The numbers, dates, counts and durations written in a text."""
    found = []
    for match in NUMBER_RE.finditer(_fold(text)):
        token = match.group(0)
        if any(token.startswith(w) for w in _NOT_COUNTS) and not token[0].isdigit():
            continue
        found.append(token)
    return found


def _scopes_of(token: str, text: str) -> list[str]:
    """The parts of a text that state the number `token`, each with the sentence it depends on."""
    out = []
    sentences = _SENTENCE.findall(text)
    for i, sentence in enumerate(sentences):
        lead = sentences[i - 1] if i and sentence.lstrip().startswith("其中") else ""
        out += [lead + part for part in re.split(r"[；;]", sentence) if token in part]
    return out


def verify_point(point: dict, clause_text: dict[str, str]) -> list[str]:
    """What is wrong with one point (empty: nothing)."""
    pid = point.get("id") or "(no id)"
    where = f"answer point {pid} ({point.get('file', '?')})"
    problems = []
    answer = str(point.get("answer") or "").strip()
    cites = point.get("cites") or []
    if not answer:
        problems.append(f"{where}: no answer")
    if not cites:
        problems.append(f"{where}: cites no clause")
    missing = [c for c in cites if c not in clause_text]
    problems += [f"{where}: cites {c}, which does not exist" for c in missing]
    questions = point.get("questions") or []
    if len(questions) < MIN_QUESTIONS:
        problems.append(f"{where}: {len(questions)} question(s), at least {MIN_QUESTIONS} needed")
    if point.get("table") not in TABLES:
        problems.append(f"{where}: table must be one of schedules, materials")
    texts = [_fold(clause_text[c]) for c in cites if c in clause_text]
    if missing or not texts:
        return problems
    folded = _fold(answer)
    for token in numbers(answer):
        holders = [t for t in texts if token in t]
        if not holders:
            problems.append(f"{where}: “{token}” is not in the cited clause(s) {', '.join(cites)}")
            continue
        # Scope: every sentence of the clauses that gives this number limits it the same way.
        sentences = [s for t in holders for s in _scopes_of(token, t)] if not token.isdigit() else []
        for word in SCOPE_WORDS:
            if sentences and all(word in s for s in sentences) and word not in folded:
                problems.append(f"{where}: “{token}” holds only for “{word}” in {cites[0]}, "
                                f"but the answer drops “{word}”")
    for quoted in QUOTE_RE.findall(answer):
        if not any(_fold(quoted) in t for t in texts):
            problems.append(f"{where}: the quoted words “{quoted}” are not in the cited clause(s)")
    for word in point.get("scope") or []:
        if word not in texts[0]:
            problems.append(f"{where}: scope word “{word}” is not in {cites[0]}")
        if word not in folded:
            problems.append(f"{where}: the answer drops its scope word “{word}”")
    return problems


def verify(points: list[dict], clause_text: dict[str, str]) -> list[str]:
    """Problems of all points, including ids and questions given twice."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    asked: dict[str, str] = {}
    for point in points:
        pid = point.get("id")
        if not pid or not re.fullmatch(r"[a-z][a-z0-9_]*", str(pid)):
            problems.append(f"answer point {pid!r} ({point.get('file')}): id must be ascii snake_case")
        elif pid in seen:
            problems.append(f"answer point {pid}: id given twice ({seen[pid]} and {point.get('file')})")
        seen.setdefault(str(pid), point.get("file", "?"))
        for q in point.get("questions") or []:
            key = re.sub(r"[\s？?。！!，,]", "", str(q))
            if key in asked and asked[key] != pid:
                problems.append(f"answer point {pid}: question “{q}” is also a question of {asked[key]}")
            asked.setdefault(key, pid)
        problems += verify_point(point, clause_text)
    return problems


COLUMNS = {"id": str, "ord": int, "topic": str, "answer": str, "cites": str, "questions": str,
           "scope": str, "tbl": str, "holds": str}


def rows(points: list[dict]) -> list[dict]:
    """Points as rows of the KB's `answer_points` table."""
    import json

    return [{
        "id": p["id"], "ord": i, "topic": p.get("topic"), "answer": str(p.get("answer") or "").strip(),
        "cites": json.dumps(p.get("cites") or [], ensure_ascii=False),
        "questions": json.dumps([str(q) for q in p.get("questions") or []], ensure_ascii=False),
        "scope": json.dumps(p.get("scope") or [], ensure_ascii=False),
        "tbl": p.get("table"), "holds": json.dumps(p.get("holds") or {}, ensure_ascii=False, default=str),
    } for i, p in enumerate(points)]
