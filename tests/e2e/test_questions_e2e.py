"""Questions sent through the REST channel of the real running assistant (tests/conftest.py
`stack`): each reply must cite the expected clause and hold the key fact."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml

from bench.blind import _related
from tests.conftest import reply_citations, reply_custom, reply_text

HERE = Path(__file__).parent
QUESTIONS = yaml.safe_load((HERE / "questions.yml").read_text(encoding="utf-8"))
pytestmark = pytest.mark.stack
FIRST_CHARS = 80


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_questions_are_not_training_data():
    root = HERE.parent.parent / "data"
    training = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.yml"))
    leaked = [q["text"] for q in QUESTIONS if q["text"] in training]
    assert not leaked, f"end-to-end questions copied into training data: {leaked}"


# A case marked known_wrong is a wrong answer seen and not yet fixed: expected to fail (reported
# as xfail, and as XPASS once it is answered right).
CASES = [pytest.param(q, marks=pytest.mark.xfail(reason=q["known_wrong"], strict=False)) if q.get("known_wrong")
         else q for q in QUESTIONS]


@pytest.mark.parametrize("case", CASES, ids=[q["text"] for q in QUESTIONS])
def test_question_is_answered_and_cited(stack, case):
    messages = stack.send(case["text"], sender="e2e-" + uuid.uuid4().hex[:8])
    text = _squash(reply_text(messages))
    cited = reply_citations(messages)
    assert text, f"no reply text for {case['text']!r}: {messages}"
    # the expected clause, one of its items, or the clause it is an item of
    assert any(_related(c, e) for c in cited for e in case["cite_any"]), \
        f"cited {cited}, expected one of {case['cite_any']}\n{text}"
    first = _squash(next((m["text"] for m in messages if m.get("text")), ""))[:FIRST_CHARS]
    for needle in case.get("text_has", []):
        assert _squash(needle) in text, f"{needle!r} not in reply:\n{text}"
        # Answer first: the key fact stands in the first 80 characters of the reply.
        assert _squash(needle) in first, f"{needle!r} not in the first {FIRST_CHARS} characters:\n{text}"
    for needle in case.get("text_later", []):  # said after the answer (change or time line)
        assert _squash(needle) in text, f"{needle!r} not in reply:\n{text}"
    if "eligible" in case:
        eligibility = reply_custom(messages).get("eligibility")
        assert eligibility is not None, f"no eligibility payload:\n{text}"
        assert eligibility["eligible"] is case["eligible"], f"{eligibility}\n{text}"
    if "eligible_not" in case:
        eligibility = reply_custom(messages).get("eligibility")
        assert eligibility is not None, f"no eligibility payload:\n{text}"
        assert eligibility["eligible"] is not case["eligible_not"], f"{eligibility}\n{text}"
