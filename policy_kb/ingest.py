"""Bring a new notice in: repair the pasted text, write the source and its errata, build.

    python -m policy_kb ingest FILE --id bt-2025 --title … --issuer … --date 2025-05-20 [--level 市]
        [--short-title …] [--number …] [--updates bt-2024] [--basis …] [--fix 旧=新] [--dry-run]

The text is plain text pasted from a PDF or a web page (front matter optional: the options
override it). It is repaired (policy_kb.repair, policy_kb.numbering), parsed into clauses,
written to ``<root>/sources/<id>.txt`` with its front matter, each repair appended to
``<root>/errata.yml``, and the knowledge base is built. ``root`` is ``policy_kb/`` unless
``--root`` names a copy (tests work on copies).
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import paths, text
from .numbering import fill_gaps
from .parser import SourceError, parse_text, split_front_matter
from .repair import Finding, Repair, repair

ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
LEVELS = ("市", "自治区")
META_ORDER = ("id", "title", "short_title", "issuer", "number", "date", "year", "level", "updates",
              "source_files", "title_supplied", "basis", "print_date", "note")


class IngestError(ValueError):
    """Input the ingest cannot use; the message says what to change (Chinese)."""


@dataclass
class Workspace:
    """Where the sources, errata, topics and the built file live."""
    root: Path
    db: Path

    @classmethod
    def of(cls, root: str | Path | None = None, db: str | Path | None = None) -> "Workspace":
        base = Path(root) if root else paths.package_dir()
        default_db = paths.db_path() if not root else base / "policy_kb.sqlite"
        return cls(root=base, db=Path(db) if db else default_db)

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def errata(self) -> Path:
        return self.root / "errata.yml"

    @property
    def topics(self) -> Path:
        return self.root / "topics.yml"

    @property
    def answers(self) -> Path:
        return self.root / "answers"


@dataclass
class IngestResult:
    meta: dict
    body: str
    repairs: list[Repair] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    clauses: list = field(default_factory=list)
    source_path: Path | None = None
    built: object | None = None
    problems: list[str] = field(default_factory=list)   # `check` on the new notice, after the build

    def as_dict(self) -> dict:
        return {
            "id": self.meta["id"], "clauses": len(self.clauses),
            "repairs": [r.as_dict() for r in self.repairs],
            "findings": [f.as_dict() for f in self.findings],
            "source": str(self.source_path) if self.source_path else None,
            "built": str(self.built.path) if self.built else None,
            "check_problems": self.problems,
        }


def make_meta(given: dict, front: dict | None = None, source_name: str | None = None) -> dict:
    """Front matter for the new notice: options over the pasted file's own front matter."""
    meta = dict(front or {})
    meta.update({k: v for k, v in given.items() if v not in (None, "", [])})
    for key, name in (("id", "--id"), ("title", "--title"), ("issuer", "--issuer"), ("date", "--date")):
        if not meta.get(key):
            raise IngestError(f"缺少 {name}：请给出通知的{ {'id': '编号（如 bt-2025）', 'title': '标题', 'issuer': '发文机关', 'date': '成文日期（YYYY-MM-DD）'}[key] }")
    if not ID_RE.match(str(meta["id"])):
        raise IngestError(f"--id “{meta['id']}” 不合规：请用小写字母、数字和连字符，如 bt-2025、nm-2025")
    try:
        date = dt.date.fromisoformat(str(meta["date"]))
    except ValueError:
        raise IngestError(f"--date “{meta['date']}” 不是有效日期：请写成 YYYY-MM-DD，如 2025-05-20") from None
    meta["date"] = date.isoformat()
    meta.setdefault("year", date.year)
    meta["level"] = meta.get("level") or ("自治区" if "自治区" in str(meta["issuer"]) else "市")
    if meta["level"] not in LEVELS:
        raise IngestError(f"--level 只能是 市 或 自治区，收到“{meta['level']}”")
    for key in ("title", "short_title"):
        if meta.get(key):
            meta[key] = re.sub(r"\s+", "", str(meta[key]))
    meta.setdefault("short_title", meta["title"])
    meta.setdefault("number", None)
    updates = meta.get("updates") or []
    if isinstance(updates, str):
        updates = [u.strip() for u in updates.split(",") if u.strip()]
    meta["updates"] = updates
    if source_name and not meta.get("source_files"):
        meta["source_files"] = [source_name]
    return {k: meta[k] for k in META_ORDER if k in meta} | {k: v for k, v in meta.items() if k not in META_ORDER}


