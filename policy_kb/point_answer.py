"""An answer point made into an Answer: the short answer, its clauses and quotes, the table
rows the question names, what changed, and a time note for "今年…" questions."""
from __future__ import annotations

import datetime as dt
import re

from .answer import Answer
from .kb import KB
from .question_kind import asks, years_asked
from .quote import bigrams, key_sentences
from .replies import say

QUOTE_CHARS = 120


def time_note(kb: KB, question: str, today: dt.date, topic: str | None = None, clause: dict | None = None) -> str:
    """For a question about 'this year': which notice the answer comes from, in one clause."""
    if topic != "deadlines" and not asks(question, "current", "date", "when"):
        return ""
    docs = [d for d in kb.documents() if d.get("year")]
    if not docs:
        return ""
    newest = max(docs, key=lambda d: str(d.get("date") or d.get("year")))
    if int(newest["year"]) >= today.year:
        return ""
    date = str(newest.get("date") or newest["year"])
    when = f"{int(date[:4])}年{int(date[5:7])}月" if len(date) >= 7 else f"{date}年"
    doc = kb.document(clause["doc"]) if clause else None
    if doc and doc["id"] != newest["id"] and doc.get("year"):
        return say("time_note_older", doc_year=doc["year"], date=when, year=today.year)
    return say("time_note", date=when, year=today.year)


def change_note(kb: KB, clause: dict) -> tuple[str, str]:
    """(one sentence for the text, the full summary for the payload) on the same point in
    another notice: a newer notice that also speaks to it, or an older one that said otherwise."""
    related = kb.related(clause["id"])
    if not related:
        return "", ""
    summary = next((r.get("summary") for r in related if r.get("summary")), "") or ""
    newer = [r for r in related if r.get("prevails")]
    if newer:
        return say("change_superseded", year=newer[-1]["year"]), summary
    if summary:
        return say("change_differs", year="、".join(sorted({str(r["year"]) for r in related}))), summary
    return "", ""


_GENERIC_UNITS = {"其他单位"}
_LEVEL_WORDS = {"附件三": ("高级", "副高", "正高"), "附件四": ("中级", "初级", "中初级", "助理")}


def schedule_rows(kb: KB, question: str) -> list[dict]:
    """Rows of the review schedules (bt-2020 附件三/四) whose unit the question names by name;
    the level named in the question (高级 / 中初级) picks the table, else both are given."""
    # "卫健委" names "市卫生健康委员会": the units' short names are synonyms (topics.yml)
    question += "".join(v for key, values in kb.synonyms().items() if key in question for v in values)
    picked = []
    for row in kb.schedules():
        for unit in row.get("unit_list") or []:
            core = re.sub(r"^(市|包头市|包头)", "", unit)
            if unit in _GENERIC_UNITS:
                continue
            if unit in question or (len(core) >= 2 and core in question):
                picked.append({"unit": unit, **row})
    levels = [t for t, words in _LEVEL_WORDS.items() if any(w in question for w in words)]
    if len(levels) == 1:
        picked = [r for r in picked if r["table"] == levels[0]] or picked
    return picked[:3]


def table_point(kb: KB, question: str) -> dict | None:
    """The schedules point, when the question asks when and names a unit of the review schedules."""
    if not asks(question, "date", "when"):  # "市财政局2020年高级材料哪天审核"
        return None
    rows = schedule_rows(kb, question)
    if not rows:
        return None
    return next((p for p in kb.answer_points() if p.get("table") == "schedules" and rows[0]["clause"] in p["cites"]),
                None)


def material_rows(kb: KB, question: str) -> list[dict]:
    """Rows of the materials list (bt-2020 附件二) named in the question."""
    picked = []
    for row in kb.materials():
        item = row.get("item", "")
        core = re.sub(r"（.*?）|\(.*?\)", "", item)
        keys = {core} | {k for k in ("送审表", "评审表", "审验卡", "年度考核", "公示", "论文", "获奖", "工作总结",
                                       "执业资格", "资格证书", "聘书", "学历", "职称证", "身份证") if k in core}
        if any(k and k in question for k in keys):
            picked.append(row)
    return picked


def _named_year_first(clauses: list[dict], question: str, newest: int | None) -> list[dict]:
    """"2020年哪些系列以考代评": a clause of the notice of the year the question asks about leads."""
    named = years_asked(question, newest)
    if not named:
        return clauses
    return sorted(clauses, key=lambda c: 0 if c.get("year") and int(c["year"]) in named else 1)


def point_answer(kb: KB, point: dict, question: str, today: dt.date) -> Answer:
    newest = (kb.latest_document() or {}).get("year")
    clauses = _named_year_first([c for c in (kb.clause(cid) for cid in point.get("cites") or []) if c], question, newest)
    short = point["answer"].strip()
    details: list[str] = []
    if point.get("table") == "schedules":
        rows = schedule_rows(kb, question)
        if rows:
            short = "".join(say("schedule_row", unit=r["unit"], date=r["date"], table_title=r["table_title"])
                            for r in rows)
            row_clause = kb.clause(rows[0]["clause"])
            if row_clause:
                clauses = [row_clause] + [c for c in clauses if c["id"] != row_clause["id"]]
    elif point.get("table") == "materials":
        details = [f"· {r['item']}" for r in material_rows(kb, question)[:4]]
    quotes = [key_sentences(c.get("text", ""), question + short, limit_chars=QUOTE_CHARS) for c in clauses]
    change = change_note(kb, clauses[0]) if clauses else ("", "")
    return Answer(
        short=short, clauses=clauses, quotes=quotes, details=details,
        change=change[0], change_detail=change[1],
        time_note=time_note(kb, question, today, point.get("topic"), clauses[0] if clauses else None),
        point=point["id"], kind="answer",
    )


def suggestion(point: dict) -> dict:
    """A follow-up button labelled as the question it answers."""
    question = str((point.get("questions") or [point["id"]])[0]).strip()
    if question[-1:] not in "？?":
        question += "？"
    return {"title": question, "payload": question}
