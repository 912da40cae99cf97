"""Clause comparison and call-outs (policy_kb.changes), the alignment (policy_kb.align) measured
against the hand-made points of topics.yml, and the HTML report."""
from __future__ import annotations

import yaml

from policy_kb import paths
from policy_kb.align import align, units_of_document
from policy_kb.build import load_documents
from policy_kb.changes import callouts, change_note, compare, diff_ops, report
from policy_kb.changes_html import render


def test_same_text_up_to_white_space_and_bracket_width_is_unchanged():
    result = compare("1.职称（专业）评审，按规定执行。", "1. 职称(专业)评审, 按规定执行。")
    assert result["status"] == "same" and result["callouts"] == []


def test_durations_are_called_out_per_level_of_education():
    old = "其中，大学专科毕业、工作满3年的可认定助理级；大学本科毕业、工作满1年的可认定助理级；博士研究生毕业，可直接认定中级。"
    new = "其中，具有专科学历、工作满2年的，可认定助理级职称；具有本科学历的，工作后可认定助理级职称；具有博士学位，工作后可认定中级职称。"
    found = {(c["subject"], c["title"], c["old"], c["new"]) for c in callouts(old, new) if c["kind"] == "duration"}
    assert ("大专", "助理级", "工作满3年", "工作满2年") in found
    assert ("本科", "助理级", "工作满1年", "工作后") in found
    assert ("博士", "中级", "直接认定", "工作后") in found


def test_chinese_numerals_and_locations_in_durations():
    old = "在旗县从事专业工作满三十年、在苏木乡镇从事专业工作满20年的，可破格申报。"
    new = "在旗县从事专业工作满25年、在苏木乡镇从事专业工作满20年的，可破格申报。"
    found = [c for c in callouts(old, new) if c["kind"] == "duration"]
    assert [(c["subject"], c["old"], c["new"]) for c in found] == [("旗县", "工作满三十年", "工作满25年")]


def test_dates_are_matched_by_what_is_due():
    old = "于5月20日前下发年度评审工作通知，6月30日前完成申报工作、9月30日前完成评审和公示。"
    new = "于5月31日前下发年度职称评审工作通知，6月20日前完成高级、7月26日前完成中初级职称申报工作，8月31日前完成评审和公示。"
    dates = {(c["old"], c["new"]) for c in callouts(old, new) if c["kind"] == "date"}
    assert ("5月20日", "5月31日") in dates and ("9月30日", "8月31日") in dates
    assert ("6月30日", "7月26日") in dates and (None, "6月20日") in dates


def test_numbers_and_named_lists():
    old = "全国杰出专业技术人才，享受国务院政府特殊津贴人员，国家突出贡献专家可直接申报正高级职称。总数控制在120人。"
    new = "“新时代专业技术人才选拔培养项目”一层次人选、国家突出贡献专家、自治区草原英才工程人选可直接申报正高级职称。评审数为17名。"
    calls = {c["kind"]: c for c in callouts(old, new)}
    assert calls["number"]["old"] == ["120人"] and calls["number"]["new"] == ["17名"]
    assert "全国杰出专业技术人才" in calls["list"]["removed"]
    assert "“新时代专业技术人才选拔培养项目”一层次人选" in calls["list"]["added"]
    assert "国家突出贡献专家" not in calls["list"]["added"] + calls["list"]["removed"]


def test_diff_ops_rebuild_both_texts():
    old, new = "对非公有制领域人员探索单独分组评审。", "对非公有制及专精特新企业人员应单独分组、单独评审。"
    ops = diff_ops(old, new)
    assert "".join(o["old"] for o in ops) == old and "".join(o["new"] for o in ops) == new
    assert any(o["op"] != "equal" for o in ops)


def test_change_note_is_one_sentence():
    note = change_note("本科毕业、工作满1年的可认定助理级。", "具有本科学历的，工作后可认定助理级职称。")
    assert note == "本科（助理级）由“工作满1年”改为“工作后”。"
    assert change_note("同样的文字。", "同样的文字。") == "内容与此前相同。"


def test_alignment_agrees_with_the_hand_made_points():
    """For every pair of notices, an old clause of a point of topics.yml should be aligned with
    that point's clause in the newer notice (numbering is not used)."""
    docs = {d.id: d for d in load_documents()}
    units = {k: units_of_document(d) for k, d in docs.items()}
    points = yaml.safe_load(paths.topics_path().read_text(encoding="utf-8"))["points"]
    order = list(docs)
    agree = total = 0
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            pairs = {(x, y) for x, y, _ in align(units[a], units[b]).pairs}
            for p in points:
                olds = [c for c in p["clauses"] if c.startswith(a + ":")]
                news = [c for c in p["clauses"] if c.startswith(b + ":")]
                for o in olds if news else []:
                    total += 1
                    agree += any((o, n) in pairs for n in news)
    assert total > 100
    assert agree / total >= 0.75, (agree, total)


def test_html_marks_the_differences_and_escapes_text():
    rep = {"old": {"id": "a-2020", "title": "旧<通知>", "year": 2020},
           "new": {"id": "a-2021", "title": "新通知", "year": 2021},
           "counts": {"aligned": 1, "changed": 1, "same": 0, "only_old": 0, "only_new": 1},
           "pairs": [{"old": "a-2020:一", "new": "a-2021:一", "score": 0.9,
                      "callouts": [{"kind": "duration", "text": "大专（助理级）：工作满3年 → 工作满2年"}],
                      "ops": diff_ops("专科工作满3年<b>", "专科工作满2年<b>")}],
           "only_old": [], "only_new": [{"id": "a-2021:二", "text": "二、新增<script>条款"}]}
    html = render(rep)
    assert "<del>3</del><ins>2</ins>" in html
    assert "旧&lt;通知&gt;" in html and "&lt;b&gt;" in html and "<script>" not in html
    assert "工作满3年 → 工作满2年" in html and "a-2021:二" in html


def test_report_of_todays_notices_and_unknown_ids():
    rep = report("bt-2020", "bt-2024")
    assert rep["counts"]["aligned"] > 20 and rep["pairs"]
    assert all(p["status"] == "changed" for p in rep["pairs"])
    try:
        report("bt-2020", "xx-1999")
    except KeyError as exc:
        assert "xx-1999" in exc.args[0]
    else:
        raise AssertionError("unknown notice accepted")
