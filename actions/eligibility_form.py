"""The eligibility conversation: one-turn answers, the form for missing facts, the verdict."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from actions.eligibility_answer import (ROUTE_SLOT, asked_routes, decided, evaluate_facts, facts_from_slots,
                                        missing_facts, send_lead, verdict)
from actions.fact_form import (SKIPPED_SLOT, FactFormValidation, form_cancelled, facts_in_answer, new_case,
                               one_turn_ready)
from actions.kb_answers import answer_question, in_context, lead_answer, nlu_reading, send_reply
from policy_kb.facts import MESSAGES
from policy_kb.question_kind import asks


# A personal question that asks where, when, how many or how much ("我在旗下事业单位，材料交到哪")
# is not about eligibility: it is answered, and no form opens.
ASKS_OTHER = ("date", "where", "copies", "money", "contact", "material_list", "steps", "interview")


class ActionCheckEligibility(Action):
    """Take the facts of the question; the form then asks only what is still missing.

    A question that already decides ("本科毕业在民企干了6年能直接报中级吗") is answered here,
    and the conversation waits for the user: no form is opened only to close at once."""

    def name(self) -> str:
        return "action_check_eligibility"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        asked, message = in_context(tracker, text)
        if asked != text:  # "那中级呢" after a policy answer: that question, not a case
            send_reply(dispatcher, tracker, asked, *answer_question(asked, *nlu_reading(message)))
            return [FollowupAction("action_listen")]
        if asks(text, *ASKS_OTHER, "not_covered"):
            answer, _ = answer_question(text, *nlu_reading(message))
            # answered; or pay, pensions...: "the notices do not say" (send_reply's not found)
            if answer or asks(text, "not_covered"):
                send_reply(dispatcher, tracker, text, answer, [])
                return [FollowupAction("action_listen")]
        found = facts_in_answer(text, None)
        routes = asked_routes(text, tracker)
        known = facts_from_slots(tracker)
        forget = new_case(found, known)
        known = {k: v for k, v in known.items() if k not in forget}
        events = ([SlotSet(SKIPPED_SLOT, []), SlotSet(ROUTE_SLOT, routes or None)] + [SlotSet(k, None) for k in forget]
                  + [SlotSet(k, v) for k, v in found.items()])
        if found:
            result = evaluate_facts({**known, **found}, routes)
            if decided(result):
                # the question holds what decides the route in question: answer, ask nothing
                reply, cites, payload = verdict(result)
                send(dispatcher, reply, cites, payload)
                return events + [FollowupAction("action_listen")]
            if not one_turn_ready(found):
                # Questions will follow: first say what the notices provide for the situation described.
                answer = lead_answer(text)
                if answer:
                    send_lead(dispatcher, answer, MESSAGES["ask_after_answer"])
        return events


class ValidateEligibilityForm(FactFormValidation):
    form_name = "eligibility_form"

    routes: Any = None  # the routes the conversation asks about (slot asked_route), set by needed()

    def needed(self, facts: dict[str, Any], tracker: Tracker) -> list[str]:
        self.routes = tracker.get_slot(ROUTE_SLOT)
        return missing_facts(evaluate_facts(facts, self.routes))

    def on_full_question(self, dispatcher: CollectingDispatcher, facts: dict[str, Any], still: list[str]) -> list[str]:
        """Answer a question that held the facts at once; if the notices need more facts to
        decide, say what is known so far and go on asking for the rest."""
        result = evaluate_facts(facts, self.routes)
        if decided(result) or not still:
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
        result = evaluate_facts(facts, tracker.get_slot(ROUTE_SLOT))
        text, cites, payload = verdict(result)
        send(dispatcher, text, cites, payload)
        return [SlotSet(SKIPPED_SLOT, [])]


__all__ = ["ActionCheckEligibility", "ValidateEligibilityForm", "ActionEligibilityResult"]
