"""Custom actions of the assistant (run by `rasa run actions`).

Importing this package checks the knowledge-base file first: without a readable KB the
action server refuses to start and says how to fix it.
"""
from __future__ import annotations

import sqlite3
import sys

from policy_kb.paths import db_path


def _check_knowledge_base() -> None:
    path = db_path()
    fix = "Build it with: .venv/bin/python -m policy_kb build"
    if not path.exists():
        sys.stderr.write(f"\nACTION SERVER NOT STARTED: the knowledge base file {path} is missing. {fix}\n")
        raise SystemExit(2)
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT count(*) FROM clauses").fetchone()
            # A damaged page can hide from a row count; SQLite's own check finds it.
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {verdict}")
    except sqlite3.Error as exc:
        sys.stderr.write(f"\nACTION SERVER NOT STARTED: the knowledge base file {path} is unreadable or corrupt ({exc}). "
                         f"Delete it and rebuild: .venv/bin/python -m policy_kb build\n")
        raise SystemExit(2)


_check_knowledge_base()
