"""Redis lock store whose ticket operations are atomic across Rasa servers.

Rasa 3.6's RedisLockStore changes a conversation's lock by GET, change in Python, SET: two
servers receiving turns of one conversation at the same moment can both draw the same
ticket and run both turns at once (one turn's events are then lost). Here every change
runs in a Redis transaction (WATCH/MULTI/EXEC) and is retried when another server changed
the lock in between.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MAX_RETRIES = 100


class AtomicRedisLockStore(RedisLockStore):
    """endpoints: lock_store: {type: bot.lock_store.AtomicRedisLockStore, url, port, db, key_prefix}"""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        kwargs.pop("type", None)
        if "port" in kwargs:
            kwargs["port"] = int(kwargs["port"])
        super().__init__(**kwargs)

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

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), delete_when_idle=True)
