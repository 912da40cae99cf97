"""Shared helpers of the custom actions: the knowledge base handle, citations, replies."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from rasa_sdk.executor import CollectingDispatcher

from policy_kb.answer import citation as _citation, cite_line  # noqa: F401 - re-exported
from policy_kb.answer import Answer
from policy_kb.clock import today  # noqa: F401 - re-exported
from policy_kb.kb import KB
from policy_kb.point_match import PointIndex
from policy_kb.replies import say
from policy_kb.quote import bigrams, key_sentences  # noqa: F401 - re-exported


@lru_cache(maxsize=1)
def kb() -> KB:
    return KB()


def citation(clause: dict, quote: str | None = None) -> dict:
    return _citation(clause, quote if quote is not None else key_sentences(clause.get("text", ""), ""))


def send(dispatcher: CollectingDispatcher, text: str, citations: Iterable[dict] = (),
         extra: dict | None = None, buttons: list[dict] | None = None) -> None:
    """One reply: the text, and (when it rests on a notice) the machine-readable payload."""
    payload: dict[str, Any] = {}
    cites = _dedupe(citations)
    if cites:
        payload["citations"] = cites
    if extra:
        payload.update(extra)
    kwargs: dict[str, Any] = {"text": text}
    if buttons:
        kwargs["buttons"] = buttons
    if payload:
        kwargs["json_message"] = payload
    dispatcher.utter_message(**kwargs)


def send_answer(dispatcher: CollectingDispatcher, answer: "Answer", channel: str | None = None,
                buttons: list[dict] | None = None) -> None:
    """One answer (policy_kb.answer.Answer), rendered for the channel it goes to."""
    payload = answer.payload()
    kwargs: dict[str, Any] = {"text": answer.text("wechat" if channel == "wechat" else "rest"),
                              "json_message": payload}
    buttons = buttons if buttons is not None else answer.suggestions
    if buttons:
        kwargs["buttons"] = buttons
    dispatcher.utter_message(**kwargs)


def point_index() -> PointIndex:
    """The answer points of the knowledge base, ready for matching (rebuilt with the KB)."""
    return PointIndex.for_kb(kb())


def _dedupe(citations: Iterable[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for c in citations:
        if c and c["id"] not in seen:
            seen.add(c["id"])
            out.append(c)
    return out


def hotline_text() -> str:
    """Hotline numbers as the notices give them."""
    numbers: list[str] = []
    for row in kb().contacts():
        number = row.get("phone") or row.get("number") or ""
        if number and number not in numbers:
            numbers.append(number)
    return say("hotline", numbers="、".join(numbers)) if numbers else say("hotline_none")


def hotline_citations() -> list[dict]:
    out = []
    for row in kb().contacts():
        clause = kb().clause(row.get("clause", "")) if row.get("clause") else None
        if clause:
            out.append(citation(clause, row.get("context") or row.get("text") or key_sentences(clause["text"], "热线")))
    return out


def coverage_text() -> str:
    """What the assistant covers, from the documents in the knowledge base."""
    docs = kb().documents()
    years = sorted({int(d["year"]) for d in docs if d.get("year")})
    span = f"{years[0]}—{years[-1]}年" if years else ""
    return say("coverage", span=span, count=len(docs))
