"""Heading numbers of a pasted notice: gaps in a sequence, markers that lost their number.

``fill_gaps`` restores a number where the marker survived without it ("（）疫情防控…" between
（六） and （八）) and names, line by line, what it cannot place when a heading lost its
marker altogether: those lines stay (nothing is dropped) in the clause above the gap.
"""
from __future__ import annotations

import re

from .parser import CLOSING, INTRO, match_heading, parse_text
from .repair import Finding, Repair, cn_number, label_value

EMPTY_MARKERS = {
    "c": re.compile(r"^(\s*)、"),                 # 一、
    "（c": re.compile(r"^(\s*)[（(]\s*[）)]"),     # （一）
    "d": re.compile(r"^(\s*)[.．、](?!\d)"),        # 1.
    "（d": re.compile(r"^(\s*)[（(]\s*[）)]"),     # （1）
}


def _kind(label: str) -> str:
    core = label.strip("（）")
    if label.startswith("附件"):
        return "附件"
    return ("（" if label.startswith("（") else "") + ("d" if core.isdigit() else "c")


def _label(kind: str, value: int) -> str:
    number = str(value) if kind.endswith("d") else cn_number(value)
    if kind.startswith("（"):
        return f"（{number}）"
    return number + ("、" if kind == "c" else ".")


def _groups(clauses) -> dict:
    groups: dict[tuple, list] = {}
    for c in clauses:
        label = c.labels[-1]
        if label in (INTRO, CLOSING):
            continue
        groups.setdefault((c.parent, _kind(label)), []).append(c)
    return groups


def _gaps(clauses):
    """(kind, missing values, clause before the gap or None, parent, clause after the gap)."""
    by_id = {c.id: c for c in clauses}
    for (parent, kind), items in _groups(clauses).items():
        expected = label_value(items[0].labels[-1]) if kind == "附件" else 1
        previous = None
        for c in items:
            value = label_value(c.labels[-1])
            if value is not None and expected is not None and value > expected:
                yield kind, list(range(expected, value)), previous, by_id.get(parent), c
            expected = (value or 0) + 1
            previous = c


def _region(lines: list[str], clauses, previous, parent, after) -> range:
    """Body line indexes (0-based) where a heading missing before ``after`` must be."""
    start = (previous or parent).line_start if (previous or parent) else 1
    return range(start, after.line_start - 1)  # lines after the previous heading line


def fill_gaps(doc_id: str, body: str, line_map: list[int]) -> tuple[str, list[Repair], list[Finding]]:
    repairs: list[Repair] = []
    findings: list[Finding] = []
    for _ in range(50):  # each pass restores one number and parses again
        lines = body.split("\n")
        clauses = parse_text(doc_id, body)
        restored = False
        for kind, missing, previous, parent, after in _gaps(clauses):
            if kind not in EMPTY_MARKERS:
                continue
            region = _region(lines, clauses, previous, parent, after)
            marked = [i for i in region if EMPTY_MARKERS[kind].match(lines[i])]
            if len(marked) == len(missing):
                i, value = marked[0], missing[0]
                old = lines[i]
                m = EMPTY_MARKERS[kind].match(old)
                new = m.group(1) + _label(kind, value) + old[m.end():]
                lines[i] = new
                repairs.append(Repair("heading_number", _input_line(line_map, i), old.strip()[:16],
                                      new.strip()[:16 + len(new) - len(old)],
                                      f"标题编号缺失，按前后编号补为“{_label(kind, value)}”。"))
                body = "\n".join(lines)
                restored = True
                break
        if not restored:
            break
    lines = body.split("\n")
    clauses = parse_text(doc_id, body)
    for kind, missing, previous, parent, after in _gaps(clauses):
        names = "、".join(_label(kind, v).rstrip("、.") for v in missing)
        holder = previous or parent
        where = holder.id if holder else "导语"
        findings.append(Finding(
            _input_line(line_map, after.line_start - 1), lines[after.line_start - 1].strip()[:30],
            f"标题编号“{names}”缺失（在“{after.labels[-1]}”之前）：找不到它从哪一行开始，"
            f"下列各行暂归入 {where}，请核对原文后补上编号"))
        for i in _region(lines, clauses, previous, parent, after):
            if lines[i].strip() and not match_heading(lines[i].strip()):
                findings.append(Finding(_input_line(line_map, i), lines[i].strip()[:40],
                                        f"无法确定归属（可能属于缺失的“{names}”），暂归入 {where}"))
    return body, repairs, findings


def _input_line(line_map: list[int], index: int) -> int:
    """Input line number of a body line (0-based index)."""
    if not line_map:
        return index + 1
    return line_map[min(index, len(line_map) - 1)]
