"""Conversations through the REST channel of the running assistant: greetings, fallback,
out of scope, bad input, the multi-turn eligibility form with a correction."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import reply_citations, reply_custom, reply_text

pytestmark = pytest.mark.stack
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sender() -> str:
    return "conv-" + uuid.uuid4().hex[:8]


def test_greeting_is_chinese_and_uncited(stack):
    messages = stack.send("你好", sender=_sender())
    text = reply_text(messages)
    assert CJK.search(text), messages
    assert reply_citations(messages) == []


def test_out_of_scope_says_what_is_covered_and_gives_hotline(stack):
    messages = stack.send("帮我查下社保缴费基数是多少", sender=_sender())
    text = reply_text(messages)
    assert "职称" in text and "0472" in text, text
    assert reply_citations(messages) == []


def test_nonsense_gets_an_answer_not_silence(stack):
    messages = stack.send("asdkjh qwe 啊啊啊 ###", sender=_sender())
    assert reply_text(messages), messages
    assert reply_citations(messages) == []


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "<script>alert(1)</script>", "' OR 1=1; --", "NEAR( \"*",
                                     "我想问问 Java 工程师 职称", "我本科毕业６年在民企能报中级吗", "职" * 5000])
def test_bad_input_gets_a_reply(stack, message):
    messages = stack.send(message, sender=_sender())
    assert messages, f"no reply for {message[:30]!r}"
    assert "<script>" not in reply_text(messages)


def test_eligibility_form_asks_only_what_is_missing_and_accepts_a_correction(stack):
    sender = _sender()
    first = stack.send("我想问问我能不能申报中级职称", sender=sender)
    asked = reply_text(first)
    assert "？" in asked or "?" in asked, asked          # it asks a question
    assert reply_custom(first).get("eligibility") is None  # no verdict yet
    seen = [asked]
    answers = {"单位": "民营企业", "学历": "本科", "年": "干了6年", "身份": "在职"}
    verdict = None
    for _ in range(8):
        question = seen[-1]
        answer = next((a for key, a in answers.items() if key in question), "不知道")
        messages = stack.send(answer, sender=sender)
        payload = reply_custom(messages).get("eligibility")
        seen.append(reply_text(messages))
        if payload is not None:
            verdict = payload
            break
    assert verdict is not None, "form never finished:\n" + "\n---\n".join(seen)
    assert verdict["eligible"] is True and verdict["target_title"] == "中级", verdict
    # Correction: 大专 with 6 years is not enough for the non-public route to 中级.
    corrected = stack.send("不对，我是大专", sender=sender)
    payload = reply_custom(corrected).get("eligibility")
    assert payload is not None, reply_text(corrected)
    assert payload["eligible"] is not True, reply_text(corrected)


def test_one_turn_eligibility_question_is_answered_without_questions(stack):
    messages = stack.send("本科毕业在民企干了6年能直接报中级吗", sender=_sender())
    payload = reply_custom(messages).get("eligibility")
    assert payload and payload["eligible"] is True, reply_text(messages)
    assert "bt-2024:四/（六）" in reply_citations(messages)


@pytest.mark.parametrize("interruption", ["今年几号截止", "转人工"])
def test_a_question_in_the_middle_of_the_form_is_answered_and_the_form_goes_on(stack, interruption):
    """An interruption used to end the form with an unfinished verdict: the form now asks
    its open question again, and the answers that follow still reach the verdict."""
    sender = _sender()
    asked = reply_text(stack.send("我想评中级", sender=sender))
    assert "单位" in asked, asked
    messages = stack.send(interruption, sender=sender)
    assert reply_custom(messages).get("eligibility") is None, reply_text(messages)
    assert "单位是什么性质" in reply_text(messages), reply_text(messages)  # the open question again
    verdict = None
    for answer in ("民营企业", "本科", "干了6年"):
        verdict = reply_custom(stack.send(answer, sender=sender)).get("eligibility") or verdict
    assert verdict is not None and verdict["eligible"] is True, verdict


@pytest.mark.parametrize("first,then,fact", [
    ("今年高级职称几号截止", "那中级呢", "7月26日"),
    ("送审表要交几份", "评审表呢", "A4"),
])
def test_a_follow_up_continues_the_policy_question_before(stack, first, then, fact):
    """"那中级呢" after a deadline answer asks the same about 中级: answered and cited, no
    eligibility form opened for the level it names."""
    sender = _sender()
    assert reply_citations(stack.send(first, sender=sender))
    messages = stack.send(then, sender=sender)
    text = reply_text(messages)
    assert fact in re.sub(r"\s+", "", text)[:80], text
    assert reply_citations(messages), messages
    assert reply_custom(messages).get("eligibility") is None and "请再回答几个问题" not in text, text
