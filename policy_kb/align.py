"""Align the clauses of two notices on the same point — by what they say, not by number.

Numbering moves between years (the graduates' recognition is 四/（十四）/2 in nm-2022 and
四/（五）/3 in bt-2024), so clauses are compared by their text: character pairs weighted by
how rare they are in the two notices (tf-idf), cosine similarity, plus a little of the
similarity of their parents' headings. Pairs are taken best first, each clause at most once,
down to ``MIN_SCORE``; the rest have no counterpart.

``extend_points`` (called by the build) puts the clauses of a notice that no point of
topics.yml names yet (a notice just ingested) into the points and topics of the older clauses
they align with, with a change note, so that the newest notice leads on each point at once.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .parser import CLOSING, INTRO, match_heading

MIN_SCORE = 0.25
PARENT_WEIGHT = 0.15
# A clause left over after the one-to-one pairing joins its best match from this score on.
MERGE_SCORE = 0.3
_MARKER_RE = re.compile(r"^\s*(?:附件\s*\S{1,3}、?|[一二三四五六七八九十]{1,3}、|[（(]\s*[\d一二三四五六七八九十]{1,3}\s*[）)]|\d{1,2}\s*[.．、](?!\d))\s*")
_DROP_RE = re.compile(r"[\s\W_]+")


@dataclass
class Unit:
    id: str
    doc: str
    parent: str | None
    text: str                 # own text, heading marker removed
    kind: str = "heading"
    full_text: str = ""

    @property
    def label(self) -> str:
        return self.id.split(":", 1)[1]


@dataclass
class Alignment:
    old: str
    new: str
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    old_only: list[str] = field(default_factory=list)
    new_only: list[str] = field(default_factory=list)

    def counterpart(self, clause_id: str) -> str | None:
        for a, b, _ in self.pairs:
            if a == clause_id:
                return b
            if b == clause_id:
                return a
        return None


def strip_marker(text: str) -> str:
    first, _, rest = (text or "").strip().partition("\n")
    if match_heading(first.strip()):
        first = _MARKER_RE.sub("", first, count=1)
    return (first + "\n" + rest).strip()


def normalise(text: str) -> str:
    """For comparison: brackets full width, no white space."""
    table = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"})
    return re.sub(r"\s+", "", (text or "").translate(table))


def units_of_document(doc) -> list[Unit]:
    """Units from a parsed ``parser.Document``."""
    return [Unit(c.id, c.doc, c.parent, strip_marker(c.text), c.kind) for c in doc.clauses]


def units_of_rows(rows: list[dict]) -> list[Unit]:
    """Units from KB clause rows (``KB.clauses(doc)``)."""
    return [Unit(r["id"], r["doc"], r.get("parent"), strip_marker(r.get("text") or ""), r.get("kind") or "heading",
                 r.get("full_text") or "") for r in rows]


def _grams(text: str) -> Counter:
    t = _DROP_RE.sub("", normalise(text))
    return Counter(t[i:i + 2] for i in range(len(t) - 1))


def _vectors(units: list[Unit], idf: dict[str, float]) -> dict[str, dict[str, float]]:
    out = {}
    for u in units:
        weights = {g: n * idf.get(g, 1.0) for g, n in _grams(u.text).items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        out[u.id] = {g: w / norm for g, w in weights.items()}
    return out


def _cosine(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


def _skip(u: Unit) -> bool:
    return u.label in (INTRO, CLOSING) or not u.text


def scores(old_units: list[Unit], new_units: list[Unit]) -> list[tuple[float, str, str]]:
    """(score, old id, new id) for every pair of comparable clauses, best first."""
    everything = old_units + new_units
    df = Counter(g for u in everything for g in set(_grams(u.text)))
    n = max(1, len(everything))
    idf = {g: math.log((n + 1) / (c + 1)) + 1.0 for g, c in df.items()}
    vec = _vectors(everything, idf)
    head = {u.id: _vectors([Unit(u.id, u.doc, u.parent, u.text.split("\n")[0])], idf)[u.id] for u in everything}
    scored = []
    for o in (u for u in old_units if not _skip(u)):
        for w in (u for u in new_units if not _skip(u)):
            score = _cosine(vec[o.id], vec[w.id])
            if o.parent in head and w.parent in head:
                score += PARENT_WEIGHT * _cosine(head[o.parent], head[w.parent])
            scored.append((round(min(score, 1.0), 3), o.id, w.id))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return scored


def align(old_units: list[Unit], new_units: list[Unit]) -> Alignment:
    """One-to-one pairs best first; then a clause left over joins the clause it matches best
    when that is close enough (two old clauses merged into one, one split into two)."""
    scored = [s for s in scores(old_units, new_units) if s[0] >= MIN_SCORE]
    used_old, used_new, pairs = set(), set(), []
    for score, o, w in scored:
        if o in used_old or w in used_new:
            continue
        used_old.add(o)
        used_new.add(w)
        pairs.append((o, w, score))
    for score, o, w in scored:
        if score >= MERGE_SCORE and (o not in used_old or w not in used_new):
            used_old.add(o)
            used_new.add(w)
            pairs.append((o, w, score))
    order = {u.id: i for i, u in enumerate(new_units)}
    pairs.sort(key=lambda p: (order[p[1]], -p[2]))
    return Alignment(old=old_units[0].doc if old_units else "", new=new_units[0].doc if new_units else "",
                     pairs=pairs,
                     old_only=[u.id for u in old_units if not _skip(u) and u.id not in used_old],
                     new_only=[u.id for u in new_units if not _skip(u) and u.id not in used_new])


# --------------------------------------------------------------------------- points

def curated_docs(topics_cfg: dict) -> set[str]:
    return {cid.split(":", 1)[0] for p in topics_cfg.get("points") or [] for cid in p.get("clauses") or []}


def extend_points(docs, topics_cfg: dict, clause_topics: dict[str, list[str]]) -> dict:
    """topics_cfg with the clauses of uncurated notices added to the points they align with
    (and ``clause_topics`` extended in place with the topics of their counterparts)."""
    from .changes import change_note

    curated = curated_docs(topics_cfg)
    new_docs = [d for d in docs if d.id not in curated]
    if not new_docs or not topics_cfg.get("points"):
        return topics_cfg
    units = {d.id: units_of_document(d) for d in docs}
    texts = {c.id: c.text for d in docs for c in d.clauses}
    order = {d.id: i for i, d in enumerate(docs)}
    meta = {d.id: d.meta for d in docs}
    points = [dict(p, clauses=list(p.get("clauses") or [])) for p in topics_cfg["points"]]
    for new in new_docs:
        older = [d for d in docs if order[d.id] < order[new.id]]
        counterpart: dict[str, tuple[str, float]] = {}   # old clause -> (new clause, score)
        for old in older:
            for a, b, score in align(units[old.id], units[new.id]).pairs:
                counterpart[a] = (b, score)
        for cid, tids in list(clause_topics.items()):
            if cid in counterpart:
                for tid in tids:
                    clause_topics.setdefault(counterpart[cid][0], [])
                    if tid not in clause_topics[counterpart[cid][0]]:
                        clause_topics[counterpart[cid][0]].append(tid)
        for p in points:
            known = [c for c in p["clauses"] if c in counterpart]
            if not known:
                continue
            latest = max(known, key=lambda c: (order.get(c.split(":", 1)[0], -1), counterpart[c][1]))
            target = counterpart[latest][0]
            if target in p["clauses"]:
                continue
            p["clauses"].append(target)
            note = change_note(texts[latest], texts[target])
            m = meta[new.id]
            summary = (p.get("summary") or "").rstrip()
            if summary and not summary.endswith("。"):
                summary += "。"
            p["summary"] = summary + \
                f"{m.get('year') or ''}年《{m.get('short_title') or m.get('title')}》（自动比对，待人工核对）：{note}"
    return dict(topics_cfg, points=points)
