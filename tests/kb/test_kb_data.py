"""Tables, topics, history, related clauses and contacts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_TOPICS = """deadlines procedure materials non_public recognition grassroots green_channel
exclusions high_skill series_transfer evaluation papers posts fees certificates integrity authority
epidemic contacts continuing_education publicity scope""".split()


def test_materials_table(kb):
    rows = kb.materials()
    assert [r["no"] for r in rows] == list(range(1, 12))
    form = next(r for r in rows if r["item"].startswith("专业技术资格送审表"))
    assert (form["copies"], form["paper"]) == (15, "A3")
    review = rows[0]
    assert (review["copies"], review["paper"]) == (2, "A4")
    card = next(r for r in rows if "审验卡" in r["item"])
    assert card["original_or_copy"] == "原件" and card["copies"] is None
    assert next(r for r in rows if r["item"] == "近三年的年度考核表")["original_or_copy"] == "复印件"
    assert all(r["clause"] == "bt-2020:附件二" for r in rows)
    notes = kb.material_notes()
    assert [n["no"] for n in notes] == [1, 2, 3, 4]
    assert "一律提供复印件" in notes[2]["text"]


def test_schedules(kb):
    rows = kb.schedules()
    senior = [r for r in rows if r["table"] == "附件三"]
    junior = [r for r in rows if r["table"] == "附件四"]
    assert len(senior) == 20 and len(junior) == 22
    assert senior[0]["date"] == "5月25日" and senior[0]["iso_date"] == "2020-05-25"
    assert "市科协" in senior[0]["unit_list"]
    assert senior[-1]["units"] == "其他单位"
    assert junior[0]["date"] == "7月6日" and "包一中" in junior[0]["units"]
    assert senior[0]["table_title"].endswith("时间安排表")


def test_contacts(kb):
    contacts = kb.contacts()
    phones = {(c["phone"], c["clause"]) for c in contacts}
    assert ("0472-6169341", "bt-2021:附件1/三/5") in phones
    assert ("0472-6169343", "bt-2021:附件2/三/5") in phones
    assert all(c["label"] and "服务热线" in c["context"] for c in contacts)


def test_topics_match_the_contract(kb):
    topics = kb.topics()
    assert [t["id"] for t in topics] == CONTRACT_TOPICS
    for t in topics:
        assert t["name"] and t["keywords"]
        assert kb.history(t["id"]), t["id"]


def test_clause_topics(kb):
    assert "non_public" in kb.clause("bt-2024:四/（六）")["topics"]
    assert "recognition" in kb.clause("nm-2022:四/（十四）/2")["topics"]
    assert "fees" in kb.clause("bt-2024:七/（三）")["topics"]


def test_history_is_grouped_oldest_first(kb):
    groups = kb.history("non_public")
    assert [g["doc"] for g in groups] == ["bt-2020", "bt-2021", "nm-2022", "bt-2024"]
    ids = [c["id"] for g in groups for c in g["clauses"]]
    for cid in ("bt-2020:一/（九）/2", "bt-2021:二", "nm-2022:四/（六）", "bt-2024:四/（六）"):
        assert cid in ids
    assert kb.history("no_such_topic") == []
    json.dumps(groups, ensure_ascii=False)


def test_related_across_notices(kb):
    related = kb.related("bt-2020:一/（九）/2")
    ids = [r["id"] for r in related]
    assert ids[:3] == ["bt-2021:二", "nm-2022:四/（六）", "bt-2024:四/（六）"]
    assert all(r["relation"] == "later" and r["prevails"] for r in related)
    back = kb.related("bt-2024:四/（五）/3")
    assert {"bt-2020:一/（十）/3", "nm-2022:四/（十四）/2"} <= {r["id"] for r in back}
    assert all(r["relation"] == "earlier" and not r["prevails"] for r in back)
    assert all(r["summary"] for r in back)
    # a sub-clause inherits its parent's point
    assert any(r["id"] == "bt-2021:一" for r in kb.related("bt-2020:一/（九）/1/（3）"))
    assert kb.related("no-such:clause") == []


def test_points_reference_real_clauses(kb):
    points = kb.points()
    assert len(points) >= 20
    for p in points:
        assert len(p["clauses"]) >= 2
        docs = [kb.clause(c)["doc"] for c in p["clauses"]]
        order = [d["id"] for d in kb.documents()]
        assert [order.index(d) for d in docs] == sorted(order.index(d) for d in docs), p["id"]


def test_clause_not_found(kb):
    assert kb.clause("bt-2024:九十九") is None
    assert kb.clause(None) is None
    assert kb.children("bt-2024:九十九") == []


@pytest.mark.parametrize("path", sorted((ROOT / "policy_kb").glob("*.yml")) + sorted((ROOT / "policy_kb" / "rules").glob("*.yml")),
                         ids=lambda p: p.name)
def test_data_files_have_no_repeated_keys(path):
    """YAML keeps only the last of two equal keys: a synonym or rule written twice would
    silently lose the first (topics.yml once had 流程, 怎么报, 去哪报 and 哪里报 twice)."""
    import collections

    import yaml
    from yaml.constructor import SafeConstructor

    repeated = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        repeated.extend(f"line {node.start_mark.line + 1}: {k}" for k, n in collections.Counter(keys).items() if n > 1)
        return SafeConstructor.construct_mapping(loader, node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    assert not repeated, repeated


def test_not_covered_subjects_are_in_no_notice():
    """question_kinds.yml's not_covered words mark subjects the notices do not speak of: a word
    any notice holds would turn a question the notices answer into "not found"."""
    from policy_kb import paths
    from policy_kb.question_kind import cues, holds

    notices = "".join(p.read_text(encoding="utf-8") for p in sorted(paths.sources_dir().glob("*.txt")))
    assert notices and cues()["not_covered"]
    assert [w for w in cues()["not_covered"] if holds(notices, w)] == []
