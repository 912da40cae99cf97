"""Done when (issue 17): build from bt-2020, bt-2021 and nm-2022 only, ingest the bt-2024 text
(front matter and errata stripped) through `ingest`, and get today's clause tree back; then
`changes nm-2022 bt-2024` and `review bt-2024` report what changed and what to review, and the
KB's points put the new notice first with a change note. All in a temporary copy."""
from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from policy_kb import text
from policy_kb.__main__ import main
from policy_kb.build import check, load_errata
from policy_kb.kb import KB

from notice_workspace import NEW, ingest_args, make_workspace, pasted_text

TREE_FIELDS = ("id", "path", "parent", "ord", "depth", "kind", "heading", "text", "full_text", "label",
               "heading_only", "ancestry")


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def officer_fixes() -> list[str]:
    """The corrections the tool cannot make itself (a character lost at a page edge): the
    officer types them after reading the first report."""
    return [f"{text.squash(e['original'])}={e['corrected']}" for e in load_errata()
            if e["doc"] == NEW and e["kind"] == "page_edge_loss"]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    root = make_workspace(tmp_path_factory.mktemp("kbcopy"))
    meta, body = pasted_text()
    pasted = root / "bt-2024-pasted.txt"
    pasted.write_text(body, encoding="utf-8")
    code, out, err = run(ingest_args(meta, pasted, root) + sum((["--fix", f] for f in officer_fixes()), []))
    assert code == 0, err
    return root, out


def test_the_copy_starts_without_the_new_notice(tmp_path):
    root = make_workspace(tmp_path)
    assert sorted(p.stem for p in (root / "sources").glob("*.txt")) == ["bt-2020", "bt-2021", "nm-2022"]
    assert "bt-2024:" not in (root / "topics.yml").read_text(encoding="utf-8")


def test_first_pass_shows_every_repair_and_writes_nothing(tmp_path):
    root = make_workspace(tmp_path)
    meta, body = pasted_text()
    pasted = root / "pasted.txt"
    pasted.write_text(body, encoding="utf-8")
    code, out, _ = run(ingest_args(meta, pasted, root) + ["--dry-run"])
    assert code == 0
    assert not (root / "sources" / "bt-2024.txt").exists()
    # each erratum of bt-2024 that changed the text shows up as a repair (the lost character as
    # the page join it sits in, for the officer to correct)
    for e in load_errata():
        if e["doc"] == NEW and e["kind"] in ("page_break", "page_edge_repeat", "stray_word", "page_edge_loss"):
            original = e["original"]
            if "\n" in original:  # the page join, as the report shows it
                before, after = original.split("\n")[0], original.split("\n")[-1]
                assert f"{before[-1]}⏎⏎{after[:2]}" in out, (e, out)
            else:
                assert original in out, (e, out)
    assert "第193行 [分页断句接续] «遵守职业操守；滥⏎⏎等充数" in out


def test_ingest_gives_back_todays_clause_tree(ingested, kb):
    root, _ = ingested
    with KB(root / "policy_kb.sqlite", auto_build=False) as new_kb:
        got = [{k: c[k] for k in TREE_FIELDS} for c in new_kb.clauses(NEW)]
    want = [{k: c[k] for k in TREE_FIELDS} for c in kb.clauses(NEW)]
    assert len(got) == len(want) > 90
    for g, w in zip(got, want):
        assert g == w


def test_ingest_writes_source_and_errata_that_pass_check(ingested, tmp_path):
    root, out = ingested
    source = (root / "sources" / "bt-2024.txt").read_text(encoding="utf-8")
    assert source.startswith("---\nid: bt-2024\n")
    errata = load_errata(root / "errata.yml")
    mine = [e for e in errata if e["doc"] == NEW]
    assert {e["kind"] for e in mine} >= {"page_break", "page_edge_repeat", "stray_word", "markup", "page_edge_loss"}
    loss = next(e for e in mine if e["kind"] == "page_edge_loss")
    assert "\n" in loss["original"] and "竽" in loss["corrected"]
    assert all(e["clause"].startswith("bt-2024:") for e in mine)
    # the other notices' errata are still there
    assert len(errata) - len(mine) == len([e for e in load_errata() if e["doc"] != NEW])
    report = check(sources_dir=root / "sources", seeds_dir=tmp_path / "no-seeds",
                   errata_file=root / "errata.yml", topics_file=root / "topics.yml")
    assert report.ok, report.problems
    assert "没有未能处理的行" in out and "检查通过" in out


