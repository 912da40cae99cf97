"""What the chat forms share: reading facts from each answer, corrections, and asking only
for the facts the decision still needs (computed by the evaluator, not listed by hand)."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.extract import extract_facts
from policy_kb.facts import FACTS, MESSAGES, describe_facts, normalise_fact

SKIPPED_SLOT = "pending_facts"
DONE_SLOT = "questions_done"
CANCELLED = "__cancelled__"
_SKIP = re.compile(r"不知道|不清楚|不确定|说不准|跳过|不好说|没有这个|不适用")
_STOP = re.compile(r"算了|取消|不问了|不查了|退出|停止|结束")
_FORM_INTENTS = {"inform", "affirm", "deny", "check_eligibility", "request_checklist", "nlu_fallback"}
# A message that asks something ("苏木乡镇工作的人评职称有什么优惠？") rather than answers.
_QUESTION = re.compile(r"[？?]\s*$|[吗呢么]\s*[。！!]?\s*$|什么|怎么|怎样|哪些|哪个|哪里|如何|多少|为什么|为啥|是否|有没有|能不能|可不可以|需不需要|要不要")
# Letters beyond the facts' own words up to which a message is a bare answer ("苏木乡镇吧？").
_BARE_ANSWER_EXTRA = 3


def facts_in_answer(text: str, requested: str | None) -> dict[str, Any]:
    """Facts in one user message; a bare answer goes to the fact that was asked."""
    found = dict(extract_facts(text, requested)) if text else {}
    if requested and requested in FACTS and requested not in found:
        value, error, _note = normalise_fact(requested, text.strip())
        if error is None and value is not None:
            spec = FACTS[requested]
            if spec.get("type") == "number":
                # The number answers the question asked, not another duration fact.
                for other, other_spec in FACTS.items():
                    if other_spec.get("type") == "number" and found.get(other) == value:
                        found.pop(other)
            found[requested] = value
    return {k: v for k, v in found.items() if k in FACTS}


def side_question(text: str, requested: str | None) -> bool:
    """A question asked while the form waits for `requested` (not an answer to it): asked in
    its own words, not about the asker ("我…"), more than a bare answer. The form then
    rejects it, a rule answers it (data/rules.yml) and the form asks again."""
    if not text or not requested or requested not in FACTS or not _QUESTION.search(text):
        return False
    if "我" in text:
        return False  # "我在苏木乡镇，能报吗？": about the asker's own case, an answer
    from policy_kb.extract import extract_entities

    covered = {i for ent in extract_entities(text) for i in range(ent["start"], ent["end"])}
    rest = [ch for i, ch in enumerate(text) if i not in covered and ch.isalnum()]
    return len(rest) > _BARE_ANSWER_EXTRA


def form_cancelled(tracker: Tracker) -> bool:
    """The user stopped the form ("算了"): no result is given."""
    return CANCELLED in (tracker.get_slot(SKIPPED_SLOT) or [])


def one_turn_ready(found: dict[str, Any]) -> bool:
    """A question that names the title wanted and at least two facts about the person."""
    return "target_title" in found and len(found) >= 3


def new_case(found: dict[str, Any], known: dict[str, Any]) -> list[str]:
    """The facts known from before to forget: a message that states a whole case of its own
    (the title and two facts, as one_turn_ready) and contradicts what was known ("大专生…认定助理"
    after "本科…会计…副高") is another case, so the earlier facts it does not restate (the
    会计 series) do not decide it. A follow-up ("那副高呢", "如果是大专呢") keeps them."""
    if not one_turn_ready(found) or not any(k in known and known[k] != v for k, v in found.items()):
        return []
    return [k for k in known if k not in found]


class FactFormValidation(FormValidationAction):
    """Validation of a form whose questions come from a decision function."""

    form_name = ""

    def name(self) -> str:
        return f"validate_{self.form_name}"

    def needed(self, facts: dict[str, Any], tracker: Tracker) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_full_question(self, dispatcher: CollectingDispatcher, facts: dict[str, Any], still: list[str]) -> list[str]:
        """The first message already held the facts: answer now and ask nothing."""
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from actions.eligibility_answer import facts_from_slots

        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        skipped = list(tracker.get_slot(SKIPPED_SLOT) or [])
        known = facts_from_slots(tracker)
        events: list[dict[str, Any]] = []

        if text:
            if _STOP.search(text):
                dispatcher.utter_message(response="utter_form_cancelled")
                return [SlotSet(SKIPPED_SLOT, skipped + [CANCELLED]), SlotSet("requested_slot", None)]
            if side_question(text, requested):
                return []  # rejected: the interruption rule answers it, then the form asks again
            found = facts_in_answer(text, requested)
            if requested and requested not in found and _SKIP.search(text):
                skipped.append(requested)
                events.append(SlotSet(SKIPPED_SLOT, skipped))
            elif requested and not found:
                if intent not in _FORM_INTENTS:
                    return []  # another question: the form is interrupted, a rule answers it
                spec = FACTS.get(requested, {})
                hint = "、".join(spec.get("values") or []) if spec.get("values") else ""
                dispatcher.utter_message(text="抱歉，没能从这句话里识别出" + spec.get("label", "答案") + "。"
                                              + (f"可以直接回答：{hint}；" if hint else "")
                                              + "不清楚可以说“不知道”，不想继续可以说“算了”。")
                return [SlotSet(SKIPPED_SLOT, skipped), SlotSet("requested_slot", requested)]
            events.extend(SlotSet(k, None) for k in new_case(found, known))
            events.extend(SlotSet(k, v) for k, v in found.items())
            if requested and found and requested not in found:
                # The answer was about something else (or corrects an earlier answer): say
                # what was taken, so the user sees it was understood, then go on asking.
                dispatcher.utter_message(text=MESSAGES["noted"].format(facts=describe_facts(found)))

        facts = dict(known)
        for event in events:
            if event.get("name") in FACTS:
                facts[event["name"]] = event["value"]
        facts = {k: v for k, v in facts.items() if v is not None}
        still = self.still_needed(facts, tracker, skipped)
        if requested is None and one_turn_ready(facts_in_answer(text, None)):
            still = self.on_full_question(dispatcher, facts, still)
        if requested in still and text and requested not in facts and len(still) > 1:
            # The user answered something else: ask the other questions first, this one last.
            still = [f for f in still if f != requested] + [requested]
        events.append(SlotSet("requested_slot", still[0] if still else None))
        if not any(e.get("name") not in ("requested_slot",) for e in events):
            events.insert(0, SlotSet(SKIPPED_SLOT, skipped))
        events.append(SlotSet(DONE_SLOT, None if still else True))
        return events

    def still_needed(self, facts: dict[str, Any], tracker: Tracker, skipped: list) -> list[str]:
        """The facts to ask for, in order: what the decision needs, minus what was skipped."""
        return [f for f in self.needed(facts, tracker) if f not in skipped and f in FACTS]


class ActionAskQuestionsDone(Action):
    """Asked by a form that resumes after an interruption (Rasa then skips validation and
    asks for its first empty required slot, `questions_done`): ask the form's next question
    again, the one its validation would ask."""

    def name(self) -> str:
        return f"action_ask_{DONE_SLOT}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        from actions.eligibility_answer import facts_from_slots

        form = (tracker.active_loop or {}).get("name")
        validation = next((cls() for cls in FactFormValidation.__subclasses__() if cls.form_name == form), None)
        skipped = list(tracker.get_slot(SKIPPED_SLOT) or [])
        still = validation.still_needed(facts_from_slots(tracker), tracker, skipped) if validation else []
        if not still:
            return [SlotSet("requested_slot", None), SlotSet(DONE_SLOT, True)]
        await ASK_ACTIONS[still[0]]().run(dispatcher, tracker, domain)
        return [SlotSet("requested_slot", still[0])]


def _ask_action(fact: str) -> type[Action]:
    spec = FACTS[fact]

    class AskFact(Action):
        def name(self) -> str:
            return f"action_ask_{fact}"

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
            buttons = []
            if spec.get("type") == "enum":
                buttons = [{"title": v, "payload": v} for v in spec.get("values", [])]
            elif spec.get("type") == "bool":
                buttons = [{"title": "是", "payload": "是"}, {"title": "否", "payload": "否"}]
            elif spec.get("suggestions"):
                buttons = [{"title": v, "payload": v} for v in spec["suggestions"][:6]]
            buttons.append({"title": "不知道", "payload": "不知道"})
            dispatcher.utter_message(text=spec.get("question", f"请告诉我：{spec.get('label', fact)}"), buttons=buttons)
            return []

    AskFact.__name__ = f"ActionAsk_{fact}"
    return AskFact


# One "ask" action per fact, each asking the question written in policy_kb/facts.yml.
ASK_ACTIONS = {fact: _ask_action(fact) for fact in FACTS}
globals().update({cls.__name__: cls for cls in ASK_ACTIONS.values()})
