"""One answer shape for every channel.

An `Answer` holds what a careful hotline officer says: the short answer first, the clauses it
rests on (each with the quote), at most one change note and one time note, and follow-up
questions. The REST/web chat, WeChat and the staff console's ready answer all render this one
structure (`text`, `payload`, `ready_answer`); the citation line is made here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .replies import say

# WeChat shows the text only: one short line of the quote follows the citation.
WECHAT_QUOTE_CHARS = 60


def source(clause: dict) -> str:
    """'《2024年包头市职称评审工作通知》第四部分第（六）项' (the label may already name the notice)."""
    label = clause.get("label") or clause.get("id") or ""
    title = clause.get("title") or ""
    if label.startswith("《") or (title and title in label) or not title:
        return label
    return say("source_with_title", title=title, label=label)


def cite_line(clause: dict) -> str:
    """'依据《…》…。'"""
    return say("cite", source=source(clause))


def citation(clause: dict, quote: str) -> dict:
    """The machine-readable citation of the payload (docs/contracts.md)."""
    return {"id": clause["id"], "title": clause.get("title", ""), "label": clause.get("label", clause["id"]),
            "quote": quote}


def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rstrip("，、；;,") + "……"


@dataclass
class Answer:
    short: str                                   # the answer itself: first line of every rendering
    clauses: list[dict] = field(default_factory=list)   # KB clauses it rests on, the main one first
    quotes: list[str] = field(default_factory=list)     # the quote of each clause (same order)
    details: list[str] = field(default_factory=list)    # rows of a table, steps: after the answer
    change: str = ""                             # at most one sentence on what changed
    change_detail: str = ""                      # the whole change summary (payload, folded away)
    time_note: str = ""                          # one short clause for "今年…" questions
    suggestions: list[dict] = field(default_factory=list)  # {"title": question, "payload": ...}
    point: str | None = None                     # the answer point, when one answered
    kind: str = "answer"                         # answer | clause | choice | none

    def citations(self) -> list[dict]:
        seen, out = set(), []
        for clause, quote in zip(self.clauses, self.quotes):
            if clause["id"] not in seen:
                seen.add(clause["id"])
                out.append(citation(clause, quote))
        return out

    def lines(self, channel: str = "rest") -> list[str]:
        lines = [self.short.strip()]
        lines += [d for d in self.details if d]
        if self.clauses:
            main = self.clauses[0]
            if channel == "wechat" and self.quotes and self.quotes[0]:
                lines.append(say("cite_with_quote", source=source(main), quote=_clip(self.quotes[0], WECHAT_QUOTE_CHARS)))
            else:
                lines.append(cite_line(main))
        if self.change:
            lines.append(self.change)
        if self.time_note:
            lines.append(self.time_note)
        return [line for line in lines if line]

    def text(self, channel: str = "rest") -> str:
        return "\n".join(self.lines(channel))

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        cites = self.citations()
        if cites:
            out["citations"] = cites
        out["answer"] = {"short": self.short.strip(), "point": self.point, "kind": self.kind,
                         "change": self.change or None, "change_detail": self.change_detail or None,
                         "time_note": self.time_note or None,
                         "suggestions": [s["title"] for s in self.suggestions]}
        return out

    def ready_answer(self) -> str:
        """What a hotline officer reads out: the answer and its source, in one paragraph."""
        head = self.short.strip()
        if head and head[-1] not in "。！？）)":
            head += "。"
        parts = [head] + [d for d in self.details if d]
        if self.clauses:
            parts.append(cite_line(self.clauses[0]))
        return "".join(parts)
