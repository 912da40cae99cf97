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
        self.running = 0
        self.most_running = 0

    async def __call__(self, message):
        self.seen.append(message)
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self._answer(message)
        finally:
            self.running -= 1

    async def _answer(self, message):
        if message.text.startswith("slow"):
            await asyncio.sleep(0.2)            # like a call to the action server
        if message.text.startswith("stuck"):
            await asyncio.sleep(3)              # like a hung action server
        if message.text == "silence":
            return
        if message.text == "boom":
            raise RuntimeError("action server unreachable")
        await message.output_channel.send_text_message(message.sender_id, "收到：" + message.text[:10])


class Served:
    """A Sanic app with one guarded REST channel, served from a thread on a loopback port."""

    def __init__(self, agent, port: int):
        from sanic import Sanic

        Sanic.test_mode = True   # Sanic's start-up rewrite (TouchUp) then works for several apps
        app = Sanic("guard_" + uuid.uuid4().hex[:8])
        app.blueprint(GuardedRestInput().blueprint(agent), url_prefix="/webhooks/rest")
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.error: BaseException | None = None

        def run():
            asyncio.set_event_loop(self.loop)
            try:
                self.server = self.loop.run_until_complete(app.create_server(
                    host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False))
                for step in (self.server.startup, self.server.before_start, self.server.after_start):
                    self.loop.run_until_complete(step())
            except BaseException as exc:  # surfaced below
                self.error = exc
                if getattr(self, "server", None):
                    self.server.close()
                ready.set()
                return
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(30), "guard test server did not start"
        if self.error:
            raise self.error

    def stop(self) -> None:
        async def shutdown():
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()
            await self.server.after_stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def guard_server():
    agent = Scripted()
    served = Served(agent, PORT)
    yield served.url, agent
    served.stop()


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


def test_parse_body_accepts_numeric_sender_and_ignores_input_channel():
    body = parse_body(b'{"sender": 42, "message": "", "input_channel": 7}')
    assert body == {"sender": "42", "message": "", "metadata": None}
    with pytest.raises(RequestError):
        parse_body(b'{"sender": true, "message": "hi"}')


def test_input_channel_is_set_by_the_server_not_the_body(guard_server):
    url, agent = guard_server
    status, _ = _post(url, {"sender": "u5", "message": "你好", "input_channel": "wechat"})
    assert status == 200 and agent.seen[-1].input_channel == "rest"


@pytest.mark.parametrize("sender", ["wechat:oOpenID_1", "WeChat:oOpenID_1", " wechat:o"])
def test_a_rest_sender_cannot_name_a_wechat_conversation(guard_server, sender):
    url, agent = guard_server
    before = len(agent.seen)
    status, body = _post(url, {"sender": sender, "message": "我的材料准备好了吗"})
    assert status == 403 and CJK.search(body["error"]), body
    assert len(agent.seen) == before


@pytest.mark.parametrize("text", ["boom", "silence"])
def test_streamed_reply_of_a_failed_turn_is_an_apology_not_an_empty_200(guard_server, text):
    url, _ = guard_server
    reply = http("POST", url + "?stream=true", json.dumps({"sender": "u6", "message": text}).encode(), timeout=20)
    assert reply.status == 200
    lines = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0]["text"].startswith("抱歉"), reply.text
    assert any(n in lines[0]["text"] for n in _kb_hotlines())


def test_streamed_reply_passes_normal_messages(guard_server):
    url, _ = guard_server
    reply = http("POST", url + "?stream=true", json.dumps({"sender": "u7", "message": "你好"}).encode(), timeout=20)
    lines = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    assert lines == [{"recipient_id": "u7", "text": "收到：你好"}], reply.text


