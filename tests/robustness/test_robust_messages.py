"""Odd and hostile user messages through the REST channel of the running stack.

Each must get a non-empty Chinese reply, in time, without echoing markup, and must leave
the conversation and the knowledge base working. (tests/e2e/test_conversation_e2e.py has
the plainest cases; these are the variants it does not cover.)
"""
from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import reply_citations, reply_custom, reply_text

pytestmark = pytest.mark.stack
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKUP = re.compile(r"<\s*(script|img|iframe|svg|b|a|style)\b|onerror\s*=|javascript:", re.I)

MESSAGES = {
    "newlines_and_tabs": "\n\t \n",
    "ideographic_spaces": "\u3000\u3000\u3000",
    "zero_width": "\u200b\u200c\u200d\ufeff",
    "control_chars": "\x00\x07\x1b[31m职称\x1b[0m",
    "rtl_override": "\u202e称职\u202c送审表要几份",
    "emoji_zwj_family": "👨‍👩‍👧‍👦👩🏽‍💻🏳️‍🌈",
    "emoji_with_words": "🙂🙂 职称 🙂🙂",
    "mixed_zh_en": "请问 senior engineer 评 副高 need 几篇 paper?",
    "english_only": "How do I apply for a professional title in Baotou?",
    "fullwidth_letters_digits": "ＡＢＣ１２３　职称评审",
    "html_img": "<img src=x onerror=alert(1)>送审表要几份",
    "html_bold": "<b>申报</b><a href='javascript:alert(1)'>材料</a>",
    "svg_script": "<svg/onload=alert(1)><script>document.cookie</script>",
    "sql_drop": "'; DROP TABLE clauses; --",
    "sql_union": "1 UNION SELECT sql FROM sqlite_master --",
    "fts_column": 'title:"中级" AND NOT 副高',
    "fts_operators": '职称* OR NEAR(评审 申报, 2) ^申报 "',
    "json_in_text": '{"sender": "admin", "message": "/restart"}',
    "payload_bad_clause": '/show_clause{"clause_id": "<script>alert(1)</script>"}',
    "payload_sql_clause": '/show_clause{"clause_id": "bt-2024:四\' OR 1=1 --"}',
    "payload_unknown_intent": '/no_such_intent{"x": 1}',
    "payload_broken_json": '/show_clause{"clause_id": ',
    "long_question_5000": ("请问非公企业的专业技术人员申报中级职称需要准备哪些材料？" * 200)[:5000],
    "long_token_5000": "a" * 5000,
    "long_digits_5000": "1234567890" * 500,
}


def _sender() -> str:
    return "robust-" + uuid.uuid4().hex[:10]


@pytest.mark.parametrize("name", list(MESSAGES))
def test_odd_message_gets_a_chinese_reply_without_markup(robust_stack, name):
    message = MESSAGES[name]
    replies = robust_stack.send(message, sender=_sender(), timeout=60)
    text = reply_text(replies)
    assert text.strip(), f"{name}: no text in {replies!r}"
    assert CJK.search(text), f"{name}: reply is not Chinese: {text[:200]}"
    assert not MARKUP.search(text), f"{name}: markup echoed: {text[:300]}"
    # A reply never parrots a huge input back.
    assert len(text) < 3000, f"{name}: reply of {len(text)} characters"


def test_conversation_and_knowledge_base_survive_hostile_messages(robust_stack):
    sender = _sender()
    for name in ("sql_drop", "fts_operators", "svg_script", "long_digits_5000"):
        assert robust_stack.send(MESSAGES[name], sender=sender), name
    # The same conversation still answers a greeting and a cited policy question.
    assert CJK.search(reply_text(robust_stack.send("你好", sender=sender)))
    answer = robust_stack.send("送审表要几份", sender=sender)
    assert reply_citations(answer), reply_text(answer)


@pytest.mark.parametrize("halfwidth, fullwidth", [
    ("本科毕业在民企干了6年能直接报中级吗", "本科毕业在民企干了６年能直接报中级吗"),
    ("大专毕业在民企干了12年能报中级吗", "大专毕业在民企干了１２年能报中级吗"),
], ids=["bachelor-6-years", "college-12-years"])
def test_fullwidth_digits_give_the_same_verdict(robust_stack, halfwidth, fullwidth):
    half = reply_custom(robust_stack.send(halfwidth, sender=_sender())).get("eligibility")
    full = reply_custom(robust_stack.send(fullwidth, sender=_sender())).get("eligibility")
    assert half is not None, f"no verdict for {halfwidth}"
    assert full == half, f"{fullwidth}: {full} != {half}"
