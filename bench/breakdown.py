"""Where the time of one turn goes, measured through the servers' own HTTP APIs.

* NLU: Rasa's `POST /model/parse` (tokenizer, featurizers, DIET, entity extractor).
* Custom actions: the action server's `POST /webhook`, replayed with the real tracker of a
  conversation that just received the message (the same request Rasa sends).
* Tracker store read: Rasa's `GET /conversations/<id>/tracker`.
The rest of a turn (dialogue policies, tracker store writes, HTTP) is what remains.
"""
from __future__ import annotations

import json
import time
import urllib.request
import uuid

from bench.load import MESSAGES
from bench.stats import summary_ms


def _call(url: str, body: dict | None = None, accept: str = "application/json") -> tuple[float, object]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", "Accept": accept})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(raw)


def _remote_actions(tracker: dict, domain: dict) -> list[str]:
    """Custom actions Rasa ran for the last user message (what it asked the action server)."""
    events = tracker.get("events", [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    custom = set(domain.get("actions", [])) - set(domain.get("forms", {}))
    names = [e.get("name") for e in events[last_user + 1:] if e.get("event") == "action"]
    return [n for n in names if n in custom and not n.startswith("utter_")]


def run(rasa_url: str, action_url: str, token: str, rounds: int = 30) -> dict:
    domain = _call(f"{rasa_url}/domain?token={token}")[1]
    out: dict = {}
    for kind, messages in MESSAGES.items():
        message = messages[0]
        nlu = [_call(f"{rasa_url}/model/parse?token={token}", {"text": message})[0] for _ in range(rounds)]
        sender = f"breakdown-{kind}-{uuid.uuid4().hex[:6]}"
        _call(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
        tracker_times, tracker = [], {}
        for _ in range(rounds):
            elapsed, tracker = _call(f"{rasa_url}/conversations/{sender}/tracker?token={token}")
            tracker_times.append(elapsed)
        actions = _remote_actions(tracker, domain)
        action_times = []
        for _ in range(rounds if actions else 0):
            total = 0.0
            for name in actions:
                total += _call(f"{action_url}/webhook", {"next_action": name, "sender_id": sender,
                                                         "tracker": tracker, "domain": domain,
                                                         "version": "3.6.2"})[0]
            action_times.append(total)
        parsed = _call(f"{rasa_url}/model/parse?token={token}", {"text": message})[1]
        out[kind] = {
            "intent": (parsed.get("intent") or {}).get("name"),
            "custom_actions": actions,
            "nlu": summary_ms(nlu),
            "actions": summary_ms(action_times) if action_times else None,
            "tracker_read": summary_ms(tracker_times),
        }
        print(f"  {kind}: intent {out[kind]['intent']}, NLU p50 {out[kind]['nlu']['p50_ms']:.1f} ms, "
              f"actions {actions} p50 "
              f"{out[kind]['actions']['p50_ms'] if action_times else 0:.1f} ms", flush=True)
    return out