def test_apology_without_a_kb_still_gives_a_way_forward(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICY_KB_DB", str(tmp_path / "missing.sqlite"))
    monkeypatch.setattr(rest_guard, "_hotline_cache", None)
    text = rest_guard.apology_text()
    assert text.startswith("抱歉") and "人力资源和社会保障部门" in text
    assert not (tmp_path / "missing.sqlite").exists(), "the apology must not build a KB"


ACTION_RESULTS = [
    {"events": [{"event": "slot", "name": "education", "value": "本科", "timestamp": None}] * 6
     + [{"event": "active_loop", "name": "eligibility_form"},
        {"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}}],
     "responses": [{"text": "答复", "custom": {"citations": [{"id": "bt-2024:四/（六）"}]}}]},
    {}, {"events": []}, {"events": None}, {"events": [1]}, {"events": [{}]}, {"events": [{"event": 3}]},
    {"events": [{"event": ["slot"]}]}, {"events": [{"event": "no_such_event"}]}, {"events": [{"event": "slot"}]},
    {"events": [{"event": "slot", "name": 5, "value": 1}]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "today"}]},
    {"events": [{"event": "bot", "metadata": []}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "education"}]}}]},
    {"responses": "not a list"}, {"responses": [1]}, [], "text", None,
]


@pytest.mark.parametrize("result", ACTION_RESULTS)
def test_event_dispatch_validation_accepts_exactly_what_the_schema_accepts(result):
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    full = validators.validator_for(schema)(schema)
    assert rest_guard._event_dispatch_validator(schema)(result) == full.is_valid(result)


def test_installed_validation_raises_rasas_own_error(monkeypatch):
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    current = RemoteAction._validate_action_result       # maybe installed by the server above
    monkeypatch.setattr(RemoteAction, "_validate_action_result", getattr(current, "_original", current))
    action = RemoteAction("action_answer_policy", None)
    bad = {"events": [{"event": "slot", "name": 5}], "responses": "not a list"}
    with pytest.raises(ValidationError) as original_error:
        action._validate_action_result(bad)
    assert rest_guard.fast_action_result_validation() and rest_guard.fast_action_result_validation()
    assert RemoteAction._validate_action_result is not getattr(current, "_original", current)
    assert action._validate_action_result(ACTION_RESULTS[0]) is True
    with pytest.raises(ValidationError) as cached_error:
        action._validate_action_result(bad)
    assert cached_error.value.message == original_error.value.message
    assert "Failed to validate Action server response" in cached_error.value.message


@pytest.mark.parametrize("limit, expected", [("1", 1), ("", 2), ("0", 6)])
def test_turns_processed_at_once_follow_the_limit(monkeypatch, limit, expected):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("REST_MAX_CONCURRENT_TURNS", limit)
    agent = Scripted()
    served = Served(agent, PORT + 1)
    try:
        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(lambda i: _post(served.url, {"sender": f"c{i}", "message": f"slow {i}"}),
                                    range(6)))
    finally:
        served.stop()
    assert all(status == 200 and body[0]["text"].startswith("收到") for status, body in replies), replies
    assert agent.most_running == expected, agent.most_running


@pytest.mark.parametrize("raw, expected", [("3", 3), ("0", 0), ("-1", 0), ("many", 2), ("", 2)])
def test_max_concurrent_turns_reads_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("REST_MAX_CONCURRENT_TURNS", raw)
    assert rest_guard.max_concurrent_turns() == expected


def test_a_stuck_turn_gives_up_its_place(monkeypatch):
    """With one turn at a time, a hung turn must not hold up everybody else for long."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("REST_MAX_CONCURRENT_TURNS", "1")
    monkeypatch.setattr(rest_guard, "SLOT_SECONDS", 0.3)
    served = Served(Scripted(), PORT + 2)
    try:
        with ThreadPoolExecutor(2) as pool:
            stuck = pool.submit(_post, served.url, {"sender": "s1", "message": "stuck"})
            time.sleep(0.1)
            started = time.perf_counter()
            status, body = _post(served.url, {"sender": "s2", "message": "你好"})
            waited = time.perf_counter() - started
            assert status == 200 and body[0]["text"] == "收到：你好"
            assert waited < 1.5, f"waited {waited:.1f} s behind a stuck turn"
            assert stuck.result(10)[1][0]["text"] == "收到：stuck"   # the slow one still answers
    finally:
        served.stop()
