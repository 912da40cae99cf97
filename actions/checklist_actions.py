"""The one-time disclosure (一次性告知) in the chat: a short form, then a summary and a link."""
from __future__ import annotations

import os
import urllib.parse
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import citation, kb, send
from actions.eligibility_answer import facts_from_slots
from actions.fact_form import DONE_SLOT, SKIPPED_SLOT, FactFormValidation, form_cancelled, facts_in_answer
from policy_kb.checklist import build_checklist
from policy_kb.replies import say

# At most this many questions before the checklist is shown; the rest become
# "如属…情形，还需提供…" lines of the checklist itself.
MAX_QUESTIONS = 3


class ActionStartChecklist(Action):
    def name(self) -> str:
        return "action_start_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        found = facts_in_answer((tracker.latest_message.get("text") or "").strip(), None)
        return [SlotSet(SKIPPED_SLOT, [])] + [SlotSet(k, v) for k, v in found.items()]


class ValidateChecklistForm(FactFormValidation):
    form_name = "checklist_form"

    def needed(self, facts: dict[str, Any], tracker: Tracker) -> list[str]:
        asked = set()
        for event in reversed(tracker.events):
            if event.get("event") == "action" and event.get("name") == "action_start_checklist":
                break
            if event.get("event") == "slot" and event.get("name") == "requested_slot" and event.get("value"):
                asked.add(event["value"])  # each question the form asked set requested_slot
        asked.discard(DONE_SLOT)
        unknown = build_checklist(facts).get("unknown_facts") or []
        names = [u if isinstance(u, str) else u.get("fact") for u in unknown]
        return [n for n in names if n][: max(0, MAX_QUESTIONS - len(asked))]


def checklist_link(facts: dict) -> str:
    base = os.environ.get("PUBLIC_WEB_URL", "http://localhost:%s" % os.environ.get("WEB_PORT", "8000"))
    # The web page reads the facts as form fields (bot/web/facts_form.py); booleans as 是/否.
    fields = {k: ("是" if v is True else "否" if v is False else v) for k, v in facts.items()}
    return f"{base}/checklist?" + urllib.parse.urlencode(fields)


class ActionChecklistResult(Action):
    def name(self) -> str:
        return "action_checklist_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if form_cancelled(tracker):
            return [SlotSet(SKIPPED_SLOT, [])]
        facts = facts_from_slots(tracker)
        result = build_checklist(facts)
        items = result.get("items") or []
        lines = [f"一次性告知：按您的情况，需要准备以下{len(items)}项材料（完整清单可打印）："]
        cites = []
        for item in items[:8]:
            copies = f"，{item['copies']}份" if item.get("copies") else ""
            lines.append(f"· {item['name']}{copies}")
            for clause_id in item.get("citations") or []:
                clause = kb().clause(clause_id)
                if clause:
                    cites.append(citation(clause))
        if len(items) > 8:
            lines.append(f"……另有{len(items) - 8}项，见完整清单。")
        for cond in (result.get("conditional_items") or [])[:3]:
            lines.append("· " + (cond if isinstance(cond, str) else cond.get("text") or cond.get("name", "")))
        for deadline in (result.get("deadlines") or [])[:2]:
            lines.append("截止时间：" + (deadline if isinstance(deadline, str) else deadline.get("text") or ""))
        url = checklist_link(facts)
        if tracker.get_latest_input_channel() == "wechat":
            lines.append(say("checklist_full_link", url=url))   # WeChat shows text only
            send(dispatcher, "\n".join(lines), cites[:10], {"checklist_url": url})
        else:
            # The web chat shows a button, never the percent-encoded address as text.
            lines.append(say("checklist_open"))
            send(dispatcher, "\n".join(lines), cites[:10], {"checklist_url": url},
                 buttons=[{"title": say("checklist_offer"), "payload": "/request_checklist"}])
        return [SlotSet(SKIPPED_SLOT, [])]
