"""Trackers for the action tests, shaped like the ones the Rasa server sends."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str, intent: str, slots: dict | None = None, active_loop: str | None = None,
                 events: list | None = None, entities: list | None = None) -> Tracker:
    """`intent` may name a retrieval sub-intent ("faq/topic_materials", "faq/<point id>"): the
    parse data then holds the ResponseSelector's choice, as the Rasa server sends it."""
    base, _, sub = intent.partition("/")
    parse = {"text": text, "intent": {"name": base, "confidence": 0.95}, "entities": entities or [],
             "intent_ranking": [{"name": base, "confidence": 0.95}]}
    if sub:
        ranking = [{"id": 1, "confidence": 0.95, "intent_response_key": intent}]
        parse["response_selector"] = {base: {"ranking": ranking, "response": {"intent_response_key": intent,
                                                                               "confidence": 0.95}}}
    user_event = {"event": "user", "text": text, "parse_data": parse, "input_channel": "rest"}
    all_slots = dict(slots or {})
    all_slots.setdefault("requested_slot", None)
    return Tracker(
        sender_id="test-user", slots=all_slots, latest_message=parse,
        events=(events or []) + [{"event": "action", "name": "action_listen"}, user_event],
        paused=False, followup_action=None,
        active_loop={"name": active_loop} if active_loop else {}, latest_action_name="action_listen",
    )


def run_action(action, tracker: Tracker, domain: dict | None = None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def citations_of(messages) -> list[str]:
    return [c["id"] for m in messages for c in (m.get("custom") or {}).get("citations", [])]


def text_of(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.fixture
def tracker_factory():
    return make_tracker
