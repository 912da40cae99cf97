"""policy_kb/materials.yml against the knowledge base: every quote, clause, copy count,
paper size and date must be found in the notices as the KB holds them."""
from __future__ import annotations

import re

import pytest

from policy_kb.rule_data import load_rules
from policy_kb.checklist import (build_checklist, check_list_against_kb, evaluate_condition,
                                 load_materials, normalise_text)
from policy_kb.facts import FACTS, normalise_fact


def normalised(name, value):
    return normalise_fact(name, value)[0]

DATA = load_materials()
SECTIONS = ("not_applicable", "list", "items", "requirements", "where", "deadlines", "steps", "notes")
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def entries():
    for section in SECTIONS:
        for entry in DATA.get(section) or []:
            yield section, entry
    yield "unit_materials", DATA["unit_materials"]


def all_evidence():
    for section, entry in entries():
        for ev in entry.get("evidence") or []:
            yield section, ev
        for extra in entry.get("notes_when") or []:
            for ev in extra["evidence"]:
                yield section, ev


def quotes_of(entry) -> str:
    return "\n".join(normalise_text(ev["quote"]) for ev in entry.get("evidence") or [])


def test_every_entry_has_evidence():
    for section, entry in entries():
        assert entry.get("evidence"), (section, entry.get("key") or entry.get("text"))


@pytest.mark.parametrize("evidence", [ev for _, ev in all_evidence()],
                         ids=lambda ev: f"{ev['clause']}:{ev['quote'][:12]}")
def test_quote_is_in_the_cited_clause(evidence, checklist_kb):
    clause = checklist_kb.clause(evidence["clause"])
    assert clause is not None, f"clause {evidence['clause']} not in KB"
    assert normalise_text(evidence["quote"]) in normalise_text(clause["text"])


def test_list_rows_match_kb_materials(checklist_kb):
    assert check_list_against_kb(checklist_kb) == []
    rows = {r["no"]: r for r in checklist_kb.materials()}
    assert sorted(rows) == [item["row"] for item in DATA["list"]]
    for item in DATA["list"]:
        row = rows[item["row"]]
        if row["copies"] is not None:  # the notice prints the count on the row itself
            assert row["copies"] == item["copies"]
        if row["paper"]:
            assert row["paper"] == item["paper"]
        assert row["original_or_copy"] == item["form"]


@pytest.mark.parametrize("entry", [e for s, e in entries() if s in ("list", "items")],
                         ids=lambda e: e["key"])
def test_copies_paper_form_come_from_the_quotes(entry):
    quotes = quotes_of(entry)
    if entry.get("copies") is not None:
        source = normalise_text(entry["copies_source"])
        assert source in quotes
        numbers = [int(n) for n in re.findall(r"\d+", source)] + \
                  [v for k, v in CN_DIGITS.items() if k in source]
        assert entry["copies"] in numbers
    if entry.get("paper"):
        assert entry["paper"] in entry["paper_source"]
        assert normalise_text(entry["paper_source"]) in quotes
    assert entry.get("form")
    assert normalise_text(entry["form_source"]) in quotes


def test_deadline_dates_are_quoted(checklist_kb):
    for entry in DATA["deadlines"]:
        if entry.get("date"):
            assert normalise_text(entry["date"]) in quotes_of(entry), entry["key"]
            assert entry["date"] in entry["text"]
    # the newest notice's dates: 高级 and 中初级 cut-offs stated in bt-2024:二/（二）
    cutoff = normalise_text(checklist_kb.clause("bt-2024:二/（二）")["text"])
    for key in ("senior", "junior"):
        date = next(d["date"] for d in DATA["deadlines"] if d["key"] == key)
        assert normalise_text(date) in cutoff


def walk_conditions(cond):
    if not isinstance(cond, dict):
        return
    for key in ("all", "any"):
        for sub in cond.get(key, []):
            yield from walk_conditions(sub)
    if "not" in cond:
        yield from walk_conditions(cond["not"])
    yield cond


