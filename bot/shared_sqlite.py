"""SQLite files shared by the Rasa server processes: conversations (bot/tracker_store.py)
and per-conversation locks (bot/lock_store.py).

Every connection sets:

- ``journal_mode=WAL``: readers (the other processes, the staff console) never block the
  writer, and a writer does not block readers;
- ``synchronous``: NORMAL for conversations (a commit does not wait for the disk; after a
  power cut the last turns may be missing, never a corrupt file, SQLite's documented WAL
  guarantee; a crash of the process loses nothing), OFF for locks (they live for seconds);
- ``busy_timeout``: a process waits for another process's write instead of failing.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000


def tune(conn: sqlite3.Connection, synchronous: str = "NORMAL") -> None:
    cursor = conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


def connect(path: str | Path, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions opened explicitly with BEGIN), usable
    from any thread of the process."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    tune(conn, synchronous)
    return conn
