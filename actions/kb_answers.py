"""Answers to policy questions: an answer point when one answers, else the best clause;
always the answer first and the clause cited (policy_kb.answer.Answer)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clause_answer import clause_answer
from actions.common import (citation, coverage_text, hotline_citations, hotline_text, kb, key_sentences, point_index,
                            send, send_answer, today)
from actions.eligibility_answer import answer_eligibility_if_asked, bare_facts, is_personal_question
from actions.fact_form import SKIPPED_SLOT
from bot.faq_data import RETRIEVAL_INTENT, parse_key
from policy_kb.answer import Answer, source
from policy_kb.extract import extract_facts
from policy_kb.facts import MESSAGES, describe_facts
from policy_kb.point_answer import point_answer, suggestion, table_point
from policy_kb import follow_up
from policy_kb.point_match import settings, vague
from policy_kb.question_kind import asks, cue_words, holds
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


def previous_policy_question(tracker: Tracker) -> dict | None:
    """The user message before this one, when the assistant's reply to it was a policy answer
    (a point or a clause): the question a short follow-up ("那中级呢") continues."""
    events = list(tracker.events or [])
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    before, now = users[-2], users[-1]
    answered = any(((e.get("data") or {}).get("custom") or {}).get("answer", {}).get("kind") in ("answer", "clause")
                   for e in events[before + 1:now] if e.get("event") == "bot")
    return events[before] if answered and (events[before].get("text") or "").strip() else None


def in_context(tracker: Tracker, text: str) -> tuple[str, dict]:
    """(the question to answer, the NLU reading to rank it with). A follow-up on the previous
    policy answer ("那中级呢", "评审表呢"; or a bare "啥时候交" that no point answers alone) stands
    for the previous question with its words in place (policy_kb/follow_up.py), ranked with the
    NLU reading of that question."""
    previous = previous_policy_question(tracker)
    if previous and is_personal_question(text, extract_facts(text)):
        return text, tracker.latest_message  # "那我本科干了6年能报中级吗": a case of its own
    if previous and (follow_up.is_follow_up(text) or follow_up.is_bare(text) and not point_index().decide(text, None, today())[0]):
        return follow_up.merge(previous["text"], text), previous.get("parse_data") or {}
    return text, tracker.latest_message


def answer_question(text: str, ranking: list[dict] | None, topic: str | None, topic_conf: float,
                    clause_coverage: float | None = None) -> tuple[Answer | None, list[dict]]:
    """(the answer, or None; choices to offer). A point answers when it is decided; else the
    clause search, guided by the topic, answers when the best clause holds `clause_coverage` of
    the question (ranking.yml's clause.min_coverage unless given); points close to the question
    are offered."""
    best, others = point_index().decide(text, ranking, today())
    if not_covered(text, best.point if best else None):
        return None, []
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
    if vague(text):  # "证书": the closest points as choices, not the first clause that holds the word
        return None, [suggestion(m.point) for m in others]
    cfg = settings()["clause"]
    use_topic = topic if topic_conf >= cfg["topic_min_confidence"] else None
    answer = clause_answer(text, use_topic, cfg["min_coverage"] if clause_coverage is None else clause_coverage)
    if answer:
        answer.suggestions = [suggestion(p) for p in point_index().follow_ups(None, others, SUGGESTIONS)]
        return answer, []
    return None, [suggestion(m.point) for m in others]


def not_covered(text: str, point: dict | None) -> bool:
    """A question on a subject no notice covers (pay, pensions, lost certificates...: the
    not_covered words of policy_kb/question_kinds.yml), which the point found does not speak of
    either (every such word of the question: "毕业证丢了" in a point does not answer "职称证丢了咋
    补办"): the honest answer is that the notices do not say."""
    words = cue_words(text, "not_covered")
    spoken = "".join((point or {}).get("questions") or []) + (point or {}).get("answer", "")
    return not all(holds(spoken, w) for w in words)


def lead_answer(text: str) -> Answer | None:
    """What the notices provide for a personal question the eligibility form will go on with
    ("乡镇本科干2年能直接评中级吗": the rule first, then the questions)."""
    return answer_question(text, None, None, 0.0)[0]


def send_choices(dispatcher: CollectingDispatcher, text: str, choices: list[dict]) -> None:
    """The closest questions as buttons ("您是不是想问…"; for one word: "您想问的是哪个…")."""
    wording = "which_one" if vague(text) else "did_you_mean_many"
    send(dispatcher, say(wording, hotline=hotline_text()), buttons=choices, extra={"answer": {"kind": "choice"}})


def send_reply(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, answer: Answer | None,
               choices: list[dict], extra_buttons: list[dict] | None = None, nothing: str = "not_found") -> None:
    """The reply to a policy question: the answer (with its follow-up questions), else the
    closest questions as buttons, else `nothing` ("没有找到", or "没太明白" after an unclear
    message) with the hotline."""
    if answer:
        buttons = answer.suggestions + (extra_buttons or [])
        send_answer(dispatcher, answer, tracker.get_latest_input_channel(), buttons=buttons or None)
    elif choices:
        send_choices(dispatcher, text, choices)
    else:
        send(dispatcher, say(nothing, coverage=coverage_text(), hotline=hotline_text()), extra={"answer": {"kind": "none"}})


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
        asked, message = (text, tracker.latest_message) if in_form else in_context(tracker, text)
        # "评上副高退休金能涨吗" asks about pay, not about who may apply; "那中级呢" after a policy
        # answer continues that question: no eligibility verdict for either
        personal = not in_form and asked == text and not cue_words(text, "not_covered")
        events = answer_eligibility_if_asked(dispatcher, tracker, text, lead=lead_answer) if personal else None
        if events is not None:
            return events
        facts = bare_facts(text) if personal else {}
        if facts:
            # "本科", "干了6年": an answer before any question. Take it and ask what an
            # eligibility check still needs, instead of searching the notices for one word.
            dispatcher.utter_message(text=MESSAGES["start_from_facts"].format(facts=describe_facts(facts)))
            return ([SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in facts.items()]
                    + [FollowupAction("eligibility_form")])
        ranking, topic, topic_conf = nlu_reading(message)
        if topic == "contacts" and asks(asked, "contact"):  # answered with the hotline numbers
            send(dispatcher, say("contacts", hotline=hotline_text()), hotline_citations())
            return []
        answer, choices = answer_question(asked, ranking, topic, topic_conf)
        offer = [checklist_button()] if answer and offers_checklist(answer, topic, asked) and not in_form else []
        send_reply(dispatcher, tracker, asked, answer, choices, offer)
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
