"""Run the eligibility cases in cases.yml against policy_kb.eligibility.evaluate."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy_kb.eligibility import evaluate

CASES = yaml.safe_load((Path(__file__).with_name("cases.yml")).read_text(encoding="utf-8"))["cases"]


def _as_text(items) -> str:
    return "\n".join(items)


def check_case(case: dict) -> list[str]:
    """Differences between the evaluator's answer and the case's expectation."""
    result = evaluate(case.get("facts") or {}, str(case["as_of"]) if case.get("as_of") else None, case.get("asked"))
    expect = case.get("expect") or {}
    problems = []
    for key in ("eligible", "route", "target_title", "notice_used"):
        if key in expect and result[key] != expect[key]:
            problems.append(f"{key}: expected {expect[key]!r}, got {result[key]!r}")
    if "missing" in expect and result["missing"] != expect["missing"]:
        problems.append(f"missing: expected {expect['missing']}, got {result['missing']}")
    for name in expect.get("missing_includes", []):
        if name not in result["missing"]:
            problems.append(f"missing should include {name}: {result['missing']}")
    for name in expect.get("missing_excludes", []):
        if name in result["missing"]:
            problems.append(f"missing should not include {name}: {result['missing']}")
    for clause in expect.get("citations", []):
        if clause not in result["citations"]:
            problems.append(f"citation {clause} not in {result['citations']}")
    for key, field in (("caveats", "caveats"), ("changes", "changes")):
        text = _as_text(result[field])
        for word in expect.get(key, []):
            if word not in text:
                problems.append(f"{field} lack {word!r}: {result[field]}")
    for key in ("assumptions", "headline"):
        text = _as_text(result[key]) if isinstance(result[key], list) else result[key]
        for word in expect.get(key, []):
            if word not in text:
                problems.append(f"{key} lack {word!r}: {result[key]}")
    for word in expect.get("no_caveats", []):
        if word in _as_text(result["caveats"]):
            problems.append(f"caveats should not mention {word!r}")
    listed = {r["route"]: r["eligible"] for r in result["routes"] + result["ruled_out"]}
    for route, value in (expect.get("routes") or {}).items():
        if route not in listed:
            problems.append(f"route {route} not listed ({sorted(listed)})")
        elif listed[route] != value:
            problems.append(f"route {route}: expected {value!r}, got {listed[route]!r}")
    for route in expect.get("routes_absent", []):
        if route in listed:
            problems.append(f"route {route} should not be listed")
    if result["errors"]:
        problems.append(f"unexpected errors: {result['errors']}")
    return problems


def test_enough_cases():
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    problems = check_case(case)
    assert not problems, "\n".join(problems)
