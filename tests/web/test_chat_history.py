"""The chat's conversation read back from the tracker store (bot/web/history.py) and the
restart endpoint. The tracker is written by Rasa's own SQLTrackerStore."""
from __future__ import annotations

import asyncio
import os
import warnings

import pytest
from aiohttp import web

from bot.web.history import conversation, form_values, load_events
from policy_kb.facts import FACTS
from tests.web.conftest import Http, _start_web

SENDER = "history-sender-1"


def _write(path) -> None:
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, Restarted, SlotSet,
                                             UserUttered)
        from rasa.shared.core.trackers import DialogueStateTracker
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    def user(text):
        return UserUttered(text, intent={"name": "faq", "confidence": 0.9})

    events = [
        user("旧的问题"), BotUttered("旧的回答"), Restarted(),
        user("我能申报中级职称吗？"), ActionExecuted("action_check_eligibility"),
        SlotSet("target_title", "中级"), SlotSet("full_time", True), SlotSet("years_worked", 6.0),
        ActionExecuted("eligibility_form"), ActiveLoop("eligibility_form"), SlotSet("requested_slot", "education"),
        BotUttered("您的最高学历是？", data={"buttons": [{"title": "本科", "payload": "本科"}]}),
        user("/request_checklist"),
        BotUttered("送审表用A3纸，一式15份。\n依据…", data={"custom": {"answer": {"short": "送审表用A3纸，一式15份。"}}}),
    ]

    async def save():
        tracker = DialogueStateTracker(SENDER, slots=[])
        for event in events:
            tracker.update(event)
        await store.save(tracker)

    asyncio.run(save())


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "tracker.db"
    _write(path)
    return path


def test_conversation_since_the_restart_with_the_open_form(history_db):
    result = conversation(load_events(SENDER, history_db))
    texts = [(m["from"], m["text"]) for m in result["messages"]]
    assert texts[0] == ("user", "我能申报中级职称吗？")
    assert ("user", "旧的问题") not in texts and ("user", "/request_checklist") not in texts
    assert result["messages"][1]["buttons"] == [{"title": "本科", "payload": "本科"}]
    assert result["messages"][-1]["custom"]["answer"]["short"] == "送审表用A3纸，一式15份。"
    assert result["open_form"] == {"name": "eligibility_form", "requested": "education",
                                   "question": FACTS["education"]["question"]}
    assert result["facts"] == {"target_title": "中级", "full_time": True, "years_worked": 6.0}
    assert form_values(result["facts"]) == {"target_title": "中级", "full_time": "是", "years_worked": "6"}


def test_unknown_sender_and_missing_store(history_db, tmp_path):
    assert conversation(load_events("nobody-here-123", history_db)) == {"messages": [], "open_form": None, "facts": {}}
    assert load_events(SENDER, tmp_path / "missing.db") == []
    (tmp_path / "foreign.db").write_bytes(b"not a database at all" * 50)
    assert load_events(SENDER, tmp_path / "foreign.db") == []


@pytest.fixture(scope="module")
def rasa_log():
    return []


@pytest.fixture(scope="module")
def history_web(servers, history_db, rasa_log):
    async def webhook(request: web.Request) -> web.Response:
        rasa_log.append(await request.json())
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    port = servers.serve(app)
    return _start_web(servers, f"http://127.0.0.1:{port}", history_db)


def test_history_api(history_web):
    http = Http(history_web.url)
    resp = http.request("POST", "/api/chat/history", {"sender": SENDER})
    assert resp.status == 200
    body = resp.json()
    assert body["open_form"]["requested"] == "education" and body["restored"] is True
    assert body["checklist_url"].startswith("/checklist?target_title=%E4%B8%AD%E7%BA%A7")
    assert "full_time=%E6%98%AF" in body["checklist_url"]
    for bad in ({"sender": "x"}, {"sender": 5}, {}):
        resp = http.request("POST", "/api/chat/history", bad)
        assert resp.status == 400 and "会话标识" in resp.json()["error"]
    cross = http.request("POST", "/api/chat/history", {"sender": SENDER}, headers={"Origin": "http://evil.test"})
    assert cross.status == 403


def test_restart_api_sends_restart_to_rasa(history_web, rasa_log):
    http = Http(history_web.url)
    resp = http.request("POST", "/api/chat/restart", {"sender": SENDER})
    assert resp.status == 200 and resp.json() == {"restarted": True}
    assert rasa_log[-1] == {"sender": SENDER, "message": "/restart"}
