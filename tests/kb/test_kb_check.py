"""`check` passes on the project sources and catches planted problems; the CLI works."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from policy_kb import paths
from policy_kb.build import build, check

ROOT = paths.repo_root()


def _copy_sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(paths.sources_dir(), target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, count), encoding="utf-8")


def test_check_passes_on_project_sources():
    report = check()
    assert report.ok, report.problems
    if not paths.seeds_dir().is_dir():
        assert any("skipped" in n for n in report.notes)


def test_check_catches_a_duplicate_heading(tmp_path):
    sources = _copy_sources(tmp_path)
    block = "（七）对符合条件、未享受疫情防控倾斜政策的一线医务人员继续实施关心爱护职称倾斜政策"
    _edit(sources / "bt-2024.txt", block, "（六）重复的标题\n\n" + block)
    report = check(sources_dir=sources)
    assert any("duplicate clause id bt-2024:四/（六）" in p for p in report.problems), report.problems


def test_check_catches_an_impossible_date(tmp_path):
    sources = _copy_sources(tmp_path)
    _edit(sources / "bt-2020.txt", "11月30日前完成核准备案工作", "11月31日前完成核准备案工作")
    report = check(sources_dir=sources)
    assert any("impossible date «11月31日»" in p for p in report.problems), report.problems


def test_check_catches_a_skipped_heading_number(tmp_path):
    sources = _copy_sources(tmp_path)
    _edit(sources / "nm-2022.txt", "（十三）转系列评审", "（十五）转系列评审")
    report = check(sources_dir=sources)
    assert any("out of sequence" in p for p in report.problems), report.problems


def _mini(tmp_path: Path, source_body: str, seed_text: str, errata: str = "errata: []\n"):
    sources = tmp_path / "src"
    seeds = tmp_path / "seeds"
    sources.mkdir()
    seeds.mkdir()
    (seeds / "s.txt").write_text(seed_text, encoding="utf-8")
    (sources / "bt-2020.txt").write_text(
        "---\nid: bt-2020\ntitle: 测试通知\nshort_title: 测试通知\nyear: 2020\nlevel: 市\n"
        "source_files: [s.txt]\n---\n" + source_body, encoding="utf-8")
    errata_file = tmp_path / "errata.yml"
    errata_file.write_text(errata, encoding="utf-8")
    topics_file = tmp_path / "topics.yml"
    topics_file.write_text("topics: []\npoints: []\n", encoding="utf-8")
    return check(sources_dir=sources, seeds_dir=seeds, errata_file=errata_file, topics_file=topics_file)


SEED = "一、总则\n（一）市直部门 and 单位在6月20日前完成申报。\n"


def test_unrecorded_change_from_the_seed_fails(tmp_path):
    report = _mini(tmp_path, "一、总则\n（一）市直部门和单位在6月20日前完成申报。\n", SEED)
    assert any("differs from the seed text" in p for p in report.problems), report.problems


def test_recorded_change_from_the_seed_passes(tmp_path):
    errata = ("errata:\n  - {doc: bt-2020, clause: 'bt-2020:一/（一）', kind: stray_word,\n"
              "     original: 市直部门 and 单位, corrected: 市直部门和单位, note: 改正}\n")
    report = _mini(tmp_path, "一、总则\n（一）市直部门和单位在6月20日前完成申报。\n", SEED, errata)
    assert report.ok, report.problems


def test_seed_defect_left_in_the_copy_fails(tmp_path):
    report = _mini(tmp_path, SEED, SEED)
    assert any("English word inside Chinese" in p for p in report.problems), report.problems


@pytest.mark.parametrize("body, expected", [
    ("一、总则\n[bookmark: _GoBack]（一）内容。\n", "bookmark"),
    ("一、总则\n（一）内容。\n- 1.附件名称\n", "markdown bullet"),
    ("一、总则\n（一）内容。专技 人员。\n", "stray space"),
    ("一、总则\n（一）内容根据自治区人力资源和社会保障厅《关于印发〈内蒙古自治区职称评审管理实施细则〉的通知》自治区人力\n\n"
     "人力资源和社会保障厅规定。\n", "page edge"),
    ("一、总则\n（一）工程系列建设工程中初级、工程系列建筑材料中初级、中小学教师系列、中等职业学校教师系列高级、农牧业中初级、\n\n"
     "工程系列林草中初级。\n", "sentence split"),
])
def test_seed_artefacts_are_detected(tmp_path, body, expected):
    report = _mini(tmp_path, body, body)
    assert any(expected in p for p in report.problems), report.problems


def test_erratum_naming_unknown_clause_fails(tmp_path):
    errata = "errata:\n  - {doc: bt-2020, clause: 'bt-2020:九', kind: noted, original: 总则, corrected: 总则, note: x}\n"
    body = "一、总则\n（一）内容。\n"
    report = _mini(tmp_path, body, body, errata)
    assert any("unknown clause" in p for p in report.problems)


def test_malformed_source_is_reported_not_raised(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "bad.txt").write_text("no front matter", encoding="utf-8")
    report = check(sources_dir=sources)
    assert not report.ok and "cannot read sources" in report.problems[0]


def test_build_writes_atomically(tmp_path):
    target = tmp_path / "kb.sqlite"
    result = build(target)
    assert target.exists() and result.seconds < 30
    assert result.counts["documents"] == 4 and result.counts["materials"] == 11
    assert [p.name for p in tmp_path.iterdir()] == ["kb.sqlite"]


def _cli(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "policy_kb", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_check_exit_codes(tmp_path):
    assert _cli("check").returncode == 0
    sources = _copy_sources(tmp_path)
    _edit(sources / "bt-2020.txt", "11月30日前完成核准备案工作", "11月31日前完成核准备案工作")
    bad = _cli("check", "--sources", str(sources))
    assert bad.returncode == 1 and "11月31日" in bad.stdout


def test_cli_search_show_history(kb_path):
    env = {"POLICY_KB_DB": str(kb_path)}
    out = _cli("search", "送审表要几份", "--json", "--limit", "2", env_extra=env)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert len(results) == 2 and results[0]["id"] == "bt-2020:附件二"
    assert {"id", "label", "text", "score"} <= set(results[0])
    assert json.loads(_cli("search", '"', "--json", env_extra=env).stdout) == []
    show = _cli("show", "bt-2024:四/（六）", env_extra=env)
    assert show.returncode == 0 and "第四部分第（六）项" in show.stdout
    assert _cli("show", "bt-2024:九十九", env_extra=env).returncode == 1
    history = _cli("history", "fees", env_extra=env)
    assert history.returncode == 0 and "nm-2022:七/（五）" in history.stdout


def test_cli_dispatches_eligibility_and_checklist(monkeypatch):
    from policy_kb.__main__ import main

    calls = []
    for name in ("eligibility", "checklist"):
        module = types.ModuleType(f"policy_kb.{name}")
        module.main = lambda argv, name=name: calls.append((name, argv)) or 0
        monkeypatch.setitem(sys.modules, f"policy_kb.{name}", module)
    assert main(["eligibility", "--json", "x"]) == 0
    assert main(["checklist", "a"]) == 0
    assert calls == [("eligibility", ["--json", "x"]), ("checklist", ["a"])]
