"""The notices as clauses: complete, correctly cut, correctly labelled."""
from __future__ import annotations

import json
import re

import pytest

from policy_kb import paths
from policy_kb.parser import parse_file
from policy_kb.text import squash

import yaml
from pathlib import Path


def load_cases(name: str, key: str) -> list[dict]:
    return yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))[key]

DOCS = ["bt-2020", "bt-2021", "nm-2022", "bt-2024"]

REQUIRED_IDS = """
bt-2024:四/（六） bt-2024:四/（五）/3 bt-2020:一/（六）/2/（2） nm-2022:四/（十四）/2 bt-2021:七
bt-2021:附件2/三/4 bt-2020:附件二 bt-2024:二/（二） bt-2024:四/（四）/8 bt-2020:一/（五）/4
nm-2022:四/（四）/5 nm-2022:一/（四） bt-2020:一/（十）/3 nm-2022:四/（五）/3 bt-2024:四/（五）/2
bt-2024:四/（五）/4 bt-2024:四/（五）/5 bt-2024:四/（一）/2 bt-2024:四/（一）/4 bt-2024:三/（二）/4
bt-2020:二/（一）/1 bt-2020:二/（一）/2 bt-2020:二/（一）/3 bt-2020:二/（一）/4 bt-2020:二/（一）/5
nm-2022:五/（二） nm-2022:七/（四）/1 nm-2022:四/（十三） nm-2022:四/（九）/1 bt-2024:四/（七）
bt-2020:一/（九）/2 bt-2020:一/（十）/1 bt-2021:二 bt-2021:附件1
""".split()


@pytest.mark.parametrize("doc_id", DOCS)
def test_notice_reassembles_from_its_clauses(kb, doc_id):
    source = (paths.sources_dir() / f"{doc_id}.txt").read_text(encoding="utf-8")
    body = source.split("\n---\n", 1)[1]
    clauses = kb.clauses(doc_id)
    assert [c["ord"] for c in clauses] == sorted(c["ord"] for c in clauses)
    assert squash("".join(c["text"] for c in clauses)) == squash(body)
    # full text of the top-level clauses also covers everything exactly once
    top = [c for c in clauses if c["parent"] is None]
    assert squash("".join(c["full_text"] for c in top)) == squash(body)


@pytest.mark.parametrize("clause_id", REQUIRED_IDS)
def test_required_clause_ids_exist(kb, clause_id):
    assert kb.clause(clause_id) is not None, clause_id


@pytest.mark.parametrize("case", load_cases("clauses.yml", "clauses"), ids=lambda c: c["id"])
def test_clause_lookup(kb, case):
    clause = kb.clause(case["id"])
    assert clause is not None, case["id"]
    for needle in case["contains"]:
        assert squash(needle) in squash(clause["text"]), needle
    if "label" in case:
        assert clause["label"] == case["label"]
    assert clause["doc"] == case["id"].split(":")[0]
    assert clause["depth"] == len(clause["path"].split("/"))


def test_clause_ids_follow_the_contract(kb):
    pattern = re.compile(r"^(bt-2020|bt-2021|nm-2022|bt-2024):(导语|落款|(附件[一二三四五六七八九十\d]+|"
                         r"[一二三四五六七八九十]+|（[一二三四五六七八九十]+）|\d+|（\d+）)"
                         r"(/([一二三四五六七八九十]+|（[一二三四五六七八九十]+）|\d+|（\d+）))*)$")
    clauses = kb.clauses()
    assert len({c["id"] for c in clauses}) == len(clauses)
    for c in clauses:
        assert pattern.match(c["id"]), c["id"]
        assert "(" not in c["id"] and ")" not in c["id"]
        if c["parent"]:
            assert c["id"].startswith(c["parent"] + "/")


def test_half_width_heading_gets_full_width_id(kb):
    clause = kb.clause("nm-2022:四/（一）")
    assert clause["text"].startswith("(一)严格评审依据")
    assert kb.clause("bt-2024:三/（一）")["text"].startswith("(一) 线上注册申报")


def test_numbered_lines_in_attachment_lists_are_not_headings(kb):
    closing = kb.clause("bt-2024:落款")
    assert "5.2024 年高级专业技术资格申报材料审核时间安排表" in closing["text"]
    assert kb.children("bt-2024:落款") == []
    assert not any(c["id"].startswith("bt-2024:落款/") for c in kb.clauses("bt-2024"))
    # the 说明 lines of the materials table stay inside 附件二
    assert kb.children("bt-2020:附件二") == []
    assert "4.“编号”由各盟市" in kb.clause("bt-2020:附件二")["text"]


def test_children_and_full_text(kb):
    children = kb.children("bt-2024:四/（五）")
    assert [c["id"] for c in children] == [f"bt-2024:四/（五）/{i}" for i in range(1, 6)]
    parent = kb.clause("bt-2024:四/（五）")
    for child in children:
        assert child["text"] in parent["full_text"]
        assert child["parent"] == parent["id"]
    assert kb.clause("bt-2021:附件2")["kind"] == "attachment"


