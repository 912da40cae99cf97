"""Build the SQLite knowledge base from the sources, and check the sources.

``build()`` writes ``var/policy_kb.sqlite`` (or ``$POLICY_KB_DB``) atomically;
``check()`` returns a list of problems (empty = all good) plus notes.
"""
from __future__ import annotations

import calendar
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
import yaml

from . import answer_points, paths, text
from .parser import CLOSING, INTRO, Document, human_label, heading_title, match_heading, parse_file

PHONE_RE = re.compile(r"0\d{3}-\d{7,8}")
DATE_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
SCHEDULE_DATE_RE = re.compile(r"^(\d{1,2})月(\d{1,2})日$")
# Errata kinds whose "original" text was replaced by "corrected" in the project copy.
APPLIED_KINDS = {"artefact", "spacing", "page_break", "page_edge_repeat", "page_edge_loss",
                 "stray_word", "markup", "heading_number", "correction"}
# Errata kinds that document the seeds without changing the project copy.
RECORD_KINDS = {"variant", "missing_text", "noted"}
# topic keyword rules look at real headings only (a lead phrase this short or shorter)
RULE_HEADING_MAX = 24


# --------------------------------------------------------------------------- loading

class BuildError(Exception):
    """The sources or data do not hold together; the message names each problem."""


def load_documents(sources_dir: Path | None = None) -> list[Document]:
    sources_dir = Path(sources_dir or paths.sources_dir())
    docs = [parse_file(p) for p in sorted(sources_dir.glob("*.txt"))]
    return sorted(docs, key=doc_sort_key)


def doc_sort_key(doc) -> tuple:
    meta = doc.meta if isinstance(doc, Document) else doc
    return (int(meta.get("year") or 0), str(meta.get("date") or ""), meta["id"])


def load_yaml(path: Path) -> dict:
    if not Path(path).exists():
        return {}
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def load_errata(path: Path | None = None) -> list[dict]:
    data = load_yaml(path or paths.errata_path())
    rows = data.get("errata", []) if isinstance(data, dict) else data
    return [dict(row) for row in rows or []]


# --------------------------------------------------------------------------- tables

def materials_rows(doc: Document, clause_id: str, clause_text: str) -> tuple[list[dict], list[dict]]:
    """Rows of the 材料目录单 table and its 说明 lines."""
    lines = [l.strip() for l in clause_text.split("\n") if l.strip()]
    rows, notes = [], []
    try:
        start = lines.index("数量") + 1
    except ValueError:
        return rows, notes
    i = start
    note_lines = []
    while i < len(lines):
        line = lines[i]
        if line.startswith("说明"):
            note_lines = lines[i:]
            break
        if line.isdigit() and i + 1 < len(lines) and not lines[i + 1].isdigit():
            rows.append({"no": int(line), "item": lines[i + 1]})
            i += 2
            continue
        i += 1
    for raw in note_lines:
        m = re.match(r"^(?:说明\s*[：:])?\s*(\d+)\s*[.．、]\s*(.*)$", raw)
        if m:
            notes.append({"no": int(m.group(1)), "text": m.group(2), "clause": clause_id})
    by_no = {n["no"]: n["text"] for n in notes}
    for row in rows:
        item = row["item"]
        copies = re.search(r"一式\s*(\d+)\s*份", item)
        paper = re.search(r"(A\d)\s*纸", item, re.I)
        is_form = bool(copies)
        row["copies"] = int(copies.group(1)) if copies else None
        row["paper"] = paper.group(1).upper() if paper else None
        if "原件" in item or is_form:
            row["original_or_copy"] = "原件"
        else:
            row["original_or_copy"] = "复印件"
        applicable = [2] if row["original_or_copy"] == "原件" else [2, 3]
        row["notes"] = "；".join(f"说明{n}：{by_no[n]}" for n in applicable if n in by_no) or None
        row["clause"] = clause_id
    return rows, notes


