"""Eligibility verdicts in plain Chinese, with the reasons and the clauses they rest on."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import citation, kb, key_sentences, send, today
from policy_kb.eligibility import evaluate
from policy_kb.extract import extract_entities, extract_facts
from policy_kb.facts import FACTS, normalise_facts

# Words that make a message a personal "can I apply" question.
_ASKING = re.compile(r"能不能|能否|可不可以|可以|能|行不行|够不够|符合|够格|有没有资格|吗|么|？|\?")
_CORRECTION = re.compile(r"^(不对|不是|错了|更正|其实|改一下|说错)")
# Numbers about the person ("干了6年") make a question personal; "几年/多久" make it general.
_NUMBERS = ("years_worked", "years_at_location", "years_since_skill", "years_since_transfer")
_GENERAL = re.compile(r"几年|多久|多少年|什么条件|哪些条件|啥条件|要求是什么")
# Facts about the person (beyond the title wanted) that make a question answerable.
_PERSONAL = ("education", "years_worked", "skill_level", "years_since_skill", "status", "location",
             "years_at_location", "employer_type", "current_title", "award", "postdoc")


def facts_from_slots(tracker: Tracker) -> dict[str, Any]:
    raw = {name: tracker.get_slot(name) for name in FACTS if tracker.get_slot(name) is not None}
    facts, _errors = normalise_facts(raw)
    return facts


def _label(fact: str) -> str:
    return (FACTS.get(fact) or {}).get("label", fact)


def verdict(result: dict) -> tuple[str, list[dict], dict]:
    """Reply text, citations and the `eligibility` payload for an evaluator result."""
    target = result.get("target_title") or "相应职称"
    eligible = result.get("eligible")
    route = result.get("route")
    route_name = result.get("route_name") or route
    routes = result.get("routes") or []
    shown = [r for r in routes if r.get("route") == route and r.get("eligible") is True]
    if not shown:
        # No route passes: show the routes that came closest (most conditions met).
        def closeness(r: dict) -> tuple:
            trace = r.get("trace") or []
            return (sum(1 for t in trace if t.get("ok") is True), -sum(1 for t in trace if t.get("ok") is None))
        shown = sorted((r for r in routes if r.get("trace")), key=closeness, reverse=True)[:2]

    lines: list[str] = []
    if eligible is True:
        lines.append(f"结论：可以。按“{route_name}”，您符合申报{target}的条件。")
    elif eligible is False:
        lines.append(f"结论：按您提供的情况，目前还不符合申报{target}的条件。")
    else:
        missing = [_label(m) for m in result.get("missing") or []]
        need = "、".join(missing) if missing else "更多情况"
        lines.append(f"结论：还不能确定，需要再了解：{need}。")

    cites: list[dict] = []
    for r in shown:
        trace = r.get("trace") or []
        if not trace:
            continue
        lines.append(f"【{r.get('name') or r.get('route')}】")
        for step in trace:
            if step.get("ok") is None and step.get("assumed"):
                continue  # an assumption, said once among the caveats
            mark = "✔" if step.get("ok") is True else ("✘" if step.get("ok") is False else "？")
            clause = kb().clause(step["clause"]) if step.get("clause") else None
            where = f"（{clause['label']}）" if clause else ""
            lines.append(f"{mark} {step.get('condition', '')}{where}")
            if clause:
                cites.append(citation(clause, step.get("quote") or key_sentences(clause.get("text", ""), step.get("condition", ""))))
    for caveat in result.get("caveats") or []:
        lines.append(f"注意：{caveat}")
    for change in result.get("changes") or []:
        lines.append(f"变化：{change}")
    if result.get("notice_title") or result.get("notice_used"):
        lines.append(f"（本结论以《{result.get('notice_title') or result['notice_used']}》为准）")
    for clause_id in result.get("citations") or []:
        clause = kb().clause(clause_id)
        if clause:
            cites.append(citation(clause, key_sentences(clause.get("text", ""), target)))
    payload = {"eligibility": {
        "eligible": eligible,
        "target_title": result.get("target_title"),
        "route": route_name,
        "route_id": route,
        "missing": list(result.get("missing") or []),
    }}
    return "\n".join(lines), cites, payload


def evaluate_facts(facts: dict) -> dict:
    return evaluate(facts, as_of=today())


def missing_facts(result: dict, skipped: list | tuple = ()) -> list[str]:
    """Facts the evaluator still needs that the chat can ask for (not those the user skipped)."""
    return [f for f in result.get("missing") or [] if f in FACTS and f not in skipped]


def decided(result: dict, skipped: list | tuple = ()) -> bool:
    """The verdict stands: a yes or no, or nothing left that the chat could ask."""
    return result.get("eligible") is not None or not missing_facts(result, skipped)


# At most this many letters of a message lie outside its facts ("我是本科", "干了6年").
BARE_FACTS_EXTRA_CHARS = 3


def bare_facts(text: str) -> dict:
    """The facts of a message that says nothing else ("本科", "民营企业", "干了6年"): an answer
    to a question nobody asked yet. Empty when the message asks or says more: more than
    BARE_FACTS_EXTRA_CHARS letters outside the entities the facts come from."""
    if not text or _ASKING.search(text):
        return {}
    covered = {i for ent in extract_entities(text) for i in range(ent["start"], ent["end"])}
    rest = [ch for i, ch in enumerate(text) if i not in covered and ch.isalnum()]
    if len(rest) > BARE_FACTS_EXTRA_CHARS:
        return {}
    return {k: v for k, v in extract_facts(text).items() if k in FACTS}


def answer_eligibility_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list | None:
    """Answer in one turn when the message already holds a personal eligibility question.

    Returns the slot events when it answered, or None when the message is not such a question.
    """
    found = extract_facts(text) if text else {}
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    personal = any(k in found for k in _NUMBERS) or "我" in text or sum(k in found for k in _PERSONAL) >= 3
    asked_now = (bool(found.get("target_title")) and any(k in found for k in _PERSONAL) and personal
                 and _ASKING.search(text) and not (_GENERAL.search(text) and "我" not in text))
    # A correction or a new fact after an eligibility answer ("不对，我是大专") re-evaluates it.
    follow_up = bool(found) and tracker.get_slot("target_title") is not None and (
        intent == "inform" or _CORRECTION.search(text))
    if not (asked_now or follow_up):
        return None
    facts = {**facts_from_slots(tracker), **found}
    result = evaluate_facts(facts)
    reply, cites, payload = verdict(result)
    send(dispatcher, reply, cites, payload)
    return [SlotSet(k, v) for k, v in found.items() if k in FACTS]
