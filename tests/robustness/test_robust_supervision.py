"""Run like a public service (issue 15): supervision, warm start, secrets, exposure.

A stack of its own (two Rasa processes, WeChat configured, Rasa HTTP API off as by default)
on ports 19700-19799. Processes are killed for real (SIGKILL) and the assistant must keep
answering while the launcher restarts them.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import RunningStack, reply_text
from tests.robustness.conftest import RASA_TOKEN, WECHAT_TOKEN, http, need_model

pytestmark = pytest.mark.stack
PORTS = {"RASA_PORT": 19705, "ACTION_PORT": 19755, "WEB_PORT": 19780}
QUESTION = "送审表要几份？"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    need_model()
    env = {"WECHAT_TOKEN": WECHAT_TOKEN, "RASA_WORKERS": "2"}
    running = RunningStack(tmp_path_factory.mktemp("service"), PORTS, extra_env=env)
    started = time.monotonic()
    running.start()
    running.ready_after = time.monotonic() - started
    yield running
    running.stop()


def _pid(stack, name: str) -> int:
    found = re.findall(rf"(?:started|restarted) the {re.escape(name)} \(pid (\d+)", stack.log.read_text(errors="replace"))
    assert found, f"no pid for {name} in the launcher log"
    return int(found[-1])


def _wait_for_log(stack, text: str, seconds: float = 15) -> None:
    """The launcher checks its children twice a second: its log line may lag the kill."""
    deadline = time.monotonic() + seconds
    while text not in stack.log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"not in the launcher log: {text}"
        time.sleep(0.2)


def _chat(stack, message: str, sender: str) -> tuple[int, str]:
    reply = http("POST", stack.web_url + "/api/chat",
                 json.dumps({"sender": sender, "message": message}).encode(), timeout=60)
    text = "\n".join(m.get("text", "") for m in reply.json().get("messages", [])) if reply.status == 200 else ""
    return reply.status, text


def test_first_reply_after_start_is_quick(service):
    started = time.monotonic()
    replies = service.send(QUESTION, sender="first-" + uuid.uuid4().hex[:6])
    took = time.monotonic() - started
    assert reply_text(replies) and "抱歉" not in reply_text(replies)
    assert took < 2.0, f"first reply took {took:.1f} s: the Rasa processes were not warmed before serving"
    assert service.log.read_text(errors="replace").count("Warmed up with one turn") >= 2


def test_killed_action_server_is_restarted_while_the_assistant_answers(service):
    pid = _pid(service, "action server")
    os.kill(pid, signal.SIGKILL)
    sender = "sup-a-" + uuid.uuid4().hex[:6]
    statuses, recovered_after = [], None
    killed = time.monotonic()
    while time.monotonic() - killed < 90:
        status, text = _chat(service, QUESTION, sender)
        statuses.append(status)
        assert status == 200 and text.strip(), (status, text)   # an answer or the apology, never silence
        if "抱歉" not in text:
            recovered_after = time.monotonic() - killed
            break
        time.sleep(0.5)
    assert recovered_after is not None, "the action server did not come back"
    _wait_for_log(service, f"the action server (pid {pid}) stopped unexpectedly")
    assert _pid(service, "action server") != pid


def test_killed_rasa_process_is_restarted_while_the_other_serves(service):
    pid = _pid(service, "Rasa server process 1")
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    for n in range(10):
        status, text = _chat(service, "你好", "sup-r-" + uuid.uuid4().hex[:6])
        assert status == 200 and text.strip() and "抱歉" not in text, (n, status, text,
                                                                      service.log.read_text(errors="replace")[-2000:])
    _wait_for_log(service, f"the Rasa server process 1 (pid {pid}) stopped unexpectedly")
    # The restarted process loads, warms up and takes its share again (minutes on a loaded
    # 2-core machine: the model load and the warm-up turn compete with the other stacks).
    workers = set()
    while time.monotonic() - killed < 420 and len(workers) < 2:
        reply = http("GET", service.rasa_url + "/webhooks/rest/", timeout=10)
        if reply.status == 200:
            workers.add(reply.json()["worker"])
        time.sleep(0.2)
    assert len(workers) == 2 and pid not in workers, (workers, service.log.read_text(errors="replace")[-3000:])
    assert _pid(service, "Rasa server process 1") != pid


def test_no_secret_on_any_command_line(service, robust_stack):
    secrets_ = [RASA_TOKEN, robust_stack.staff_token, service.staff_token, WECHAT_TOKEN]
    seen = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        seen += [(cmdline.parent.name, s) for s in secrets_ if s in args and "pytest" not in args]
    assert not seen, f"secrets visible in the process list: {seen}"


def test_rasa_http_api_is_off_by_default(service):
    for path in ("/conversations/wechat:oVictim/tracker", "/status", "/model"):
        reply = http("GET", service.rasa_url + path + f"?token={RASA_TOKEN}")
        assert reply.status in (403, 404), (path, reply.status)


def _external_ip() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            ip = sock.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_rasa_api_answers_loopback_only_and_action_server_listens_on_loopback(robust_stack):
    ours = http("GET", robust_stack.rasa_url + f"/status?token={RASA_TOKEN}")
    assert ours.status == 200, ours.text[:200]          # enabled in the robustness stack, from here
    ip = _external_ip()
    if ip is None:
        pytest.skip("no non-loopback interface to test from")
    port = robust_stack.rasa_url.rsplit(":", 1)[1]
    remote = http("GET", f"http://{ip}:{port}/status?token={RASA_TOKEN}")
    assert remote.status == 403, remote.text[:200]
    channel = http("GET", f"http://{ip}:{port}/webhooks/rest/")
    assert channel.status == 200                          # the channels stay public
    action_port = int(robust_stack.action_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection((ip, action_port), timeout=3).close()


def test_cors_only_for_the_web_origin(service):
    body = json.dumps({"sender": "cors-" + uuid.uuid4().hex[:6], "message": "你好"}).encode()
    evil = http("POST", service.rasa_url + "/webhooks/rest/webhook", body,
                headers={"Origin": "https://evil.example"})
    assert evil.status == 200
    own = http("OPTIONS", service.rasa_url + "/webhooks/rest/webhook",
               headers={"Origin": service.web_url, "Access-Control-Request-Method": "POST"})
    assert own.status in (200, 204)
    import urllib.request

    req = urllib.request.Request(service.rasa_url + "/webhooks/rest/webhook", data=body, method="POST",
                                 headers={"Origin": "https://evil.example", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        allowed = resp.headers.get("Access-Control-Allow-Origin")
    assert allowed in (None, service.web_url.replace("127.0.0.1", "localhost"), service.web_url), allowed
    assert allowed != "*" and allowed != "https://evil.example"


def test_a_rest_caller_cannot_reach_a_wechat_conversation(service):
    import hashlib

    ts, nonce = str(int(time.time())), "31"
    sig = hashlib.sha1("".join(sorted([WECHAT_TOKEN, ts, nonce])).encode()).hexdigest()
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[oVictim1]]></FromUserName>"
           f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[我想问问我能不能申报中级职称]]></Content><MsgId>{time.time_ns()}</MsgId></xml>")
    url = f"{service.rasa_url}/webhooks/wechat/webhook?signature={sig}&timestamp={ts}&nonce={nonce}"
    assert http("POST", url, xml.encode(), content_type="text/xml").status == 200
    for sender in ("wechat:oVictim1", "oVictim1"):
        reply = http("POST", service.rasa_url + "/webhooks/rest/webhook",
                     json.dumps({"sender": sender, "message": "本科"}).encode())
        if sender.startswith("wechat:"):
            assert reply.status == 403, reply.text[:200]
        else:   # a plain id is another conversation: it does not continue the WeChat form
            assert reply.status == 200
    import sqlite3

    conn = sqlite3.connect(f"file:{service.tracker_db}?mode=ro", uri=True)
    try:
        users = [row[0] for row in conn.execute(
            "SELECT data FROM events WHERE sender_id = 'wechat:oVictim1' AND type_name = 'user'")]
    finally:
        conn.close()
    assert len(users) == 1 and "本科" not in users[0], users
