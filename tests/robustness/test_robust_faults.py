"""Faults: the action server unreachable, the knowledge-base file missing or corrupt."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, reply_text
from tests.robustness.conftest import http, make_stack, need_model

pytestmark = pytest.mark.stack
CJK = re.compile(r"[\u4e00-\u9fff]")
DOWN_PORTS = {"RASA_PORT": 19205, "ACTION_PORT": 19255, "WEB_PORT": 19280}
DEAD_ACTION_PORT = 19299          # nothing listens here
FIX = "python -m policy_kb build"


def _hotlines() -> list[str]:
    from policy_kb.kb import KB

    return sorted({row["phone"] for row in KB(auto_build=False).contacts()})


@pytest.fixture(scope="module")
def no_action_server(tmp_path_factory):
    """The stack with Rasa pointed at an action endpoint where nothing answers."""
    need_model()
    tmp = tmp_path_factory.mktemp("actions-down")
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{DEAD_ACTION_PORT}/webhook"}
    path = tmp / "endpoints-dead-actions.yml"
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    running = make_stack(tmp, DOWN_PORTS, ENDPOINTS=str(path)).start()
    yield running
    running.stop()


@pytest.mark.parametrize("message", ["送审表要几份", "本科毕业在民企干了6年能直接报中级吗",
                                     "我想问问我能不能申报中级职称", "我要转人工"])
def test_action_server_down_gives_an_apology_with_the_hotline(no_action_server, message):
    replies = no_action_server.send(message, sender="down-" + uuid.uuid4().hex[:8])
    text = reply_text(replies)
    assert text.strip(), (
        f"silence for {message!r} while the action server is down — Rasa logs 'Encountered an exception "
        "while running action' and answers []; wire bot.channels.rest_guard.GuardedRestInput in credentials.yml")
    assert "抱歉" in text, text
    numbers = _hotlines()
    assert numbers and any(n in text for n in numbers), f"no hotline from the KB ({numbers}) in: {text}"


def test_action_server_down_keeps_rule_replies_and_web_chat_answers(no_action_server):
    greeting = reply_text(no_action_server.send("你好", sender="down-" + uuid.uuid4().hex[:8]))
    assert CJK.search(greeting) and "抱歉" not in greeting, greeting
    reply = http("POST", no_action_server.web_url + "/api/chat",
                 '{"sender": "downweb12345", "message": "送审表要几份"}'.encode())
    assert reply.status == 200, reply.text[:300]
    texts = [m.get("text", "") for m in reply.json().get("messages", [])]
    assert any("抱歉" in t for t in texts), texts


def test_action_server_down_is_logged_for_the_operator(no_action_server):
    log = no_action_server.log.read_text(errors="replace")
    assert "action" in log.lower() and re.search(r"exception|failed|couldn't connect", log, re.I), log[-2000:]


def _damaged_page_copy(path: Path) -> None:
    """A same-size copy of the KB with one page zeroed (a bad disk block) that a plain
    `SELECT count(*) FROM clauses` does not notice but reading the KB does."""
    import sqlite3

    data = (ROOT / "var" / "policy_kb.sqlite").read_bytes()
    page = int.from_bytes(data[16:18], "big") or 65536
    for start in range(page, len(data), page):
        damaged = data[:start] + bytes(page) + data[start + page:]
        path.write_bytes(damaged)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM clauses").fetchone()
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return
        except sqlite3.Error:
            continue
        finally:
            conn.close()
    pytest.skip("no page found whose damage hides from a row count")


KB_FAULTS = {
    "missing": lambda p: None,
    "empty_file": lambda p: p.write_bytes(b""),
    "not_sqlite": lambda p: p.write_bytes(os.urandom(8192)),
    "truncated": lambda p: p.write_bytes((ROOT / "var" / "policy_kb.sqlite").read_bytes()[:150_000]),
    "damaged_page": _damaged_page_copy,
}


@pytest.mark.parametrize("fault", list(KB_FAULTS))
def test_action_server_refuses_to_start_without_a_good_kb(tmp_path, fault):
    kb = tmp_path / "policy_kb.sqlite"
    KB_FAULTS[fault](kb)
    env = dict(os.environ, POLICY_KB_DB=str(kb), TF_CPP_MIN_LOG_LEVEL="2")
    try:
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "run", "actions", "--port", "19260",
                               "--actions", "actions"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=40)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{fault}: the action server started (or hung) with a bad knowledge base; "
                    "actions/_check_knowledge_base should also run `PRAGMA quick_check`")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-1500:]
    assert FIX in output and str(kb) in output, output[-1500:]


def test_launcher_names_the_fix_when_the_kb_is_missing(tmp_path):
    model = tmp_path / "model.tar.gz"       # the launcher checks the model file first
    model.write_bytes(b"placeholder")
    env = dict(os.environ, POLICY_KB_DB=str(tmp_path / "nothing.sqlite"), RASA_MODEL=str(model), RASA_PORT="19206",
               ACTION_PORT="19256", WEB_PORT="19281")
    done = subprocess.run([sys.executable, "-m", "bot.launcher"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and FIX in output, output[-1500:]
