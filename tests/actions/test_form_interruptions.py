"""A question asked while a form waits for a fact is answered, not taken as the fact; the
materials answer offers the tailored checklist; the chat's checklist result is a button."""
from __future__ import annotations

import pytest

from actions.checklist_actions import ActionChecklistResult, ValidateChecklistForm
from actions.eligibility_form import ValidateEligibilityForm
from actions.fact_form import side_question
from actions.kb_answers import ActionAnswerPolicy
from tests.actions.conftest import make_tracker, run_action, text_of

SIDE_QUESTION = "苏木乡镇工作的人评职称有什么优惠？"


@pytest.mark.parametrize("text, asked", [
    (SIDE_QUESTION, True), ("送审表要几份？", True), ("需要准备哪些材料？", True),
    ("苏木乡镇", False), ("苏木乡镇吧？", False), ("我在苏木乡镇，能报吗？", False), ("嘎查村", False),
    ("不知道", False), ("是", False), ("大专吗？", False),
])
def test_side_question(text, asked):
    assert side_question(text, "location") is asked


def test_side_question_needs_a_question_asked():
    assert side_question(SIDE_QUESTION, None) is False


@pytest.mark.parametrize("form", [ValidateEligibilityForm, ValidateChecklistForm])
def test_a_question_inside_the_form_is_rejected_not_taken(form):
    tracker = make_tracker(SIDE_QUESTION, "inform", slots={"target_title": "中级", "requested_slot": "location"},
                           active_loop=form.form_name)
    _, events = run_action(form(), tracker)
    assert events == []      # no slot: Rasa rejects the form and the interruption rule answers


@pytest.mark.parametrize("form", [ValidateEligibilityForm, ValidateChecklistForm])
def test_the_bare_answer_still_fills_the_slot(form):
    tracker = make_tracker("苏木乡镇", "inform", slots={"target_title": "中级", "requested_slot": "location"},
                           active_loop=form.form_name)
    _, events = run_action(form(), tracker)
    assert {"event": "slot", "timestamp": None, "name": "location", "value": "苏木乡镇"} in events


def test_the_answer_inside_a_form_answers_only():
    tracker = make_tracker(SIDE_QUESTION, "inform", slots={"target_title": "中级", "requested_slot": "location"},
                           active_loop="eligibility_form")
    messages, events = run_action(ActionAnswerPolicy(), tracker)
    answer = (messages[0].get("custom") or {}).get("answer") or {}
    assert answer.get("kind") in ("answer", "clause")
    assert messages[0]["text"].startswith(answer["short"])
    assert events == []      # no fact taken, no other form started


def test_materials_question_offers_the_checklist():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("我需要准备哪些材料？", "faq/topic_materials"))
    buttons = [b for m in messages for b in m.get("buttons") or []]
    assert {"title": "生成我的材料清单", "payload": "/request_checklist"} in buttons
    other, _ = run_action(ActionAnswerPolicy(), make_tracker("今年职称什么时候申报？", "faq"))
    assert "/request_checklist" not in [b["payload"] for m in other for b in m.get("buttons") or []]


def test_checklist_result_is_a_button_in_the_web_chat_and_a_link_on_wechat(monkeypatch):
    monkeypatch.setenv("PUBLIC_WEB_URL", "http://example.test")
    slots = {"target_title": "中级", "employer_type": "非公", "education": "本科"}
    messages, _ = run_action(ActionChecklistResult(), make_tracker("", "inform", slots=slots))
    assert "http" not in text_of(messages) and "%" not in text_of(messages)
    assert messages[0]["custom"]["checklist_url"].startswith("http://example.test/checklist?target_title=")
    assert messages[0]["buttons"] == [{"title": "生成我的材料清单", "payload": "/request_checklist"}]
    wechat = make_tracker("", "inform", slots=slots)
    wechat.events[-1]["input_channel"] = "wechat"
    messages, _ = run_action(ActionChecklistResult(), wechat)
    assert "http://example.test/checklist?target_title=" in text_of(messages)
