"""Low confidence, out of scope and hand-over to a person."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clause_answer import clause_answer, ranked_hits
from actions.common import bigrams, coverage_text, hotline_text, kb, point_index, send, send_answer, today
from actions.eligibility_answer import answer_eligibility_if_asked
from actions.kb_answers import in_context, lead_answer, not_covered, nlu_reading, send_choices
from policy_kb.point_answer import point_answer, suggestion
from policy_kb.point_match import vague
from policy_kb.question_kind import cue_words
from policy_kb.replies import say

MAX_QUERY = 500
# Share of the question's characters and character pairs a clause must contain to be
# answered directly when the intent was unclear.
DIRECT_ANSWER_COVERAGE = 0.6


def clearly_matches(text: str, hit: dict) -> bool:
    wanted = bigrams(text)
    if len(wanted) < 6:
        return False
    clause = kb().clause(hit["id"]) or hit
    return len(wanted & bigrams(clause.get("text", ""))) / len(wanted) >= DIRECT_ANSWER_COVERAGE


class ActionFallbackSearch(Action):
    """Not sure what was meant: a point or clause that clearly matches answers; else the
    closest questions are offered as buttons ("您是想问…")."""

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
        ranking, topic, topic_conf = nlu_reading(message)
        best, others = point_index().decide(text, ranking)
        channel = tracker.get_latest_input_channel()
        if not_covered(text, best.point if best else None):
            send(dispatcher, say("not_found", hotline=hotline_text()), extra={"answer": {"kind": "none"}})
            return []
        if best:
            answer = point_answer(kb(), best.point, text, today())
            answer.suggestions = [suggestion(p) for p in point_index().follow_ups(best.point, others)]
            send_answer(dispatcher, answer, channel)
            return []
        hits = [] if vague(text) else ranked_hits(text, None)
        if hits and clearly_matches(text, hits[0]):
            answer = clause_answer(text, None)
            if answer:
                answer.suggestions = [suggestion(p) for p in point_index().follow_ups(None, others)]
                send_answer(dispatcher, answer, channel)
                return []
        if others:
            send_choices(dispatcher, text, [suggestion(m.point) for m in others])
            return []
        send(dispatcher, say("not_understood", coverage=coverage_text(), hotline=hotline_text()),
             extra={"answer": {"kind": "none"}})
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
