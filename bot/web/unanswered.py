"""Questions the assistant could not answer, read from Rasa's tracker store.

The store is the one the Rasa server uses (bot/web/conversations.py reads the endpoints
file): the SQLite file of the default set-up, or the PostgreSQL database of the scale-out
set-up -- both hold Rasa's ``events`` table.

A user message counts as unanswered when its intent is ``nlu_fallback``, its intent
confidence is below 0.6, or the assistant answered it with ``action_default_fallback`` /
``action_fallback_search``.  An answer given inside an open form ("不知道", "本科") is
the form's business: an unsure intent there does not count, only a fallback the assistant
actually ran or a policy reply that found nothing.  Messages are masked (policy_kb.privacy.mask_pii), grouped
by normalised text and counted.  A SQLite file is opened read-only.
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from datetime import datetime
from pathlib import Path

from bot.web.conversations import select
from policy_kb.privacy import mask_pii

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = {"action_default_fallback", "action_fallback_search"}
LOW_CONFIDENCE = 0.6  # below this the model was unsure: listed for review
MAX_EVENTS = 200_000  # newest events scanned
MAX_TEXT = 300        # characters of a message shown

REASONS = {
    "fallback_intent": "未识别意图",
    "low_confidence": "识别把握低",
    "fallback_action": "转入兜底回答",
    "not_found": "通知中没有找到",
    "choice": "只给出候选问题",
}
# The review queue's kinds (bot/web/review_queue.py): unsure intents, or not answered at all.
KIND_OF_REASON = {"low_confidence": "low_confidence"}  # every other reason: "unanswered"
# Policy replies that did not answer carry `custom.answer.kind` (docs/contracts.md).
UNANSWERED_KINDS = {"none": "not_found", "choice": "choice"}

_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Key used to group the same question written slightly differently."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _PUNCT_OR_SPACE.sub("", text)


_SELECT = ("SELECT id, sender_id, type_name, intent_name, action_name, timestamp, data "
           "FROM events WHERE type_name IN ('user', 'action', 'bot', 'active_loop') ORDER BY id DESC LIMIT :limit")


def _user_message(data_json: str | None) -> tuple[str, float | None, str | None]:
    try:
        data = json.loads(data_json or "{}")
    except (ValueError, TypeError):
        return "", None, None
    if not isinstance(data, dict):
        return "", None, None
    text = data.get("text") if isinstance(data.get("text"), str) else ""
    intent = (data.get("parse_data") or {}).get("intent") or {}
    conf = intent.get("confidence") if isinstance(intent, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    return text, (float(conf) if isinstance(conf, (int, float)) else None), name


def _loop_name(data_json: str | None) -> str | None:
    """The form an ``active_loop`` event opens (None: the form closed)."""
    try:
        data = json.loads(data_json or "{}")
        name = data.get("name") if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None
    return name if isinstance(name, str) and name else None


def _answer_kind(data_json: str | None) -> str | None:
    """`custom.answer.kind` of a stored bot message, if any."""
    try:
        data = json.loads(data_json or "{}")
        answer = ((data.get("data") or {}).get("custom") or {}).get("answer") or {}
        return answer.get("kind") if isinstance(answer, dict) else None
    except (ValueError, TypeError, AttributeError):
        return None


def _flag_messages(rows: list[tuple]) -> list[dict]:
    """Walk the events sender by sender; return each unanswered user message."""
    flagged: list[dict] = []
    open_msg: dict[str, dict] = {}  # sender -> last user message and its reasons
    in_form: dict[str, str] = {}    # sender -> the form open now

    def close(sender: str) -> None:
        msg = open_msg.pop(sender, None)
        if msg and msg["reasons"]:
            flagged.append(msg)

    for _id, sender, type_name, intent_name, action_name, ts, data in rows:
        if type_name == "active_loop":
            name = _loop_name(data)
            if name:
                in_form[sender] = name
            else:
                in_form.pop(sender, None)
            continue
        if type_name == "user":
            close(sender)
            text, conf, parsed_intent = _user_message(data)
            if not text.strip() or text.startswith("/"):
                continue  # empty or a button payload
            intent = intent_name or parsed_intent
            reasons = set()
            if sender not in in_form:   # a form answer is judged by the form, not the intent
                if intent == FALLBACK_INTENT:
                    reasons.add("fallback_intent")
                if conf is not None and conf < LOW_CONFIDENCE:
                    reasons.add("low_confidence")
            open_msg[sender] = {"text": text, "intent": intent, "ts": ts, "reasons": reasons}
        elif action_name in FALLBACK_ACTIONS and sender in open_msg:
            open_msg[sender]["reasons"].add("fallback_action")
        elif type_name == "bot" and sender in open_msg:
            kind = _answer_kind(data)
            if kind in UNANSWERED_KINDS:
                open_msg[sender]["reasons"].add(UNANSWERED_KINDS[kind])
    for sender in list(open_msg):
        close(sender)
    return flagged


def _iso(ts) -> str | None:
    try:
        if not ts or float(ts) <= 0:
            return None
        return datetime.fromtimestamp(float(ts)).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def unanswered(db_path: Path | None = None, limit: int = 200, sql_url: str | None = None) -> dict:
    """Grouped unanswered questions, most frequent first: from the SQLite file `db_path`,
    or from the SQL database at `sql_url` (SQLAlchemy URL)."""
    if sql_url:
        try:
            rows = select(_SELECT, {"limit": MAX_EVENTS}, sql_url=sql_url)[::-1]
        except Exception as exc:  # noqa: BLE001 - database down, table missing
            return {"available": False, "items": [], "total": 0,
                    "message": f"对话数据库暂时无法读取（{type(exc).__name__}）。"}
        return group_unanswered(rows, limit)
    db_path = Path(db_path or "")
    if not db_path.is_file():
        return {"available": False, "items": [], "total": 0,
                "message": "还没有对话记录（未找到对话数据库）。"}
    try:
        rows = select(_SELECT, {"limit": MAX_EVENTS}, sqlite_path=db_path)[::-1]
    except sqlite3.Error:
        return {"available": False, "items": [], "total": 0,
                "message": "对话数据库无法读取（可能尚未建立 events 表）。"}
    return group_unanswered(rows, limit)


def group_unanswered(rows: list[tuple], limit: int = 200) -> dict:
    groups: dict[str, dict] = {}
    for msg in _flag_messages(rows):
        masked = mask_pii(msg["text"])
        key = normalise_text(masked)
        if not key:
            continue
        group = groups.setdefault(key, {"key": key, "text": masked[:MAX_TEXT], "count": 0, "last_ts": 0.0,
                                        "intents": [], "reasons": [], "kinds": []})
        group["count"] += 1
        try:
            ts = float(msg["ts"] or 0)
        except (TypeError, ValueError):
            ts = 0.0
        if ts >= group["last_ts"]:
            group["last_ts"] = ts
            group["text"] = masked[:MAX_TEXT]
        if msg["intent"] and msg["intent"] not in group["intents"]:
            group["intents"].append(msg["intent"])
        for reason in sorted(msg["reasons"]):
            label = REASONS[reason]
            if label not in group["reasons"]:
                group["reasons"].append(label)
            kind = KIND_OF_REASON.get(reason, "unanswered")
            if kind not in group["kinds"]:
                group["kinds"].append(kind)
    items = sorted(groups.values(), key=lambda g: (-g["count"], -g["last_ts"]))
    total = sum(g["count"] for g in items)
    for g in items:
        g["last_seen"] = _iso(g["last_ts"])
    return {"available": True, "items": items[:limit], "total": total, "groups": len(items),
            "message": "" if items else "暂无未能解答的问题。"}
