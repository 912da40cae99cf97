"""The action server (rasa_sdk), on loopback unless configured, with masked logs.

``python -m bot.action_server --port 5055 --actions actions [--cors ORIGIN]`` takes
rasa_sdk's own arguments. Differences from ``rasa run actions``:

* it listens on ``ACTION_HOST`` (default 127.0.0.1): only the Rasa server on this machine
  calls it. Set ACTION_HOST=0.0.0.0 when Rasa runs on another machine;
* every log line is masked (bot/log_privacy.py): when an action fails, rasa_sdk answers 500
  with the whole tracker in the body and logs the exception;
* as soon as it answers, it runs one policy answer through its own webhook (``warm_up``):
  the first search loads the knowledge base and the tokenizer's dictionary (seconds), and
  a restarted action server should not make a user wait for that.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import urllib.request

logger = logging.getLogger(__name__)
WARMUP_TIMEOUT = 120.0
# The same question the Rasa processes warm up with (bot/rasa_server.py), as the action
# server receives it: intent and text, an empty conversation.
WARMUP_ACTION = "action_answer_policy"


def warmup_request(text: str) -> dict:
    return {"next_action": WARMUP_ACTION, "sender_id": "__warmup__", "domain": {},
            "tracker": {"sender_id": "__warmup__", "slots": {}, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
                        "latest_message": {"text": text, "intent": {"name": "ask_materials", "confidence": 1.0},
                                           "entities": []}}}


def warm_up(port: int) -> None:
    """Wait until the server answers, then run one action through it (errors only logged)."""
    from bot.rasa_server import WARMUP_MESSAGE

    deadline = time.monotonic() + WARMUP_TIMEOUT
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    started = time.monotonic()
    body = json.dumps(warmup_request(WARMUP_MESSAGE)).encode()
    request = urllib.request.Request(base + "/webhook", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WARMUP_TIMEOUT) as resp:
            resp.read()
        logger.info("Action server warmed up in %.1f s.", time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - a failed warm-up must not stop the server
        logger.warning("Action server warm-up failed: %s", exc)


def main(argv: list[str] | None = None) -> int:
    from bot import log_privacy

    log_privacy.install()
    # rasa_sdk.endpoint.run binds SANIC_HOST (its default is 0.0.0.0).
    os.environ["SANIC_HOST"] = os.environ.get("ACTION_HOST") or "127.0.0.1"
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(sys.argv[1:] if argv is None else argv)
    threading.Thread(target=warm_up, args=(int(args.port),), daemon=True).start()
    main_from_args(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
