"""A ready answer a hotline officer can paste: the key sentence plus its source."""
from __future__ import annotations

import re

from policy_kb.answer import Answer
from policy_kb.clock import today
from policy_kb.point_answer import point_answer
from policy_kb.point_match import PointIndex, settings

_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_HEADING_PREFIX = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|（\d+）|附件\s*\S*)\s*")


def _terms(query: str) -> list[str]:
    try:
        from policy_kb.text import segment

        words = segment(query)
    except Exception:  # noqa: BLE001 - fall back to character pairs
        words = []
    words = [w for w in words if isinstance(w, str) and len(w.strip()) > 1]
    if not words:
        q = re.sub(r"\W+", "", query)
        words = [q[i:i + 2] for i in range(max(len(q) - 1, 0))]
    return words


def sentences(text: str) -> list[str]:
    out = []
    for line in (text or "").splitlines():
        for part in _SENTENCE_END.split(line.strip()):
            part = part.strip()
            if part:
                out.append(part)
    return out


def _bare(sentence: str) -> str:
    return _HEADING_PREFIX.sub("", sentence).strip().rstrip("。；;.")


def key_sentence(text: str, query: str = "", heading: str = "") -> str:
    """The sentence of ``text`` that matches the query best (else the first one that is
    more than the clause heading)."""
    candidates = [s for s in sentences(text) if len(_bare(s)) > 4]
    heading = (heading or "").rstrip("…。")
    if heading and len(candidates) > 1:
        candidates = [s for s in candidates if _bare(s) != heading] or candidates
    if not candidates:
        return (text or "").strip()
    if query.strip():
        terms = _terms(query)
        scored = [(sum(s.count(t) for t in terms), -i, s) for i, s in enumerate(candidates)]
        best = max(scored)
        if best[0] > 0:
            return best[2]
    # Prefer a sentence that is more than a bare heading.
    for s in candidates:
        if s[-1] in "。！？；":
            return s
    return candidates[0]


def ready_answer(clause: dict, query: str = "") -> str:
    """The clause's key sentence as a ready answer, rendered like every answer (policy_kb.answer)."""
    body = clause.get("full_text") or clause.get("text") or ""
    sentence = _HEADING_PREFIX.sub("", key_sentence(body, query, clause.get("heading") or "")).strip()
    if sentence and sentence[-1] not in "。！？":
        sentence = sentence.rstrip("；，,;") + "。"
    return Answer(short=sentence, clauses=[clause] if clause.get("label") or clause.get("id") else [],
                  quotes=[sentence]).ready_answer()


def point_answers(kb, query: str, limit: int = 3) -> list[dict]:
    """Answer points close to a staff search, each with its ready answer (short answer + source)."""
    index = PointIndex.for_kb(kb)
    out = []
    day = today()
    for match in index.rank(query, None, day)[:limit]:
        if match.score < settings()["point"]["offer"]:
            continue
        answer = point_answer(kb, match.point, query, day)
        out.append({"id": match.point["id"], "question": match.point["questions"][0], "score": round(match.score, 3),
                    "answer": answer.ready_answer(), "citations": answer.citations()})
    return out


def point_candidates(kb, question: str = "", limit: int = 5) -> list[dict]:
    """Points to link a review-queue question to: the closest ones first (lexical match),
    then every other point (id, first question, answer)."""
    points = {p["id"]: p for p in kb.answer_points()}
    order = []
    if question.strip():
        order = [m.point["id"] for m in PointIndex.for_kb(kb).rank(question)[:limit]]
    order += [pid for pid in sorted(points) if pid not in order]
    return [{"id": pid, "topic": points[pid]["topic"], "question": (points[pid].get("questions") or [""])[0],
             "answer": points[pid].get("answer", ""), "close": i < limit and bool(question.strip())}
            for i, pid in enumerate(order)]