def schedule_rows(doc: Document, clause_id: str, label: str, clause_text: str) -> list[dict]:
    lines = [l.strip() for l in clause_text.split("\n") if l.strip()]
    rows = []
    header = next((i for i, line in enumerate(lines) if line.endswith("审核时间")), len(lines))
    title = "".join(lines[1:header])
    year = doc.meta.get("year")
    for i, line in enumerate(lines[header:], start=header):
        m = SCHEDULE_DATE_RE.match(line)
        if m and i + 1 < len(lines):
            month, day = int(m.group(1)), int(m.group(2))
            units = lines[i + 1]
            rows.append({
                "table": label, "date": line,
                "iso_date": f"{year:04d}-{month:02d}-{day:02d}" if year else None,
                "units": units,
                "unit_list": [u.strip() for u in units.split("、") if u.strip()],
                "clause": clause_id,
            })
    for row in rows:
        row["table_title"] = title
    return rows


# --------------------------------------------------------------------------- topics

def assign_topics(docs: list[Document], topics_cfg: dict) -> dict[str, list[str]]:
    """clause id -> topic ids: hand-assigned lists plus keyword rules on the heading
    (the heading line up to its first full stop or colon)."""
    result: dict[str, list[str]] = {}
    all_ids = {c.id: c for d in docs for c in d.clauses}
    for topic in topics_cfg.get("topics", []):
        tid = topic["id"]
        chosen = set(topic.get("clauses") or [])
        for needle in topic.get("heading_rules") or []:
            for clause in all_ids.values():
                heading = heading_title(clause.text, limit=200)
                if len(heading) <= RULE_HEADING_MAX and needle in heading:
                    chosen.add(clause.id)
        for cid in chosen:
            if cid in all_ids and tid not in result.setdefault(cid, []):
                result[cid].append(tid)
    return result


# --------------------------------------------------------------------------- build

@dataclass
class BuildResult:
    path: Path
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def context_title(clause_text: str, limit: int = 80) -> str:
    """What a clause adds to the search context of the clauses under it: its heading or, for
    an attachment whose first line is only its number ("附件 2"), the title lines below it
    (bt-2021 附件2: "…社会化职称评审申报工作流程", so that its "三、评审流程" is found for
    "社会化评审的流程")."""
    title = heading_title(clause_text)
    if title:
        return title
    rest = [line.strip() for line in clause_text.split("\n")[1:] if line.strip()]
    if len("".join(rest)) <= limit:
        return " ".join(rest)
    return rest[0][:limit] if rest else ""


# A clause with clauses under it and at most this many characters after a short first line
# is only a heading ("三、评审流程：", "附件 2 …工作流程"): what it says is in the clauses under it.
HEADING_ONLY_CHARS = 80
HEADING_LINE_CHARS = 16


def heading_only(clause_text: str, has_children: bool) -> bool:
    lines = clause_text.strip().split("\n")
    first = lines[0].strip()
    body = "".join(line.strip() for line in lines[1:])
    short_first = len(first) <= HEADING_LINE_CHARS or first.endswith(("：", ":"))
    return has_children and short_first and len(body) <= HEADING_ONLY_CHARS


