"""A restart keeps conversations: a half-filled eligibility form continues afterwards.

The stack is stopped and started again, on the same ports and the same tracker database
(TRACKER_DB), as an operator restarting `make run` would.
"""
from __future__ import annotations

import socket
import uuid

import pytest

from bot import launcher
from tests.conftest import reply_text
from tests.robustness.conftest import tracker
from tests.robustness.eligibility_chat import answer_for, asked_fact, expected_verdict, opening, run_form

pytestmark = pytest.mark.stack
PROFILE = {"target_title": "中级", "education": "本科", "years_worked": 6, "employer_type": "非公",
           "status": "在职", "location": "市区", "full_time": True, "current_title": "无", "series": "工程"}


def _restart(stack) -> None:
    stack.stop()
    tracker_db = stack.tracker_db
    stack.log = stack.tmp / "stack-restarted.log"   # start() waits for this log's banner
    stack.start()
    assert stack.tracker_db == tracker_db


def _wechat(stack, text: str, openid: str) -> str:
    """One signed WeChat push; the passive reply's text."""
    import hashlib
    import time

    import xmltodict

    from tests.robustness.conftest import WECHAT_TOKEN, http

    ts, nonce = str(int(time.time())), "5150"
    sig = hashlib.sha1("".join(sorted([WECHAT_TOKEN, ts, nonce])).encode()).hexdigest()
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName>"
           f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{ts}</CreateTime>"
           f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
           f"<MsgId>{time.time_ns()}</MsgId></xml>")
    reply = http("POST", f"{stack.rasa_url}/webhooks/wechat/webhook?signature={sig}&timestamp={ts}&nonce={nonce}",
                 xml.encode(), content_type="text/xml")
    assert reply.status == 200, reply.text[:300]
    return xmltodict.parse(reply.text)["xml"]["Content"]


def test_half_filled_form_continues_after_a_restart(robust_stack):
    sender = "restart-" + uuid.uuid4().hex[:8]
    # A WeChat user is shown the form's numbered choices before the restart ...
    openid = "oRestart" + uuid.uuid4().hex[:6]
    wechat_question = _wechat(robust_stack, opening(PROFILE), openid)
    assert "1. " in wechat_question, wechat_question
    first_choice = next(line[3:] for line in wechat_question.splitlines() if line.startswith("1. "))
    send = lambda message: robust_stack.send(message, sender=sender, timeout=60)  # noqa: E731
    first_question = reply_text(send(opening(PROFILE)))
    fact1 = asked_fact(first_question)
    assert fact1, "the form did not ask a known question: " + first_question
    second_question = reply_text(send(answer_for(fact1, PROFILE)))
    fact2 = asked_fact(second_question)
    assert fact2 and fact2 != fact1, f"expected a further question after {fact1}: {second_question}"
    events_before = len(tracker(robust_stack, sender)["events"])

    _restart(robust_stack)

    # ... and answers "1" after it: the choice is read from the tracker, not lost with the process.
    _wechat(robust_stack, "1", openid)
    wechat_users = [e["text"] for e in tracker(robust_stack, "wechat:" + openid)["events"] if e.get("event") == "user"]
    assert wechat_users[-1] == first_choice, (wechat_users, wechat_question)

    payload, transcript = run_form(send, PROFILE, first=answer_for(fact2, PROFILE))
    assert payload is not None, "form did not finish after the restart:\n" + "\n".join(transcript)
    asked_after = {asked_fact(t) for t in transcript[1::2]} - {None}
    assert fact1 not in asked_after and fact2 not in asked_after, f"re-asked {asked_after} after the restart"
    state = tracker(robust_stack, sender)
    assert len(state["events"]) > events_before
    user_texts = [e["text"] for e in state["events"] if e.get("event") == "user"]
    assert user_texts[0] == opening(PROFILE), user_texts
    assert payload["eligible"] == expected_verdict(state["slots"])["eligible"], state["slots"]
    for fact in (fact1, fact2):
        if fact in ("education", "target_title", "series"):
            assert state["slots"][fact] == PROFILE[fact], state["slots"]


def test_launcher_can_restart_on_the_same_ports():
    """`make run`, Ctrl-C, `make run`: the first run's closed connections (TIME_WAIT on the
    server side) must not make the launcher think the port is still taken."""
    port = 19390
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as Sanic and aiohttp do
    server.bind(("127.0.0.1", port))
    server.listen()
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()                       # the server closes first (HTTP "Connection: close")
    client.close()
    server.close()
    assert launcher._port_free(port), (
        "bot.launcher._port_free reports a stopped server's port as busy for ~60 s (TIME_WAIT): "
        "set SO_REUSEADDR on the probe socket before bind()")
    # A port with a live listener is still reported as busy.
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("0.0.0.0", port))
    busy.listen()
    try:
        assert not launcher._port_free(port)
    finally:
        busy.close()
