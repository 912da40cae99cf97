"""Shared fixtures: the real knowledge base and the real running stack (no mocks).

`stack` starts `python -m bot.launcher` — the same launcher `make run` uses — on test ports
with a fresh tracker database, waits until the Rasa server, the action server and the web
app answer, and stops them all at the end of the session.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("POLICY_KB_DB", str(ROOT / "var" / "policy_kb.sqlite"))

# TEST_PORT_OFFSET lets two checkouts run their stacks side by side on one machine.
_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0"))
TEST_PORTS = {"RASA_PORT": 15005 + _OFFSET, "ACTION_PORT": 15055 + _OFFSET,
              "WEB_PORT": 18000 + _OFFSET}


def _get(url: str, timeout: float = 2.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status


class RunningStack:
    def __init__(self, tmp: Path, ports: dict[str, int], extra_env: dict | None = None):
        self.tmp = tmp
        self.ports = ports
        self.rasa_url = f"http://127.0.0.1:{ports['RASA_PORT']}"
        self.action_url = f"http://127.0.0.1:{ports['ACTION_PORT']}"
        self.web_url = f"http://127.0.0.1:{ports['WEB_PORT']}"
        self.staff_token = "test-staff-token"
        self.tracker_db = tmp / "tracker.db"
        self.log = tmp / "stack.log"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 420) -> "RunningStack":
        env = dict(os.environ, **{k: str(v) for k, v in self.ports.items()})
        env.update(TRACKER_DB=str(self.tracker_db), STAFF_TOKEN=self.staff_token,
                   PUBLIC_WEB_URL=self.web_url, RASA_URL=self.rasa_url, TF_CPP_MIN_LOG_LEVEL="2")
        env.update(self.extra_env)
        self._logfile = open(self.log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.launcher"], cwd=ROOT, env=env,
                                     stdout=self._logfile, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("launcher exited early:\n" + self.log.read_text(errors="replace")[-4000:])
            if "The assistant is running" in self.log.read_text(errors="replace"):
                return self
            time.sleep(1)
        self.stop()
        raise RuntimeError("stack did not start in time:\n" + self.log.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if getattr(self, "_logfile", None):
            self._logfile.close()

    def send(self, message, sender: str = "tester", timeout: float = 30) -> list[dict]:
        """POST to the standard REST channel; returns Rasa's list of messages."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(self.rasa_url + "/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode())


def reply_text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def reply_citations(messages: list[dict]) -> list[str]:
    ids = []
    for m in messages:
        for c in (m.get("custom") or {}).get("citations", []):
            ids.append(c["id"])
    return ids


def reply_custom(messages: list[dict]) -> dict:
    merged: dict = {}
    for m in messages:
        if isinstance(m.get("custom"), dict):
            merged.update(m["custom"])
    return merged


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("no trained model: run `make test` (it trains) or `.venv/bin/python -m bot.train`")
    running = RunningStack(tmp_path_factory.mktemp("stack"), TEST_PORTS).start()
    yield running
    running.stop()
