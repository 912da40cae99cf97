"""A question that already decides gets its verdict in the first action; no form is opened.

Read through Rasa's HTTP API: after the answer the conversation waits for the user (no
active loop, no question pending), and the facts stay for the next question.
"""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import reply_custom, reply_text
from tests.robustness.conftest import tracker

pytestmark = pytest.mark.stack


def test_deciding_question_leaves_no_form_open_and_keeps_the_facts(robust_stack):
    sender = "one-turn-" + uuid.uuid4().hex[:8]
    messages = robust_stack.send("本科毕业在民企干了6年能直接报中级吗", sender=sender)
    assert reply_custom(messages)["eligibility"]["eligible"] is True, reply_text(messages)
    state = tracker(robust_stack, sender)
    actions = [e["name"] for e in state["events"] if e["event"] == "action"]
    assert actions[-2:] == ["action_check_eligibility", "action_listen"], actions
    assert "eligibility_form" not in actions and not (state.get("active_loop") or {}).get("name")
    assert state["slots"]["requested_slot"] is None and state["slots"]["education"] == "本科"
    # The next question of the same person is answered with the facts already given.
    follow = robust_stack.send("那如果是大专呢", sender=sender)
    payload = reply_custom(follow).get("eligibility")
    assert payload is not None and payload["eligible"] is not True, reply_text(follow)
    assert tracker(robust_stack, sender)["slots"]["education"] == "大专"


def test_a_bare_fact_before_any_question_starts_the_eligibility_questions(robust_stack):
    """"本科" said out of the blue is taken as a fact and the form asks what it still needs;
    the next answers fill it until the verdict."""
    sender = "bare-fact-" + uuid.uuid4().hex[:8]
    first = robust_stack.send("本科", sender=sender)
    assert "已记下学历为本科" in reply_text(first), reply_text(first)
    state = tracker(robust_stack, sender)
    assert (state.get("active_loop") or {}).get("name") == "eligibility_form"
    assert state["slots"]["education"] == "本科" and state["slots"]["requested_slot"] == "target_title"
    last = []
    for answer in ("中级", "民营企业", "干了6年"):
        last = robust_stack.send(answer, sender=sender)
    payload = reply_custom(last).get("eligibility")
    assert payload is not None and payload["eligible"] is True, reply_text(last)
