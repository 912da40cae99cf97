"""The applicant's chat and checklist pages in Chromium at 360 px and 1366 px (issue 16).

Rendering is checked against a replay of Rasa's REST channel whose replies come from the
project's real answer path (actions.kb_answers.ActionAnswerPolicy on the real knowledge base:
the same text, buttons and `custom` payload the action server sends; only the NLU is left
out). The conversation-level behaviour (reload, forms, restart) is in test_chat_live.py on
the real stack.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from aiohttp import web

from bot.web.kb_access import hotline_numbers
from tests.web.axe import axe_violations, describe
from tests.web.chat_page import ask
from tests.web.conftest import _start_web

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
WIDTHS = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 800}}
LONG_QUESTION = "本科毕业在民企干了6年能直接报中级吗？"     # the verdict and its conditions: a long reply
MATERIALS_QUESTION = "我需要准备哪些材料？"


def _rest_messages(dispatched: list[dict], sender: str) -> list[dict]:
    """rasa_sdk dispatcher messages as Rasa's REST channel sends them: the text with its
    buttons, then the json_message as its own `custom` message."""
    out = []
    for m in dispatched:
        if m.get("text"):
            msg = {"recipient_id": sender, "text": m["text"]}
            if m.get("buttons"):
                msg["buttons"] = m["buttons"]
            out.append(msg)
        if m.get("custom"):
            out.append({"recipient_id": sender, "custom": m["custom"]})
    return out


def _answer_app() -> web.Application:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.kb_answers import ActionAnswerPolicy

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        text, sender = body.get("message", ""), body.get("sender", "")
        if text.startswith("/"):
            return web.json_response([])
        dispatcher = CollectingDispatcher()
        tracker = Tracker(sender, {}, {"text": text, "intent": {"name": "faq"}}, [], False, None, {}, "action_listen")
        await ActionAnswerPolicy().run(dispatcher, tracker, {})
        return web.json_response(_rest_messages(dispatcher.messages, sender))

    # Warm up (the point index, jieba, the rules) before the first request is timed.
    import asyncio

    warm = Tracker("warm", {}, {"text": LONG_QUESTION, "intent": {"name": "faq"}}, [], False, None, {}, "action_listen")
    import threading

    # In a thread of its own: the browser's event loop may be running in this one.
    worker = threading.Thread(target=lambda: asyncio.run(ActionAnswerPolicy().run(CollectingDispatcher(), warm, {})))
    worker.start()
    worker.join(timeout=120)
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


@pytest.fixture(scope="module")
def answers_web(servers, tracker_db, kb):
    rasa_port = servers.serve(_answer_app())
    return _start_web(servers, f"http://127.0.0.1:{rasa_port}", tracker_db)


@pytest.fixture(params=sorted(WIDTHS), ids=lambda w: f"{w}px")
def page(request, browser):
    width = request.param
    # bypass_csp: axe-core is injected as an inline script (tests/web/axe.py)
    context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN", accept_downloads=True, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.width = int(width)
    yield pg
    context.close()


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def first_reply(data: dict) -> tuple[str, dict, list]:
    text = next(m["text"] for m in data["messages"] if m.get("text"))
    custom = {}
    for m in data["messages"]:
        custom.update(m.get("custom") or {})
    buttons = [b for m in data["messages"] for b in m.get("buttons") or []]
    return text, custom, buttons


# ---------------------------------------------------------------- answer first, details folded
def test_reply_opens_at_its_first_line_with_the_rest_under_details(page, answers_web):
    # A short screen (a phone with its keyboard open): the reply is taller than the list.
    page.set_viewport_size({"width": page.width, "height": 420})
    page.goto(answers_web.url + "/")
    ask(page, "送审表要几份？")                 # something above, so that the list scrolls
    data = ask(page, LONG_QUESTION)
    text, custom, _ = first_reply(data)
    row = page.locator(".row.bot").last
    assert row.locator(".answer-short").inner_text() == text.split("\n")[0]
    more = row.locator("details.more")
    assert more.locator(":scope > summary").inner_text() == "查看详情"
    assert not more.evaluate("d => d.open")
    rest_line = text.split("\n")[1]
    assert not row.get_by_text(rest_line, exact=False).first.is_visible()   # folded away
    # The first visible line of the new reply is its first line.
    offset = page.evaluate("""() => {
        const m = document.getElementById('messages');
        const rows = m.querySelectorAll('.row.bot');
        return rows[rows.length - 1].getBoundingClientRect().top - m.getBoundingClientRect().top;
    }""")
    height = page.evaluate("""() => { const rows = document.querySelectorAll('#messages .row.bot');
        return [rows[rows.length - 1].getBoundingClientRect().height, document.getElementById('messages').clientHeight]; }""")
    assert height[0] > height[1], "the reply should be taller than the list here"
    assert 0 <= offset <= 16, f"reply starts {offset}px below the top of the list"
    # Before (the list scrolled to its bottom): where the first line would be.
    bottom_offset = page.evaluate("""() => {
        const m = document.getElementById('messages'); const keep = m.scrollTop;
        m.scrollTop = m.scrollHeight;
        const rows = m.querySelectorAll('.row.bot');
        const top = rows[rows.length - 1].getBoundingClientRect().top - m.getBoundingClientRect().top;
        m.scrollTop = keep; return top;
    }""")
    print(f"\nverdict line at {page.width}px: {offset:.0f}px (was {bottom_offset:.0f}px when scrolled to the bottom)")
    assert row.locator(".rating button").all_inner_texts() == ["有用", "没用"]   # verdicts are rated too
    more.locator(":scope > summary").click()
    assert row.get_by_text(rest_line, exact=False).first.is_visible()
    if custom.get("citations"):
        assert more.locator(".cite").count() == len(custom["citations"])
    no_horizontal_scroll(page)


def test_suggestions_checklist_offer_and_rating(page, answers_web):
    page.goto(answers_web.url + "/")
    data = ask(page, MATERIALS_QUESTION)
    text, custom, buttons = first_reply(data)
    suggestions = custom["answer"]["suggestions"]
    assert suggestions, "the materials answer comes with follow-up questions"
    row = page.locator(".row.bot").last
    group = row.locator(".chips[aria-label='猜你想问']")
    assert group.locator("button").all_inner_texts() == suggestions
    assert row.locator("button[data-action=checklist]").inner_text() == "生成我的材料清单"
    assert "%" not in row.inner_text()                       # no percent-encoded address as text

    # 有用/没用: the request the staff half stores (its endpoint is answered here by the test).
    page.route("**/api/feedback", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"ok": True})))
    with page.expect_request(lambda r: r.url.endswith("/api/feedback") and r.method == "POST") as req:
        row.locator(".rating button", has_text="没用").click()
    sent = req.value.post_data_json
    assert sent == {"sender": page.evaluate("localStorage.getItem('policy-chat-sender')"), "rating": "useless",
                    "point": custom["answer"]["point"], "question": MATERIALS_QUESTION, "reply": text}
    row.locator(".rating-done", has_text="感谢反馈").wait_for()

    # A suggestion is a tappable question.
    ask_rows = page.locator(".row.user").count()
    group.locator("button").first.click()
    page.locator(".row.user").nth(ask_rows).wait_for()
    assert page.locator(".row.user .bubble").last.inner_text() == suggestions[0]


def test_rating_failure_is_said(page, answers_web):
    page.goto(answers_web.url + "/")
    ask(page, "送审表要几份？")
    page.route("**/api/feedback", lambda route: route.fulfill(status=500, body="{}"))
    page.locator(".row.bot .rating button", has_text="有用").last.click()
    page.locator(".row.bot .rating", has_text="反馈未能提交").last.wait_for()


def test_hotline_entry_and_tel_links(page, web_app, kb):
    numbers = hotline_numbers(kb)
    assert numbers
    page.goto(web_app.url + "/")
    bar = page.locator("nav.helpbar")
    assert "拨打热线/转人工" in bar.inner_text() and bar.is_visible()
    assert bar.locator("a.tel").evaluate_all("as => as.map(a => a.getAttribute('href'))") == \
        ["tel:" + n.replace("-", "") for n in numbers]
    page.fill("#input", "什么时候申报？")                     # Rasa is down here: the error names the hotline
    page.press("#input", "Enter")
    error = page.locator(".bubble.error")
    error.wait_for()
    assert error.locator("a.tel").count() == len(numbers)
    assert error.locator("a.tel").first.get_attribute("href") == "tel:" + numbers[0].replace("-", "")


def test_a_message_over_the_limit_is_not_cut_and_is_explained(page, answers_web):
    from bot.web.chat import MAX_MESSAGE_CHARS

    page.goto(answers_web.url + "/")
    long_text = "非" * (2 * MAX_MESSAGE_CHARS)
    page.fill("#input", long_text)
    hint = page.locator("#input-hint")
    assert hint.is_visible()
    assert f"已输入 {2 * MAX_MESSAGE_CHARS} 字，最多 {MAX_MESSAGE_CHARS} 字" in hint.inner_text()
    assert page.locator("#send").is_disabled()
    assert len(page.input_value("#input")) == 2 * MAX_MESSAGE_CHARS      # nothing cut silently
    page.press("#input", "Enter")
    assert page.locator(".row.user").count() == 0
    page.fill("#input", "非" * MAX_MESSAGE_CHARS)
    assert not page.locator("#send").is_disabled()
    assert f"{MAX_MESSAGE_CHARS} / {MAX_MESSAGE_CHARS}" in hint.inner_text()


def test_one_polite_live_region_and_a_visible_focus_ring(page, answers_web):
    page.goto(answers_web.url + "/")
    regions = page.locator("[aria-live], [role=log], [role=status], [role=alert]")
    assert regions.count() == 1
    assert regions.first.get_attribute("aria-live") == "polite"
    assert page.locator("#messages").get_attribute("aria-live") is None
    data = ask(page, "送审表要几份？")
    text, _, _ = first_reply(data)
    assert text.split("\n")[0] in page.locator("#live").inner_text()
    assert page.locator("#live").inner_text().count("依据") <= 1          # the first line, not the list
    page.keyboard.press("Shift+Tab")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), tag: document.activeElement.tagName}; }""")
    assert ring["style"] != "none" and ring["width"] >= 2, ring


