"""`ingest` on a damaged copy of bt-2024: page breaks in mid-sentence (with page numbers),
half-width brackets, a heading that lost its number, a marker that lost its number, a bullet,
stray spaces. It repairs what it can, names each line it could not place, and drops nothing:
every character that differs between input and output is in a reported repair."""
from __future__ import annotations

import contextlib
import difflib
import io
from collections import Counter

import pytest

from policy_kb import text
from policy_kb.__main__ import main
from policy_kb.ingest import IngestError, prepare
from policy_kb.parser import parse_text
from policy_kb.repair import repair

from notice_workspace import NEW, make_workspace, source_of

META = {"id": NEW, "title": "包头市人力资源和社会保障局关于做好2024年全市职称评审工作的通知",
        "issuer": "包头市人力资源和社会保障局", "date": "2024-05-27"}
# (clean text, damaged text): each damage once, at a place that exists in bt-2024
DAMAGE = [
    ("切实服务包头市高质量发展大局，根据", "切实服务包头市高质量发展大局\n\n— 1 —\n\n，根据"),                       # page break + number
    ("具有本科学历或学士学位的，工作后可认定", "具有本科学历或学士学位的，\n\n- 9 -\n\n工作后可认定"),                # page break in a clause
    ("（五）实施助力乡村振兴", "(五) 实施助力乡村振兴"),                                                        # half-width brackets
    ("（十二）促进职称制度", "( 十二 )促进职称制度"),
    ("（七）对符合条件、未享受", "对符合条件、未享受"),                                                          # heading number lost
    ("（十一）继续做好中小学教师", "（）继续做好中小学教师"),                                                    # marker without number
    ("2.非全日制学历与全日制学历", "• 2.非全日制学历与全日制学历"),                                              # bullet
    ("不得将科研项目、经费数量", "不得将 科研项目、经费数量"),                                                    # stray space
    ("直接申报相应专业职称", "直接申报\u3000相应专业职称"),                                                      # full-width one
    ("市直部门和单位6月14日前完成", "市直部门 and 单位6月14日前完成"),                                           # English word
]


def damaged() -> tuple[str, str]:
    _, clean = source_of(NEW)
    body = clean
    for good, bad in DAMAGE:
        assert body.count(good) == 1, good
        body = body.replace(good, bad)
    return clean, body


@pytest.fixture(scope="module")
def result():
    _, body = damaged()
    return prepare(body, dict(META))


def test_damage_is_repaired_where_it_can_be(result):
    clean, _ = damaged()
    want = {c.id: c for c in parse_text(NEW, clean)}
    got = {c.id: c for c in result.clauses}
    # the heading that lost its number is the only clause missing; its lines went to the one above
    assert set(want) - set(got) == {"bt-2024:四/（七）"}
    assert set(got) <= set(want)
    # brackets read as full width in the ids; the marker without a number got it back
    assert "bt-2024:四/（五）/3" in got and "bt-2024:四/（十二）" in got and "bt-2024:四/（十一）" in got
    assert got["bt-2024:四/（十一）"].text == want["bt-2024:四/（十一）"].text
    # the page breaks are joined: the clause reads as in the clean copy
    assert got["bt-2024:四/（五）/3"].text == want["bt-2024:四/（五）/3"].text
    assert got["bt-2024:导语"].text == want["bt-2024:导语"].text
    assert "- 9 -" not in result.body and "— 1 —" not in result.body
    for clause_id in ("bt-2024:四/（一）/2", "bt-2024:四/（一）/3", "bt-2024:二/（一）/1"):
        assert got[clause_id].text == want[clause_id].text
    kinds = Counter(r.kind for r in result.repairs)
    assert kinds["page_break"] == 2 and kinds["heading_number"] == 1
    # the page numbers left with the page joins, and the report says so
    joins = [r for r in result.repairs if r.kind == "page_break"]
    assert "\n- 9 -\n" in joins[1].original and "- 9 -" in joins[1].note
    assert kinds["markup"] == 1 and kinds["spacing"] == 2 and kinds["stray_word"] == 1