def build(db_file: Path | None = None, sources_dir: Path | None = None,
          topics_file: Path | None = None, errata_file: Path | None = None,
          answers_dir: Path | None = None) -> BuildResult:
    started = time.perf_counter()
    target = Path(db_file or paths.db_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    docs = load_documents(sources_dir)
    topics_cfg = load_yaml(topics_file or paths.topics_path())
    errata = load_errata(errata_file)
    clause_topics = assign_topics(docs, topics_cfg)
    # A notice no point of topics.yml names yet (just ingested): its clauses join the points
    # and topics of the older clauses they align with (policy_kb.align), until curated.
    from .align import extend_points
    topics_cfg = extend_points(docs, topics_cfg, clause_topics)
    points = answer_points.load(answers_dir)
    if sources_dir is not None:
        # Other sources (a notice being brought in): points on notices not among them wait.
        loaded = {d.id for d in docs}
        points = [p for p in points if all(str(c).split(":")[0] in loaded for c in p.get("cites") or [])]
    problems = answer_points.verify(points, {c.id: c.text for d in docs for c in d.clauses})
    if problems:
        raise BuildError("answer points do not hold against their clauses:\n  " + "\n  ".join(problems))

    fd, tmp_name = tempfile.mkstemp(prefix=".policy_kb.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = sqlite_utils.Database(str(tmp), recreate=True)
        _write(db, docs, topics_cfg, errata, clause_topics)
        db["answer_points"].create(answer_points.COLUMNS, pk="id")
        db["answer_points"].insert_all(answer_points.rows(points))
        counts = {name: db[name].count for name in
                  ("documents", "clauses", "topics", "clause_topics", "points", "answer_points", "materials",
                   "material_notes", "schedules", "contacts", "errata")}
        db.execute("PRAGMA journal_mode=DELETE")
        db.conn.commit()
        db.close()
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return BuildResult(path=target, counts=counts, seconds=time.perf_counter() - started)


def _write(db, docs, topics_cfg, errata, clause_topics):
    doc_rows, clause_rows, fts_rows = [], [], []
    material_rows, note_rows, sched_rows, contact_rows = [], [], [], []
    rid = 0
    for order, doc in enumerate(docs):
        meta = doc.meta
        doc_rows.append({
            "id": meta["id"], "ord": order, "title": meta.get("title"),
            "short_title": meta.get("short_title"), "issuer": meta.get("issuer"),
            "number": meta.get("number"), "date": meta.get("date"), "year": meta.get("year"),
            "level": meta.get("level"), "updates": json.dumps(meta.get("updates") or [], ensure_ascii=False),
            "source_files": json.dumps(meta.get("source_files") or [], ensure_ascii=False),
            "title_supplied": bool(meta.get("title_supplied")), "basis": meta.get("basis"),
            "print_date": meta.get("print_date"), "note": meta.get("note"),
        })
        by_id = {c.id: c for c in doc.clauses}
        children: dict[str, list] = {}
        for c in doc.clauses:
            if c.parent:
                children.setdefault(c.parent, []).append(c)

        def full_text(c):
            parts = [c.text] + [full_text(ch) for ch in children.get(c.id, [])]
            return "\n".join(p for p in parts if p)

        for c in doc.clauses:
            rid += 1
            label = human_label(meta["short_title"], c)
            ancestors = []
            p = c.parent
            while p:
                ancestors.append(context_title(by_id[p].text))
                p = by_id[p].parent
            heading = heading_title(c.text)
            clause_rows.append({
                "rid": rid, "id": c.id, "doc": c.doc, "path": c.path, "parent": c.parent,
                "ord": c.ord, "depth": c.depth, "kind": c.kind, "heading": heading,
                "text": c.text, "full_text": full_text(c), "label": label,
                "heading_only": heading_only(c.text, c.id in children),
                "ancestry": " ".join(a for a in ancestors[::-1] if a),
                "match_text": text.squash(text.normalise(c.text)),
                "title": meta.get("title"), "year": meta.get("year"), "doc_ord": order,
                "line_start": c.line_start, "line_end": c.line_end,
            })
            context = " ".join([meta.get("short_title") or ""] + ancestors[::-1])
            fts_rows.append({
                "rowid": rid,
                "words": " ".join(text.search_words(c.text)),
                "chars": " ".join(text.characters(c.text)),
                "context": " ".join(text.search_words(context)),
            })
            if c.kind == "attachment" and "材料目录单" in c.text:
                rows, notes = materials_rows(doc, c.id, c.text)
                material_rows += rows
                note_rows += notes
            elif c.kind == "attachment" and "时间安排表" in c.text:
                sched_rows += schedule_rows(doc, c.id, c.path, c.text)
            for line in c.text.split("\n"):
                for phone in PHONE_RE.findall(line):
                    contact_rows.append({"phone": phone, "clause": c.id, "doc": c.doc,
                                         "label": label, "context": line.strip()})

    db["documents"].insert_all(doc_rows, pk="id")
    db["clauses"].insert_all(clause_rows, pk="rid")
    db["clauses"].create_index(["id"], unique=True)
    db["clauses"].create_index(["doc", "ord"])
    db["clauses"].create_index(["parent"])
    db.execute("CREATE VIRTUAL TABLE clause_fts USING fts5(words, chars, context, "
               "tokenize='unicode61 remove_diacritics 0')")
    db.conn.executemany("INSERT INTO clause_fts(rowid, words, chars, context) VALUES (?,?,?,?)",
                        [(r["rowid"], r["words"], r["chars"], r["context"]) for r in fts_rows])

    topic_rows = []
    for order, t in enumerate(topics_cfg.get("topics", [])):
        topic_rows.append({"id": t["id"], "ord": order, "name": t["name"],
                           "description": t.get("description"),
                           "keywords": json.dumps(t.get("keywords") or [], ensure_ascii=False)})
    db["topics"].insert_all(topic_rows, pk="id")
    db["clause_topics"].insert_all(
        [{"clause": cid, "topic": tid} for cid, tids in clause_topics.items() for tid in tids],
        pk=("clause", "topic"))
    db["clause_topics"].create_index(["topic"])
    point_rows = []
    for order, pt in enumerate(topics_cfg.get("points", [])):
        point_rows.append({"id": pt["id"], "ord": order, "topic": pt["topic"],
                           "name": pt.get("name"),
                           "clauses": json.dumps(pt["clauses"], ensure_ascii=False),
                           "summary": pt.get("summary")})
    db["points"].insert_all(point_rows, pk="id")
    db["materials"].insert_all(material_rows, pk="no")
    db["material_notes"].insert_all(note_rows, pk="no")
    db["schedules"].insert_all(sched_rows)
    db["contacts"].insert_all(contact_rows)
    db["errata"].insert_all([{k: e.get(k) for k in ("doc", "clause", "kind", "original", "corrected", "note")}
                             for e in errata])
    search_cfg = topics_cfg.get("search", {})
    db["settings"].insert_all([{"key": "search", "value": json.dumps(search_cfg, ensure_ascii=False)}],
                              pk="key")
    for name in ("materials", "material_notes", "schedules", "contacts", "errata"):
        if not db[name].exists():
            db[name].create({"clause": str}, )
    db.conn.commit()


# --------------------------------------------------------------------------- check

@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(sources_dir: Path | None = None, seeds_dir: Path | None = None,
          errata_file: Path | None = None, topics_file: Path | None = None,
          answers_dir: Path | None = None) -> CheckReport:
    report = CheckReport()
    try:
        docs = load_documents(sources_dir)
    except Exception as exc:  # malformed source file
        report.problems.append(f"cannot read sources: {exc}")
        return report
    try:
        errata = load_errata(errata_file)
        topics_cfg = load_yaml(topics_file or paths.topics_path())
    except (yaml.YAMLError, OSError) as exc:
        report.problems.append(f"cannot read errata.yml / topics.yml: {exc}")
        return report
    seen_docs = set()
    all_ids: dict[str, str] = {}
    for doc in docs:
        if doc.id in seen_docs:
            report.problems.append(f"duplicate document id {doc.id}")
        seen_docs.add(doc.id)
        _check_metadata(doc, report)
        for c in doc.clauses:
            if c.id in all_ids:
                report.problems.append(f"duplicate clause id {c.id} (lines {all_ids[c.id]} and {c.line_start})")
            all_ids.setdefault(c.id, str(c.line_start))
        _check_coverage(doc, report)
        _check_numbering(doc, report)
        _check_dates(doc, report)
        _check_artefacts(doc, report)
    _check_errata(docs, errata, all_ids, report)
    _check_topics(topics_cfg, all_ids, report)
    try:
        # The answer points quote the project's own sources: checked against them (or against
        # other sources only with answer points of their own).
        if sources_dir is None or answers_dir is not None:
            report.problems += answer_points.verify(answer_points.load(answers_dir),
                                                    {c.id: c.text for d in docs for c in d.clauses})
    except (yaml.YAMLError, OSError) as exc:
        report.problems.append(f"cannot read the answer points: {exc}")
    seeds = Path(seeds_dir) if seeds_dir else paths.seeds_dir()
    if seeds.is_dir():
        for doc in docs:
            _compare_with_seeds(doc, seeds, errata, report)
    else:
        report.notes.append(f"seed texts not found at {seeds}: comparison with the seeds skipped")
    return report


def _check_metadata(doc: Document, report: CheckReport) -> None:
    meta = doc.meta
    for key in ("id", "title", "short_title", "year", "level", "source_files"):
        if meta.get(key) in (None, "", []):
            report.problems.append(f"{doc.id}: metadata '{key}' missing")
    if meta.get("level") not in ("市", "自治区"):
        report.problems.append(f"{doc.id}: level must be 市 or 自治区")
    for key in ("title", "short_title"):
        if re.search(r"\s", str(meta.get(key) or "")):
            report.problems.append(f"{doc.id}: white space inside {key}")


def _check_coverage(doc: Document, report: CheckReport) -> None:
    assembled = text.squash("".join(c.text for c in doc.clauses))
    body = text.squash(doc.body)
    if assembled != body:
        pos = next((i for i, (a, b) in enumerate(zip(assembled, body)) if a != b),
                   min(len(assembled), len(body)))
        report.problems.append(f"{doc.id}: text belongs to no clause near «{body[max(0, pos - 10):pos + 20]}»")
    for c in doc.clauses:
        if not c.text:
            report.problems.append(f"{c.id}: empty clause")


def _check_numbering(doc: Document, report: CheckReport) -> None:
    """Siblings of one kind must be numbered 1, 2, 3 … without gaps or repeats."""
    from .parser import CN_NUM

    def value(label: str):
        core = label.strip("（）")
        if core.startswith("附件"):
            core = core[2:]
        if core.isdigit():
            return int(core)
        if all(ch in CN_NUM for ch in core):
            if core == "十":
                return 10
            if core.startswith("十"):
                return 10 + CN_NUM.index(core[1]) + 1
            if len(core) == 1:
                return CN_NUM.index(core) + 1
            if len(core) == 2 and core[1] == "十":
                return (CN_NUM.index(core[0]) + 1) * 10
            if len(core) == 3 and core[1] == "十":
                return (CN_NUM.index(core[0]) + 1) * 10 + CN_NUM.index(core[2]) + 1
        return None

    groups: dict[tuple, list] = {}
    for c in doc.clauses:
        label = c.labels[-1]
        if label in (INTRO, CLOSING):
            continue
        kind = ("附件" if label.startswith("附件") else "（" if label.startswith("（") else "") + \
               ("d" if label.strip("（）附件").isdigit() else "c")
        groups.setdefault((c.parent, kind), []).append((value(label), c))
    for (parent, _), items in groups.items():
        expected = 1 if not items[0][1].labels[-1].startswith("附件") else items[0][0]
        for number, c in items:
            if number != expected:
                report.problems.append(f"{c.id}: heading number out of sequence (expected {expected}), line {c.line_start}")
                break
            expected += 1


def _check_dates(doc: Document, report: CheckReport) -> None:
    doc_year = doc.meta.get("year")
    for c in doc.clauses:
        for m in DATE_RE.finditer(c.text):
            year = int(m.group(1)) if m.group(1) else (doc_year or 2000)
            month, day = int(m.group(2)), int(m.group(3))
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
                report.problems.append(f"{c.id}: impossible date «{m.group(0)}»")


ARTEFACT_PATTERNS = [
    (re.compile(r"\[bookmark:[^\]]*\]|_GoBack"), "word-processor bookmark artefact"),
    (re.compile(r"[\u4e00-\u9fff]\s*\b(?:and|or|the|of)\b\s*[\u4e00-\u9fff]"), "English word inside Chinese"),
    (re.compile(r"^\s*[-*•]\s+\S", re.M), "markdown bullet"),
    (re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])"), "single stray space between Chinese characters"),
]


def _check_artefacts(doc: Document, report: CheckReport) -> None:
    for pattern, what in ARTEFACT_PATTERNS:
        for m in pattern.finditer(doc.body):
            line = doc.body.count("\n", 0, m.start()) + 1
            report.problems.append(f"{doc.id}: {what} «{m.group(0).strip()}» (body line {line}); repair it and record an erratum")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", doc.body) if b.strip()]
    for prev, nxt in zip(blocks, blocks[1:]):
        last = prev.split("\n")[-1].strip()
        first = nxt.split("\n")[0].strip()
        if match_heading(last) and len(prev.split("\n")) == 1:
            continue  # a heading line on its own
        if len(last) >= 40 and re.search(r"[\u4e00-\u9fff、，,（(]$", last) and not match_heading(first) \
                and not first.startswith(("附件", "说明")) and not SCHEDULE_DATE_RE.match(first):
            report.problems.append(f"{doc.id}: sentence split over a blank line «…{last[-12:]}|{first[:12]}…»")
        for n in (4, 3, 2):
            if len(last) >= n and first.startswith(last[-n:]) and re.match(r"[\u4e00-\u9fff]{%d}" % n, last[-n:]):
                report.problems.append(f"{doc.id}: text repeated at a page edge «{last[-n:]}»")
                break


def _check_errata(docs, errata, all_ids, report: CheckReport) -> None:
    doc_ids = {d.id for d in docs}
    clause_text = {c.id: text.squash(c.text) for d in docs for c in d.clauses}
    clause_raw = {c.id: "\n".join(c.lines) for d in docs for c in d.clauses}
    for i, e in enumerate(errata, start=1):
        where = f"errata #{i} ({e.get('doc')}, {e.get('clause')})"
        for key in ("doc", "clause", "kind", "note"):
            if not e.get(key):
                report.problems.append(f"{where}: field '{key}' missing")
        if e.get("doc") not in doc_ids:
            report.problems.append(f"{where}: unknown document")
            continue
        if e.get("clause") not in all_ids:
            report.problems.append(f"{where}: unknown clause")
            continue
        kind = e.get("kind")
        if kind not in APPLIED_KINDS | RECORD_KINDS:
            report.problems.append(f"{where}: unknown kind {kind!r}")
            continue
        body = clause_text[e["clause"]]
        if kind in APPLIED_KINDS or kind == "variant":
            corrected = text.squash(e.get("corrected") or "")
            if corrected and corrected not in body:
                report.problems.append(f"{where}: corrected text «{e.get('corrected')}» not in the clause")
        original = e.get("original") or ""
        if kind in APPLIED_KINDS and text.squash(original):
            if text.squash(original) != text.squash(e.get("corrected") or ""):
                still_there = text.squash(original) in body
            else:  # a white-space repair: compare with white space folded
                still_there = _fold(original) in _fold(clause_raw[e["clause"]])
            if still_there:
                report.problems.append(f"{where}: original text «{original}» still in the clause")


def _fold(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _check_topics(topics_cfg: dict, all_ids, report: CheckReport) -> None:
    topic_ids = set()
    for t in topics_cfg.get("topics", []) or []:
        topic_ids.add(t.get("id"))
        for cid in t.get("clauses") or []:
            if cid not in all_ids:
                report.problems.append(f"topics.yml: topic {t.get('id')} names unknown clause {cid}")
    point_ids = set()
    for p in topics_cfg.get("points", []) or []:
        if p.get("id") in point_ids:
            report.problems.append(f"topics.yml: duplicate point id {p.get('id')}")
        point_ids.add(p.get("id"))
        if p.get("topic") not in topic_ids:
            report.problems.append(f"topics.yml: point {p.get('id')} has unknown topic {p.get('topic')}")
        for cid in p.get("clauses") or []:
            if cid not in all_ids:
                report.problems.append(f"topics.yml: point {p.get('id')} names unknown clause {cid}")


def _seed_text(doc: Document, seeds: Path) -> str | None:
    parts = doc.meta.get("seed_parts") or [{"file": f} for f in doc.meta.get("source_files") or []]
    chunks = []
    for part in parts:
        path = seeds / part["file"]
        if not path.exists():
            return None
        lines = path.read_text(encoding="utf-8").split("\n")
        start = int(part.get("from_line") or 1)
        end = int(part.get("to_line") or len(lines))
        chunks.append("\n".join(lines[start - 1:end]))
    return "\n".join(chunks)


def _compare_with_seeds(doc: Document, seeds: Path, errata, report: CheckReport) -> None:
    seed = _seed_text(doc, seeds)
    if seed is None:
        report.notes.append(f"{doc.id}: seed file(s) {doc.meta.get('source_files')} not found: comparison skipped")
        return
    whole_seeds = "".join(text.squash((seeds / f).read_text(encoding="utf-8"))
                          for f in doc.meta.get("source_files") or [] if (seeds / f).exists())
    expected = text.squash(seed)
    for e in errata:
        if e.get("doc") != doc.id:
            continue
        original = text.squash(e.get("original") or "")
        if original and original not in whole_seeds:
            report.problems.append(f"errata ({doc.id}, {e.get('clause')}): original «{e.get('original')}» is not in the seed text")
        if e.get("kind") in APPLIED_KINDS and original:
            expected = expected.replace(original, text.squash(e.get("corrected") or ""), 1)
    actual = text.squash(doc.body)
    if expected != actual:
        pos = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b),
                   min(len(expected), len(actual)))
        report.problems.append(
            f"{doc.id}: project copy differs from the seed text without a recorded erratum: "
            f"seed «{expected[max(0, pos - 8):pos + 16]}» vs copy «{actual[max(0, pos - 8):pos + 16]}»")
