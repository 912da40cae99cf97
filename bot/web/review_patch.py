"""Linked review-queue questions as new phrasings of answer points: a reviewed patch.

Each question an officer linked to an answer point (or to a clause a point cites) is added
under that point's ``questions:`` in ``policy_kb/answers/<topic>.yml``. The result is a
unified diff against the data files as they are, to be read and applied by a person
(``git apply``); ``make run`` then rebuilds the knowledge base and retrains the model.
The files themselves are never written here.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.web.unanswered import normalise_text

_ITEM = re.compile(r"^(\s*)-\s")


@dataclass
class PointFile:
    path: Path
    lines: list[str]
    points: dict[str, dict]   # id -> point as loaded


@dataclass
class Patch:
    diff: str
    added: list[dict] = field(default_factory=list)     # {text, point, file}
    skipped: list[dict] = field(default_factory=list)   # {text, reason}


def load_files(answers_dir: Path) -> dict[str, PointFile]:
    files = {}
    for path in sorted(Path(answers_dir).glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        points = {p["id"]: p for p in data.get("points") or [] if isinstance(p, dict) and p.get("id")}
        files[path.name] = PointFile(path, text.splitlines(keepends=True), points)
    return files


def point_for_clause(files: dict[str, PointFile], clause: str) -> str | None:
    """The first point citing ``clause`` (or a clause under it)."""
    for f in files.values():
        for pid, p in f.points.items():
            for cited in p.get("cites") or []:
                if cited == clause or str(cited).startswith(clause + "/"):
                    return pid
    return None


def _yaml_item(text: str, indent: str) -> str:
    dumped = yaml.safe_dump([text], allow_unicode=True, width=10_000).rstrip("\n")
    return indent + dumped + "\n"


def _insert(lines: list[str], point_id: str, texts: list[str]) -> list[str]:
    """Insert list items after the last phrasing of ``point_id``'s ``questions:``."""
    start = next((i for i, line in enumerate(lines)
                  if re.match(rf"^\s*-?\s*id:\s*['\"]?{re.escape(point_id)}['\"]?\s*$", line)), None)
    if start is None:
        raise KeyError(point_id)
    q = next((i for i in range(start + 1, len(lines)) if re.match(r"^\s*questions:\s*$", lines[i])), None)
    if q is None or any(re.match(r"^\s*-\s*id:", line) for line in lines[start + 1:q]):
        raise KeyError(point_id)   # no questions: list of its own
    last, indent = q, None
    for i in range(q + 1, len(lines)):
        m = _ITEM.match(lines[i])
        if m and (indent is None or m.group(1) == indent):
            indent, last = m.group(1), i
            continue
        if lines[i].strip() == "" or (indent is not None and lines[i].startswith(indent + "  ")):
            continue
        break
    if indent is None:
        q_indent = re.match(r"^(\s*)", lines[q]).group(1)
        indent = q_indent + "  "
    new = [_yaml_item(t, indent) for t in texts]
    return lines[:last + 1] + new + lines[last + 1:]


def build_patch(linked: list[dict], answers_dir: Path, prefix: str = "policy_kb/answers") -> Patch:
    """``linked``: [{text, point, clause}]; a clause without a point goes to the first point
    citing it. Questions a point already has (same normalised text) are skipped."""
    files = load_files(answers_dir)
    file_of = {pid: name for name, f in files.items() for pid in f.points}
    per_file: dict[str, dict[str, list[str]]] = {}
    patch = Patch(diff="")
    for item in linked:
        text = " ".join(str(item.get("text") or "").split())
        point = item.get("point") or (point_for_clause(files, item["clause"]) if item.get("clause") else None)
        if not text:
            continue
        if not point or point not in file_of:
            patch.skipped.append({"text": text, "reason": f"条款 {item.get('clause')} 没有对应的答复要点"
                                  if item.get("clause") and not point else f"没有答复要点 {point}"})
            continue
        known = {normalise_text(str(q)) for q in files[file_of[point]].points[point].get("questions") or []}
        pending = per_file.setdefault(file_of[point], {}).setdefault(point, [])
        if normalise_text(text) in known or normalise_text(text) in {normalise_text(t) for t in pending}:
            patch.skipped.append({"text": text, "reason": f"答复要点 {point} 已有这个问法"})
            continue
        pending.append(text)
        patch.added.append({"text": text, "point": point, "file": f"{prefix}/{file_of[point]}"})
    chunks = []
    for name, points in per_file.items():
        old = files[name].lines
        new = old
        for point, texts in points.items():
            if texts:
                new = _insert(new, point, texts)
        if new == old:
            continue
        check = yaml.safe_load("".join(new)) or {}   # the patched file must still load, with the phrasings in
        loaded = {p["id"]: p for p in check.get("points") or []}
        for point, texts in points.items():
            assert all(t in loaded[point]["questions"] for t in texts), (name, point)
        chunks.append("".join(difflib.unified_diff(old, new, fromfile=f"a/{prefix}/{name}", tofile=f"b/{prefix}/{name}")))
    patch.diff = "".join(chunks)
    return patch
