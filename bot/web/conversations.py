"""Where the staff console reads conversations: the tracker store the Rasa server uses.

The endpoints file (ENDPOINTS, default endpoints.yml) names the store; ``${VAR}`` values are
taken from the environment as Rasa does:

- ``bot.tracker_store.SQLiteTrackerStore`` (default): its SQLite file (TRACKER_DB);
- ``SQL`` (scale-out, endpoints.scale.yml): the same database through SQLAlchemy;
- anything else (in-memory, Redis, Mongo): not readable here; the console says so.
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"\$\{(\w+)\}")


@dataclass
class TrackerSource:
    sqlite_path: Path | None = None
    sql_url: str | None = None
    unsupported: str = ""


def _expand(value, env: Mapping[str, str]):
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1), ""), value)
    return value


def from_endpoints(env: Mapping[str, str], default_sqlite: Path) -> TrackerSource:
    import yaml

    name = env.get("ENDPOINTS") or "endpoints.yml"
    path = Path(name) if Path(name).is_absolute() else ROOT / name
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return TrackerSource(sqlite_path=default_sqlite)
    store = {k: _expand(v, env) for k, v in (config.get("tracker_store") or {}).items()}
    kind = str(store.get("type") or "")
    if kind.endswith("SQLiteTrackerStore"):
        return TrackerSource(sqlite_path=Path(store.get("db") or default_sqlite))
    if kind.lower() == "sql":
        dialect = str(store.get("dialect") or "sqlite")
        if dialect == "sqlite":
            return TrackerSource(sqlite_path=Path(store.get("db") or default_sqlite))
        from sqlalchemy.engine import URL

        port = str(store.get("port") or "").strip()
        url = URL.create(dialect, username=store.get("username") or None, password=store.get("password") or None,
                         host=store.get("url") or None, port=int(port) if port.isdigit() else None,
                         database=store.get("db") or None)
        return TrackerSource(sql_url=url.render_as_string(hide_password=False))
    if not kind:
        return TrackerSource(unsupported="in_memory")
    return TrackerSource(unsupported=kind)


def current(env: Mapping[str, str] | None = None, default_sqlite: Path | None = None) -> TrackerSource:
    from bot import var_paths

    env = os.environ if env is None else env
    return from_endpoints(env, default_sqlite or var_paths.tracker_db(env))


@lru_cache(maxsize=8)
def _engine(sql_url: str):
    """One SQLAlchemy engine per database for the life of the web app (not one per request)."""
    import sqlalchemy as sa

    return sa.create_engine(sql_url, pool_pre_ping=True)


def select(sql: str, params: Mapping[str, object], sqlite_path: Path | None = None,
           sql_url: str | None = None) -> list[tuple]:
    """Rows of a read-only SELECT on the tracker store: `sql` with named parameters (":sender"),
    on the SQL database at `sql_url`, else on the SQLite file (opened read-only). Raises
    FileNotFoundError when the file is missing, and the driver's error when the query fails."""
    if sql_url:
        import sqlalchemy as sa

        with _engine(sql_url).connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), dict(params))]
    if sqlite_path is None or not Path(sqlite_path).is_file():
        raise FileNotFoundError(str(sqlite_path))
    conn = sqlite3.connect(Path(sqlite_path).resolve().as_uri() + "?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, dict(params)).fetchall()
    finally:
        conn.close()