def test_axe_chat_page_with_an_answer_open(page, answers_web):
    page.goto(answers_web.url + "/")
    ask(page, LONG_QUESTION)
    page.locator("details.more > summary").last.click()
    page.locator(".more .cite summary").first.click()
    found = axe_violations(page)
    assert not found, describe(found)


# ---------------------------------------------------------------- checklist page
def test_checklist_print_view_uses_cards_on_a_phone(page, web_app):
    page.goto(web_app.url + "/checklist/print?target_title=" + quote("中级") + "&employer_type=" + quote("非公"))
    no_horizontal_scroll(page)
    name = page.locator("td.name").first
    display = page.locator("table:not(.facts) tr").nth(1).evaluate("tr => getComputedStyle(tr).display")
    width = name.bounding_box()["width"]
    if page.width < 600:
        assert display == "block"                                   # a card per row
        assert width > 250, f"material names get {width}px"
        assert page.locator("thead").first.evaluate("t => getComputedStyle(t).display") == "none"
    else:
        assert display == "table-row"
    found = axe_violations(page)
    assert not found, describe(found)


def test_checklist_page_at_width_and_pdf_with_a_chinese_name(page, web_app):
    query = "target_title=" + quote("副高级") + "&employer_type=" + quote("非公")
    page.goto(web_app.url + "/checklist?" + query)
    frame = page.frame_locator("#checklist-frame")
    frame.locator("h1").wait_for()
    no_horizontal_scroll(page)
    box = page.locator("#checklist-frame").bounding_box()
    assert box["width"] <= page.width
    found = axe_violations(page)
    assert not found, describe(found)
    if page.width < 600:
        page.wait_for_timeout(300)   # the frame is sized to its content on load
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "checklist-360.png"))
    with page.expect_download() as download:
        page.click("#pdf-link")
    assert download.value.suggested_filename == "职称申报材料清单.pdf"


def test_pdf_content_disposition(http):
    resp = http.request("GET", "/checklist.pdf?target_title=" + quote("中级"))
    assert resp.status == 200
    header = resp.headers["Content-Disposition"]
    assert header.startswith("attachment;")
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "职称申报材料清单.pdf"
