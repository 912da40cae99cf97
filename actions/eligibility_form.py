"""The eligibility conversation: one-turn answers, the form for missing facts, the verdict."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from actions.eligibility_answer import evaluate_facts, facts_from_slots, verdict
from actions.fact_form import SKIPPED_SLOT, FactFormValidation, form_cancelled, facts_in_answer, one_turn_ready
from actions.kb_answers import compose_topic_answer


class ActionCheckEligibility(Action):
    """Take the facts of the question; the form then asks only what is still missing."""

    def name(self) -> str:
        return "action_check_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        found = facts_in_answer(text, None)
        if found and not one_turn_ready(found):
            # Questions will follow: first say what the notices provide for the situation described.
            answer, cites = compose_topic_answer(text, None)
            if answer:
                send(dispatcher, answer + "\n要判断您本人能否申报，请再回答几个问题：", cites)
        return [SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in found.items()]


class ValidateEligibilityForm(FactFormValidation):
    form_name = "eligibility_form"

    def needed(self, facts: dict[str, Any], tracker: Tracker) -> list[str]:
        return list(evaluate_facts(facts).get("missing") or [])

    def on_full_question(self, dispatcher: CollectingDispatcher, facts: dict[str, Any], still: list[str]) -> list[str]:
        """Answer a question that held the facts at once; if the notices need more facts to
        decide, say what is known so far and go on asking for the rest."""
        result = evaluate_facts(facts)
        if result.get("eligible") is not None or not still:
            return []
        text, cites, payload = verdict(result)
        send(dispatcher, text, cites, payload)
        return still


class ActionEligibilityResult(Action):
    def name(self) -> str:
        return "action_eligibility_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if form_cancelled(tracker):
            return [SlotSet(SKIPPED_SLOT, [])]
        facts = facts_from_slots(tracker)
        result = evaluate_facts(facts)
        text, cites, payload = verdict(result)
        send(dispatcher, text, cites, payload)
        return [SlotSet(SKIPPED_SLOT, [])]


__all__ = ["ActionCheckEligibility", "ValidateEligibilityForm", "ActionEligibilityResult"]
