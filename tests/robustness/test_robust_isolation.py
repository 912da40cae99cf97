"""20 applicants fill the eligibility form at the same time, each with different facts.

No conversation may see another's facts: each verdict must be the evaluator's verdict for
that applicant's own facts, and each tracker (read through Rasa's HTTP API with the auth
token) must hold only that applicant's messages and values.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from policy_kb.facts import FACTS
from tests.robustness.conftest import tracker
from tests.robustness.eligibility_chat import expected_verdict, run_form

pytestmark = pytest.mark.stack

EDUCATIONS = ["大专", "本科", "硕士", "博士"]
SERIES = ["工程", "会计", "经济"]
N = 20


def profiles() -> list[dict]:
    """Different targets, educations, years and series."""
    out = []
    for i in range(N):
        target = "中级" if i % 2 == 0 else "副高级"
        out.append({
            "target_title": target,
            "education": EDUCATIONS[i % len(EDUCATIONS)],
            "years_worked": 1 + (i * 7) % 19,          # 1..19, all different pairs with education
            "employer_type": "非公",
            "status": "在职",
            "location": "市区",
            "full_time": True,
            "current_title": "无" if target == "中级" else "中级",
            "series": SERIES[i % len(SERIES)],
        })
    return out


def _same_number(a, b) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _converse(stack, profile: dict) -> dict:
    sender = "iso-" + uuid.uuid4().hex[:10]
    sent: list[str] = []

    def send(message: str) -> list:
        sent.append(message)
        return stack.send(message, sender=sender, timeout=120)

    payload, transcript = run_form(send, profile)
    return {"sender": sender, "profile": profile, "payload": payload, "sent": sent, "transcript": transcript}


def test_twenty_concurrent_eligibility_forms_stay_isolated(robust_stack):
    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(lambda p: _converse(robust_stack, p), profiles()))

    verdicts = set()
    for res in results:
        profile, payload = res["profile"], res["payload"]
        where = f"{res['sender']} {profile}:\n" + "\n".join(res["transcript"])
        assert payload is not None, "form never finished for " + where
        state = tracker(robust_stack, res["sender"])
        slots = state["slots"]
        # The conversation holds this applicant's own values and nothing else (the form
        # stops asking once the verdict is certain, so not every fact is there) ...
        held = {k: v for k, v in slots.items() if k in FACTS and v is not None}
        wrong = {k: v for k, v in held.items()
                 if k not in profile or (v != profile[k] and not _same_number(v, profile[k]))}
        assert not wrong, where + f"\nforeign or wrong facts {wrong}; slots={held}"
        assert {"target_title", "education"} <= set(held), where + f"\nslots={held}"
        # ... only this applicant's messages ...
        user_texts = [e.get("text") for e in state["events"] if e.get("event") == "user"]
        assert set(user_texts) <= set(res["sent"]), f"foreign messages in {res['sender']}: {user_texts}"
        assert len(user_texts) == len(res["sent"]), (user_texts, res["sent"])
        # ... and the verdict is the evaluator's for exactly those facts.
        expected = expected_verdict(slots)
        assert payload["eligible"] == expected["eligible"], where + f"\nexpected {expected['eligible']}"
        assert payload["target_title"] == profile["target_title"], where
        verdicts.add(payload["eligible"])
    # The profiles are chosen so that the answers differ (otherwise a mix-up could hide).
    assert len(verdicts) >= 2, f"all verdicts equal: {verdicts}"
