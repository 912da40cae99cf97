"""Ratings and review decisions, kept with the conversations.

The tables live in the database of the tracker store the Rasa server uses (the SQLite file of
the default set-up, or the PostgreSQL database of the scale-out set-up; bot/web/conversations.py
finds it), next to Rasa's ``events`` table:

- ``answer_feedback``: one row per 有用/没用 rating posted by the chat (``/api/feedback``);
- ``review_decisions``: what a hotline officer decided about a question of the review queue
  (handled, or linked to the answer point / clause that answers it), keyed by the question's
  normalised text (bot.web.unanswered.normalise_text).

Personal numbers are masked (policy_kb.privacy.mask_pii) before anything is stored.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from policy_kb.privacy import mask_pii

RATINGS = ("useful", "useless")
MAX_SENDER = 128
MAX_POINT = 100
MAX_QUESTION = 1000   # characters of a rated question kept
MAX_REPLY = 4000      # characters of a rated reply kept
MAX_FEEDBACK_ROWS = 50_000  # newest ratings read for the review queue

_META = sa.MetaData()
FEEDBACK = sa.Table(
    "answer_feedback", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(MAX_SENDER), nullable=False, index=True),
    sa.Column("rating", sa.String(16), nullable=False),
    sa.Column("point", sa.String(MAX_POINT)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("reply", sa.Text, nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False),
)
DECISIONS = sa.Table(
    "review_decisions", _META,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),   # "handled" | "linked" | "open"
    sa.Column("point", sa.String(MAX_POINT)),
    sa.Column("clause", sa.String(200)),
    sa.Column("timestamp", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class Store:
    """Where the tables are: a SQLite file or a SQLAlchemy URL."""
    sqlite_path: Path | None = None
    sql_url: str | None = None

    @property
    def url(self) -> str:
        if self.sql_url:
            return self.sql_url
        return f"sqlite:///{Path(self.sqlite_path).resolve()}"


_engines: dict[str, sa.engine.Engine] = {}
_created: set[str] = set()
_lock = threading.Lock()


def engine(store: Store) -> sa.engine.Engine:
    url = store.url
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            kwargs = {"connect_args": {"timeout": 15}} if url.startswith("sqlite") else {"pool_pre_ping": True}
            eng = sa.create_engine(url, **kwargs)
            _engines[url] = eng
        if url not in _created:
            if store.sqlite_path is not None:
                Path(store.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
            _META.create_all(eng, checkfirst=True)
            _created.add(url)
    return eng


def store_of(settings) -> Store | None:
    """The store of the web app's settings (bot.web.settings.Settings); None when the
    tracker store cannot be reached from here (in-memory, Redis, Mongo)."""
    source = settings.tracker_source
    if source is None:
        return Store(sqlite_path=Path(settings.tracker_db))
    if source.sqlite_path is not None:
        return Store(sqlite_path=Path(source.sqlite_path))
    if source.sql_url:
        return Store(sql_url=source.sql_url)
    return None


# ---------------------------------------------------------------- ratings
class InvalidFeedback(ValueError):
    """A rating that cannot be stored; the message is for the person who sent it."""


def clean_feedback(data: dict) -> dict:
    """Validate a posted rating; returns the row to store (masked, sizes capped)."""
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidFeedback("缺少 sender（会话编号）。")
    if len(sender) > MAX_SENDER:
        raise InvalidFeedback(f"sender 太长（上限 {MAX_SENDER} 个字符）。")
    rating = data.get("rating")
    if rating not in RATINGS:
        raise InvalidFeedback("rating 只能是 useful（有用）或 useless（没用）。")
    point = data.get("point")
    if point is not None and (not isinstance(point, str) or len(point) > MAX_POINT):
        raise InvalidFeedback(f"point 应为答复要点编号（不超过 {MAX_POINT} 个字符）或 null。")
    question, reply = data.get("question"), data.get("reply")
    if not isinstance(question, str) or not question.strip():
        raise InvalidFeedback("缺少 question（所评价答复对应的提问）。")
    if not isinstance(reply, str):
        raise InvalidFeedback("reply 应为所评价的答复文字。")
    return {"sender_id": mask_pii(sender.strip()), "rating": rating, "point": (point or None),
            "question": mask_pii(question.strip())[:MAX_QUESTION], "reply": mask_pii(reply)[:MAX_REPLY],
            "timestamp": time.time()}


def add_feedback(store: Store, row: dict) -> None:
    with engine(store).begin() as conn:
        conn.execute(FEEDBACK.insert().values(**row))


def useless_questions(store: Store) -> list[dict]:
    """Questions rated 没用, newest last: {text, sender, point, ts}."""
    try:
        with engine(store).connect() as conn:
            rows = conn.execute(
                sa.select(FEEDBACK.c.question, FEEDBACK.c.sender_id, FEEDBACK.c.point, FEEDBACK.c.timestamp)
                .where(FEEDBACK.c.rating == "useless").order_by(FEEDBACK.c.id.desc()).limit(MAX_FEEDBACK_ROWS)
            ).fetchall()
    except sa.exc.SQLAlchemyError:
        return []
    return [{"text": r[0], "sender": r[1], "point": r[2], "ts": r[3]} for r in reversed(rows)]


# ---------------------------------------------------------------- decisions
def decisions(store: Store) -> dict[str, dict]:
    try:
        with engine(store).connect() as conn:
            rows = conn.execute(sa.select(DECISIONS)).mappings().fetchall()
    except sa.exc.SQLAlchemyError:
        return {}
    return {r["key"]: dict(r) for r in rows}


def decide(store: Store, key: str, text: str, status: str, point: str | None = None,
           clause: str | None = None) -> dict:
    row = {"key": key, "text": mask_pii(text), "status": status, "point": point, "clause": clause,
           "timestamp": time.time()}
    with engine(store).begin() as conn:
        conn.execute(DECISIONS.delete().where(DECISIONS.c.key == key))
        conn.execute(DECISIONS.insert().values(**row))
    return row
