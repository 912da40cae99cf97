"""Applicant situations (tests/checklist/situations.yml) -> the exact materials they are told."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from policy_kb.checklist import build_checklist

DATA = yaml.safe_load((Path(__file__).with_name("situations.yml")).read_text(encoding="utf-8"))
SITUATIONS = DATA["situations"]
CONDITIONAL_RE = re.compile(r"^如属.+的情形，还需提供.+。$")


def expected_items(situation: dict) -> list[list]:
    return [list(row) for group in situation["items"] for row in group]


@pytest.fixture(scope="module")
def built(checklist_kb):
    return {s["name"]: build_checklist(s["facts"], kb=checklist_kb) for s in SITUATIONS}


def test_at_least_eight_situations():
    assert len(SITUATIONS) >= 8
    assert len({s["name"] for s in SITUATIONS}) == len(SITUATIONS)


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s["name"])
def test_items_and_copies(situation, built):
    result = built[situation["name"]]
    assert result["applicable"] is True
    assert result["errors"] == []
    got = [[item["name"], item["copies"]] for item in result["items"]]
    assert got == expected_items(situation)


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s["name"])
def test_conditional_items(situation, built):
    result = built[situation["name"]]
    assert sorted(i["key"] for i in result["conditional_items"]) == sorted(situation["conditional"])
    definite = {i["key"] for i in result["items"]}
    for item in result["conditional_items"]:
        assert CONDITIONAL_RE.match(item["text"]), item["text"]
        assert item["name"] in item["text"] and item["situation"] in item["text"]
        assert item["key"] not in definite


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s["name"])
def test_where_deadlines_steps_notes(situation, built):
    result = built[situation["name"]]
    where = "\n".join(w["text"] for w in result["where"])
    for text in situation.get("where_has", []):
        assert text in where
    for text in situation.get("where_not", []):
        assert text not in where
    deadlines = {d["key"]: d for d in result["deadlines"]}
    for key, date in (situation.get("deadlines") or {}).items():
        assert key in deadlines, key
        assert deadlines[key]["date"] == date
        if date:
            assert deadlines[key]["date_text"].endswith(date)
    steps = "\n".join(s["text"] for s in result["steps"])
    assert [s["no"] for s in result["steps"]] == list(range(1, len(result["steps"]) + 1))
    for text in situation.get("steps_has", []):
        assert text in steps
    for text in situation.get("steps_not", []):
        assert text not in steps
    notes = "\n".join(n["text"] for n in result["notes"])
    for text in situation.get("notes_has", []):
        assert text in notes
    unknown = [u["fact"] for u in result["unknown_facts"]]
    for fact in situation.get("unknown_has", []):
        assert fact in unknown
    for name, text in (situation.get("item_notes_has") or {}).items():
        item = next(i for i in result["items"] if i["name"] == name)
        assert any(text in note for note in item["notes"]), (name, item["notes"])


def test_dated_deadlines_appear_in_submit_step(built):
    doctor = built["事业单位 城市医生 申报副高级（卫生）"]
    submit = next(s for s in doctor["steps"] if "报送渠道" in s["text"])
    senior = next(d for d in doctor["deadlines"] if d["key"] == "senior")
    assert senior["date_text"] + "前" in submit["text"]
    assert "bt-2024:二/（一）/4" in submit["citations"]
    # a senior applicant is not told the junior date as if it were theirs
    assert "中初级职称申报截止" not in submit["text"]


def test_unknown_facts_are_asked_with_questions(built):
    result = built["什么都没说"]
    assert result["facts"] == {}
    for fact in result["unknown_facts"]:
        assert fact["label"] and fact["question"].endswith(("？", "）"))
    # every dated deadline is conditional when the target title is unknown
    for d in result["deadlines"]:
        if d["date"]:
            assert d["conditional"] and d["text"].startswith("如属")


def test_known_facts_remove_their_questions(built):
    result = built["事业单位 城市医生 申报副高级（卫生）"]
    unknown = {u["fact"] for u in result["unknown_facts"]}
    assert not unknown & set(result["facts"])


@pytest.mark.parametrize("case", DATA["excluded"], ids=lambda c: c["name"])
def test_excluded_applicants_get_no_materials(case, checklist_kb):
    result = build_checklist(case["facts"], kb=checklist_kb)
    assert result["applicable"] is False
    assert result["items"] == [] and result["conditional_items"] == []
    assert any(case["cites"] in n["citations"] for n in result["notes"])
    assert "不得申报" in result["notes"][0]["text"]


def test_synonyms_are_normalised(checklist_kb):
    """What people type (民企, 副高, 医生) gives the same list as the vocabulary."""
    raw = build_checklist({"employer_type": "民企", "target_title": "副高", "series": "医生",
                           "current_title": "中级", "location": "市区",
                           "city_teacher_or_doctor": "是"}, kb=checklist_kb)
    assert raw["facts"]["employer_type"] == "非公" and raw["facts"]["series"] == "卫生"
    names = [i["name"] for i in raw["items"]]
    assert "考评结合系列考试成绩合格证明" in names
    assert "1年以上农村牧区基层工作服务经历证明材料" in names


@pytest.mark.parametrize("bad", [None, "不是字典", ["a"], {"years_worked": "9" * 5000},
                                 {"名字": "<script>"}, {"target_title": "😀" * 300}])
def test_bad_input_gives_messages_not_crashes(bad, checklist_kb):
    result = build_checklist(bad, kb=checklist_kb)
    assert result["applicable"] is True
    assert [i["name"] for i in result["items"]][:2] == ["专业技术职务任职资格评审表", "专业技术资格送审表"]
    if bad:
        assert result["errors"] and all(e["message"] for e in result["errors"])
