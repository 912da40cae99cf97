"""Parse a notice source file (YAML front matter + text) into a clause tree.

Clause id = ``<doc>:<path>``; path = heading labels from the top down, parentheses
full-width. Heading levels: attachment (``附件二、``, ``附件 1``) > ``一、`` >
``（一）`` > ``1.`` > ``（1）``. Text before the first heading is ``导语``; the
attachment list / signature block (from a line starting ``附件：``) is ``落款``.
Numbered lines inside ``落款`` or after a ``说明：`` line are not headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CN_NUM = "一二三四五六七八九十"

ATTACHMENT_RE = re.compile(rf"^附件\s*(?:([{CN_NUM}]{{1,3}})、|(\d{{1,2}}))\s*$")
L1_RE = re.compile(rf"^([{CN_NUM}]{{1,3}})、")
L2_RE = re.compile(rf"^[（(]\s*([{CN_NUM}]{{1,3}})\s*[）)]")
L3_RE = re.compile(r"^(\d{1,2})\s*[.．、](?!\d)")
L4_RE = re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]")
CLOSING_RE = re.compile(r"^附件\s*[：:]")
NOTES_RE = re.compile(r"^说明\s*[：:]")

INTRO = "导语"
CLOSING = "落款"


class SourceError(ValueError):
    """A source file that cannot be read as a notice."""


@dataclass
class Clause:
    id: str
    doc: str
    path: str
    parent: str | None
    ord: int
    depth: int
    level: int  # 0 attachment/导语/落款, 1..4 heading levels
    labels: list[str]
    kind: str  # heading | attachment | intro | closing
    line_start: int
    lines: list[str] = field(default_factory=list)
    line_end: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.strip() for line in self.lines if line.strip())


@dataclass
class Document:
    meta: dict
    body: str
    clauses: list[Clause]

    @property
    def id(self) -> str:
        return self.meta["id"]


def split_front_matter(raw: str) -> tuple[dict, str, int]:
    """Return (metadata, body, number of lines before the body)."""
    raw = raw.lstrip("\ufeff")
    if not raw.startswith("---\n"):
        raise SourceError("missing YAML front matter (file must start with '---')")
    end = raw.find("\n---\n", 4)
    if end < 0:
        raise SourceError("unterminated YAML front matter")
    meta = yaml.safe_load(raw[4:end]) or {}
    if not isinstance(meta, dict) or "id" not in meta:
        raise SourceError("front matter must be a mapping with an 'id'")
    for key in ("date", "print_date"):
        if meta.get(key) is not None:
            meta[key] = str(meta[key])
    body = raw[end + 5:]
    offset = raw[: end + 5].count("\n")
    return meta, body, offset


def match_heading(line: str):
    """(level, label) if ``line`` (stripped) starts with a heading marker, else None."""
    m = ATTACHMENT_RE.match(line)
    if m:
        return 0, "附件" + (m.group(1) or m.group(2))
    m = L1_RE.match(line)
    if m:
        return 1, m.group(1)
    m = L2_RE.match(line)
    if m:
        return 2, f"（{m.group(1)}）"
    m = L4_RE.match(line)
    if m:
        return 4, f"（{m.group(1)}）"
    m = L3_RE.match(line)
    if m:
        return 3, m.group(1)
    return None


def parse_text(doc_id: str, body: str, line_offset: int = 0) -> list[Clause]:
    clauses: list[Clause] = []
    stack: list[Clause] = []
    current: Clause | None = None
    mode = "normal"  # normal | closing | notes

    def new_clause(labels, level, kind, lineno):
        path = "/".join(labels)
        parent = stack[-1].id if stack and level > 0 else None
        clause = Clause(
            id=f"{doc_id}:{path}", doc=doc_id, path=path, parent=parent,
            ord=len(clauses), depth=len(labels), level=level, labels=list(labels),
            kind=kind, line_start=lineno,
        )
        clauses.append(clause)
        return clause

    for index, line in enumerate(body.split("\n")):
        lineno = index + 1 + line_offset
        stripped = line.strip()
        heading = match_heading(stripped) if stripped else None
        if heading and mode != "normal":
            # only an attachment ends a closing block; a part heading also ends notes
            if heading[0] == 0 or (mode == "notes" and heading[0] == 1):
                mode = "normal"
            else:
                heading = None
        if stripped and not heading and CLOSING_RE.match(stripped) and mode == "normal":
            stack.clear()
            current = new_clause([CLOSING], 0, "closing", lineno)
            mode = "closing"
        elif heading:
            level, label = heading
            while stack and stack[-1].level >= level:
                stack.pop()
            labels = (stack[-1].labels if stack else []) + [label]
            current = new_clause(labels, level, "attachment" if level == 0 else "heading", lineno)
            stack.append(current)
        elif current is None:
            if not stripped:
                continue
            current = new_clause([INTRO], 0, "intro", lineno)
        if stripped and mode == "normal" and NOTES_RE.match(stripped):
            mode = "notes"
        current.lines.append(line)
        if stripped:
            current.line_end = lineno
    return clauses


def parse_file(path: Path) -> Document:
    raw = Path(path).read_text(encoding="utf-8")
    meta, body, offset = split_front_matter(raw)
    return Document(meta=meta, body=body, clauses=parse_text(meta["id"], body, offset))


def heading_title(text: str, limit: int = 40) -> str:
    """Short heading: first line without its marker, cut at the first full stop/colon."""
    first = text.split("\n", 1)[0].strip()
    level = match_heading(first)
    if level:
        for regex in (ATTACHMENT_RE, L1_RE, L2_RE, L4_RE, L3_RE):
            m = regex.match(first)
            if m:
                first = first[m.end():].strip()
                break
    cut = re.split(r"[。：:；]", first, maxsplit=1)[0]
    if len(cut) > limit:
        cut = cut[:limit] + "…"
    return cut


LEVEL_LABELS = {1: "第{}部分", 2: "第{}项", 3: "第{}条", 4: "第{}目"}


def human_label(short_title: str, clause: Clause) -> str:
    parts = []
    for depth, label in enumerate(clause.labels):
        if label in (INTRO, CLOSING) or label.startswith("附件"):
            parts.append(label)
            continue
        level = _level_of(label, depth, clause)
        parts.append(LEVEL_LABELS[level].format(label))
    return f"《{short_title}》" + "".join(parts)


def _level_of(label: str, depth: int, clause: Clause) -> int:
    if label.startswith("（"):
        return 2 if label[1] in CN_NUM else 4
    if label[0] in CN_NUM:
        return 1
    return 3
