"""Rasa's SQL tracker store on a SQLite file shared by several Rasa worker processes.

The default deployment keeps conversations in one SQLite file (endpoints.yml) and runs the
Rasa server as one process per core (bot/launcher.py, bot/rasa_server.py).

``SQLiteTrackerStore`` is a subclass of Rasa's ``SQLTrackerStore`` with the same table
(``events``: one row per event, the event's JSON in ``data``) and the same answers. Rasa's
class creates the table and serves the rarely used calls (``keys``, the full tracker across
sessions). The two calls made on every message, ``retrieve`` (the latest session) and
``save`` (the events not stored yet), run as plain SQL on one connection per process
instead of through the ORM: the profile of a loaded server showed a quarter of the Rasa
worker's time in the ORM store — a new connection per call (SQLAlchemy 1.4 does not pool
SQLite files), ORM objects, and an event-class lookup that lists every subclass of
``Event`` for each stored event.

Connections are set up for several processes by bot/shared_sqlite.py (WAL mode).

Tables are created by the first worker; the others find them (Rasa logs and ignores the
"already exists" race, see SQLTrackerStore.__init__).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any, Dict, List, Optional, Text, Type

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses

from bot import shared_sqlite

# The events of the latest session: those at or after the newest `session_started`
# (all events when there is none) -- the same condition as SQLTrackerStore._event_query.
_LATEST_SESSION = """
    sender_id = :sender AND (
        (SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = :started) IS NULL
        OR timestamp >= (SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = :started))
"""
_SELECT_SESSION = f"SELECT data FROM events WHERE {_LATEST_SESSION} ORDER BY id"
_COUNT_SESSION = f"SELECT count(*) FROM events WHERE {_LATEST_SESSION}"
_INSERT = ("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
           "VALUES (?, ?, ?, ?, ?, ?)")


def _tune(dbapi_connection: Any, _record: Any = None) -> None:
    """SQLAlchemy pool hook: Rasa's own connections (table creation, keys) get the same set-up."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        shared_sqlite.tune(dbapi_connection)


def event_classes() -> Dict[Text, Type[Event]]:
    """Event class by its ``event`` name (what Event.resolve_by_type finds, looked up once)."""
    classes: Dict[Text, Type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


class SQLiteTrackerStore(SQLTrackerStore):
    """endpoints.yml: ``tracker_store: {type: bot.tracker_store.SQLiteTrackerStore, db: <file>}``"""

    def __init__(self, domain: Optional[Domain] = None, db: Text = "rasa.db",
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        if not sa.event.contains(sa.pool.Pool, "connect", _tune):
            sa.event.listen(sa.pool.Pool, "connect", _tune)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        self.path = db
        self._classes = event_classes()
        self._conn: Optional[sqlite3.Connection] = None
        self._conn_pid = 0
        self._guard = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        """One connection per process (a worker forked after creating the store opens its own)."""
        if self._conn is None or self._conn_pid != os.getpid():
            self._conn, self._conn_pid = shared_sqlite.connect(self.path), os.getpid()
        return self._conn

    def _events(self, rows: List[Dict[Text, Any]]) -> List[Event]:
        out = []
        for params in rows:
            cls = self._classes.get(params.get("event"))
            event = cls._from_parameters(params) if cls else Event.from_parameters(params)
            if event is not None:
                out.append(event)
        return out

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest conversation session (None when there is none)."""
        with self._guard:
            rows = self._connection().execute(
                _SELECT_SESSION, {"sender": sender_id, "started": SessionStarted.type_name}).fetchall()
        if not self.domain or not rows:
            return None
        events = self._events([json.loads(data) for (data,) in rows])
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the tracker's events that the latest session does not hold yet."""
        await self.stream_events(tracker)
        params = {"sender": tracker.sender_id, "started": SessionStarted.type_name}
        with self._guard:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                (stored,) = conn.execute(_COUNT_SESSION, params).fetchone()
                rows = []
                for event in list(tracker.events)[stored:]:
                    data = event.as_dict()
                    parse_data = data.get("parse_data") or {}
                    intent = (parse_data.get("intent") or {}).get(INTENT_NAME_KEY)
                    rows.append((tracker.sender_id, event.type_name, data.get("timestamp"), intent,
                                 data.get("name"), json.dumps(data)))
                conn.executemany(_INSERT, rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
