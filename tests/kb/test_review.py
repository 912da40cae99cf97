"""The review scan finds clause ids in any YAML schema, with the nearest entry id."""
from __future__ import annotations

import contextlib
import io
import shutil

from policy_kb import paths
from policy_kb.__main__ import main
from policy_kb.review import citations, format_text, review

KNOWN = {"nm-2022:四/（十四）/2", "bt-2020:一/（十）/3", "nm-2022:二/（一）", "bt-2024:四/（五）/3"}

ANSWERS = """\
topic: recognition
points:
  - id: recognition_junior_college
    questions: [大专毕业几年能认定助理]
    answer: 全日制大学专科毕业、工作满3年，可认定助理级。
    cites: ["nm-2022:四/（十四）/2", "bt-2020:一/(十)/3"]
  - id: deadlines_this_year
    nested:
      deeper: {note: 见 nm-2022:二/（一） 的进度安排}
    cites: [nm-2022:二/（一）, bt-2024:四/（五）/3]
  - id: recognition_updated
    cites: [nm-2022:四/（十四）/2, bt-2024:四/（五）/3]
# a comment naming nm-2022:四/（十四）/2 outside any entry
other:
  list_clause: nm-2022:二/（一）
unknown: [xx-1999:一, nm-2022:九十九]
"""


def test_citations_in_any_schema(tmp_path):
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "recognition.yml").write_text(ANSWERS, encoding="utf-8")
    (tmp_path / "errata.yml").write_text("errata:\n  - {doc: nm-2022, clause: nm-2022:二/（一）}\n", encoding="utf-8")
    found = [(c.file, c.line, c.entry, c.clause) for c in citations(tmp_path, known=KNOWN)]
    assert ("answers/recognition.yml", 6, "recognition_junior_college", "nm-2022:四/（十四）/2") in found
    # half-width brackets read as the contract's full-width id
    assert ("answers/recognition.yml", 6, "recognition_junior_college", "bt-2020:一/（十）/3") in found
    # nested deeper than the entry: still that entry
    assert ("answers/recognition.yml", 9, "deadlines_this_year", "nm-2022:二/（一）") in found
    # outside any entry with an id: the key above it
    assert ("answers/recognition.yml", 15, "other", "nm-2022:二/（一）") in found
    assert any(c[1] == 13 and c[3] == "nm-2022:四/（十四）/2" for c in found)  # a comment counts too
    # unknown ids and errata.yml are not citations
    assert not any("xx-1999" in c[3] or "九十九" in c[3] for c in found)
    assert not any(c[0] == "errata.yml" for c in found)


def test_review_of_todays_bt2024_finds_rules_and_marks_updated_entries(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(paths.sources_dir(), root / "sources")
    (root / "answers").mkdir()
    (root / "answers" / "recognition.yml").write_text(ANSWERS, encoding="utf-8")
    items = review("bt-2024", root=root)
    by_entry = {(i.entry, i.clause): i for i in items}
    junior = by_entry[("recognition_junior_college", "nm-2022:四/（十四）/2")]
    assert junior.status == "changed" and junior.new_clause == "bt-2024:四/（五）/3" and not junior.cites_new_too
    assert any("工作满3年 → 工作满2年" in n for n in junior.changes)
    this_year = by_entry[("deadlines_this_year", "nm-2022:二/（一）")]
    assert this_year.new_clause == "bt-2024:二/（一）/4" and not this_year.cites_new_too
    assert any("5月20日 → 5月31日" in n for n in this_year.changes)
    # an entry that already cites the new clause is marked, and left out of the default listing
    updated = by_entry[("recognition_updated", "nm-2022:四/（十四）/2")]
    assert updated.cites_new_too
    listing = format_text("bt-2024", items)
    assert "[recognition_junior_college]" in listing and "[recognition_updated]" not in listing
    assert "[recognition_updated]" in format_text("bt-2024", items, show_all=True)
    # rules of the project are found too (rules/ was not copied here: only what is under root)
    assert all(not i.file.startswith("rules/") for i in items)


def test_review_cli_unknown_notice():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["review", "xx-2030"])
    assert code == 1 and "没有通知" in err.getvalue()