def test_labels_use_the_short_title(kb):
    assert kb.clause("bt-2020:一/（五）/1/（3）")["label"] == \
        "《2020年包头市职称改革工作安排意见》第一部分第（五）项第1条第（3）目"
    assert kb.clause("nm-2022:导语")["label"] == "《2022年自治区职称评审工作通知》导语"
    assert kb.clause("bt-2021:附件1/三/5")["label"].endswith("附件1第三部分第5条")


def test_documents_metadata(kb):
    docs = kb.documents()
    assert [d["id"] for d in docs] == DOCS
    bt2021 = kb.document("bt-2021")
    assert bt2021["number"] == "包人社办字〔2021〕82号"
    assert bt2021["date"] == "2021-05-08"
    assert bt2021["issuer"] == "包头市人力资源和社会保障局"
    bt2020 = kb.document("bt-2020")
    assert (bt2020["number"], bt2020["issuer"], bt2020["date"], bt2020["year"]) == (None, None, None, 2020)
    nm = kb.document("nm-2022")
    assert nm["level"] == "自治区" and nm["title_supplied"] and nm["number"] is None
    bt2024 = kb.document("bt-2024")
    assert bt2024["date"] == "2024-05-27" and bt2024["basis"] == "内人社办发〔2024〕85号"
    assert kb.document("nope") is None
    json.dumps(docs, ensure_ascii=False)


def test_sources_carry_the_repairs(kb):
    texts = {d: (paths.sources_dir() / f"{d}.txt").read_text(encoding="utf-8") for d in DOCS}
    assert "11月31日" not in texts["bt-2020"] and "11月30日前完成核准备案工作" in texts["bt-2020"]
    assert "bookmark" not in texts["bt-2020"]
    assert "专技 人员" not in texts["bt-2021"] and "职称 评审渠道" not in texts["bt-2021"]
    assert " and " not in texts["bt-2024"] and "滥竽充数" in texts["bt-2024"]
    assert "人力\n\n人力资源" not in texts["bt-2024"]
    assert not re.search(r"^- ", texts["bt-2024"], re.M)


def test_errata_are_recorded(kb):
    errata = kb.errata()
    kinds = {(e["doc"], e["kind"]) for e in errata}
    assert ("bt-2020", "variant") in kinds and ("bt-2020", "artefact") in kinds
    assert ("bt-2024", "missing_text") in kinds and ("bt-2024", "stray_word") in kinds
    assert sum(1 for e in errata if e["doc"] == "bt-2024" and e["kind"] in
               ("page_break", "page_edge_repeat", "page_edge_loss")) >= 14
    date_fix = next(e for e in errata if "11月31日" in (e["original"] or ""))
    assert date_fix["clause"] == "bt-2020:二/（八）" and "11月30日" in date_fix["corrected"]
    for e in errata:
        assert kb.clause(e["clause"]) is not None
        assert e["note"]


def test_parse_rejects_a_file_without_front_matter(tmp_path):
    from policy_kb.parser import SourceError

    bad = tmp_path / "x.txt"
    bad.write_text("一、没有元数据\n", encoding="utf-8")
    with pytest.raises(SourceError):
        parse_file(bad)


def test_clause_lookup_accepts_half_width_parentheses(kb):
    assert kb.clause("bt-2024:四/(六)")["id"] == "bt-2024:四/（六）"
    assert len(kb.children("bt-2024:四/(五)")) == 5


def test_an_attachments_title_lines_are_the_search_context_of_its_sections(kb_path):
    """bt-2021 附件2 is only its number and title lines ("…社会化职称评审申报工作流程");
    its sections ("三、评审流程：") are found for the title's words through the context column."""
    import sqlite3

    from policy_kb.build import context_title

    assert context_title("附件 2\n引进高层次人才绿色通道申报职称工作流程图\n社会化职称评审申报工作流程").endswith(
        "社会化职称评审申报工作流程")
    assert context_title("三、评审流程：") == "评审流程"
    with sqlite3.connect(kb_path) as conn:
        (context,) = conn.execute("SELECT f.context FROM clause_fts f JOIN clauses c ON c.rid = f.rowid "
                                  "WHERE c.id = 'bt-2021:附件2/三/1'").fetchone()
    assert "社会化" in context.split() and "评审" in context.split()


def test_heading_only_clauses_and_their_ancestry(kb):
    section = kb.clause("bt-2021:附件2/三")              # "三、评审流程：" and five steps under it
    assert section["heading_only"] is True and "社会化职称评审申报工作流程" in section["ancestry"]
    step = kb.clause("bt-2021:附件2/三/1")
    assert step["heading_only"] is False and step["ancestry"].endswith("评审流程")
    assert kb.clause("bt-2024:四/（六）")["heading_only"] is False  # a heading with its rule
