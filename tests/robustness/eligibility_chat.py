"""Drive the chat eligibility form for one applicant profile (used by several tests).

The question asked is recognised by its text in policy_kb/facts.yml (the form asks exactly
that question), and answered from the profile the way a person would type it.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from policy_kb.eligibility import evaluate
from policy_kb.facts import FACTS, normalise_facts
from tests.conftest import reply_custom, reply_text

# How a person answers each fact; facts not in a profile are answered "不知道".
ANSWER_FORMS: dict[str, Callable[[object], str]] = {
    "education": lambda v: f"{v}",
    "years_worked": lambda v: f"干了{v}年",
    "employer_type": lambda v: {"非公": "民营企业"}.get(v, v),
    "status": lambda v: f"{v}",
    "location": lambda v: f"{v}",
    "full_time": lambda v: "是" if v else "否",
    "current_title": lambda v: f"{v}",
    "target_title": lambda v: f"{v}",
    "series": lambda v: f"{v}",
}


def asked_fact(text: str) -> str | None:
    for fact, spec in FACTS.items():
        question = spec.get("question")
        if question and question in text:
            return fact
    return None


def answer_for(fact: str | None, profile: dict) -> str:
    if fact in profile and fact in ANSWER_FORMS:
        return ANSWER_FORMS[fact](profile[fact])
    return "不知道"


def expected_verdict(slots: dict) -> dict:
    """What the evaluator says for the facts the conversation holds."""
    raw = {k: v for k, v in slots.items() if k in FACTS and v is not None}
    facts, _errors = normalise_facts(raw)
    return evaluate(facts, as_of=date.today())


def opening(profile: dict) -> str:
    return f"我想问问我能不能申报{profile['target_title']}职称"


def run_form(send: Callable[[str], list], profile: dict, max_turns: int = 12,
             first: str | None = None) -> tuple[dict | None, list[str]]:
    """Chat until a verdict arrives; returns (eligibility payload, transcript)."""
    transcript: list[str] = []
    message = first or opening(profile)
    for _ in range(max_turns):
        replies = send(message)
        text = reply_text(replies)
        transcript += [f"> {message}", text]
        payload = reply_custom(replies).get("eligibility")
        if payload is not None:
            return payload, transcript
        message = answer_for(asked_fact(text), profile)
    return None, transcript
