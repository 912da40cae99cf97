"""policy_kb.extract: facts and entities from colloquial Chinese (cases in extract_cases.yml)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy_kb.extract import extract_entities, extract_facts, load_vocabulary

CASES = yaml.safe_load((Path(__file__).with_name("extract_cases.yml")).read_text(encoding="utf-8"))["cases"]


def test_enough_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["text"].strip() or "blank" for c in CASES])
def test_facts(case):
    assert extract_facts(case["text"]) == case["facts"]


@pytest.mark.parametrize("case", [c for c in CASES if "entities" in c], ids=lambda c: c["text"])
def test_entities(case):
    found = [[e["entity"], e["value"], e["text"]] for e in extract_entities(case["text"])]
    assert found == case["entities"]


def test_offsets_point_into_the_original_text():
    text = "本科在私企干了６年，想报中级"
    for ent in extract_entities(text):
        assert text[ent["start"]:ent["end"]] == ent["text"]
    assert [e["value"] for e in extract_entities(text) if e["entity"] == "duration"] == ["6"]


@pytest.mark.parametrize("bad", [None, 42, "", "   ", "？？？", "<script>alert(1)</script>", "😀" * 50,
                                 ["本科"], {"text": "本科"}, "\x00\x01", "SELECT * FROM facts; --"])
def test_bad_input_never_raises(bad):
    assert isinstance(extract_entities(bad), list)
    assert isinstance(extract_facts(bad), dict)


def test_huge_input_is_cut_not_crashed():
    text = "本科在民企干了6年" + "啊" * 50_000
    assert extract_facts(text)["education"] == "本科"


def test_values_belong_to_the_facts_vocabulary():
    facts = yaml.safe_load(Path("policy_kb/facts.yml").read_text(encoding="utf-8"))["facts"]
    allowed = {
        "education": set(facts["education"]["values"]),
        "employer_type": set(facts["employer_type"]["values"]),
        "location": set(facts["location"]["values"]),
        "status": set(facts["status"]["values"]),
        "skill_level": set(facts["skill_level"]["values"]),
        "title": set(facts["current_title"]["values"]) | set(facts["target_title"]["values"]),
    }
    vocab = load_vocabulary()
    for word, pairs in vocab.terms.items():
        entity, value = pairs[0]
        if entity in allowed:
            assert value in allowed[entity], (word, entity, value)


def test_ambiguous_free_text_words_are_not_entities():
    # "县" alone or "三级医院" must not become a location / skill level
    assert extract_facts("三级医院的医生") == {"series": "卫生"}
    assert "location" not in extract_facts("县级以上单位")


@pytest.mark.parametrize("text,requested,expected", [
    ("中级", None, {"target_title": "中级"}),
    ("中级", "current_title", {"current_title": "中级"}),
    ("中级", "target_title", {"target_title": "中级"}),
    ("想报副高", "current_title", {"target_title": "副高级"}),  # the cue word wins over the question
    ("5年", None, {"years_worked": 5}),
    ("5年", "years_since_skill", {"years_since_skill": 5}),
    ("在乡镇干了5年", "years_worked", {"location": "苏木乡镇", "years_at_location": 5, "years_worked": 5}),
])
def test_requested_fact_decides_bare_answers(text, requested, expected):
    assert extract_facts(text, requested=requested) == expected
