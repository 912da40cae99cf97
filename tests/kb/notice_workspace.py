"""A temporary copy of the knowledge base's data without bt-2024, and the bt-2024 text as it
was pasted (its front matter and the repairs recorded in errata.yml undone), for the tests of
`python -m policy_kb ingest|changes|review`. Nothing here writes to policy_kb/."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from policy_kb import paths
from policy_kb.build import APPLIED_KINDS, load_errata
from policy_kb.parser import parse_text, split_front_matter

NEW = "bt-2024"


def source_of(doc: str) -> tuple[dict, str]:
    meta, body, _ = split_front_matter((paths.sources_dir() / f"{doc}.txt").read_text(encoding="utf-8"))
    return meta, body


def pasted_text(doc: str = NEW) -> tuple[dict, str]:
    """(front matter, body with every applied erratum undone inside its own clause)."""
    meta, body = source_of(doc)
    lines = body.split("\n")
    clauses = {c.id: c for c in parse_text(doc, body)}
    edits = []
    for e in load_errata():
        if e["doc"] != doc or e["kind"] not in APPLIED_KINDS:
            continue
        c = clauses[e["clause"]]
        start = sum(len(l) + 1 for l in lines[: c.line_start - 1])
        end = sum(len(l) + 1 for l in lines[: c.line_start - 1 + len(c.lines)])
        pos = body.find(e["corrected"], start, end)
        assert pos >= 0, e
        edits.append((pos, pos + len(e["corrected"]), e["original"]))
    for a, b, original in sorted(edits, reverse=True):
        body = body[:a] + original + body[b:]
    return meta, body


def make_workspace(root: Path, without: str = NEW) -> Path:
    """policy_kb data without one notice: sources, errata, topics (its clause ids removed from
    the topic lists and points), rules, materials and answers as they are."""
    package = paths.package_dir()
    (root / "sources").mkdir(parents=True)
    for path in paths.sources_dir().glob("*.txt"):
        if path.stem != without:
            shutil.copy(path, root / "sources" / path.name)
    for name in ("rules", "answers"):
        if (package / name).is_dir():
            shutil.copytree(package / name, root / name)
    shutil.copy(package / "materials.yml", root / "materials.yml")
    errata = yaml.safe_load(paths.errata_path().read_text(encoding="utf-8"))
    errata["errata"] = [e for e in errata["errata"] if e["doc"] != without]
    (root / "errata.yml").write_text(yaml.safe_dump(errata, allow_unicode=True, sort_keys=False), encoding="utf-8")
    topics = yaml.safe_load(paths.topics_path().read_text(encoding="utf-8"))
    for t in topics["topics"]:
        t["clauses"] = [c for c in t.get("clauses") or [] if not c.startswith(without + ":")]
    for p in topics["points"]:
        p["clauses"] = [c for c in p["clauses"] if not c.startswith(without + ":")]
    (root / "topics.yml").write_text(yaml.safe_dump(topics, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def ingest_args(meta: dict, file: Path, root: Path) -> list[str]:
    """`ingest` arguments as a policy officer would type them, from the notice's own metadata."""
    args = ["ingest", str(file), "--root", str(root), "--id", meta["id"], "--title", meta["title"],
            "--short-title", meta["short_title"], "--issuer", meta["issuer"], "--date", str(meta["date"]),
            "--level", meta["level"]]
    if meta.get("updates"):
        args += ["--updates", ",".join(meta["updates"])]
    if meta.get("basis"):
        args += ["--basis", meta["basis"]]
    return args
