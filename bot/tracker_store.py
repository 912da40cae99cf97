"""Rasa's SQL tracker store on a SQLite file shared by several Rasa worker processes.

The default deployment keeps conversations in one SQLite file (endpoints.yml) and runs the
Rasa server with one worker process per core (bot/launcher.py, SANIC_WORKERS). Rasa's own
``SQLTrackerStore`` does the work; this subclass only sets, on every connection:

- ``journal_mode=WAL``: readers (the other workers, the staff console) never block the
  writer, and a writer does not block readers;
- ``synchronous=NORMAL``: a commit no longer waits for the disk; after a power cut the
  last turns may be missing, never a corrupt file (SQLite's documented WAL guarantee);
  a crash of the process loses nothing;
- ``busy_timeout``: a worker waits for another worker's write instead of failing.

Tables are created by the first worker; the others find them (Rasa logs and ignores the
"already exists" race, see SQLTrackerStore.__init__).
"""
from __future__ import annotations

import sqlite3
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

BUSY_TIMEOUT_MS = 30_000


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """endpoints.yml: ``tracker_store: {type: bot.tracker_store.SQLiteTrackerStore, db: <file>}``"""

    def __init__(self, domain: Optional[Domain] = None, db: Text = "rasa.db",
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        if not sa.event.contains(sa.pool.Pool, "connect", _tune):
            sa.event.listen(sa.pool.Pool, "connect", _tune)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
