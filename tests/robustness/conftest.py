"""Fixtures of the robustness tests: a real stack of our own on ports 19100-19199.

The stack runs the real launcher (tests/conftest.RunningStack) with a known RASA_TOKEN (to
read trackers through Rasa's HTTP API) and a WeChat token (so the WeChat webhook is live).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunningStack

ROBUST_PORTS = {"RASA_PORT": 19105, "ACTION_PORT": 19155, "WEB_PORT": 19180}
RASA_TOKEN = "-robustness-rasa-token"  # a leading "-" must not be taken for an option (bot/launcher.py)
WECHAT_TOKEN = "robustnesswechattoken"
MODEL = ROOT / "models" / "current.tar.gz"


@dataclass
class HttpReply:
    status: int
    body: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.text)


def http(method: str, url: str, body: bytes | None = None, content_type: str = "application/json",
         headers: dict | None = None, timeout: float = 60) -> HttpReply:
    """One HTTP request; 4xx/5xx answers are returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return HttpReply(resp.status, resp.read(), resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as err:
        return HttpReply(err.code, err.read(), err.headers.get("Content-Type", ""))


def tracker(stack: RunningStack, sender: str) -> dict:
    reply = http("GET", f"{stack.rasa_url}/conversations/{sender}/tracker?token={RASA_TOKEN}")
    assert reply.status == 200, reply.text[:500]
    return reply.json()


def need_model() -> None:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains) or `.venv/bin/python -m bot.train`")


def make_stack(tmp: Path, ports: dict[str, int] = ROBUST_PORTS, **extra_env: str) -> RunningStack:
    # Two Rasa workers although WeChat is configured (the launcher would pick one): isolation,
    # restart and fault tests then also cover turns of one conversation on both workers.
    env = {"RASA_TOKEN": RASA_TOKEN, "RASA_ENABLE_API": "1", "WECHAT_TOKEN": WECHAT_TOKEN, "RASA_WORKERS": "2",
           **extra_env}
    return RunningStack(tmp, ports, extra_env=env)


@pytest.fixture(scope="session")
def robust_stack(tmp_path_factory):
    need_model()
    running = make_stack(tmp_path_factory.mktemp("robust")).start()
    yield running
    running.stop()
