"""Answers from the knowledge base's clauses, for questions no answer point covers.

The search hits are re-ranked for answering (search score, how much of the question a clause
covers, the question's topic), the newest notice in force on the point leads, and the answer
is shaped like every other (policy_kb.answer.Answer): the key sentence first, then the source.
Weights of this ranking are constants here; the choice between a point and a clause is made
in policy_kb/point_match.py with its weights in policy_kb/ranking.yml.
"""
from __future__ import annotations

import re

from actions.common import kb, key_sentences, today
from policy_kb.answer import Answer
from policy_kb.point_answer import change_note, material_rows, time_note
from policy_kb.question_kind import asks
from policy_kb.quote import bigrams
from policy_kb.replies import say

SHORT_CHARS = 100


def _doc_dates() -> dict[str, str]:
    return {d["id"]: str(d.get("date") or d.get("year") or "") for d in kb().documents()}


def _newest(clauses: list[dict]) -> dict:
    dates = _doc_dates()
    return max(clauses, key=lambda c: dates.get(c["doc"], ""))


# Weights of the answer ranking (see ranked_hits): the share of the question found in a
# clause, and the clause carrying the intent's topic.
COVERAGE_WEIGHT = 1.0
TOPIC_WEIGHT = 0.3
# A newer clause on the same point prevails only when it speaks to the question: it must cover
# at least this share of what the best-matching clause covers (else that clause leads and the
# newer one is cited as what changed).
NEWER_MIN_COVERAGE = 0.6


def coverage(text: str, clause: dict, pairs_only: bool = False) -> float:
    """Share of the question's characters and character pairs (only pairs: `pairs_only`)
    found in the clause."""
    wanted = {g for g in bigrams(text) if len(g) == 2 or not pairs_only}
    return len(wanted & bigrams(clause.get("text", ""))) / max(1, len(wanted))


def _in_attachment(clause: dict) -> bool:
    return str(clause.get("path") or "").startswith("附件")


def _is_leaf(clause: dict) -> bool:
    return (clause.get("full_text") or "") == (clause.get("text") or "")  # nothing under it


def section_for(clause: dict, question: str, steps_wanted: bool = False) -> dict:
    """The part under a heading-only clause that answers the question: the child section whose
    whole text covers the question best, down to a heading whose children are single steps.
    A question about the steps of a procedure (`steps_wanted`) that found one step gets the
    list of steps it belongs to."""
    parent = kb().clause(clause["parent"]) if steps_wanted and clause.get("parent") else None
    if parent and _is_leaf(clause) and parent["heading_only"]:
        return parent
    while clause.get("heading_only"):
        children = kb().children(clause["id"])
        if all(_is_leaf(c) for c in children):
            return clause  # a list of steps: answered by the list itself
        clause = max(children, key=lambda c: coverage(question, {"text": c.get("full_text") or c.get("text", "")}))
    return clause


def heading_quote(clause: dict) -> str:
    """'三、评审流程：1、个人申请；2、…；5、证书打印。' -- a heading-only clause quoted with the
    first sentence of each step, each part in the notice's own words."""
    first = (clause.get("text") or "").strip().split("\n")[0].strip()
    steps = []
    for child in kb().children(clause["id"]):
        sentence = re.split(r"[。；;]", (child.get("text") or "").strip(), maxsplit=1)[0]
        if sentence.strip():
            steps.append(sentence.strip())
    return first + "；".join(steps) + ("。" if steps else "")


def ranked_hits(text: str, topic: str | None) -> list[dict]:
    """Search hits for a question, re-ranked for answering.

    The topic (from the intent) is a preference, not a filter: hits of the whole knowledge
    base compete with the topic's, so a question worded unlike its topic still finds its
    clause. The score combines the search score, how much of the question the clause
    covers, and whether the clause carries the topic.
    """
    found = {h["id"]: h for h in kb().search(text, limit=8)}
    if topic:
        for hit in kb().search(text, topic=topic, limit=8):
            found.setdefault(hit["id"], hit)
    if not found and topic:
        history = kb().history(topic)
        return [c for c in history if c.get("text")][-3:][::-1]
    if not found:
        return []
    top = max(h.get("score") or 0 for h in found.values()) or 1.0

    def rank(hit: dict) -> float:
        clause = kb().clause(hit["id"]) or hit
        on_topic = TOPIC_WEIGHT if topic and topic in (clause.get("topics") or []) else 0.0
        if _in_attachment(clause):
            # In an attachment (bt-2021 附件2 "社会化职称评审申报工作流程"), what a clause is
            # about is in the title lines above it, and what a heading ("三、评审流程：") says
            # is in the clauses under it.
            body = clause.get("full_text") if clause.get("heading_only") else clause.get("text")
            clause = {"text": (clause.get("ancestry") or "") + "\n" + (body or "")}
        return (hit.get("score") or 0) / top + COVERAGE_WEIGHT * coverage(text, clause) + on_topic

    return sorted(found.values(), key=rank, reverse=True)


def _same_point(clause_id: str, topic: str | None) -> tuple[list[dict], str]:
    """Clauses of other notices on the same point as this clause, and what changed."""
    related = [r for r in (kb().related(clause_id) or []) if r.get("id") != clause_id]
    if not related:
        return [], ""
    points: dict[str, list[dict]] = {}
    for r in related:
        points.setdefault(r.get("point") or "", []).append(r)
    chosen = next((p for p, rs in points.items() if topic and rs[0].get("topic") == topic), next(iter(points)))
    group = points[chosen]
    return [kb().clause(r["id"]) or r for r in group], group[0].get("summary") or ""


def clause_answer(text: str, topic: str | None, min_coverage: float = 0.0) -> Answer | None:
    """The best clause for a question as an Answer (None: nothing found, or the best clause
    holds less than `min_coverage` of the question: it would answer something else)."""
    hits = ranked_hits(text, topic)
    if not hits:
        return None
    top = kb().clause(hits[0]["id"]) or hits[0]
    if coverage(text, {"text": (top.get("ancestry") or "") + (top.get("full_text") or top.get("text") or "")}) < min_coverage:
        return None
    same_point, _ = _same_point(top["id"], topic)
    primary = _newest([top] + same_point)
    if primary["id"] != top["id"] and (coverage(text, primary, pairs_only=True)
                                       < NEWER_MIN_COVERAGE * coverage(text, top, pairs_only=True)):
        primary = top  # the newer clause is about something else on this point
    primary = section_for(primary, text, asks(text, "steps"))
    if primary.get("heading_only"):
        quote = heading_quote(primary)
    else:
        quote = key_sentences(primary.get("text", ""), text, limit_chars=SHORT_CHARS)
    short = re.sub(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+[.．、])\s*", "", quote)
    details: list[str] = []
    clauses, quotes = [primary], [quote]
    rows = material_rows(kb(), text) if asks(text, "copies") else []
    if rows and rows[0].get("clause"):
        row_clause = kb().clause(rows[0]["clause"])
        if row_clause:
            short = say("materials_rows_intro") + "；".join(r["item"] for r in rows[:3]) + "。"
            clauses.insert(0, row_clause)
            quotes.insert(0, "；".join(r["item"] for r in rows[:3]))
    change, change_detail = change_note(kb(), clauses[0])
    return Answer(short=short, clauses=clauses, quotes=quotes, details=details,
                  change=change, change_detail=change_detail, time_note=time_note(kb(), text, today(), topic, clauses[0]),
                  kind="clause")
