"""Shared helpers of the custom actions: the knowledge base handle, citations, replies."""
from __future__ import annotations

import datetime as _dt
import os
import re
from functools import lru_cache
from typing import Any, Iterable

from rasa_sdk.executor import CollectingDispatcher

from policy_kb.kb import KB


@lru_cache(maxsize=1)
def kb() -> KB:
    return KB()


def today() -> _dt.date:
    """Today's date; ASSISTANT_TODAY=YYYY-MM-DD pins it (tests of time-dependent rules)."""
    pinned = os.environ.get("ASSISTANT_TODAY")
    if pinned:
        try:
            return _dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return _dt.date.today()


_SENTENCE_END = re.compile(r"(?<=[。；！？;])|\n+")
_NOISE = set("的了吗呢啊吧么是在有和与及或我你他她它们这那个要能可以怎么什么哪几多少请问一下？?，,。！!、 ")


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c not in _NOISE and not c.isspace()]
    grams = {a + b for a, b in zip(chars, chars[1:])}
    return grams | set(chars)


def key_sentences(text: str, query: str, limit_chars: int = 180) -> str:
    """The sentence(s) of a clause that best answer the query, quoted verbatim."""
    text = (text or "").strip()
    if len(text) <= limit_chars:
        return text
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    # Table cells such as row numbers carry nothing to quote.
    parts = [p for p in parts if not re.fullmatch(r"[\d\s.、．]+", p)]
    if not parts:
        return text[:limit_chars]
    wanted = bigrams(query)
    scored = sorted(
        range(len(parts)),
        key=lambda i: (-len(wanted & bigrams(parts[i])), i),
    )
    best = scored[0]
    quote = parts[best]
    # Add the following sentence when it fits: rules often continue ("其中，…").
    if best + 1 < len(parts) and len(quote) + len(parts[best + 1]) <= limit_chars:
        quote += parts[best + 1]
    if len(quote) > limit_chars * 2:
        quote = quote[: limit_chars * 2] + "……"
    return quote


def citation(clause: dict, quote: str | None = None) -> dict:
    return {
        "id": clause["id"],
        "title": clause.get("title", ""),
        "label": clause.get("label", clause["id"]),
        "quote": quote if quote is not None else key_sentences(clause.get("text", ""), ""),
    }


def cite_line(clause: dict) -> str:
    label = clause.get("label") or clause["id"]
    title = clause.get("title") or ""
    if label.startswith("《") or (title and title in label):
        return f"依据{label}"
    return f"依据《{title}》{label}" if title else f"依据{label}"


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


def _dedupe(citations: Iterable[dict]) -> list[dict]:
    seen: set[str] = set()
    out = []
    for c in citations:
        if c and c["id"] not in seen:
            seen.add(c["id"])
            out.append(c)
    return out


def hotline_text() -> str:
    """Hotline numbers as the notices give them, with their source."""
    contacts = kb().contacts()
    numbers: list[str] = []
    for row in contacts:
        number = row.get("phone") or row.get("number") or ""
        if number and number not in numbers:
            numbers.append(number)
    if not numbers:
        return "可以向所在单位人事部门或当地人力资源和社会保障部门咨询。"
    return "职称咨询服务热线：" + "、".join(numbers) + "。"


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
    return f"我只能回答包头市和内蒙古自治区{span}职称文件（{len(docs)}份通知）里的职称政策问题。"
