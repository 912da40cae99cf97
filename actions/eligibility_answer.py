"""Eligibility verdicts in plain Chinese: the first line is the verdict with its route and
why, the second the clause it rests on; then other routes that could apply (one line
each), what was assumed, and the conditions checked."""
from __future__ import annotations

import re
from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import citation, cite_line, kb, key_sentences, send, today
from actions.fact_form import SKIPPED_SLOT
from policy_kb.eligibility import evaluate, load_rules, routes_named
from policy_kb.extract import extract_entities, extract_facts
from policy_kb.facts import FACTS, MESSAGES, describe_facts, normalise_facts
from policy_kb.follow_up import WHAT_IF  # "如果是副高呢", "那副高呢": the same person, one fact changed

ROUTE_SLOT = "asked_route"
# Words that make a message a personal "can I apply" question.
_ASKING = re.compile(r"能不能|能否|可不可以|可以|能|行不行|够不够|符合|够格|有没有资格|吗|么|不[？?]?$|？|\?")
_CORRECTION = re.compile(r"^(不对|不是|错了|更正|其实|改一下|说错|搞错)")
# Numbers about the person ("干了6年") make a question personal; "几年/多久" make it general.
_NUMBERS = ("years_worked", "years_at_location", "years_since_skill", "years_since_transfer")
_GENERAL = re.compile(r"几年|多久|多少年|什么条件|哪些条件|啥条件|要求是什么")
# Facts about the person (beyond the title wanted) that make a question answerable.
_PERSONAL = ("education", "years_worked", "skill_level", "years_since_skill", "status", "location",
             "years_at_location", "employer_type", "current_title", "award", "postdoc")
# Who the notices exclude: such a question is answered without a title being named.
_EXCLUDED = ("退休", "公务员", "参公")
MAX_CAVEATS = 3


def facts_from_slots(tracker: Tracker) -> dict[str, Any]:
    raw = {name: tracker.get_slot(name) for name in FACTS if tracker.get_slot(name) is not None}
    facts, _errors = normalise_facts(raw)
    return facts


def _label(fact: str) -> str:
    return (FACTS.get(fact) or {}).get("label", fact)


def _clause(clause_id: str | None) -> dict | None:
    return kb().clause(clause_id) if clause_id else None


def _route_summary(route: dict, ruled_out: bool) -> dict:
    return {"id": route.get("route"), "name": route.get("name"), "eligible": route.get("eligible"),
            "target_title": route.get("target_title"), "ruled_out": ruled_out}


def verdict(result: dict) -> tuple[str, list[dict], dict]:
    """Reply text, citations and the `eligibility` payload for an evaluator result."""
    msgs = load_rules().messages.get("headline") or {}
    routes = result.get("routes") or []
    head = routes[0] if routes and routes[0].get("route") == result.get("route") else None
    lines: list[str] = [result.get("headline") or ""]
    cites: list[dict] = []
    main = _clause((head or {}).get("citations", [None])[0] if head else (result.get("citations") or [None])[0])
    if head and result.get("eligible") is False:
        # a "no" rests on the clause of the condition that failed ("离退休人员不得申报…")
        failed = next((step.get("clause") for step in head.get("trace") or [] if step.get("ok") is False
                       and step.get("clause")), None)
        main = _clause(failed) or main
    if main:
        lines.append(cite_line(main))
        cites.append(citation(main, key_sentences(main.get("text", ""), result.get("headline") or "")))
    lines += result.get("others") or []
    assumptions = result.get("assumptions") or []
    if assumptions:
        lines.append(msgs.get("assumed", "（{assumptions}）").format(
            assumptions=msgs.get("assumptions_joiner", "；").join(a.rstrip("。") for a in assumptions)))
    if head:
        lines.append(f"【{head.get('name') or head.get('route')}】")
        for step in head.get("trace") or []:
            if step.get("assumed"):
                continue  # said once in the assumptions line
            mark = "✔" if step.get("ok") is True else ("✘" if step.get("ok") is False else "？")
            clause = _clause(step.get("clause"))
            where = f"（{clause['label']}）" if clause else ""
            lines.append(f"{mark} {step.get('condition', '')}{where}")
            if clause:
                cites.append(citation(clause, step.get("quote") or key_sentences(clause.get("text", ""),
                                                                                  step.get("condition", ""))))
    for caveat in [c for c in result.get("caveats") or [] if c not in assumptions][:MAX_CAVEATS]:
        lines.append(f"注意：{caveat}")
    for change in result.get("changes") or []:
        lines.append(f"变化：{change}")
    if result.get("notice_title") or result.get("notice_used"):
        lines.append(f"（本结论以《{result.get('notice_title') or result['notice_used']}》为准）")
    for clause_id in result.get("citations") or []:
        clause = _clause(clause_id)
        if clause:
            cites.append(citation(clause, key_sentences(clause.get("text", ""), result.get("target_title") or "")))
    payload = {"eligibility": {
        "eligible": result.get("eligible"),
        "target_title": result.get("target_title"),
        "route": result.get("route_name") or result.get("route"),
        "route_id": result.get("route"),
        "missing": list(result.get("missing") or []),
        "assumptions": list(assumptions),
        "headline": result.get("headline"),
        "routes": [_route_summary(r, False) for r in routes]
                  + [_route_summary(r, True) for r in result.get("ruled_out") or []],
    }}
    return "\n".join(line for line in lines if line), cites, payload


