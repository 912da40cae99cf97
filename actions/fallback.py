"""Low confidence, out of scope and hand-over to a person."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import coverage_text, hotline_text, send
from actions.eligibility_answer import answer_eligibility_if_asked
from actions.kb_answers import answer_question, in_context, lead_answer, nlu_reading, send_reply
from policy_kb.question_kind import cue_words
from policy_kb.replies import say

MAX_QUERY = 500
# Share of the question's characters and character pairs the best clause must hold to answer
# when the intent was unclear (stricter than for a policy question: clause.min_coverage).
DIRECT_ANSWER_COVERAGE = 0.6


class ActionFallbackSearch(Action):
    """Not sure what was meant: a point or clause that clearly matches answers (the one answer
    flow of actions/kb_answers.py, with a stricter clause coverage); else the closest questions
    are offered as buttons ("您是想问…")."""

    def name(self) -> str:
        return "action_fallback_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()[:MAX_QUERY]
        # "不对，我是本科" after a verdict: the eligibility answer is re-decided, whatever the intent
        events = (answer_eligibility_if_asked(dispatcher, tracker, text, lead=lead_answer)
                  if text and not cue_words(text, "not_covered") else None)
        if events is not None:
            return events
        if not text:
            send(dispatcher, say("empty_message"))
            return []
        text, message = in_context(tracker, text)  # "那中级呢" after a policy answer
        ranking, _, _ = nlu_reading(message)
        answer, choices = answer_question(text, ranking, None, 0.0, clause_coverage=DIRECT_ANSWER_COVERAGE)
        # a subject no notice covers ("工资能涨吗") is told so; anything else was not understood
        nothing = "not_found" if cue_words(text, "not_covered") else "not_understood"
        send_reply(dispatcher, tracker, text, answer, choices, nothing=nothing)
        return []


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        send(dispatcher, say("out_of_scope", coverage=coverage_text(), hotline=hotline_text()))
        return []


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        send(dispatcher, say("handoff", hotline=hotline_text()))
        return []