def test_changes_report_recognition_talent_list_and_deadlines(ingested):
    root, _ = ingested
    code, out, _ = run(["changes", "nm-2022", NEW, "--root", str(root), "--json"])
    assert code == 0
    rep = json.loads(out)
    pairs = {p["old"]: p for p in rep["pairs"]}

    recognition = pairs["nm-2022:四/（十四）/2"]
    assert recognition["new"] == "bt-2024:四/（五）/3"
    assert any("苏木乡镇" in a and "嘎查村" in a for a in recognition["added"])
    durations = {(c["subject"], c["old"], c["new"]) for c in recognition["callouts"] if c["kind"] == "duration"}
    assert ("大专", "工作满3年", "工作满2年") in durations
    assert ("本科", "工作满1年", "工作后") in durations
    assert ("硕士", "工作满2年", "工作满1年") in durations

    lists = [c for p in rep["pairs"] if p["new"] == "bt-2024:四/（四）/7" for c in p["callouts"] if c["kind"] == "list"]
    added = [item for c in lists for item in c["added"]]
    assert any("新时代专业技术人才选拔培养项目”一层次人选" in item for item in added)
    assert any("培养计划二层次人选" in item for item in added)

    schedule = pairs["nm-2022:二/（一）"]
    assert schedule["new"] == "bt-2024:二/（一）/4"
    new_dates = {c["new"] for c in schedule["callouts"] if c["kind"] == "date"}
    assert {"5月31日", "6月20日", "7月26日", "8月31日", "9月13日"} <= new_dates
    cutoff = pairs["nm-2022:二/（二）"]
    assert any(c["kind"] == "date" and c["old"] == "2021年12月31日" and c["new"] is None for c in cutoff["callouts"])


def test_changes_text_and_html(ingested, tmp_path):
    root, _ = ingested
    code, out, _ = run(["changes", "nm-2022", NEW, "--root", str(root)])
    assert code == 0
    assert "大专（助理级）：工作满3年 → 工作满2年" in out
    target = tmp_path / "report.html"
    code, _, _ = run(["changes", "nm-2022", NEW, "--root", str(root), "--html", "-o", str(target)])
    html = target.read_text(encoding="utf-8")
    assert code == 0 and html.startswith("<!DOCTYPE html>")
    assert re.search(r"<del>[^<]*3[^<]*</del><ins>[^<]*2[^<]*</ins>", html)
    assert "<ins>" in html and "苏木乡镇" in html


def test_review_lists_every_rule_citing_a_changed_nm2022_clause(ingested):
    root, _ = ingested
    code, out, _ = run(["review", NEW, "--root", str(root), "--json", "--all"])
    assert code == 0
    items = json.loads(out)
    listed = {(i["file"], i["clause"]) for i in items if i["status"] == "changed"}
    # independently: the nm-2022 clauses whose aligned bt-2024 text differs ...
    _, rep_out, _ = run(["changes", "nm-2022", NEW, "--root", str(root), "--json"])
    changed = {p["old"] for p in json.loads(rep_out)["pairs"]}
    # ... and every rules file that names one of them
    expected = set()
    for path in sorted((root / "rules").glob("*.yml")):
        for cid in re.findall(r"nm-2022:[^\s,\]'\"]+", path.read_text(encoding="utf-8")):
            if cid in changed:
                expected.add((f"rules/{path.name}", cid))
    assert expected and expected <= listed
    recognition = [i for i in items if i["file"] == "rules/recognition.yml" and i["clause"] == "nm-2022:四/（十四）/2"]
    assert recognition and recognition[0]["entry"] == "recognition"
    assert recognition[0]["new_clause"] == "bt-2024:四/（五）/3"
    assert any("工作满2年" in note for note in recognition[0]["changes"])
    code, text_out, _ = run(["review", NEW, "--root", str(root)])
    assert "rules/recognition.yml:" in text_out and "[recognition]" in text_out


def test_newest_notice_leads_on_the_point_with_a_change_note(ingested):
    root, _ = ingested
    with KB(root / "policy_kb.sqlite", auto_build=False) as new_kb:
        related = new_kb.related("nm-2022:四/（十四）/2")
        later = [r for r in related if r["doc"] == NEW]
        assert later and later[0]["id"] == "bt-2024:四/（五）/3" and later[0]["prevails"]
        assert "自动比对" in later[0]["summary"] and "大专（助理级）由“工作满3年”改为“工作满2年”" in later[0]["summary"]
        point = next(p for p in new_kb.points("recognition") if "nm-2022:四/（十四）/2" in p["clauses"])
        assert point["clauses"][-1] == "bt-2024:四/（五）/3"
        # from the new clause, the older ones are the related (earlier) ones
        back = new_kb.related("bt-2024:四/（五）/3")
        assert back and all(not r["prevails"] for r in back)
        # the new clause carries the topic of the clause it aligns with, so topic search finds it
        assert "recognition" in new_kb.clause("bt-2024:四/（五）/3")["topics"]
        hits = new_kb.search("高校毕业生 认定 助理级", topic="recognition", doc=NEW)
        assert any(h["id"] == "bt-2024:四/（五）/3" for h in hits)


def test_todays_points_are_not_touched_by_alignment(kb):
    """Every notice of today is curated in topics.yml: the build adds nothing to the points."""
    import yaml

    from policy_kb import paths

    curated = yaml.safe_load(paths.topics_path().read_text(encoding="utf-8"))["points"]
    built = kb.points()
    assert [(p["id"], p["clauses"], p["summary"]) for p in built] == \
        [(p["id"], p["clauses"], p.get("summary")) for p in curated]
