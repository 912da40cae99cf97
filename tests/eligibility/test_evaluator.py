"""The evaluator's output shape, its handling of bad input, dates and the command line."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_kb import eligibility
from policy_kb.eligibility import evaluate

ROOT = Path(__file__).resolve().parents[2]
NON_PUBLIC = {"status": "在职", "employer_type": "非公", "location": "市区", "series": "工程",
              "current_title": "无", "education": "本科", "years_worked": 6, "target_title": "中级"}


def test_output_has_contract_keys():
    result = evaluate(NON_PUBLIC, "2025-01-01")
    for key in ("eligible", "target_title", "route", "routes", "caveats", "missing", "notice_used",
                "changes", "citations", "errors"):
        assert key in result
    json.dumps(result, ensure_ascii=False)  # plain JSON
    route = result["routes"][0]
    for key in ("route", "eligible", "trace", "caveats", "citations"):
        assert key in route
    for entry in route["trace"]:
        assert {"condition", "ok", "clause"} <= set(entry)
        assert entry["condition"] and entry["clause"].split(":")[0] in ("bt-2020", "bt-2021", "nm-2022", "bt-2024")


def test_trace_explains_a_failure():
    facts = dict(NON_PUBLIC, years_worked=4)
    result = evaluate(facts, "2025-01-01")
    route = next(r for r in result["routes"] if r["route"] == "non_public_direct")
    failed = [t for t in route["trace"] if t["ok"] is False]
    assert any("5年" in t["condition"] for t in failed)


def test_raw_facts_are_normalised_inside():
    raw = {"status": "在职", "employer_type": "私企", "location": "市区", "series": "工程",
           "current_title": "没有", "education": "专科", "years_worked": "八年", "target_title": "中级职称"}
    result = evaluate(raw, "2025-01-01")
    assert result["eligible"] is True and result["facts"]["years_worked"] == 8


@pytest.mark.parametrize("facts", [None, [], "本科", 42, {"years_worked": -1}, {"education": "小学"},
                                   {"years_worked": "许多年"}, {"status": "x" * 10000}, {"award": ["a"]},
                                   {"whatever": 1}, {"target_title": {"nested": True}}])
def test_bad_facts_never_raise(facts):
    result = evaluate(facts, "2025-01-01")
    assert result["eligible"] in (True, False, None)
    assert isinstance(result["errors"], list)


def test_bad_fact_is_named_and_then_asked_again():
    result = evaluate({"status": "在职", "education": "小学", "target_title": "中级"}, "2025-01-01")
    assert [e["fact"] for e in result["errors"]] == ["education"]
    assert "学历" in result["errors"][0]["message"]
    assert "education" not in result["facts"] and result["eligible"] is None and result["missing"]


def test_negative_years_named_in_error():
    result = evaluate(dict(NON_PUBLIC, years_worked=-5), "2025-01-01")
    assert result["errors"][0]["fact"] == "years_worked"
    assert "years_worked" in result["missing"] and result["eligible"] is None


@pytest.mark.parametrize("as_of", ["2025/13/45", "yesterday", 12345, "2025-02-30"])
def test_bad_as_of_is_reported_and_today_used(as_of):
    result = evaluate(NON_PUBLIC, as_of)
    assert any(e["fact"] == "as_of" for e in result["errors"])
    assert result["as_of"] == dt.date.today().isoformat()


def test_as_of_accepts_date_objects():
    assert evaluate(NON_PUBLIC, dt.date(2021, 6, 1))["notice_used"] == "bt-2021"
    assert evaluate(NON_PUBLIC, dt.datetime(2024, 6, 1, 12, 0))["notice_used"] == "bt-2024"


def test_before_any_notice():
    result = evaluate(NON_PUBLIC, "2019-01-01")
    assert result["eligible"] is None and result["routes"] == [] and result["caveats"]


def test_default_as_of_is_today():
    assert evaluate(NON_PUBLIC)["as_of"] == dt.date.today().isoformat()


def test_one_sentence_change_when_older_notice_differs():
    new = evaluate(dict(NON_PUBLIC, series="会计", years_worked=12, target_title="副高级", exam_passed=True),
                   "2024-06-01")
    assert new["eligible"] is True and len(new["changes"]) == 1
    assert new["changes"][0].count("。") == 1 and new["changes"][0].endswith("。")
    old = evaluate(dict(NON_PUBLIC, current_title="助理级"), "2020-06-01")
    assert old["changes"] == []  # nothing older than bt-2020 to compare with


def test_quotes_come_from_the_kb_when_built():
    if eligibility._kb() is None:
        pytest.skip("knowledge base not built (python -m policy_kb build)")
    result = evaluate(NON_PUBLIC, "2025-01-01")
    quotes = [t.get("quote") for r in result["routes"] for t in r["trace"] if t.get("quote")]
    assert quotes and any("大学本科毕业且从事专业技术工作满5年" in q for q in quotes)


def test_no_quotes_without_kb(monkeypatch):
    monkeypatch.setattr(eligibility, "_kb", lambda: None)
    eligibility.clause_quote.cache_clear()
    try:
        result = evaluate(NON_PUBLIC, "2025-01-01")
        assert all("quote" not in t for r in result["routes"] for t in r["trace"])
    finally:
        eligibility.clause_quote.cache_clear()


def test_main_prints_json(capsys):
    code = eligibility.main(["--facts", json.dumps(NON_PUBLIC, ensure_ascii=False), "--as-of", "2025-01-01"])
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out)["route"] == "non_public_direct"
    assert "非公领域直接申报" in out  # ensure_ascii False


@pytest.mark.parametrize("text", ["{bad json", "[1, 2]", "", "\"本科\""])
def test_main_bad_json_exit_2(text, capsys):
    code = eligibility.main(["eligibility", "--facts", text])
    err = capsys.readouterr().err
    assert code == 2 and "JSON" in err


def test_module_command_line():
    proc = subprocess.run([sys.executable, "-m", "policy_kb", "eligibility", "--facts", "{oops"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "JSON" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "policy_kb", "eligibility", "--facts",
                           '{"status": "公务员"}', "--as-of", "2025-01-01"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["eligible"] is False
