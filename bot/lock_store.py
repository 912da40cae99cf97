"""Lock stores whose ticket operations are atomic across processes.

Rasa makes the turns of one conversation run one at a time with a ticket lock kept in a
lock store. Rasa 3.6 changes a lock by read, change in Python, write: two processes
receiving turns of one conversation at the same moment can both draw the same ticket and
run both turns at once (one turn's events are then lost). Here every change of a lock is
one transaction, retried or waited for when another process changes it meanwhile:

- ``SQLiteLockStore``: a SQLite file shared by the worker processes of one Rasa server on
  one machine (the default, endpoints.yml; bot/launcher.py starts one worker per core);
- ``AtomicRedisLockStore``: Redis (WATCH/MULTI/EXEC), for several Rasa servers on several
  machines (endpoints.scale.yml, docs/deploy.md).

The same backends remember keys "seen once" for a while (``claim_once``): the WeChat
channel claims each MsgId there, so a retry reaching any process is recognised.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot import shared_sqlite, var_paths

MAX_RETRIES = 100


class AtomicTickets:
    """Rasa's ticket operations, each done by ``_change`` in one atomic step."""

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], object],
                create: bool = False, delete_when_idle: bool = False):  # pragma: no cover - abstract
        raise NotImplementedError

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), delete_when_idle=True)


class AtomicRedisLockStore(AtomicTickets, RedisLockStore):
    """endpoints: lock_store: {type: bot.lock_store.AtomicRedisLockStore, url, port, db, key_prefix}"""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        kwargs.pop("type", None)
        if "port" in kwargs:
            kwargs["port"] = int(kwargs["port"])
        super().__init__(**kwargs)

    def claim_once(self, key: Text, ttl: float) -> bool:
        return bool(self.red.set(self.key_prefix + "seen:" + key, 1, nx=True, ex=max(1, int(ttl))))

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], object],
                create: bool = False, delete_when_idle: bool = False):
        key = self.key_prefix + conversation_id
        for _ in range(MAX_RETRIES):
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None and not create:
                        return None
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else self.create_lock(conversation_id)
                    result = change(lock)
                    pipe.multi()
                    if delete_when_idle and not lock.is_someone_waiting():
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue
        raise LockError(f"Could not change the lock of conversation '{conversation_id}' (too much contention).")


def claim_once(store: Any, key: Text, ttl: float) -> bool:
    """True the first time `key` is claimed within `ttl` seconds, in every process that
    shares `store`'s backend: our SQLite or Redis lock stores, Rasa's own Redis lock store;
    any other store (Rasa's in-memory one, a dict) only within this process."""
    if hasattr(store, "claim_once"):
        return store.claim_once(key, ttl)
    if isinstance(store, RedisLockStore):
        return bool(store.red.set(store.key_prefix + "seen:" + key, 1, nx=True, ex=max(1, int(ttl))))
    seen = store if isinstance(store, dict) else _local_seen(store)
    now = time.time()
    with _LOCAL_GUARD:
        for old in [k for k, expires in seen.items() if expires < now][:1000]:
            del seen[old]
        if seen.get(key, 0) >= now:
            return False
        seen[key] = now + ttl
        return True


_LOCAL_GUARD = threading.Lock()


def _local_seen(store: Any) -> dict:
    seen = getattr(store, "_seen_keys", None)
    if seen is None:
        seen = {}
        store._seen_keys = seen
    return seen


def default_lock_db() -> str:
    """LOCK_DB, else ``locks.db`` beside the tracker file (TRACKER_DB, default var/)."""
    return str(var_paths.lock_db(os.environ))


class SQLiteLockStore(AtomicTickets, LockStore):
    """endpoints: lock_store: {type: bot.lock_store.SQLiteLockStore, db: <file>} (db optional:
    see ``default_lock_db``). Locks live for seconds: the file needs no backup, and a lock
    left by a killed process expires after Rasa's lock lifetime like any other."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, db: Optional[Text] = None,
                 **_: Any) -> None:
        if endpoint_config is not None:
            db = db or endpoint_config.kwargs.get("db")
        self.path = str(db or default_lock_db())
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Transactions are opened explicitly (BEGIN IMMEDIATE); locks need not survive a power cut.
        self._db = shared_sqlite.connect(self.path, synchronous="OFF")
        self._db.execute("CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, expires REAL NOT NULL)")
        self._guard = threading.Lock()

    def claim_once(self, key: Text, ttl: float) -> bool:
        """One INSERT in one transaction: exactly one process wins a key."""
        now = time.time()
        with self._guard:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM seen WHERE key = ? AND expires < ?", (key, now))
                inserted = self._db.execute("INSERT OR IGNORE INTO seen (key, expires) VALUES (?, ?)",
                                            (key, now + ttl)).rowcount
                if inserted and int(now) % 97 == 0:   # now and then, forget old keys
                    self._db.execute("DELETE FROM seen WHERE expires < ?", (now,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return inserted == 1

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        row = self._db.execute("SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: Text) -> None:
        self._db.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))

    def save_lock(self, lock: TicketLock) -> None:
        self._db.execute("INSERT OR REPLACE INTO locks (conversation_id, lock) VALUES (?, ?)",
                         (lock.conversation_id, lock.dumps()))

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], object],
                create: bool = False, delete_when_idle: bool = False):
        try:
            self._db.execute("BEGIN IMMEDIATE")  # waits (busy timeout) for another process's change
        except sqlite3.Error as exc:
            raise LockError(f"Could not change the lock of conversation '{conversation_id}': {exc}") from exc
        try:
            lock = self.get_lock(conversation_id)
            if lock is None and not create:
                self._db.execute("COMMIT")
                return None
            lock = lock or self.create_lock(conversation_id)
            result = change(lock)
            if delete_when_idle and not lock.is_someone_waiting():
                self.delete_lock(conversation_id)
            else:
                self.save_lock(lock)
            self._db.execute("COMMIT")
            return result
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
