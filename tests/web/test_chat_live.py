"""The applicant's chat on the real stack (Rasa + action server + web app, tests/conftest.py
`stack`) in Chromium: the conversation survives reload and back navigation with its open
form, a question inside the form is answered and the form asks again, the checklist opened
from the chat holds the chat's facts, "重新开始" clears it. Screenshots for the README."""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.web.axe import axe_violations, describe
from tests.web.chat_page import ask as ask_in_chat

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
SIDE_QUESTION = "苏木乡镇工作的人评职称有什么优惠？"


@pytest.fixture
def web_url(request) -> str:
    """WEB_URL (a stack already running) or the test stack."""
    return (os.environ.get("WEB_URL") or request.getfixturevalue("stack").web_url).rstrip("/")


@pytest.fixture(params=[(360, 740), (1366, 860)], ids=["360px", "1366px"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    pg.width = width
    yield pg
    context.close()


def ask(page, text: str) -> dict:
    return ask_in_chat(page, text, timeout_ms=90_000)  # the real stack answers more slowly


def tap(page, button) -> None:
    rows = page.locator(".row.bot:not(.pending)").count()
    button.click()
    page.locator(".row.bot:not(.pending)").nth(rows).wait_for()
    page.wait_for_function("() => !document.querySelector('.row.pending')")


def history(web_url: str, sender: str) -> dict:
    req = urllib.request.Request(web_url + "/api/chat/history", method="POST",
                                 data=json.dumps({"sender": sender}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def conversation_texts(page) -> list[str]:
    return page.locator("#messages .row:not(.welcome) .bubble").evaluate_all(
        "bs => bs.map(b => (b.querySelector('.answer-short') || b).textContent.trim())")


def test_form_survives_reload_answers_a_side_question_and_back_navigation(page, web_url):
    page.goto(web_url + "/")
    sender = page.evaluate("localStorage.getItem('policy-chat-sender')")
    ask(page, "能帮我判断一下我能报什么职称吗")
    tap(page, page.locator(".row.bot .chip", has_text="中级").last)   # the form's own choice buttons
    state = history(web_url, sender)
    assert state["open_form"], "the eligibility form should be asking"
    note = page.locator("#form-note")
    note.wait_for()
    assert "正在补充信息" in note.inner_text() and state["open_form"]["question"] in note.inner_text()
    form_question = page.locator(".row.bot .bubble").last.inner_text()

    before = conversation_texts(page)
    page.reload()
    page.locator("#messages .row:not(.welcome)").nth(len(before) - 1).wait_for()
    assert conversation_texts(page) == before                       # reload keeps the conversation
    answered = page.locator(".row.bot .chip", has_text="助理级")       # the first question's choices
    assert answered.first.is_disabled() and not page.locator(".row.bot").last.locator(".chip").first.is_disabled()
    note.wait_for()
    assert state["open_form"]["question"] in note.inner_text()      # and shows the open form

    # A question inside the form: answered first, then the form asks again; no fact taken.
    data = ask(page, SIDE_QUESTION)
    answers = [m for m in data["messages"] if (m.get("custom") or {}).get("answer")]
    assert answers and answers[0]["custom"]["answer"]["kind"] in ("answer", "clause"), data
    assert data["messages"][-1].get("text") == form_question, data
    after = history(web_url, sender)
    assert "location" not in after["facts"] and after["open_form"]

    # To the checklist and back: the facts go with it, the conversation is still there.
    page.click("#checklist-link")
    page.wait_for_url("**/checklist?**")
    assert page.locator("#cl-target_title").input_value() == "中级"
    page.go_back()
    page.locator("#messages .row:not(.welcome)").nth(len(before) + 1).wait_for()
    assert conversation_texts(page)[:len(before)] == before
    assert page.locator("#form-note").is_visible()

    # "重新开始": a new conversation, for good.
    page.click("#restart")
    assert page.locator("#messages .row:not(.welcome)").count() == 0
    assert not page.locator("#form-note").is_visible()
    new_sender = page.evaluate("localStorage.getItem('policy-chat-sender')")
    assert new_sender != sender
    page.wait_for_timeout(1500)                                      # the restart reaches Rasa
    assert history(web_url, sender)["open_form"] is None
    page.reload()
    page.wait_for_timeout(1500)
    assert page.locator("#messages .row:not(.welcome)").count() == 0


def test_materials_question_offers_the_checklist_with_the_chat_facts(page, web_url):
    page.goto(web_url + "/")
    ask(page, "本科毕业在民企干了6年能直接报中级吗？")
    data = ask(page, "我需要准备哪些材料？")
    row = page.locator(".row.bot").last
    answer = next((m["custom"]["answer"] for m in data["messages"] if (m.get("custom") or {}).get("answer")), None)
    assert answer and answer["kind"] in ("answer", "clause"), data
    assert row.locator(".answer-short").inner_text() == answer["short"] or \
        row.locator(".answer-short").inner_text().startswith(answer["short"][:20])
    button = row.locator("button[data-action=checklist]")
    assert button.inner_text() == "生成我的材料清单"
    found = axe_violations(page)
    assert not found, describe(found)
    if page.width == 1366:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "chat-1366.png"))
    button.click()
    page.wait_for_url("**/checklist?**")
    assert page.locator("#cl-target_title").input_value() == "中级"
    assert page.locator("#cl-education").input_value() == "本科"
    assert page.locator("#cl-employer_type").input_value() == "非公"
    frame = page.frame_locator("#checklist-frame")
    frame.locator("table.facts").wait_for()
    assert "本科" in frame.locator("table.facts").inner_text()


@pytest.mark.parametrize("opening", ["帮我列一份申报材料清单", "能帮我判断一下我能报什么职称吗"])
def test_a_question_inside_either_form_is_answered_then_asked_again(stack, opening):
    sender = "side-question-" + str(abs(hash(opening)) % 10_000_000)
    asked = stack.send(opening, sender=sender)
    question = asked[-1]["text"]
    state = history(stack.web_url, sender)
    assert state["open_form"], asked
    replies = stack.send(SIDE_QUESTION, sender=sender)
    answer = next((m["custom"]["answer"] for m in replies if (m.get("custom") or {}).get("answer")), None)
    assert answer and answer["kind"] in ("answer", "clause"), replies
    assert replies[-1]["text"] == question                       # the form asks again
    after = history(stack.web_url, sender)
    assert after["open_form"]["name"] == state["open_form"]["name"]
    assert "location" not in after["facts"]                       # the question was not taken as the workplace