def evaluate_facts(facts: dict, route: Any = None) -> dict:
    return evaluate(facts, as_of=today(), route=route)


def asked_routes(text: str, tracker: Tracker | None = None) -> list[str]:
    """The routes a question names; a follow-up without such words keeps the last ones."""
    named = routes_named(text or "")
    if named or tracker is None:
        return named
    return list(tracker.get_slot(ROUTE_SLOT) or [])


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


def is_personal_question(text: str, found: dict) -> bool:
    """A question about the asker's own case that the evaluator can answer now."""
    if not found or not _ASKING.search(text) or (_GENERAL.search(text) and "我" not in text):
        return False
    if found.get("status") in _EXCLUDED:
        return True
    personal = any(k in found for k in _NUMBERS) or "我" in text or sum(k in found for k in _PERSONAL) >= 3
    return bool(found.get("target_title")) and any(k in found for k in _PERSONAL) and personal


def is_follow_up(text: str, found: dict, tracker: Tracker) -> bool:
    """"不对，我是本科" or "如果是副高呢" after a verdict: the same case, one fact changed."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    earlier = tracker.get_slot("target_title") is not None or tracker.get_slot("status") is not None
    return bool(found) and earlier and bool(intent == "inform" or _CORRECTION.search(text) or WHAT_IF.search(text))


def send_lead(dispatcher: CollectingDispatcher, answer: Any, then: str) -> None:
    """What the notices provide for the situation described (an Answer), then what comes next
    ("要判断您本人能否申报…"): one cited message, before the form asks its questions."""
    send(dispatcher, answer.text() + "\n" + then, answer.citations())


def answer_eligibility_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                                lead: Callable[[str], Any] | None = None) -> list | None:
    """Answer in one turn when the message already holds a personal eligibility question, or
    re-decide when it corrects or changes a fact of the last one ("不对，我是本科",
    "如果是副高呢"). Returns the slot events when it answered, else None. When the question
    needs facts it does not hold, `lead(text)` (an Answer, or None) says first what the notices
    provide for the situation described; the form then asks."""
    found = extract_facts(text) if text else {}
    routes = asked_routes(text, tracker)
    follow_up = is_follow_up(text, found, tracker)
    earlier = facts_from_slots(tracker)
    # A follow-up changes one fact of the case before; a new question is a case of its own
    # ("公务员能评吗" and then "高级技师能转评工程师吗" are two callers' questions).
    facts = {**earlier, **found} if follow_up else dict(found)
    if follow_up or is_personal_question(text, found):
        result = evaluate_facts(facts, routes)
        if not follow_up and not decided(result):
            # the question needs facts it does not hold: what the notices provide, then the
            # form asks them, one by one
            start = MESSAGES["start_from_facts"].format(facts=describe_facts(found))
            answer = lead(text) if lead else None
            if answer:
                send_lead(dispatcher, answer, start)
            else:
                dispatcher.utter_message(text=start)
            return ([SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in found.items() if k in FACTS]
                    + [SlotSet(ROUTE_SLOT, routes or None), FollowupAction("eligibility_form")])
    elif found.get("target_title") and _ASKING.search(text) and not _GENERAL.search(text):
        # "会计中级可以评吗": not about the asker's years, but the notices decide it at once
        result = evaluate_facts(facts, routes)
        if result.get("eligible") is None:
            return None
    else:
        return None
    reply, cites, payload = verdict(result)
    send(dispatcher, reply, cites, payload)
    stale = [] if follow_up else [SlotSet(k, None) for k in earlier if k in FACTS and k not in found]
    return stale + [SlotSet(k, v) for k, v in found.items() if k in FACTS] + [SlotSet(ROUTE_SLOT, routes or None)]
