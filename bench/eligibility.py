"""Eligibility answers through the REST channel: the share of one-turn questions that get a
definite verdict (可以 / 不可以) at once, the share that is right, and the mean number of form
questions to a verdict for questions that lack a deciding fact.

The questions are tests/e2e/eligibility_questions.yml (also the end-to-end test). Run
alone with `python -m bench eligibility` (starts its own stack) or as part of `make bench`.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Callable

import yaml

from policy_kb.facts import FACTS

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "e2e" / "eligibility_questions.yml"
MAX_TURNS = 10


def load_questions() -> dict:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def payload_of(messages: list[dict]) -> dict | None:
    for m in messages:
        custom = m.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("eligibility"), dict):
            return custom["eligibility"]
    return None


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages if m.get("text"))


def asked_fact(text: str) -> str | None:
    """The fact a form question asks for (the question wording of facts.yml)."""
    return next((name for name, spec in FACTS.items() if spec.get("question") and spec["question"] in text), None)


def answer_for(fact: str | None, profile: dict) -> str:
    """How an applicant answers: the value from the profile, or 不知道."""
    if fact not in profile:
        return "不知道"
    value = profile[fact]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return f"{value:g}年"
    return {"非公": "民营企业"}.get(value, str(value))


def converse(send: Callable[[str], list], first: str, profile: dict) -> tuple[dict | None, int, list[str]]:
    """Ask, answer the form's questions from ``profile``; (verdict payload, questions asked, transcript)."""
    transcript, message, questions = [], first, 0
    for _ in range(MAX_TURNS):
        replies = send(message)
        text = text_of(replies)
        transcript += [f"> {message}", text]
        payload = payload_of(replies)
        if payload is not None and (payload.get("eligible") is not None or not payload.get("missing")):
            return payload, questions, transcript
        fact = asked_fact(text)
        if fact is None:
            return payload, questions, transcript
        questions += 1
        message = answer_for(fact, profile)
    return None, questions, transcript


def run(send_to: Callable[[str, str], list]) -> dict:
    """``send_to(message, sender)`` posts to the REST channel and returns Rasa's messages."""
    data = load_questions()
    one_turn, partial = [], []
    for case in data["questions"]:
        replies = send_to(case["text"], "bench-elig-" + uuid.uuid4().hex[:8])
        payload = payload_of(replies) or {}
        one_turn.append({"text": case["text"], "expected": case["eligible"], "got": payload.get("eligible"),
                         "route": payload.get("route_id"), "definite": payload.get("eligible") is not None,
                         "right": bool(payload) and payload.get("eligible") == case["eligible"]
                         and payload.get("route_id") == case["route"],
                         "first_line": text_of(replies).split("\n")[0]})
    for case in data.get("partial") or []:
        sender = "bench-elig-" + uuid.uuid4().hex[:8]
        payload, asked, _ = converse(lambda m: send_to(m, sender), case["text"], case["profile"])
        partial.append({"text": case["text"], "questions": asked, "got": (payload or {}).get("eligible"),
                        "right": payload is not None and payload.get("eligible") == case["eligible"]})
    deciding = [q for q in one_turn if q["expected"] is not None]
    result = {
        "questions": len(one_turn),
        "definite_share": round(sum(q["definite"] for q in deciding) / max(1, len(deciding)), 3),
        "right_share": round(sum(q["right"] for q in one_turn) / max(1, len(one_turn)), 3),
        "partial": len(partial),
        "mean_questions_to_verdict": round(sum(p["questions"] for p in partial) / max(1, len(partial)), 2),
        "partial_right_share": round(sum(p["right"] for p in partial) / max(1, len(partial)), 3),
        "one_turn": one_turn, "conversations": partial,
    }
    print(f"  one-turn questions holding the deciding facts: {result['definite_share']:.0%} definite "
          f"({len(deciding)}), {result['right_share']:.0%} right verdict and route ({len(one_turn)}); "
          f"questions without a deciding fact: {result['mean_questions_to_verdict']} form questions to a "
          f"verdict on average ({len(partial)}, {result['partial_right_share']:.0%} right)", flush=True)
    return result


def markdown(result: dict) -> list[str]:
    wrong = [q for q in result["one_turn"] if not q["right"]]
    lines = ["## Eligibility answers (REST channel, tests/e2e/eligibility_questions.yml)", "",
             f"- one-turn questions that hold the deciding facts: {result['definite_share']:.0%} get a definite "
             f"verdict in the first reply; {result['right_share']:.0%} of {result['questions']} have the expected "
             "verdict and route",
             f"- questions without a deciding fact: {result['mean_questions_to_verdict']} form questions to a verdict "
             f"on average over {result['partial']} conversations ({result['partial_right_share']:.0%} right)"]
    lines += [f"- not as expected: {q['text']} → {q['got']} / {q['route']}" for q in wrong[:10]]
    return lines + [""]
