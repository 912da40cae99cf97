"""One-time disclosure (一次性告知) of the materials for a professional-title application.

``build_checklist(facts) -> dict`` chooses, from ``policy_kb/materials.yml``, the materials,
steps, deadlines and submission channels that apply to an applicant. Facts that were not
given turn the entries that depend on them into "如属…的情形，还需提供…" wording and are
listed in ``unknown_facts``. All facts (copies, paper size, dates) come from the data file,
which quotes the notices; clause labels and hotlines come from the knowledge base.

Command line (dispatched by ``python -m policy_kb checklist``)::

    python -m policy_kb checklist --facts '{"target_title": "中级"}' --format md|json|html|pdf [-o FILE]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_PATH = Path(__file__).with_name("materials.yml")
TEMPLATE_DIR = Path(__file__).with_name("templates")
FORMATS = ("json", "md", "html", "pdf")
MAX_FACTS_CHARS = 20_000

YES, MAYBE, NO = "yes", "maybe", "no"


# ------------------------------------------------------------------------------ data
@lru_cache(maxsize=4)
def load_materials(path: str | Path = DATA_PATH) -> dict:
    """The parsed materials.yml (cached)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def normalise_text(text: str) -> str:
    """Compare notice text loosely: NFKC (full/half width) and no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def evidence_of(entry: dict) -> list[dict]:
    return [e for e in entry.get("evidence") or [] if isinstance(e, dict) and e.get("clause")]


def citations_of(entry: dict) -> list[str]:
    seen: list[str] = []
    for ev in evidence_of(entry):
        if ev["clause"] not in seen:
            seen.append(ev["clause"])
    return seen


# ------------------------------------------------------------------------- conditions
def evaluate_condition(cond: Any, facts: dict, tables: Any = None, unknown: set | None = None) -> bool | None:
    """Three-valued test of a `when` condition: True, False or None (a fact is missing).
    The one condition evaluator of the project (policy_kb/conditions.py) on today's rules:
    ``{table: exam_combined}`` / ``{series_level_in: ...}`` read the dated sets of
    rules/sets.yml. Names of the missing facts are added to ``unknown``. (``tables`` is
    accepted for older callers and not used.)"""
    from policy_kb.conditions import Ctx, evaluate
    from policy_kb.rule_data import load_rules

    ctx = Ctx(facts, date.today(), load_rules(), facts.get("target_title"), ask_all=True)
    out = evaluate(cond, ctx)
    if out.ok is None and unknown is not None:
        unknown.update(out.missing)
    return out.ok


def entry_status(entry: dict, facts: dict, tables: dict, unknown: set) -> str:
    """YES (applies), MAYBE (depends on a missing fact) or NO for one data entry."""
    local: set = set()
    result = evaluate_condition(entry.get("when"), facts, tables, local)
    if result is False:
        return NO
    if result is None:
        if entry.get("if_unknown") == "include":
            return YES
        if entry.get("if_unknown") == "hide":
            return NO
        unknown.update(local)
        return MAYBE
    return MAYBE if entry.get("conditional_only") else YES


# ------------------------------------------------------------------------------ KB
def _open_kb():
    """The shared read-only KB (built on first use), or None if it cannot be opened."""
    try:
        from policy_kb import kb as kbmod
        return kbmod.get_kb() if hasattr(kbmod, "get_kb") else kbmod.KB()
    except Exception:  # KB not buildable / not readable: the checklist still works
        return None


class _Citer:
    """Clause labels and titles from the KB, collected for the whole checklist."""

    def __init__(self, kb):
        self.kb = kb
        self.used: dict[str, dict] = {}

    def cite(self, entry: dict) -> list[str]:
        ids = citations_of(entry)
        quotes = {}
        for ev in evidence_of(entry):
            quotes.setdefault(ev["clause"], ev.get("quote", ""))
        for cid in ids:
            if cid not in self.used:
                self.used[cid] = self._describe(cid, quotes.get(cid, ""))
        return ids

    def _describe(self, cid: str, quote: str) -> dict:
        info = {"id": cid, "title": "", "label": cid, "quote": quote, "in_kb": False}
        if self.kb is not None:
            try:
                clause = self.kb.clause(cid)
            except Exception:
                clause = None
            if clause:
                info.update(title=clause.get("title") or "",
                            label=clause.get("label") or cid, in_kb=True)
        return info

    def label(self, cid: str) -> str:
        return self.used.get(cid, {}).get("label", cid)


def _document(kb, doc_id: str) -> dict:
    if kb is None:
        return {}
    try:
        return kb.document(doc_id) or {}
    except Exception:
        return {}


def _hotlines(kb, citer: _Citer) -> list[dict]:
    if kb is None:
        return []
    try:
        rows = kb.contacts() or []
    except Exception:
        return []
    by_number: dict[str, dict] = {}
    for row in rows:
        number = str(row.get("phone") or row.get("number") or "").strip()
        clause = str(row.get("clause") or "")
        if not number:
            continue
        entry = by_number.setdefault(number, {"number": number, "citations": [], "labels": []})
        if clause and clause not in entry["citations"]:
            citer.cite({"evidence": [{"clause": clause, "quote": row.get("context") or number}]})
            entry["citations"].append(clause)
            entry["labels"].append(citer.label(clause))
    return list(by_number.values())


def check_list_against_kb(kb, data: dict | None = None) -> list[str]:
    """Differences between the materials.yml list and KB().materials() (empty if none)."""
    data = data or load_materials()
    try:
        rows = {int(r.get("no")): r for r in kb.materials() if str(r.get("no", "")).isdigit()}
    except Exception as exc:  # pragma: no cover - KB broken
        return [f"知识库材料目录无法读取：{exc}"]
    problems = []
    for item in data.get("list") or []:
        no = int(item["row"])
        row = rows.get(no)
        if row is None:
            problems.append(f"知识库材料目录缺少第{no}项")
            continue
        if normalise_text(item["name"]) not in normalise_text(row.get("item", "")):
            problems.append(f"第{no}项名称不一致：{item['name']} / {row.get('item')}")
        kb_copies = _as_int(row.get("copies"))
        if kb_copies is not None and kb_copies != item.get("copies"):
            problems.append(f"第{no}项份数不一致：{item.get('copies')} / {kb_copies}")
        kb_paper = normalise_text(row.get("paper") or "")
        if kb_paper and normalise_text(item.get("paper") or "") != kb_paper:
            problems.append(f"第{no}项纸张不一致：{item.get('paper')} / {row.get('paper')}")
        kb_form = row.get("original_or_copy")
        if kb_form and kb_form != item.get("form"):
            problems.append(f"第{no}项原件/复印件不一致：{item.get('form')} / {kb_form}")
    return problems


def _as_int(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    m = re.search(r"\d+", str(value))
    return int(m.group()) if m else None


# -------------------------------------------------------------------------- building
def _item_record(entry: dict, data: dict, citer: _Citer, facts: dict, tables: dict) -> dict:
    meta = data.get("meta") or {}
    notes = list(entry.get("notes") or [])
    extra: list[str] = []
    for extra_note in entry.get("notes_when") or []:
        if evaluate_condition(extra_note.get("when"), facts, tables, set()) is True:
            notes.append(extra_note["text"])
            extra += citations_of(extra_note)
            citer.cite(extra_note)
    if entry.get("inferred"):
        notes.append(meta.get("inferred_note", ""))
    copies = entry.get("copies")
    record = {
        "key": entry["key"],
        "no": entry.get("row"),
        "in_list": entry.get("row") is not None,
        "name": entry["name"],
        "copies": copies,
        "copies_text": f"{copies}份" if copies else meta.get("copies_unspecified", ""),
        "paper": entry.get("paper"),
        "form": entry.get("form"),
        "provided_by": entry.get("provided_by"),
        "notes": [n for n in notes if n],
        "citations": citer.cite(entry),
        "inferred": bool(entry.get("inferred")),
    }
    for cid in extra:
        if cid not in record["citations"]:
            record["citations"].append(cid)
    return record


def _conditional(record: dict, entry: dict, template: str) -> dict:
    record = dict(record)
    record["situation"] = entry.get("situation", "")
    name = record["name"] + (f"（{record['copies_text']}）" if record.get("copies") else "")
    record["text"] = template.format(situation=record["situation"], name=name)
    return record


def _dated(entry: dict, year: str | None) -> str:
    if not entry.get("date"):
        return ""
    return f"{year}年{entry['date']}" if year else entry["date"]


def build_checklist(facts: Any = None, kb: Any = None) -> dict:
    """Build the one-time disclosure for an applicant's facts (raw or normalised).
    ``kb`` defaults to the shared knowledge base."""
    from policy_kb.facts import FACTS, normalise_facts

    data = load_materials()
    meta = data.get("meta") or {}
    tables = data.get("tables") or {}
    clean, errors = normalise_facts(facts if facts is not None else {})
    kb = kb if kb is not None else _open_kb()
    citer = _Citer(kb)
    unknown: set = set()
    newest = _document(kb, meta.get("newest_notice", ""))
    year = newest.get("year") or (newest.get("date") or "")[:4] or None

    result: dict[str, Any] = {
        "title": meta.get("title", ""),
        "facts": clean,
        "errors": errors,
        "applicable": True,
        "items": [], "conditional_items": [], "steps": [], "deadlines": [],
        "where": [], "requirements": [], "notes": [], "hotlines": [],
        "unit_materials": {}, "unknown_facts": [], "citations": [],
        "notice_used": {"id": newest.get("id", meta.get("newest_notice")),
                        "title": newest.get("title", ""), "date": newest.get("date", "")},
    }
    if kb is None:
        result["notes"].append({"text": "知识库尚未建立，引用条款的名称暂以编号显示（请先运行 python -m policy_kb build）。",
                                "citations": []})

    for entry in data.get("not_applicable") or []:
        status = entry_status(entry, clean, tables, unknown)
        if status == YES:
            result["applicable"] = False
            result["notes"].append({"text": entry["text"], "citations": citer.cite(entry)})
        elif status == MAYBE:
            result["notes"].append(_plain(entry, status, citer))
    if not result["applicable"]:
        return _finish(result, citer, FACTS, set(), kb)

    template = meta.get("conditional_template", "如属{situation}的情形，还需提供{name}。")
    for entry in list(data.get("list") or []) + list(data.get("items") or []):
        status = entry_status(entry, clean, tables, unknown)
        if status == NO:
            continue
        record = _item_record(entry, data, citer, clean, tables)
        if status == YES:
            result["items"].append(record)
        else:
            result["conditional_items"].append(_conditional(record, entry, template))

    for section in ("requirements", "where"):
        for entry in data.get(section) or []:
            status = entry_status(entry, clean, tables, unknown)
            if status != NO:
                result[section].append(_plain(entry, status, citer))

    dated_yes, dated_maybe = [], []
    for entry in data.get("deadlines") or []:
        status = entry_status(entry, clean, tables, unknown)
        if status == NO:
            continue
        record = _plain(entry, status, citer)
        record.update(key=entry.get("key"), label=entry.get("label", ""),
                      date=entry.get("date"), year=year if entry.get("date") else None,
                      date_text=_dated(entry, year))
        result["deadlines"].append(record)
        if entry.get("date"):
            (dated_yes if status == YES else dated_maybe).append(record)

    deadline_text = _deadline_sentence(dated_yes, dated_maybe)
    for entry in data.get("steps") or []:
        status = entry_status(entry, clean, tables, unknown)
        if status == NO:
            continue
        record = _plain(entry, status, citer)
        if "{deadlines}" in record["text"]:
            record["text"] = record["text"].replace("{deadlines}", deadline_text).strip()
            for d in dated_yes + dated_maybe:
                record["citations"] += [c for c in d["citations"] if c not in record["citations"]]
        record["no"] = len(result["steps"]) + 1
        result["steps"].append(record)

    for entry in data.get("notes") or []:
        status = entry_status(entry, clean, tables, unknown)
        if status == NO:
            continue
        record = _plain(entry, status, citer)
        title = newest.get("title") or meta.get("newest_notice", "")
        record["text"] = (record["text"].replace("{newest_title}", f"《{title}》")
                          .replace("{newest_date}", newest.get("date") or "日期不详"))
        result["notes"].append(record)

    unit = data.get("unit_materials") or {}
    if unit:
        result["unit_materials"] = {"text": unit.get("text", ""), "items": list(unit.get("items") or []),
                                    "citations": citer.cite(unit)}
    for problem in (check_list_against_kb(kb, data) if kb is not None else []):
        result["notes"].append({"text": "数据核对提示：" + problem, "citations": [meta.get("list_clause", "")]})
    return _finish(result, citer, FACTS, unknown, kb)


def _plain(entry: dict, status: str, citer: _Citer) -> dict:
    text = entry.get("text", "")
    conditional = status == MAYBE
    if conditional and entry.get("situation"):
        text = f"如属{entry['situation']}的情形：{text}"
    return {"text": text, "conditional": conditional, "situation": entry.get("situation", ""),
            "citations": citer.cite(entry)}


def _deadline_sentence(yes: list[dict], maybe: list[dict]) -> str:
    parts = [f"{d['label']}：{d['date_text']}前" for d in yes]
    parts += [f"如属{d['situation']}：{d['date_text']}前" for d in maybe]
    return ("截止时间——" + "；".join(parts) + "。") if parts else ""


def _finish(result: dict, citer: _Citer, facts_spec: dict, unknown: set, kb) -> dict:
    result["hotlines"] = _hotlines(kb, citer)
    result["unknown_facts"] = [
        {"fact": name, "label": spec.get("label", name), "question": spec.get("question", "")}
        for name, spec in facts_spec.items() if name in unknown
    ]
    result["citations"] = list(citer.used.values())
    return result


# ---------------------------------------------------------------------------- render
def _env(autoescape: bool):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=autoescape,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["md"] = _md_cell
    return env


def _md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return re.sub(r"([*_`<>\[\]#])", r"\\\1", text)


def _context(checklist: dict) -> dict:
    from policy_kb.facts import FACTS
    labels = {c["id"]: c["label"] for c in checklist.get("citations", [])}
    facts_view = []
    for name, value in (checklist.get("facts") or {}).items():
        shown = ("是" if value else "否") if isinstance(value, bool) else value
        facts_view.append({"label": FACTS.get(name, {}).get("label", name), "value": shown})
    hotline_ids: list[str] = []
    for line in checklist.get("hotlines") or []:
        hotline_ids += [cid for cid in line.get("citations", []) if cid not in hotline_ids]
    ref_no = {c["id"]: i for i, c in enumerate(checklist.get("citations", []), start=1)}
    return {"c": checklist, "labels": labels, "facts_view": facts_view, "ref_no": ref_no,
            "hotline_ids": hotline_ids, "generated_on": date.today().isoformat()}


def render_markdown(checklist: dict) -> str:
    return _env(False).get_template("checklist.md.j2").render(**_context(checklist))


def render_html(checklist: dict) -> str:
    return _env(True).get_template("checklist.html").render(**_context(checklist))


def render_pdf(checklist: dict) -> bytes:
    from policy_kb.render_pdf import html_to_pdf
    return html_to_pdf(render_html(checklist))


def render(checklist: dict, fmt: str) -> str | bytes:
    if fmt == "json":
        return json.dumps(checklist, ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_markdown(checklist)
    if fmt == "html":
        return render_html(checklist)
    if fmt == "pdf":
        return render_pdf(checklist)
    raise ValueError(f"unknown format: {fmt}")


# ------------------------------------------------------------------------------- CLI
def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m policy_kb checklist",
        description="生成职称申报材料一次性告知单（JSON / Markdown / HTML / PDF）。")
    parser.add_argument("--facts", default=None,
                        help='申报人情况，JSON 对象，如 \'{"target_title": "中级", "employer_type": "非公"}\'')
    parser.add_argument("--facts-file", default=None, help="从 JSON 文件读取申报人情况")
    parser.add_argument("--format", choices=FORMATS, default="json", help="输出格式")
    parser.add_argument("-o", "--output", default=None, help="输出文件（默认输出到屏幕）")
    return parser.parse_args(argv)


def _read_facts(args) -> tuple[Any, str | None]:
    raw = args.facts
    if args.facts_file:
        try:
            raw = Path(args.facts_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return None, f"无法读取情况文件：{exc}"
    if raw is None or not raw.strip():
        return {}, None
    if len(raw) > MAX_FACTS_CHARS:
        return None, f"提供的情况过长（超过{MAX_FACTS_CHARS}个字符），请只填写需要的项目。"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return None, f"情况不是有效的 JSON：{exc.msg}（第{exc.lineno}行第{exc.colno}列）。示例：'{{\"target_title\": \"中级\"}}'"
    if not isinstance(value, dict):
        return None, "情况应为 JSON 对象（形如 {\"名称\": \"值\"}）。"
    return value, None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["checklist"]:
        argv = argv[1:]
    try:
        args = _parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code or 0)
    facts, problem = _read_facts(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    checklist = build_checklist(facts)
    for err in checklist["errors"]:
        print("提示：" + err["message"], file=sys.stderr)
    try:
        output = render(checklist, args.format)
    except Exception as exc:  # RenderError and template problems
        print(f"生成{args.format}失败：{exc}", file=sys.stderr)
        return 3
    if args.output:
        try:
            mode = "wb" if isinstance(output, bytes) else "w"
            with open(args.output, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
                fh.write(output)
        except OSError as exc:
            print(f"无法写入文件 {args.output}：{exc}", file=sys.stderr)
            return 2
        return 0
    if isinstance(output, bytes):
        if sys.stdout.isatty():
            print("PDF 为二进制内容，请用 -o 指定输出文件。", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(output)
    else:
        sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