def test_each_line_it_could_not_place_is_named(result):
    _, body = damaged()
    lines = body.split("\n")
    named = {f.line: f for f in result.findings}
    heading = next(i for i, l in enumerate(lines, 1) if l.startswith("对符合条件、未享受"))
    paragraph = next(i for i, l in enumerate(lines, 1) if l.startswith("参加疫情防控医务人员"))
    for line in (heading, paragraph):
        assert line in named, result.findings
        assert lines[line - 1].strip().startswith(named[line].text[:10])
        assert "（七）" in named[line].problem and "bt-2024:四/（六）" in named[line].problem
    # the lines stayed, in the clause above the gap
    six = next(c for c in result.clauses if c.id == "bt-2024:四/（六）")
    assert "对符合条件、未享受疫情防控倾斜政策" in six.text and "参加疫情防控医务人员" in six.text


def test_nothing_is_silently_dropped(result):
    _, body = damaged()
    before, after = text.squash(body), text.squash(result.body)
    removed, added = Counter(), Counter()
    for r in result.repairs:
        removed.update(text.squash(r.original))
        added.update(text.squash(r.corrected))
    # every character in = every character out, up to what the repairs say they changed
    assert Counter(before) - removed + added == Counter(after)
    assert Counter(before) != Counter(after)
    # and every run of characters that left the text sits inside a reported repair
    originals = [text.squash(r.original) for r in result.repairs]
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            assert any(before[i1:i2] in o for o in originals), before[max(0, i1 - 5):i2 + 5]


def test_the_report_names_repairs_and_lines(tmp_path):
    root = make_workspace(tmp_path)
    _, body = damaged()
    pasted = root / "damaged.txt"
    pasted.write_text(body, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["ingest", str(pasted), "--root", str(root), "--dry-run", "--id", META["id"],
                     "--title", META["title"], "--issuer", META["issuer"], "--date", META["date"]])
    report = out.getvalue()
    assert code == 0
    assert "[标题编号补全] «（）继续做好中小学教师" in report and "（十一）继续做好" in report
    assert "[分页断句接续] «历或学士学位的，⏎⏎- 9 -⏎⏎工作后可认定助理»" in report
    assert "未能处理" in report and "«对符合条件、未享受疫情防控倾斜政策" in report
    assert not (root / "sources" / "bt-2024.txt").exists()


def test_a_clean_notice_needs_no_repair():
    for doc in ("bt-2020", "bt-2021", "nm-2022", "bt-2024"):
        _, body = source_of(doc)
        repaired, repairs, findings, _ = repair(body)
        assert repairs == [] and findings == [] and repaired == body, doc


def test_unknown_english_word_is_reported_not_changed():
    body, repairs, findings, _ = repair("一、总则\n\n申报人员 the 单位应当如实填写。\n")
    assert "the" in body and not repairs
    assert findings and findings[0].line == 3 and "the" in findings[0].problem


def test_a_lost_part_number_is_refused_with_a_clear_message():
    _, clean = source_of(NEW)
    body = clean.replace("四、评审政策规定", "评审政策规定")  # its （一）, （二） collide with 三's
    with pytest.raises(IngestError, match="条款编号重复"):
        prepare(body, dict(META))


@pytest.mark.parametrize("change, message", [
    ({"date": "2024-13-40"}, "不是有效日期"),
    ({"id": "BT 2025"}, "不合规"),
    ({"title": None}, "缺少 --title"),
    ({"level": "省"}, "只能是 市 或 自治区"),
])
def test_bad_options_get_a_clear_message(change, message):
    with pytest.raises(IngestError, match=message):
        prepare("一、总则\n\n正文。\n", {**META, **change})


def test_cli_errors_exit_1_without_a_traceback(tmp_path):
    root = make_workspace(tmp_path)
    empty = root / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["ingest", str(empty), "--root", str(root), "--id", "bt-2025", "--title", "某通知",
                     "--issuer", "包头市人力资源和社会保障局", "--date", "2025-05-20"])
    assert code == 1 and "没有正文" in err.getvalue() and "Traceback" not in err.getvalue()
    existing = root / "nm.txt"
    existing.write_text("一、总则\n\n正文。\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["ingest", str(existing), "--root", str(root), "--id", "nm-2022", "--title", "某通知",
                     "--issuer", "内蒙古自治区人力资源和社会保障厅", "--date", "2022-05-20"])
    assert code == 1 and "已存在" in err.getvalue() and "--replace" in err.getvalue()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["ingest", str(root / "missing.txt"), "--id", "bt-2025"])
    assert code == 2 and "无法读取" in err.getvalue()
