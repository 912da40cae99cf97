"""bot.channels.rest_guard: the REST channel's input checks and its apology for silence,
served for real (Sanic on a loopback port) with a scripted stand-in for Rasa's agent."""
from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid

import pytest

from bot.channels import rest_guard
from bot.channels.rest_guard import GuardedRestInput, RequestError, needs_apology, parse_body
from tests.robustness.conftest import http

CJK = re.compile(r"[\u4e00-\u9fff]")
PORT = 19190


def _kb_hotlines() -> list[str]:
    from policy_kb.kb import KB

    return [row["phone"] for row in KB(auto_build=False).contacts()]


class Scripted:
    """on_new_message: answers, stays silent or raises depending on the text."""

    def __init__(self):
        self.seen: list = []

    async def __call__(self, message):
        self.seen.append(message)
        if message.text == "silence":
            return
        if message.text == "boom":
            raise RuntimeError("action server unreachable")
        await message.output_channel.send_text_message(message.sender_id, "收到：" + message.text[:10])


@pytest.fixture(scope="module")
def guard_server():
    from sanic import Sanic

    agent = Scripted()
    app = Sanic("guard_" + uuid.uuid4().hex[:8])
    app.blueprint(GuardedRestInput().blueprint(agent), url_prefix="/webhooks/rest")
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    def run():
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(app.create_server(host="127.0.0.1", port=PORT,
                                                           return_asyncio_server=True, access_log=False))
        loop.run_until_complete(server.startup())
        loop.run_until_complete(server.before_start())
        loop.run_until_complete(server.after_start())
        holder["server"] = server
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "guard test server did not start"
    yield f"http://127.0.0.1:{PORT}/webhooks/rest/webhook", agent

    async def shutdown():
        server = holder["server"]
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()

    asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _post(url: str, body) -> tuple[int, object]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    reply = http("POST", url, raw)
    return reply.status, reply.json()


def test_a_normal_message_passes_through_unchanged(guard_server):
    url, agent = guard_server
    status, body = _post(url, {"sender": "u1", "message": "你好", "metadata": {"k": 1}})
    assert status == 200 and body == [{"recipient_id": "u1", "text": "收到：你好"}]
    assert agent.seen[-1].metadata == {"k": 1} and agent.seen[-1].input_channel == "rest"


@pytest.mark.parametrize("text", ["silence", "boom"])
def test_silence_or_a_failure_becomes_an_apology_with_the_kb_hotline(guard_server, text):
    url, _ = guard_server
    status, body = _post(url, {"sender": "u2", "message": text})
    assert status == 200 and len(body) == 1, body
    reply = body[0]["text"]
    assert reply.startswith("抱歉") and any(n in reply for n in _kb_hotlines()), reply


def test_only_rasa_commands_may_stay_silent():
    assert needs_apology("/restart", []) is False
    assert needs_apology("  /session_start ", []) is False
    assert needs_apology("/show_clause{}", []) is True
    assert needs_apology("", []) is True
    assert needs_apology("你好", [{"text": "x"}]) is False


@pytest.mark.parametrize("raw, status", [
    (b"", 400), (b"not json", 400), (b"[1, 2]", 400), (b'"hi"', 400), (b"\xff\xfe", 400),
    (b'{"sender": "a", "message": 5}', 400), (b'{"sender": "a"}', 400), (b'{"message": "hi"}', 400),
    (b'{"sender": "", "message": "hi"}', 400), (b'{"sender": ["a"], "message": "hi"}', 400),
    (b'{"sender": "a", "message": "hi", "metadata": [1]}', 400),
    (('{"sender": "a", "message": "%s"}' % ("x" * 10_001)).encode(), 413),
    (b'{"sender": "a", "message": "' + b"x" * 300_000 + b'"}', 413),
])
def test_bad_bodies_get_a_clear_4xx_and_never_reach_rasa(guard_server, raw, status):
    url, agent = guard_server
    before = len(agent.seen)
    got, body = _post(url, raw)
    assert got == status, (got, body)
    assert isinstance(body, dict) and CJK.search(body["error"]), body
    assert len(agent.seen) == before


def test_parse_body_accepts_numeric_sender_and_ignores_bad_input_channel():
    body = parse_body(b'{"sender": 42, "message": "", "input_channel": 7}')
    assert body == {"sender": "42", "message": "", "metadata": None, "input_channel": None}
    with pytest.raises(RequestError):
        parse_body(b'{"sender": true, "message": "hi"}')


def test_apology_without_a_kb_still_gives_a_way_forward(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_KB_DB", str(tmp_path / "missing.sqlite"))
    monkeypatch.setattr(rest_guard, "_hotline_cache", None)
    text = rest_guard.apology_text()
    assert text.startswith("抱歉") and "人力资源和社会保障部门" in text
    assert not (tmp_path / "missing.sqlite").exists(), "the apology must not build a KB"