def apply_fixes(body: str, fixes: list[str], line_map: list[int],
                done: list[Repair] | None = None) -> tuple[str, list[Repair], list[Finding]]:
    """The officer's own corrections, "原文=改为" (after reading the first report). A correction
    inside the result of an earlier repair ("滥⏎⏎等充数" joined, then 滥等充数=滥竽充数)
    is folded into that repair, so its erratum goes from the pasted text to the final one."""
    repairs, findings = [], []
    for fix in fixes or []:
        if "=" not in fix:
            raise IngestError(f"--fix “{fix}” 格式不对：请写成 原文=改正后的文字")
        old, new = fix.split("=", 1)
        count = body.count(old) if old else 0
        if count != 1:
            findings.append(Finding(0, old, f"--fix 的原文在正文中出现{count}次（须恰好1次），未修改"))
            continue
        line = body[: body.index(old)].count("\n")
        body = body.replace(old, new, 1)
        earlier = next((r for r in done or [] if old in r.corrected), None)
        if earlier:
            earlier.corrected = earlier.corrected.replace(old, new, 1)
            earlier.kind = "correction" if earlier.kind not in ("page_break", "page_edge_repeat") else "page_edge_loss"
            earlier.note = earlier.note.rstrip("。") + f"；政策专员核对原文后将“{old}”改为“{new}”。"
            continue
        repairs.append(Repair("correction", line_map[line] if line < len(line_map) else line + 1,
                              old, new, f"由政策专员核对原文后改正：“{old}”改为“{new}”。"))
    return body, repairs, findings


def _clause_of(clauses, body_line: int) -> str:
    """Id of the clause holding a body line (1-based)."""
    chosen = clauses[0].id if clauses else ""
    for c in clauses:
        if c.line_start <= body_line:
            chosen = c.id
    return chosen


def _body_line(line_map: list[int], input_line: int) -> int:
    """The body line (1-based) that holds an input line."""
    index = 0
    for i, no in enumerate(line_map):
        if no <= input_line:
            index = i
    return index + 1


def prepare(raw: str, given: dict, fixes: list[str] | None = None, source_name: str | None = None) -> IngestResult:
    """Repair and parse, without writing anything."""
    raw = raw.lstrip("\ufeff")
    front = None
    if raw.startswith("---\n"):
        try:
            front, raw, _ = split_front_matter(raw)
        except (SourceError, yaml.YAMLError) as exc:
            raise IngestError(f"文件开头的 YAML 信息无法读取：{exc}") from None
    if not text.squash(raw):
        raise IngestError("文件里没有正文")
    meta = make_meta(given, front, source_name)
    body, repairs, findings, line_map = repair(raw)
    body, fixed, not_fixed = apply_fixes(body, fixes or [], line_map, repairs)
    body, numbered, gaps = fill_gaps(meta["id"], body, line_map)
    repairs = sorted(repairs + fixed + numbered, key=lambda r: r.line)
    findings = sorted(findings + not_fixed + gaps, key=lambda f: f.line)
    clauses = parse_text(meta["id"], body)
    seen: dict[str, int] = {}
    for c in clauses:
        if c.id in seen:
            raise IngestError(f"条款编号重复：{c.id}（正文第{seen[c.id]}行和第{c.line_start}行）。"
                              "多半是上一级标题的编号丢了，请在原文中补上后再导入")
        seen[c.id] = c.line_start
    if text.squash("".join(c.text for c in clauses)) != text.squash(body):
        raise IngestError("有正文没有归入任何条款（解析错误），请联系维护人员")
    for r in repairs:
        r.clause = _clause_of(clauses, _body_line(line_map, r.line))
    return IngestResult(meta=meta, body=body, repairs=repairs, findings=findings, clauses=clauses)


def errata_entries(result: IngestResult) -> list[dict]:
    return [{"doc": result.meta["id"], "clause": r.clause or f"{result.meta['id']}:导语",
             "kind": r.kind, "original": r.original, "corrected": r.corrected, "note": r.note}
            for r in result.repairs]


class _Dumper(yaml.SafeDumper):
    """Multi-line strings double-quoted, as in the hand-written errata ("…\n\n…")."""


_Dumper.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v,
                                                            style='"' if "\n" in v else None))


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def write(result: IngestResult, ws: Workspace, replace: bool = False) -> Path:
    doc_id = result.meta["id"]
    target = ws.sources / f"{doc_id}.txt"
    if target.exists() and not replace:
        raise IngestError(f"{target} 已存在：确认要替换请加 --replace")
    errata = _errata_text(ws.errata, doc_id, errata_entries(result))
    ws.sources.mkdir(parents=True, exist_ok=True)
    target.write_text(f"---\n{_dump(result.meta)}---\n{result.body}", encoding="utf-8")
    ws.errata.write_text(errata, encoding="utf-8")
    return target


