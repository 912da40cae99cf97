"""What to review after a new notice: every data entry citing an older clause the new notice changed.

    python -m policy_kb review NEW [--json] [--root DIR]

Every YAML file under the data folder (rules/*.yml, materials.yml, topics.yml, answers/*.yml,
any other) is scanned for clause ids as plain strings, so any schema works; each one found
is reported with its file, line, the entry it belongs to (the nearest enclosing mapping with
an ``id``) and, when the cited clause belongs to an older notice, its counterpart in NEW and
what changed. The tool finds the work; a person decides.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from . import paths
from .align import align, units_of_document
from .changes import compare, load_docs

CLAUSE_ID_RE = re.compile(r"(?<![\w-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+):((?:[\u4e00-\u9fff0-9（）()]+)(?:/[\u4e00-\u9fff0-9（）()]+)*)")
SKIP_FILES = {"errata.yml"}   # errata document the texts themselves, they do not answer from them


@dataclass
class Citation:
    file: str
    line: int
    entry: str
    clause: str


@dataclass
class ReviewItem:
    file: str
    line: int
    entry: str
    clause: str
    status: str              # changed | not_carried_over
    new_clause: str | None
    changes: list[str]
    cites_new_too: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _normalise(clause_id: str) -> str:
    return clause_id.replace("(", "（").replace(")", "）")


def _entry_spans(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, id) of every mapping with an ``id`` key (0-based lines)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    spans, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
                    spans.append((node.start_mark.line, node.end_mark.line, value.value))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return spans


def _key_path(lines: list[str], index: int) -> str:
    """For a citation outside any entry with an id: the nearest key above it at a smaller indent."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        m = re.match(r"^(\s*)(?:-\s+)?([^\s#:][^:#]*):", line)
        if m and len(m.group(1)) < indent:
            return m.group(2).strip()
    return "（顶层）"


def citations(root: Path | None = None, known: set[str] | None = None) -> list[Citation]:
    """Every clause id written in a YAML file under ``root`` (default policy_kb/)."""
    base = Path(root) if root else paths.package_dir()
    found = []
    for path in sorted(base.rglob("*.yml")):
        if path.name in SKIP_FILES or "sources" in path.relative_to(base).parts:
            continue
        text = path.read_text(encoding="utf-8")
        spans = _entry_spans(text)
        lines = text.split("\n")
        for index, line in enumerate(lines):
            for m in CLAUSE_ID_RE.finditer(line):
                clause = _normalise(m.group(0))
                if known is not None and clause not in known:
                    continue
                inside = [s for s in spans if s[0] <= index <= s[1]]
                entry = min(inside, key=lambda s: s[1] - s[0])[2] if inside else _key_path(lines, index)
                found.append(Citation(str(path.relative_to(base)), index + 1, entry, clause))
    return found


def review(new_id: str, root: Path | None = None) -> list[ReviewItem]:
    docs = load_docs(root)
    if new_id not in docs:
        raise KeyError(f"没有通知“{new_id}”（现有：{'、'.join(docs)}）")
    ordered = list(docs)
    new = docs[new_id]
    older = ordered[: ordered.index(new_id)]
    updates = set(new.meta.get("updates") or [])
    texts = {c.id: c.text for d in docs.values() for c in d.clauses}
    below: dict[str, list[str]] = {}
    for d in docs.values():
        for c in d.clauses:
            p = c.parent
            while p:
                below.setdefault(p, []).append(c.id)
                p = next((x.parent for x in d.clauses if x.id == p), None)
    status: dict[str, tuple[str, str | None, list[str]]] = {}
    for old_id in older:
        alignment = align(units_of_document(docs[old_id]), units_of_document(new))
        paired: dict[str, str] = {}
        for a, b, _ in alignment.pairs:
            paired.setdefault(a, b)
        for c in docs[old_id].clauses:
            subtree = [c.id] + below.get(c.id, [])
            changed, notes, target = False, [], paired.get(c.id)
            for cid in subtree:
                if cid in paired:
                    result = compare(texts[cid], texts[paired[cid]])
                    if result["status"] == "changed":
                        changed = True
                        where = "" if cid == c.id else f"{cid} → {paired[cid]}："
                        notes += [where + x["text"] for x in result["callouts"]] or [where + "文字有调整"]
            if changed:
                status[c.id] = ("changed", target, notes[:6])
            elif c.id not in paired and old_id in updates and c.id in alignment.old_only:
                status[c.id] = ("not_carried_over", None, ["新通知中没有对应条款，请确认此规定是否仍然有效"])
    cites = citations(root, known=set(texts))
    entry_cites: dict[tuple[str, str], set[str]] = {}
    for c in cites:
        entry_cites.setdefault((c.file, c.entry), set()).add(c.clause)
    items = []
    for c in cites:
        if c.clause not in status:
            continue
        kind, target, notes = status[c.clause]
        items.append(ReviewItem(c.file, c.line, c.entry, c.clause, kind, target, notes,
                                bool(target and target in entry_cites[(c.file, c.entry)])))
    items.sort(key=lambda i: (i.status != "changed", i.cites_new_too, i.file, i.line))
    return items


def format_text(new_id: str, items: list[ReviewItem], show_all: bool = False) -> str:
    shown = [i for i in items if show_all or not i.cites_new_too]
    hidden = len(items) - len(shown)
    changed = [i for i in shown if i.status == "changed"]
    dropped = [i for i in shown if i.status == "not_carried_over"]
    out = []
    if not shown:
        out.append(f"没有需要复核的数据条目：引用被 {new_id} 改动的旧条款的条目都已同时引用新条款。" if hidden
                   else f"没有数据条目引用被 {new_id} 改动的旧条款。")
    if changed:
        groups: dict[tuple[str, str], list[ReviewItem]] = {}
        for i in sorted(changed, key=lambda i: (i.file == "topics.yml", i.file, i.line)):
            groups.setdefault((i.file, i.entry), []).append(i)
        out.append(f"以下 {len(groups)} 个条目（{len(changed)} 处引用）引用的旧条款已被 {new_id} 改动，请人工复核：")
        for (file, entry), group in groups.items():
            lines = "、".join(dict.fromkeys(str(i.line) for i in group))
            flag = "（已同时引用新条款）" if any(i.cites_new_too for i in group) else ""
            out.append(f"* {file}:{lines}  [{entry}]{flag}")
            for i in {i.clause: i for i in group}.values():
                tail = f" → {i.new_clause}" if i.new_clause else "（其下条款有变化）"
                out.append(f"    {i.clause}{tail}")
                out += [f"      {note}" for note in i.changes[:4]]
    if dropped:
        out.append("")
        out.append(f"以下 {len(dropped)} 处引用的旧条款在 {new_id} 中没有对应条款（{new_id} 更新了该通知），请确认是否仍然有效：")
        by_clause: dict[str, list[ReviewItem]] = {}
        for i in dropped:
            by_clause.setdefault(i.clause, []).append(i)
        for clause, group in by_clause.items():
            out.append(f"? {clause}：" + "、".join(f"{i.file}:{i.line}[{i.entry}]" for i in group))
    if hidden:
        out.append("")
        out.append(f"另有 {hidden} 处所在条目已同时引用新条款，未列出（--all 列出）。")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m policy_kb review",
                                description="data entries citing older clauses a new notice changed")
    p.add_argument("new")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="also entries that already cite the new clause")
    p.add_argument("--root", help="data folder with sources/ and the YAML files (default policy_kb/)")
    args = p.parse_args(argv)
    try:
        items = review(args.new, root=args.root)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([i.as_dict() for i in items], ensure_ascii=False, indent=2))
    else:
        print(format_text(args.new, items, show_all=args.all))
    return 0
