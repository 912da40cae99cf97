"""Read-only access to the built knowledge base (see docs/contracts.md)."""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from . import paths, search as searchlib

_DOC_FIELDS = ("id", "title", "short_title", "issuer", "number", "date", "year", "level",
               "updates", "source_files", "title_supplied", "basis", "print_date", "note")
_CLAUSE_FIELDS = ("id", "doc", "path", "parent", "ord", "depth", "kind", "heading", "text",
                  "full_text", "heading_only", "ancestry", "label", "title", "year", "line_start", "line_end")


def normalise_id(clause_id: str) -> str:
    """Ids always use full-width parentheses; accept half-width ones and stray spaces."""
    return "".join(clause_id.split()).replace("(", "（").replace(")", "）")


class KBNotBuilt(FileNotFoundError):
    """The SQLite file is missing; run ``python -m policy_kb build``."""


REOPEN_CHECK_SECONDS = 1.0   # how often a running process looks whether the file was replaced


def _file_state(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class KB:
    def __init__(self, path: str | Path | None = None, auto_build: bool = True):
        self.path = Path(path) if path else paths.db_path()
        if not self.path.exists():
            if not auto_build:
                raise KBNotBuilt(f"{self.path} not found: run `python -m policy_kb build`")
            from .build import build
            build(self.path)
        self._lock = threading.Lock()
        self._state = _file_state(self.path)
        self._checked = time.monotonic()
        self._broken = ""            # why the file on disk cannot be used ("" = fine)
        self._conn = self._connect()
        self._load()

    # ------------------------------------------------------------------ setup
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        return conn

    def _rows(self, sql: str, params=()) -> list[dict]:
        self._reopen_if_replaced()
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    def _reopen_if_replaced(self, force: bool = False) -> None:
        """A rebuilt, restored or damaged file is noticed within REOPEN_CHECK_SECONDS: a
        readable new file is opened (and the cached data reloaded); an unreadable one keeps
        the old connection and is reported by ``health()``."""
        now = time.monotonic()
        if not force and now - self._checked < REOPEN_CHECK_SECONDS:
            return
        self._checked = now
        state = _file_state(self.path)
        if state == self._state:
            return
        self._state = state
        try:
            conn = self._connect()
            conn.execute("SELECT count(*) FROM documents").fetchone()
            conn.execute("SELECT id FROM clauses LIMIT 1").fetchone()
        except sqlite3.Error as exc:
            self._broken = f"{self.path}: {exc}"
            return
        with self._lock:
            old, self._conn = self._conn, conn
        try:
            self._load()
            self._broken = ""
        except sqlite3.Error as exc:
            self._broken = f"{self.path}: {exc}"
        old.close()

    def version(self) -> tuple | None:
        """The state of the file now open (device, inode, size, mtime): it changes when the KB
        is rebuilt or restored, so caches over its data can tell they are stale."""
        self._reopen_if_replaced()
        return self._state

    def health(self) -> dict:
        """Checks the file for real: SQLite's quick_check, and a known clause (the first of
        the newest notice, found when the file was opened) read back with its text.
        ``{"ok": bool, "detail": str}``."""
        self._reopen_if_replaced(force=True)
        if self._broken:
            return {"ok": False, "detail": self._broken}
        if _file_state(self.path) is None:
            return {"ok": False, "detail": f"{self.path} is missing"}
        try:
            with self._lock:
                (check,) = self._conn.execute("PRAGMA quick_check").fetchone()
                row = self._conn.execute("SELECT text FROM clauses WHERE id = ?",
                                         (self._known_clause,)).fetchone()
        except sqlite3.Error as exc:
            return {"ok": False, "detail": f"{self.path}: {exc}"}
        if check != "ok":
            return {"ok": False, "detail": f"quick_check: {check}"}
        if row is None or not (row["text"] or "").strip():
            return {"ok": False, "detail": f"clause {self._known_clause} not readable"}
        return {"ok": True, "detail": f"quick_check ok; {self._known_clause} readable"}

    def _load(self) -> None:
        self._docs = {}
        for row in self._rows("SELECT * FROM documents ORDER BY ord"):
            row["updates"] = json.loads(row["updates"] or "[]")
            row["source_files"] = json.loads(row["source_files"] or "[]")
            row["title_supplied"] = bool(row["title_supplied"])
            self._docs[row["id"]] = row
        self._doc_order = {d: r["ord"] for d, r in self._docs.items()}
        self._topics = []
        for row in self._rows("SELECT * FROM topics ORDER BY ord"):
            row["keywords"] = json.loads(row["keywords"] or "[]")
            self._topics.append(row)
        self._clause_topics: dict[str, list[str]] = {}
        order = {t["id"]: i for i, t in enumerate(self._topics)}
        for row in self._rows("SELECT clause, topic FROM clause_topics"):
            self._clause_topics.setdefault(row["clause"], []).append(row["topic"])
        for topics in self._clause_topics.values():
            topics.sort(key=lambda t: order.get(t, 99))
        self._points = []
        for row in self._rows("SELECT * FROM points ORDER BY ord"):
            row["clauses"] = json.loads(row["clauses"])
            self._points.append(row)
        self._answer_points = {}
        if self._rows("SELECT name FROM sqlite_master WHERE name = 'answer_points'"):
            for row in self._rows("SELECT * FROM answer_points ORDER BY ord"):
                for key in ("cites", "questions", "scope", "holds"):
                    row[key] = json.loads(row[key] or "null")
                row["table"] = row.pop("tbl")
                self._answer_points[row["id"]] = row
        settings = {r["key"]: json.loads(r["value"]) for r in self._rows("SELECT key, value FROM settings")}
        self._search_config = searchlib.SearchConfig.from_settings(settings.get("search", {}), self._topics)
        self._max_ord = max(self._doc_order.values(), default=0)
        known = self._rows_unchecked("SELECT id FROM clauses WHERE text != '' ORDER BY doc_ord DESC, ord LIMIT 1")
        self._known_clause = known[0]["id"] if known else ""

    def _rows_unchecked(self, sql: str, params=()) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ documents
    def document(self, doc_id: str) -> dict | None:
        doc = self._docs.get(doc_id)
        return {k: doc[k] for k in _DOC_FIELDS} if doc else None

    def documents(self) -> list[dict]:
        return [{k: d[k] for k in _DOC_FIELDS} for d in self._docs.values()]

    def latest_document(self, level: str | None = None) -> dict | None:
        docs = [d for d in self.documents() if level is None or d["level"] == level]
        return docs[-1] if docs else None

    # ------------------------------------------------------------------ clauses
    def _clause_dict(self, row: dict) -> dict:
        out = {k: row[k] for k in _CLAUSE_FIELDS}
        out["heading_only"] = bool(out["heading_only"])
        out["topics"] = list(self._clause_topics.get(row["id"], []))
        return out

    def clause(self, clause_id: str) -> dict | None:
        if not isinstance(clause_id, str):
            return None
        rows = self._rows("SELECT * FROM clauses WHERE id = ?", (normalise_id(clause_id),))
        return self._clause_dict(rows[0]) if rows else None

    def children(self, clause_id: str) -> list[dict]:
        if not isinstance(clause_id, str):
            return []
        rows = self._rows("SELECT * FROM clauses WHERE parent = ? ORDER BY ord", (normalise_id(clause_id),))
        return [self._clause_dict(r) for r in rows]

    def clauses(self, doc: str | None = None) -> list[dict]:
        if doc:
            rows = self._rows("SELECT * FROM clauses WHERE doc = ? ORDER BY ord", (doc,))
        else:
            rows = self._rows("SELECT * FROM clauses ORDER BY doc_ord, ord")
        return [self._clause_dict(r) for r in rows]

    # ------------------------------------------------------------------ search
    def search(self, query, limit: int = 5, topic: str | None = None, doc: str | None = None,
               year: int | None = None) -> list[dict]:
        try:
            limit = max(0, min(int(limit), 100))
        except (TypeError, ValueError):
            limit = 5
        if limit == 0:
            return []
        q = searchlib.analyse(query, self._search_config)
        expression = searchlib.match_expression(q)
        if not expression:
            return []
        sql = ("SELECT c.id, c.doc, c.label, c.title, c.heading, c.text, c.year, c.doc_ord, c.ord, c.kind, c.match_text, "
               "bm25(clause_fts, ?, ?, ?) AS bm25 FROM clause_fts JOIN clauses c ON c.rid = clause_fts.rowid "
               "WHERE clause_fts MATCH ?")
        params: list = [*searchlib.BM25_WEIGHTS, expression]
        if doc:
            sql += " AND c.doc = ?"
            params.append(doc)
        if year is not None:
            sql += " AND c.year = ?"
            params.append(year)
        if topic:
            sql += " AND c.id IN (SELECT clause FROM clause_topics WHERE topic = ?)"
            params.append(topic)
        sql += " ORDER BY bm25 LIMIT ?"
        params.append(searchlib.CANDIDATES)
        try:
            rows = self._rows(sql, params)
        except sqlite3.OperationalError:
            return []      # an expression FTS5 still rejects: treat as no match
        ranked = searchlib.rerank(q, rows, self._clause_topics,
                                  latest_ord=self._max_ord, max_ord=self._max_ord)[:limit]
        terms = q.terms
        return [{
            "id": r["id"], "doc": r["doc"], "label": r["label"], "title": r["title"],
            "heading": r["heading"], "year": r["year"], "text": r["text"],
            "snippet": searchlib.snippet(r["text"], terms), "score": r["score"],
            "topics": list(self._clause_topics.get(r["id"], [])),
        } for r in ranked]

    def query_topics(self, query) -> list[str]:
        """Topic ids whose keywords occur in ``query`` (for callers that route by topic)."""
        return searchlib.analyse(query, self._search_config).topics

    # ------------------------------------------------------------------ topics and links
    def topics(self) -> list[dict]:
        return [{"id": t["id"], "name": t["name"], "keywords": list(t["keywords"])} for t in self._topics]

    def history(self, topic: str) -> list[dict]:
        if topic not in {t["id"] for t in self._topics}:
            return []
        rows = self._rows(
            "SELECT c.* FROM clauses c JOIN clause_topics t ON t.clause = c.id "
            "WHERE t.topic = ? ORDER BY c.doc_ord, c.ord", (topic,))
        point_of: dict[str, list[str]] = {}
        for p in self._points:
            for cid in p["clauses"]:
                point_of.setdefault(cid, []).append(p["id"])
        groups: list[dict] = []
        for row in rows:
            if not groups or groups[-1]["doc"] != row["doc"]:
                d = self._docs[row["doc"]]
                groups.append({"doc": d["id"], "title": d["title"], "short_title": d["short_title"],
                               "year": d["year"], "date": d["date"], "level": d["level"], "clauses": []})
            groups[-1]["clauses"].append({
                "id": row["id"], "label": row["label"], "heading": row["heading"],
                "text": row["text"], "points": point_of.get(row["id"], []),
            })
        return groups

    def points(self, topic: str | None = None) -> list[dict]:
        return [dict(p, clauses=list(p["clauses"])) for p in self._points if topic in (None, p["topic"])]

    def answer_points(self, topic: str | None = None) -> list[dict]:
        """Answer points (policy_kb/answers/): id, topic, answer, cites, questions, scope, table."""
        return [dict(p) for p in self._answer_points.values() if topic in (None, p["topic"])]

    def synonyms(self) -> dict[str, list[str]]:
        """Search synonyms of topics.yml (word -> the words it also means)."""
        return dict(self._search_config.synonyms)

    def answer_point(self, point_id: str) -> dict | None:
        point = self._answer_points.get(point_id)
        return dict(point) if point else None

    def related(self, clause_id: str) -> list[dict]:
        """Clauses of other notices on the same point, oldest first, with what changed."""
        current = self.clause(clause_id)
        if not current:
            return []
        chain, cid = [], current["id"]
        while cid:
            chain.append(cid)
            parent = self._rows("SELECT parent FROM clauses WHERE id = ?", (cid,))
            cid = parent[0]["parent"] if parent else None
        points = []
        for cid in chain:
            points = [p for p in self._points if cid in p["clauses"]]
            if points:
                break
        my_ord = self._doc_order[current["doc"]]
        seen, out = set(), []
        for p in points:
            for other in p["clauses"]:
                row = self.clause(other)
                if not row or row["doc"] == current["doc"] or other in seen:
                    continue
                seen.add(other)
                other_ord = self._doc_order[row["doc"]]
                out.append({
                    "id": row["id"], "doc": row["doc"], "label": row["label"], "title": row["title"],
                    "year": row["year"], "heading": row["heading"], "text": row["text"],
                    "point": p["id"], "point_name": p.get("name"), "topic": p["topic"],
                    "summary": p.get("summary"),
                    "relation": "later" if other_ord > my_ord else "earlier",
                    "prevails": other_ord > my_ord,
                })
        out.sort(key=lambda r: self._doc_order[r["doc"]])
        return out

    # ------------------------------------------------------------------ tables
    def materials(self) -> list[dict]:
        return self._rows("SELECT no, item, copies, paper, original_or_copy, notes, clause "
                          "FROM materials ORDER BY no")

    def material_notes(self) -> list[dict]:
        return self._rows("SELECT no, text, clause FROM material_notes ORDER BY no")

    def schedules(self) -> list[dict]:
        rows = self._rows('SELECT "table", table_title, date, iso_date, units, unit_list, clause '
                          'FROM schedules ORDER BY rowid')
        for row in rows:
            row["unit_list"] = json.loads(row["unit_list"] or "[]")
        return rows

    def errata(self) -> list[dict]:
        return self._rows("SELECT doc, clause, kind, original, corrected, note FROM errata ORDER BY rowid")

    def contacts(self) -> list[dict]:
        return self._rows("SELECT phone, clause, doc, label, context FROM contacts ORDER BY rowid")


_shared: KB | None = None
_shared_lock = threading.Lock()


def get_kb() -> KB:
    """A process-wide KB on the default path (built on first use if missing)."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = KB()
    return _shared
