"""Answer points are verified against the clauses they cite, at build time and by `check`."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy_kb import answer_points
from policy_kb.build import BuildError, build, load_documents

CLAUSES = {c.id: c.text for d in load_documents() for c in d.clauses}
GOOD = {"id": "materials_review_form", "file": "t.yml", "cites": ["bt-2020:附件二"],
        "answer": "专业技术资格送审表用A3纸，一式15份。",
        "questions": ["送审表要几份", "送审表交几份", "送审表用什么纸", "送审表一式几份"]}


def problems(**change) -> list[str]:
    return answer_points.verify([{**GOOD, **change}], CLAUSES)


def test_a_point_that_holds_passes():
    assert problems() == []


@pytest.mark.parametrize("answer,token", [
    ("专业技术资格送审表用A3纸，一式16份。", "16份"),
    ("专业技术资格送审表用A4纸，一式15份，6月14日前交。", "6月14日"),
    ("送审表一式十六份。", "十六份"),
])
def test_a_wrong_number_is_named_with_its_point(answer, token):
    found = problems(answer=answer)
    assert any("materials_review_form" in p and token in p for p in found), found


def test_a_missing_clause_and_a_misquote_are_named():
    assert any("does not exist" in p for p in problems(cites=["bt-2020:附件九"]))
    assert any("quoted words" in p for p in problems(answer="送审表要“一式十五份装订成册”。"))


def test_dropping_the_scope_of_a_number_is_named():
    clause = "bt-2024:四/（五）/3"
    text = CLAUSES[clause]
    assert "苏木乡镇" in text and "满1年" in text
    scoped = {"cites": [clause], "answer": "具有硕士学位的，在苏木乡镇、嘎查村基层单位工作满1年，可认定中级职称。"}
    assert problems(**scoped) == []
    dropped = problems(cites=[clause], answer="具有硕士学位的，工作满1年，可认定中级职称。")
    assert any("苏木乡镇" in p for p in dropped), dropped


def test_too_few_questions_and_shared_questions_are_named():
    assert any("at least" in p for p in problems(questions=["送审表要几份"]))
    other = {**GOOD, "id": "materials_other"}
    found = answer_points.verify([GOOD, other], CLAUSES)
    assert any("also a question of" in p for p in found)


def test_the_build_fails_on_a_wrong_number(tmp_path: Path):
    folder = tmp_path / "answers"
    folder.mkdir()
    bad = {**GOOD, "answer": "送审表一式20份。"}
    bad.pop("file")
    (folder / "materials.yml").write_text(yaml.safe_dump({"topic": "materials", "points": [bad]}, allow_unicode=True),
                                          encoding="utf-8")
    with pytest.raises(BuildError, match="materials_review_form.*20份"):
        build(tmp_path / "kb.sqlite", answers_dir=folder)
    assert not (tmp_path / "kb.sqlite").exists()


def test_the_shipped_points_hold_and_cover_the_notices():
    points = answer_points.load()
    assert answer_points.verify(points, CLAUSES) == []
    assert len(points) >= 150
    cited_docs = {c.split(":")[0] for p in points for c in p["cites"]}
    assert cited_docs == {"bt-2020", "bt-2021", "nm-2022", "bt-2024"}
