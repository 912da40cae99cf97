"""Answers to policy questions, from the knowledge base, always with the clause cited."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bigrams, citation, cite_line, hotline_citations, hotline_text, kb, key_sentences, send, today
from actions.eligibility_answer import answer_eligibility_if_asked, bare_facts
from actions.fact_form import SKIPPED_SLOT
from policy_kb.facts import MESSAGES, describe_facts

INTENT_TOPICS: dict[str, str] = yaml.safe_load(Path(__file__).with_name("topics.yml").read_text(encoding="utf-8"))

# A question about how many copies / which paper, answered from the materials table rows.
_ASKS_COPIES = re.compile(r"几份|多少份|份数|一式|什么纸|A3|A4|几张|纸张|多大的纸|原件|复印件|要交|交几|准备几")
# A question about contacting someone, answered with the hotline numbers.
_ASKS_CONTACT = re.compile(r"电话|热线|号码|联系|打给|咨询哪|找谁|问谁|人工")
# Below this NLU confidence the intent's topic is not used to rank the clauses.
TOPIC_MIN_CONFIDENCE = 0.6
# A question about the steps of a procedure: a step found is answered with its list of steps.
_ASKS_STEPS = re.compile(r"流程|步骤|环节|程序|几步|哪几步|怎么走")
_TIME_WORDS = re.compile(r"今年|本年|明年|今年度|什么时候|几号|几月|截止|时间|日期|哪天|多久")


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


def _time_note(text: str, topic: str | None) -> str:
    """Say which notice a question about 'this year' is answered from."""
    if topic != "deadlines" and not _TIME_WORDS.search(text):
        return ""
    docs = [d for d in kb().documents() if d.get("year")]
    if not docs:
        return ""
    newest = max(docs, key=lambda d: str(d.get("date") or d.get("year")))
    now = today()
    if int(newest["year"]) >= now.year:
        return ""
    when = newest.get("date") or f"{newest['year']}年"
    return (f"提示：今天是{now.year}年{now.month}月{now.day}日，知识库里最新的通知是{when}发布的《{newest['title']}》，"
            f"{now.year}年的具体安排请以当年新发布的通知为准。下面按该通知回答：\n")


def _materials_rows(text: str) -> list[dict]:
    """Rows of the materials list (bt-2020 附件二) named in the question."""
    rows = kb().materials()
    picked = []
    for row in rows:
        item = row.get("item", "")
        core = re.sub(r"（.*?）|\(.*?\)", "", item)
        keys = {core} | {k for k in ("送审表", "评审表", "审验卡", "年度考核", "公示", "论文", "获奖", "工作总结",
                                       "执业资格", "资格证书", "聘书") if k in core}
        if any(k and k in text for k in keys):
            picked.append(row)
    return picked


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


def compose_topic_answer(text: str, topic: str | None) -> tuple[str, list[dict]]:
    """The reply text and its citations for a policy question on a topic."""
    hits = ranked_hits(text, topic)
    if not hits:
        return "", []
    top = kb().clause(hits[0]["id"]) or hits[0]
    same_point, change = _same_point(top["id"], topic)
    primary = _newest([top] + same_point)
    if primary["id"] != top["id"] and (coverage(text, primary, pairs_only=True)
                                       < NEWER_MIN_COVERAGE * coverage(text, top, pairs_only=True)):
        primary = top  # the newer clause is about something else on this point
    older = [c for c in [top] + same_point if c["id"] != primary["id"]]
    steps_wanted = bool(_ASKS_STEPS.search(text))
    section = section_for(primary, text, steps_wanted)
    if section["id"] != primary["id"]:
        top = primary = section
        older = []
    quote = heading_quote(primary) if primary.get("heading_only") else key_sentences(primary.get("text", ""), text)
    cites = [citation(primary, quote)]
    lines = [_time_note(text, topic)]
    rows = _materials_rows(text) if _ASKS_COPIES.search(text) else []
    if rows:
        row_clause = kb().clause(rows[0].get("clause", "")) if rows[0].get("clause") else None
        lines.append("材料目录单中的规定：")
        lines.extend(f"· {row['item']}" for row in rows[:3])
        if row_clause:
            cites.insert(0, citation(row_clause, "；".join(r["item"] for r in rows[:3])))
            lines.append(cite_line(row_clause) + "。")
        lines.append("")
    if rows and rows[0].get("clause") == primary["id"]:
        return "\n".join(l.strip("\n") for l in lines if l and l.strip()).strip(), cites
    heading = primary.get("heading") or ""
    lead = f"关于“{heading.strip('：:。 ')}”，" if heading and len(heading) <= 40 and heading not in quote else ""
    lines.append(f"{lead}《{primary.get('title', '')}》规定：")
    lines.append(f"“{quote}”")
    lines.append(cite_line(primary) + "。")

    # The best-matching clause, when an (older or more general) one other than the prevailing one.
    if top["id"] != primary["id"]:
        top_quote = key_sentences(top.get("text", ""), text, limit_chars=150)
        lines.append(f"此外，{top.get('label', '')}规定：“{top_quote}”")
        cites.append(citation(top, top_quote))
        older = [c for c in older if c["id"] != top["id"]]
    # A second clause that answers another part of the question, from another notice.
    for hit in hits[1:3]:
        if hit["doc"] == primary["doc"] or any(hit["id"] == c["id"] for c in [primary] + older):
            continue
        clause = section_for(kb().clause(hit["id"]) or hit, text, steps_wanted)
        if any(clause["id"] == c["id"] for c in [primary] + older):
            continue
        extra_quote = (heading_quote(clause) if clause.get("heading_only")
                       else key_sentences(clause.get("text", ""), text, limit_chars=120))
        lines.append(f"另外，{clause.get('label', '')}规定：“{extra_quote}”")
        cites.append(citation(clause, extra_quote))
        break

    if change and same_point:
        lines.append(f"历年变化：{change}")
    elif older:
        old = _newest(older)
        if _newest([primary, old])["id"] == primary["id"]:
            lines.append(f"变化：此前{old.get('label', '')}也有规定，现以较新的《{primary.get('title', '')}》为准。")
        else:
            lines.append(f"另见较新的{old.get('label', '')}。")
    if older:
        for old in sorted(older, key=lambda c: c["doc"], reverse=True)[:2]:
            cites.append(citation(old, key_sentences(old.get("text", ""), text, limit_chars=100)))
    return "\n".join(l.strip("\n") for l in lines if l and l.strip()).strip(), cites


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent_info = tracker.latest_message.get("intent") or {}
        events = answer_eligibility_if_asked(dispatcher, tracker, text)
        if events is not None:
            return events
        facts = bare_facts(text)
        if facts:
            # "本科", "干了6年": an answer before any question. Take it and ask what an
            # eligibility check still needs, instead of searching the notices for one word.
            dispatcher.utter_message(text=MESSAGES["start_from_facts"].format(facts=describe_facts(facts)))
            return ([SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in facts.items()]
                    + [FollowupAction("eligibility_form")])
        topic = INTENT_TOPICS.get(intent_info.get("name"))
        if (intent_info.get("confidence") or 0) < TOPIC_MIN_CONFIDENCE:
            topic = None
        if topic == "contacts" and _ASKS_CONTACT.search(text):
            send(dispatcher, hotline_text() + "也可以咨询所在单位人事部门或当地人力资源和社会保障部门。",
                 hotline_citations())
            return []
        answer, cites = compose_topic_answer(text, topic)
        if not answer:
            send(dispatcher, "抱歉，文件里没有找到和这个问题直接相关的条款。" + hotline_text())
            return []
        send(dispatcher, answer, cites)
        return []


class ActionShowClause(Action):
    """The clause a user picked from the 'did you mean' buttons."""

    def name(self) -> str:
        return "action_show_clause"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        clause_id = next(tracker.get_latest_entity_values("clause_id"), None)
        clause = kb().clause(clause_id) if clause_id else None
        if not clause:
            send(dispatcher, "抱歉，没有找到这一条。请换个说法再问一次。")
            return []
        quote = key_sentences(clause.get("text", ""), "", limit_chars=300)
        send(dispatcher, f"《{clause.get('title', '')}》{clause.get('label', '')}：\n“{quote}”\n{cite_line(clause)}。",
             [citation(clause, quote)])
        return []
