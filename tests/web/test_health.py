"""/healthz tells the truth: the knowledge base checked for real (quick_check and a known
clause) and the action server asked; a damaged KB file turns it red, and a restored file is
noticed by the running process without a restart (policy_kb.kb.KB reopens a replaced file)."""
from __future__ import annotations

import secrets
import shutil
import time
from urllib.parse import quote

import pytest

from bot.web.app import create_app
from bot.web.settings import Settings
from policy_kb import kb as kb_module
from policy_kb import paths
from tests.web.conftest import Http, free_port


@pytest.fixture
def kb_copy(tmp_path):
    path = tmp_path / "policy_kb.sqlite"
    shutil.copyfile(paths.db_path(), path)
    return path


def _wait_for_recheck() -> None:
    time.sleep(kb_module.REOPEN_CHECK_SECONDS + 0.1)


def test_kb_health_sees_a_truncated_file_and_a_restored_one(kb_copy, tmp_path):
    good = tmp_path / "good.sqlite"
    shutil.copyfile(kb_copy, good)
    kb = kb_module.KB(kb_copy, auto_build=False)
    assert kb.health()["ok"], kb.health()
    assert kb.search("送审表 份数")
    kb_copy.write_bytes(b"")                      # truncated in place (same inode)
    assert not kb.health()["ok"]
    shutil.copyfile(good, kb_copy)                # restored
    _wait_for_recheck()
    assert kb.health()["ok"], kb.health()
    assert kb.search("送审表 份数")


def test_kb_reopens_a_file_replaced_by_a_rebuild(kb_copy, tmp_path):
    kb = kb_module.KB(kb_copy, auto_build=False)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(kb_copy.read_bytes()[:4096] + b"\0" * 8192)
    replacement = tmp_path / "new.sqlite"
    shutil.copyfile(kb_copy, replacement)
    damaged.replace(kb_copy)                      # a new inode with garbage
    assert not kb.health()["ok"]
    replacement.replace(kb_copy)                  # `policy_kb build` writes a new file
    _wait_for_recheck()
    assert kb.health()["ok"], kb.health()
    assert kb.clause(kb.health()["detail"].split("; ")[1].split(" ")[0]) is not None


@pytest.fixture
def health_app(servers, kb_copy, tracker_db):
    def start(action_health_url: str = "") -> Http:
        settings = Settings(host="127.0.0.1", port=0, rasa_url="http://127.0.0.1:9",
                            staff_token=secrets.token_urlsafe(8), tracker_db=tracker_db,
                            kb_path=kb_copy, action_health_url=action_health_url)
        port = servers.serve(create_app(settings))
        http = Http(f"http://127.0.0.1:{port}")
        http.token = settings.staff_token
        return http
    return start


def test_healthz_is_red_on_a_damaged_kb_and_green_again_when_restored(health_app, kb_copy, tmp_path):
    http = health_app()
    good = tmp_path / "good.sqlite"
    shutil.copyfile(kb_copy, good)
    ok = http.request("GET", "/healthz")
    assert ok.status == 200 and ok.json()["status"] == "ok" and ok.json()["kb"]["ok"], ok.text
    kb_copy.write_bytes(b"")
    bad = http.request("GET", "/healthz")
    assert bad.status == 503 and bad.json()["status"] == "fail" and not bad.json()["kb"]["ok"], bad.text
    search = http.request("GET", "/staff/api/search?q=" + quote("送审表"), headers={"Authorization": f"Bearer {http.token}"})
    assert search.status == 503 and "知识库" in search.json()["error"], search.text
    shutil.copyfile(good, kb_copy)
    _wait_for_recheck()
    again = http.request("GET", "/healthz")
    assert again.status == 200, again.text
    search = http.request("GET", "/staff/api/search?q=" + quote("送审表"), headers={"Authorization": f"Bearer {http.token}"})
    assert search.status == 200 and search.json()["results"], search.text


def test_healthz_is_red_when_the_action_server_does_not_answer(health_app):
    dead = free_port()
    http = health_app(f"http://127.0.0.1:{dead}/health")
    reply = http.request("GET", "/healthz")
    assert reply.status == 503 and not reply.json()["action_server"]["ok"], reply.text
