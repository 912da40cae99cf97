"""Where the running assistant keeps its files (all under the git-ignored var/ by default)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent


def tracker_db(env: Mapping[str, str]) -> Path:
    """Conversations (Rasa's tracker store): TRACKER_DB, default var/tracker.db."""
    return Path(env.get("TRACKER_DB") or ROOT / "var" / "tracker.db")


def lock_db(env: Mapping[str, str]) -> Path:
    """Per-conversation locks of the Rasa workers: LOCK_DB, default locks.db beside the tracker."""
    return Path(env["LOCK_DB"]) if env.get("LOCK_DB") else tracker_db(env).with_name("locks.db")


def clear_locks(env: Mapping[str, str]) -> None:
    """Forget locks left by processes that are gone (called before the Rasa server starts):
    a turn cut off by a crash would otherwise hold its conversation for the lock lifetime.
    The messages seen (WeChat MsgIds, bot/lock_store.claim_once) in the same file are kept;
    a file that cannot be read is removed."""
    import sqlite3

    path = lock_db(env)
    if path.exists():
        try:
            conn = sqlite3.connect(str(path), timeout=5)
            try:
                conn.execute("DELETE FROM locks")
                conn.commit()
                return
            finally:
                conn.close()
        except sqlite3.Error:
            pass
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)
