"""Answers to policy questions: an answer point when one answers, else the best clause;
always the answer first and the clause cited (policy_kb.answer.Answer)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clause_answer import clause_answer
from actions.common import citation, hotline_citations, hotline_text, kb, key_sentences, point_index, send, send_answer, today
from actions.eligibility_answer import answer_eligibility_if_asked, bare_facts
from actions.fact_form import SKIPPED_SLOT
from bot.faq_data import RETRIEVAL_INTENT, parse_key
from policy_kb.answer import Answer, source
from policy_kb.facts import MESSAGES, describe_facts
from policy_kb.point_answer import point_answer, suggestion, table_point
from policy_kb.point_match import settings
from policy_kb.question_kind import asks
from policy_kb.replies import say

SUGGESTIONS = 2


def nlu_reading(message: dict) -> tuple[list[dict] | None, str | None, float]:
    """What the NLU made of a message: the ResponseSelector's ranking of answer points (None when
    the faq selector did not run), the topic it chose when no point fits, and its confidence."""
    selector = (message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    ranking = selector.get("ranking")
    if not ranking:
        return None, None, 0.0
    points, topic, topic_conf = [], None, 0.0
    for row in ranking:
        point, row_topic = parse_key(row.get("intent_response_key"))
        if point:
            points.append({"point": point, "confidence": row.get("confidence") or 0.0})
        elif row_topic and topic is None:
            topic, topic_conf = row_topic, float(row.get("confidence") or 0.0)
    return points, topic, topic_conf


def answer_question(text: str, ranking: list[dict] | None, topic: str | None, topic_conf: float) -> tuple[Answer | None, list[dict]]:
    """(the answer, or None; choices to offer). A point answers when it is decided; else the
    clause search, guided by the topic, answers; points close to the question are offered."""
    best, others = point_index().decide(text, ranking)
    table = table_point(kb(), text)
    if table:
        best, others = None, [m for m in [best] + others if m]
        answer = point_answer(kb(), table, text, today())
        answer.suggestions = [suggestion(p) for p in point_index().follow_ups(table, others, SUGGESTIONS)]
        return answer, []
    if best:
        answer = point_answer(kb(), best.point, text, today())
        answer.suggestions = [suggestion(p) for p in point_index().follow_ups(best.point, others, SUGGESTIONS)]
        return answer, []
    cfg = settings()["clause"]
    use_topic = topic if topic_conf >= cfg["topic_min_confidence"] else None
    answer = clause_answer(text, use_topic, cfg["min_coverage"])
    if answer:
        answer.suggestions = [suggestion(p) for p in point_index().follow_ups(None, others, SUGGESTIONS)]
        return answer, []
    return None, [suggestion(m.point) for m in others]


def offers_checklist(answer: Answer, topic: str | None, text: str) -> bool:
    """An answer about the materials: the tailored checklist is offered with it."""
    return ((answer.point or "").startswith("materials_") or topic == "materials"
            or asks(text, "materials", "material_list"))


def checklist_button() -> dict:
    """Starts the checklist in the chat (intent request_checklist); the web chat opens the
    checklist page with the conversation's facts instead (bot/web/static/chat.js)."""
    return {"title": say("checklist_offer"), "payload": "/request_checklist"}


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        # Inside a form this answers a question the form let pass (data/rules.yml): answer
        # it only; the form then asks its question again and takes no fact from it.
        in_form = bool(tracker.active_loop_name)
        events = None if in_form else answer_eligibility_if_asked(dispatcher, tracker, text)
        if events is not None:
            return events
        facts = {} if in_form else bare_facts(text)
        if facts:
            # "本科", "干了6年": an answer before any question. Take it and ask what an
            # eligibility check still needs, instead of searching the notices for one word.
            dispatcher.utter_message(text=MESSAGES["start_from_facts"].format(facts=describe_facts(facts)))
            return ([SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in facts.items()]
                    + [FollowupAction("eligibility_form")])
        ranking, topic, topic_conf = nlu_reading(tracker.latest_message)
        if topic == "contacts" and asks(text, "contact"):  # answered with the hotline numbers
            send(dispatcher, say("contacts", hotline=hotline_text()), hotline_citations())
            return []
        answer, choices = answer_question(text, ranking, topic, topic_conf)
        channel = tracker.get_latest_input_channel()
        if answer:
            offer = [checklist_button()] if offers_checklist(answer, topic, text) and not in_form else []
            send_answer(dispatcher, answer, channel, buttons=(answer.suggestions + offer) or None)
        elif choices:
            send(dispatcher, say("did_you_mean_many", hotline=hotline_text()), buttons=choices, extra={"answer": {"kind": "choice"}})
        else:
            send(dispatcher, say("not_found", hotline=hotline_text()), extra={"answer": {"kind": "none"}})
        return []


class ActionShowClause(Action):
    """The clause a user picked from a list of clauses (staff links, older buttons)."""

    def name(self) -> str:
        return "action_show_clause"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        clause_id = next(tracker.get_latest_entity_values("clause_id"), None)
        clause = kb().clause(clause_id) if clause_id else None
        if not clause:
            send(dispatcher, say("clause_missing"), extra={"answer": {"kind": "none"}})
            return []
        quote = key_sentences(clause.get("text", ""), "", limit_chars=300)
        send(dispatcher, say("clause_shown", source=source(clause), quote=quote), [citation(clause, quote)])
        return []
