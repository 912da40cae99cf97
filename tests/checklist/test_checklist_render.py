"""Rendering of the checklist: JSON / Markdown / HTML through the CLI, and a real PDF
printed by Chromium whose text is read back with pdftotext."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from policy_kb.checklist import build_checklist, load_materials, main, render_html, render_markdown
from policy_kb.render_pdf import RenderError, html_to_pdf

DOCTOR = {"status": "在职", "employer_type": "事业单位", "location": "市区", "current_title": "中级",
          "target_title": "副高级", "series": "卫生", "city_teacher_or_doctor": True}
CJK = re.compile(r"[\u4e00-\u9fff]")


def review_form_row():
    return next(item for item in load_materials()["list"] if item["key"] == "review_form")


def test_cli_json_to_file(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["checklist", "--facts", json.dumps(DOCTOR, ensure_ascii=False),
                 "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["facts"]["series"] == "卫生"
    assert "考评结合系列考试成绩合格证明" in [i["name"] for i in data["items"]]


def test_cli_reads_facts_file_and_prints_markdown(tmp_path, capsys):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"employer_type": "非公", "target_title": "中级"}, ensure_ascii=False),
                     encoding="utf-8")
    assert main(["--facts-file", str(facts), "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# 职称申报材料一次性告知单")
    row = review_form_row()
    assert re.search(rf"\| {row['name']} \| {row['copies']}份 \| {row['paper']} \|", text)
    assert "存放档案的人才交流服务机构" in text


@pytest.mark.parametrize("args, message", [
    (["--facts", "{not json"], "JSON"),
    (["--facts", "[1, 2]"], "JSON 对象"),
    (["--facts", json.dumps({"x": "y" * 30000})], "过长"),
    (["--facts-file", "/nonexistent/facts.json"], "无法读取"),
])
def test_cli_bad_input_gives_clear_message(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_cli_unknown_fact_is_reported_but_checklist_still_made(capsys):
    assert main(["--facts", '{"salary": "很多", "target_title": "中级"}', "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "不认识的情况项" in captured.err
    assert json.loads(captured.out)["facts"] == {"target_title": "中级"}


def test_cli_rejects_unknown_format(capsys):
    assert main(["--format", "docx"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_html_is_escaped_and_printable(checklist_kb):
    hostile = dict(DOCTOR, series="<script>alert(1)</script>", award="<img src=x onerror=1>")
    html = render_html(build_checklist(hostile, kb=checklist_kb))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@page" in html and "size: A4" in html
    assert 'lang="zh-CN"' in html
    # citations appear as 《…》 labels from the KB
    label = checklist_kb.clause("bt-2020:附件二")["label"]
    assert label.startswith("《") and label in html


def test_markdown_escapes_table_cells(checklist_kb):
    checklist = build_checklist({"target_title": "中级"}, kb=checklist_kb)
    checklist["items"][0]["notes"] = ["a|b\nc"]
    text = render_markdown(checklist)
    line = next(l for l in text.splitlines() if l.startswith("| 1 |"))
    assert "a\\|b c" in line and line.count(" | ") == 7


@pytest.fixture(scope="module")
def doctor_pdf(tmp_path_factory, checklist_kb):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: apt-get install -y poppler-utils")
    out = tmp_path_factory.mktemp("pdf") / "checklist.pdf"
    assert main(["--facts", json.dumps(DOCTOR, ensure_ascii=False), "--format", "pdf",
                 "-o", str(out)]) == 0
    return out


def test_pdf_text_has_chinese_and_the_review_form_copies(doctor_pdf, checklist_kb):
    assert doctor_pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(doctor_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert len(CJK.findall(text)) > 500
    assert "职称申报材料一次性告知单" in text
    flat = re.sub(r"\s+", "", text)
    row = review_form_row()
    kb_row = next(r for r in checklist_kb.materials() if r["no"] == row["row"])
    assert kb_row["copies"] == row["copies"]
    # 序号 2: name (may wrap inside its cell), then copies and paper from the data
    assert re.search(rf"专业技术资.*?{row['copies']}份\s+{row['paper']}", text, re.S)
    assert "送审表" in flat and f"{row['copies']}份" in flat
    assert "0472-6169341" in flat
    assert "\ufffd" not in text


def test_first_css_font_is_an_installed_cjk_font():
    """Chromium embeds glyphs as Type 3 fonts (no names in the PDF), so check instead that
    the family the page asks for first is really installed: no fallback to blank boxes."""
    html = render_html({"title": "测试", "facts": {}, "errors": [], "applicable": True, "items": [],
                        "conditional_items": [], "steps": [], "deadlines": [], "where": [],
                        "requirements": [], "notes": [], "hotlines": [], "unit_materials": {},
                        "unknown_facts": [], "citations": [], "notice_used": {"title": ""}})
    family = re.search(r'font-family:\s*"([^"]+)"', html).group(1)
    if not shutil.which("fc-match"):
        pytest.fail("fontconfig missing")
    found = subprocess.run(["fc-match", "-f", "%{family}", f"{family}:lang=zh-cn"],
                           capture_output=True, text=True, check=True).stdout
    assert family in found.split(","), f"{family} not installed (fc-match gave {found}); apt-get install -y fonts-noto-cjk"


def test_render_pdf_errors_are_clear(tmp_path):
    with pytest.raises(RenderError, match="未找到 Chromium|无法启动"):
        html_to_pdf("<p>测试</p>", chromium=str(tmp_path / "no-chromium"))
    with pytest.raises(RenderError, match="HTML 为空"):
        html_to_pdf("   ")