def test_conditions_use_known_facts_and_values():
    for section, entry in entries():
        conds = [entry.get("when")] + [n.get("when") for n in entry.get("notes_when") or []]
        for cond in conds:
            for leaf in walk_conditions(cond):
                if "series_level_in" in leaf:
                    assert leaf["series_level_in"] in load_rules().sets
                elif "fact" in leaf:
                    spec = FACTS[leaf["fact"]]
                    for value in ([leaf["is"]] if "is" in leaf else []) + leaf.get("in", []):
                        if spec["type"] == "bool":
                            assert isinstance(value, bool)
                        elif spec["type"] == "enum":
                            assert value in spec["values"], (leaf, value)
                        else:  # free text (series, award): a normalised value must map to itself
                            assert normalised(leaf["fact"], value) == value, (leaf, value)
                    if "gte" in leaf:
                        assert spec["type"] == "number"
                    if "contains_any" in leaf:
                        assert spec["type"] == "str"
        if entry.get("when") is not None and section not in ("not_applicable",):
            assert entry.get("situation") or entry.get("if_unknown") == "include", entry


def test_three_valued_conditions():
    tables = None
    unknown: set = set()
    assert evaluate_condition({"table": "exam_combined"}, {"series": "卫生", "target_title": "副高级"}, tables, unknown) is True
    assert evaluate_condition({"table": "exam_combined"}, {"series": "经济", "target_title": "正高级"}, tables, unknown) is False
    assert evaluate_condition({"table": "exam_combined"}, {"series": "工程"}, tables, unknown) is False
    assert unknown == set()
    assert evaluate_condition({"table": "exam_combined"}, {"series": "会计"}, tables, unknown) is None
    assert unknown == {"target_title"}
    cond = {"any": [{"fact": "central_unit", "is": True}, {"fact": "series", "is": "卫生"}]}
    assert evaluate_condition(cond, {"series": "卫生"}, tables, set()) is True
    assert evaluate_condition(cond, {"series": "工程"}, tables, set()) is None
    assert evaluate_condition({"not": cond}, {"series": "卫生"}, tables, set()) is False


def test_every_citation_in_output_exists_in_kb(checklist_kb):
    samples = [{}, {"status": "军转安置", "first_application": True, "target_title": "中级"},
               {"employer_type": "非公", "award": "引进高层次人才", "target_title": "副高级"},
               {"series": "卫生", "target_title": "副高级", "epidemic_frontline": True,
                "city_teacher_or_doctor": True, "postdoc": True, "education": "博士"}]
    for facts in samples:
        result = build_checklist(facts, kb=checklist_kb)
        cited = set()
        for part in ("items", "conditional_items", "steps", "deadlines", "where", "requirements", "notes"):
            for entry in result[part]:
                assert entry["citations"], (part, entry)
                cited.update(entry["citations"])
        listed = {c["id"]: c for c in result["citations"]}
        assert cited <= set(listed)
        for cid in cited:
            assert checklist_kb.clause(cid) is not None, cid
            assert listed[cid]["in_kb"] and listed[cid]["label"].startswith("《")


def test_missing_2024_list_is_disclosed(checklist_kb):
    result = build_checklist({"target_title": "中级"}, kb=checklist_kb)
    note = next(n for n in result["notes"] if "附件1" in n["text"])
    assert "bt-2024:落款" in note["citations"] and "bt-2020:附件二" in note["citations"]
    assert "送评材料目录单" in checklist_kb.clause("bt-2024:落款")["text"]


def test_hotlines_come_from_kb_contacts(checklist_kb):
    result = build_checklist({}, kb=checklist_kb)
    numbers = [h["number"] for h in result["hotlines"]]
    assert numbers and len(numbers) == len(set(numbers))
    assert set(numbers) == {c["phone"] for c in checklist_kb.contacts()}
    for line in result["hotlines"]:
        for cid in line["citations"]:
            assert line["number"] in checklist_kb.clause(cid)["text"]


def test_unit_materials_are_the_2024_list(checklist_kb):
    result = build_checklist({}, kb=checklist_kb)
    unit = result["unit_materials"]
    text = normalise_text(checklist_kb.clause("bt-2024:三/（二）/4")["text"])
    assert len(unit["items"]) == 4
    for item in unit["items"]:
        assert normalise_text(item) in text
