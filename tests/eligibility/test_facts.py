"""Facts vocabulary: synonyms, durations, and clear errors for bad facts."""
from __future__ import annotations

import pytest

from policy_kb.facts import FACTS, normalise_fact, normalise_facts, normalise_facts_with_notes, parse_years


@pytest.mark.parametrize("text,years", [
    ("5", 5), (5, 5), ("5年", 5), ("五年", 5), ("满五年", 5), ("一年半", 1.5), ("两年", 2),
    ("两年半", 2.5), ("3年6个月", 3.5), ("一年零六个月", 1.5), ("18个月", 1.5), ("半年", 0.5),
    ("十二年", 12), ("二十年", 20), ("三十年", 30), ("已经8年了", 8), ("5.5年", 5.5), ("５年", 5),
])
def test_parse_years(text, years):
    assert parse_years(text) == pytest.approx(years)


@pytest.mark.parametrize("text", ["", "很多年", "abc", None, True, [5], {"y": 5}, "x" * 5000, float("nan")])
def test_parse_years_rejects(text):
    assert parse_years(text) is None


@pytest.mark.parametrize("fact,typed,value", [
    ("education", "专科", "大专"), ("education", "大专", "大专"), ("education", "研究生", "硕士"),
    ("education", "学士", "本科"), ("education", "高级工班", "大专"),
    ("employer_type", "民企", "非公"), ("employer_type", "私企", "非公"), ("employer_type", "民营", "非公"),
    ("employer_type", "非公企业", "非公"), ("employer_type", "私营", "非公"), ("employer_type", "国企", "国有企业"),
    ("target_title", "副高", "副高级"), ("target_title", "高工", "副高级"), ("target_title", "中职", "中级"),
    ("target_title", "中级职称", "中级"), ("current_title", "初级", "助理级"), ("current_title", "正高", "正高级"),
    ("location", "乡镇", "苏木乡镇"), ("location", "嘎查", "嘎查村"), ("location", "村", "嘎查村"),
    ("location", "县", "旗县"), ("location", "旗", "旗县"), ("location", "县城", "旗县"),
    ("status", "参公人员", "参公"), ("status", "军转干部", "军转安置"),
    ("full_time", "全日制", True), ("full_time", "非全日制", False), ("full_time", "否", False),
    ("series", "工程系列", "工程"), ("series", "会计", "会计"), ("series", "地质勘探", "地质勘探"),
])
def test_synonyms(fact, typed, value):
    facts, errors = normalise_facts({fact: typed})
    assert errors == []
    assert facts[fact] == value


def test_junior_title_is_read_as_assistant_level_and_said_so():
    facts, errors, notes = normalise_facts_with_notes({"current_title": "初级"})
    assert facts["current_title"] == "助理级" and not errors
    assert any("员级" in n and "助理级" in n for n in notes)


def test_every_fact_has_question_order_and_type():
    for name, spec in FACTS.items():
        assert spec.get("question"), name
        assert isinstance(spec.get("order"), int), name
        assert spec.get("type") in ("enum", "bool", "number", "str"), name
        if spec["type"] == "enum":
            for canonical in spec.get("synonyms", {}):
                assert canonical in spec["values"], (name, canonical)


@pytest.mark.parametrize("fact,value,words", [
    ("years_worked", -3, ["从事专业技术工作年限", "负数"]),
    ("years_worked", "-2年", ["从事专业技术工作年限"]),
    ("years_worked", "很多年", ["从事专业技术工作年限", "数字"]),
    ("years_worked", 500, ["超出"]),
    ("education", "小学", ["学历", "本科", "博士"]),
    ("education", 3, ["学历"]),
    ("full_time", "也许", ["全日制", "是", "否"]),
    ("target_title", "院士", ["申报", "正高级"]),
    ("rural_service_months_this_year", "很多", ["月"]),
    ("award", "奖" * 5000, ["奖项"]),
])
def test_bad_fact_gives_clear_message(fact, value, words):
    facts, errors = normalise_facts({fact: value})
    assert fact not in facts
    assert len(errors) == 1 and errors[0]["fact"] == fact
    for word in words:
        assert word in errors[0]["message"]


@pytest.mark.parametrize("raw", [None, [], "本科", 5, {"": "x"}, {"education": None}, {"education": ""},
                                 {"education": {"a": 1}}, {"years_worked": [1, 2]}, {"status": "😀" * 100},
                                 {1: 2}, {"series": "'; DROP TABLE facts; --"}])
def test_hostile_input_never_raises(raw):
    facts, errors = normalise_facts(raw)
    assert isinstance(facts, dict) and isinstance(errors, list)
    for error in errors:
        assert set(error) == {"fact", "message"} and error["message"]


def test_unknown_fact_name_is_reported():
    facts, errors = normalise_facts({"salary": 5000, "education": "本科"})
    assert facts == {"education": "本科"}
    assert errors[0]["fact"] == "salary" and "education" in errors[0]["message"]


def test_normalise_is_idempotent():
    raw = {"education": "专科", "years_worked": "五年", "full_time": "是", "employer_type": "私企"}
    once, _ = normalise_facts(raw)
    twice, errors = normalise_facts(once)
    assert once == twice and errors == []


def test_normalise_fact_single():
    value, error, note = normalise_fact("years_at_location", "一年半")
    assert value == 1.5 and error is None and note is None
