"""One applicant's conversation read back from the tracker store (for the chat page).

The chat page restores itself on reload and on back navigation from what Rasa stored: the
messages since the last restart, the open form (active loop) with the question it waits
for, and the facts the conversation holds (the fact slots, policy_kb/facts.yml). The store
is the one the Rasa server writes (bot.web.conversations.TrackerSource: a SQLite file, or
a SQL database through SQLAlchemy).
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.web.conversations import select
from policy_kb.facts import FACTS

# The newest events of one sender (a long conversation keeps its last part).
MAX_EVENTS = 3000
MAX_MESSAGES = 200
_SELECT = ("SELECT type_name, data FROM (SELECT id, type_name, data FROM events "
           "WHERE sender_id = :sender ORDER BY id DESC LIMIT :limit) AS recent ORDER BY id")
_KEEP = ("text", "buttons", "custom", "image")


def load_events(sender: str, sqlite_path: Path | None = None, sql_url: str | None = None) -> list[dict]:
    """The stored events of `sender`, oldest first ([] when the store has none or no table)."""
    try:
        rows = select(_SELECT, {"sender": sender, "limit": MAX_EVENTS}, sqlite_path, sql_url)
    except (OSError, sqlite3.Error, SQLAlchemyError):
        rows = []
    events = []
    for _type, data in rows:
        try:
            event = json.loads(data or "{}")
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def conversation(events: list[dict]) -> dict:
    """{"messages": [...], "open_form": {...} | None, "facts": {...}} from a sender's events.

    messages: {"from": "user", "text"} or {"from": "bot", "text", "buttons", "custom"} (the
    REST channel's shape). Everything before the last restart is gone, as for Rasa."""
    messages: list[dict] = []
    slots: dict[str, Any] = {}
    loop: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            messages, slots, loop = [], {}, None
        elif kind == "session_started":
            loop = None                       # a new session starts with no form open
        elif kind == "user":
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                messages.append({"from": "user", "text": text})
        elif kind == "bot":
            data = event.get("data") or {}
            msg = {"from": "bot", "text": event.get("text") or ""}
            msg.update({k: data[k] for k in _KEEP if k != "text" and data.get(k) not in (None, "", [])})
            if msg["text"] or len(msg) > 2:
                messages.append(msg)
        elif kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
        elif kind == "active_loop":
            loop = event.get("name") or None
    requested = slots.get("requested_slot")
    open_form = None
    if loop:
        spec = FACTS.get(requested or "", {})
        open_form = {"name": loop, "requested": requested,
                     "question": spec.get("question") or _last_bot_text(messages)}
    facts = {k: v for k, v in slots.items() if k in FACTS and v not in (None, "", [])}
    return {"messages": messages[-MAX_MESSAGES:], "open_form": open_form, "facts": facts}


def _last_bot_text(messages: list[dict]) -> str:
    for msg in reversed(messages):
        if msg["from"] == "bot" and msg.get("text"):
            return msg["text"]
    return ""


def form_values(facts: dict) -> dict[str, str]:
    """Facts as the checklist form's field values (bot/web/facts_form.py): booleans as 是/否."""
    out = {}
    for name, value in facts.items():
        if value is True or value is False:
            out[name] = "是" if value else "否"
        elif isinstance(value, float) and value.is_integer():
            out[name] = str(int(value))
        elif isinstance(value, (str, int, float)):
            out[name] = str(value)
    return out