def _errata_text(path: Path, doc_id: str, entries: list[dict]) -> str:
    """errata.yml with this notice's entries replaced (the other entries and comments stay)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "errata:\n"
    try:
        data = yaml.safe_load(existing) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{path} 无法读取（{exc}），请先修好勘误表") from None
    kept = [e for e in data.get("errata") or [] if e.get("doc") != doc_id]
    if len(kept) != len(data.get("errata") or []):
        existing = _dump({"errata": kept})  # a re-ingest: rewritten without the comments
    if not entries:
        return existing
    m = re.search(r"^( *)- ", existing, re.M)
    indent = m.group(1) if m else "  "
    block = "".join(indent + line + "\n" for line in _dump(entries).rstrip("\n").split("\n"))
    header = f"{indent}# ------------------------------------------------------------------ {doc_id} (python -m policy_kb ingest)\n"
    updated = existing.rstrip("\n") + "\n" + header + block
    try:
        ok = [e for e in (yaml.safe_load(updated) or {}).get("errata") or [] if e.get("doc") == doc_id] == entries
    except yaml.YAMLError:
        ok = False
    return updated if ok else _dump({"errata": kept + entries})


def ingest(raw: str, given: dict, ws: Workspace, fixes: list[str] | None = None, dry_run: bool = False,
           replace: bool = False, source_name: str | None = None) -> IngestResult:
    from .build import build, check

    result = prepare(raw, given, fixes, source_name)
    if dry_run:
        return result
    result.source_path = write(result, ws, replace=replace)
    result.built = build(ws.db, sources_dir=ws.sources, topics_file=ws.topics, errata_file=ws.errata,
                         answers_dir=ws.answers)
    report = check(sources_dir=ws.sources, errata_file=ws.errata, topics_file=ws.topics)
    result.problems = [p for p in report.problems if result.meta["id"] in p]  # the others' are not new
    return result


# --------------------------------------------------------------------------- report

KIND_NAMES = {"page_break": "分页断句接续", "page_edge_repeat": "分页重复删除", "markup": "列表符号删除",
              "stray_word": "夹杂英文替换", "spacing": "多余空格删除", "artefact": "转换残留删除",
              "heading_number": "标题编号补全", "correction": "人工改正"}


def format_report(result: IngestResult) -> str:
    out = [f"通知 {result.meta['id']}：《{result.meta['title']}》，解析出 {len(result.clauses)} 个条款。"]
    out.append(f"已修复 {len(result.repairs)} 处：")
    for r in result.repairs:
        out.append(f"  第{r.line}行 [{KIND_NAMES.get(r.kind, r.kind)}] «{_one_line(r.original)}» → «{_one_line(r.corrected)}»")
    if result.findings:
        out.append(f"未能处理 {len(result.findings)} 处（请核对原文）：")
        for f in result.findings:
            out.append(f"  第{f.line}行 «{f.text}»：{f.problem}")
    else:
        out.append("没有未能处理的行。")
    if result.source_path:
        out.append(f"已写入 {result.source_path}，修复记录已写入勘误表。")
    if result.built:
        out.append(f"知识库已重建：{result.built.path}（{result.built.counts.get('clauses')} 个条款）。")
        if result.problems:
            out.append("检查发现问题（python -m policy_kb check）：")
            out += [f"  {p}" for p in result.problems]
        else:
            out.append("检查通过。")
    return "\n".join(out)


def _one_line(value: str) -> str:
    return value.replace("\n", "⏎")


def main(argv: list[str] | None = None) -> int:
    import json

    p = argparse.ArgumentParser(prog="python -m policy_kb ingest", description=__doc__.split("\n")[0])
    p.add_argument("file", help="the notice as plain text (UTF-8)")
    p.add_argument("--id", help="notice id, e.g. bt-2025")
    p.add_argument("--title")
    p.add_argument("--short-title")
    p.add_argument("--issuer")
    p.add_argument("--date", help="YYYY-MM-DD")
    p.add_argument("--level", choices=LEVELS)
    p.add_argument("--number", help="document number, e.g. 包人社发〔2025〕10号")
    p.add_argument("--updates", help="ids of the notices it updates, comma-separated")
    p.add_argument("--basis", help="the higher notice it implements")
    p.add_argument("--note")
    p.add_argument("--fix", action="append", default=[], metavar="原文=改为",
                   help="a correction after reading the report (repeatable)")
    p.add_argument("--root", help="data folder with sources/, errata.yml, topics.yml (default policy_kb/)")
    p.add_argument("--db", help="SQLite file to build")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.add_argument("--replace", action="store_true", help="replace an existing source of that id")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    path = Path(args.file)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"无法读取 {path}：{exc}（须为 UTF-8 纯文本）", file=sys.stderr)
        return 2
    given = {"id": args.id, "title": args.title, "short_title": args.short_title, "issuer": args.issuer,
             "date": args.date, "level": args.level, "number": args.number, "updates": args.updates,
             "basis": args.basis, "note": args.note}
    try:
        result = ingest(raw, given, Workspace.of(args.root, args.db), fixes=args.fix,
                        dry_run=args.dry_run, replace=args.replace, source_name=path.name)
    except IngestError as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(result))
    return 0
