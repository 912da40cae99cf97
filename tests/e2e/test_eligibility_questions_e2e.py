"""One-turn eligibility questions, as applicants type them, through the REST channel of the
real running assistant (tests/conftest.py `stack`): the first line of the reply is the
verdict with its route, the second the clause; the payload carries the same verdict, the
route, what was assumed and every route's verdict. Questions that lack a deciding fact
reach a verdict through the form; a correction and a follow-up re-decide."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bench.eligibility import converse, load_questions, payload_of, text_of

DATA = load_questions()
pytestmark = pytest.mark.stack


def _sender() -> str:
    return "elig-" + uuid.uuid4().hex[:8]


def test_enough_questions_and_none_in_training_data():
    assert len(DATA["questions"]) >= 40
    root = Path(__file__).resolve().parents[2] / "data"
    training = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.yml"))
    leaked = [q["text"] for q in DATA["questions"] + DATA["partial"] if q["text"] in training]
    assert not leaked, leaked


@pytest.mark.parametrize("case", DATA["questions"], ids=[q["text"] for q in DATA["questions"]])
def test_one_turn_question_gets_the_verdict_first(stack, case):
    messages = stack.send(case["text"], sender=_sender())
    text = text_of(messages)
    payload = payload_of(messages)
    assert payload is not None, f"no verdict for {case['text']!r}:\n{text}"
    assert payload["eligible"] is case["eligible"] and payload["route_id"] == case["route"], f"{payload}\n{text}"
    lines = text.split("\n")
    for word in case.get("first_line", []):
        assert word in lines[0], f"{word!r} not in the first line:\n{text}"
    assert lines[1].startswith("依据"), text  # the clause follows the verdict
    assert isinstance(payload["assumptions"], list) and payload["routes"][0]["id"] == case["route"]


@pytest.mark.parametrize("case", DATA["partial"], ids=[q["text"] for q in DATA["partial"]])
def test_form_asks_only_what_decides(stack, case):
    sender = _sender()
    payload, asked, transcript = converse(lambda m: stack.send(m, sender=sender), case["text"], case["profile"])
    assert payload is not None and payload["eligible"] is case["eligible"], "\n".join(transcript)
    assert asked <= len(case["profile"]), "\n".join(transcript)


def test_correction_and_follow_up_re_decide_without_starting_over(stack):
    sender = _sender()
    first = payload_of(stack.send("大专在民营企业干了6年能直接报中级吗", sender=sender))
    assert first["eligible"] is False and first["route_id"] == "non_public_direct"
    corrected = stack.send("不对，我是本科", sender=sender)
    payload = payload_of(corrected)
    assert payload is not None and payload["eligible"] is True, text_of(corrected)
    assert text_of(corrected).startswith("可以直接申报中级"), text_of(corrected)
    follow = stack.send("如果是副高呢", sender=sender)
    payload = payload_of(follow)
    assert payload is not None and payload["target_title"] == "副高级", text_of(follow)
    assert payload["eligible"] is False and "满12年" in text_of(follow).split("\n")[0], text_of(follow)
