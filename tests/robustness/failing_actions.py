"""Fault injection for the robustness tests: every custom action and form of the domain
raises, with the user's message in the exception text, as a real bug would.

Served by the real action server program (``python -m bot.action_server --actions
tests.robustness.failing_actions``, chosen with ACTIONS_PACKAGE): rasa_sdk then answers 500
with the whole tracker in the body and logs the exception, and Rasa logs that body -- the
path by which typed ID-card and mobile numbers reached the logs (issue 15).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk import Action

_DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
NAMES = [n for n in _DOMAIN.get("actions", []) if not n.startswith("utter_")] + \
    [f"validate_{form}" for form in (_DOMAIN.get("forms") or {})]


class InjectedFailure(RuntimeError):
    pass


def _failing(name: str) -> type:
    def run(self, dispatcher, tracker, domain):
        raise InjectedFailure(f"injected failure in {name} for message: {tracker.latest_message.get('text')}")

    return type(f"Failing_{name}", (Action,), {"name": lambda self: name, "run": run})


FAILING = [_failing(name) for name in NAMES]
