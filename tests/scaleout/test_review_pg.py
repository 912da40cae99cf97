"""The rating store and the review queue on PostgreSQL (the scale-out tracker store):
ratings and decisions are kept in the database Rasa's SQL tracker store writes, and the
queue reads both from there. A private PostgreSQL from the Debian packages, as in
test_scaleout.py (ports moved by TEST_PORT_OFFSET + 100 so both can run)."""
from __future__ import annotations

import asyncio
import os
import warnings

import pytest

import tests.scaleout.test_scaleout as scale
from bot.web import review_queue, review_store

OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0")) + 100


@pytest.fixture(scope="module")
def pg():
    if scale._pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (scripts/scaleout-deps.sh)")
    saved = scale.PG_PORT, scale.REDIS_PORT
    scale.PG_PORT, scale.REDIS_PORT = scale.PG_PORT + OFFSET, scale.REDIS_PORT + OFFSET
    services = scale.Services()
    try:
        services.start()
        yield f"postgresql://{scale.DB_USER}@127.0.0.1:{scale.PG_PORT}/{scale.DB_NAME}"
    finally:
        services.stop()
        scale.PG_PORT, scale.REDIS_PORT = saved


def _save_conversation(port: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=port,
                                db=scale.DB_NAME, username=scale.DB_USER)

    def user(text, intent, confidence):
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
        return UserUttered(text, intent=parse["intent"], parse_data=parse)

    tracker = DialogueStateTracker("pg-visitor", slots=[])
    for event in [ActionExecuted("action_listen"), user("asdf 13812345678 qwer", "nlu_fallback", 0.2),
                  ActionExecuted("action_default_fallback"), BotUttered("抱歉"), ActionExecuted("action_listen"),
                  ActiveLoop("facts_form"), user("不知道", "deny", 0.3), ActionExecuted("facts_form")]:
        tracker.update(event)
    asyncio.run(store.save(tracker))


def test_ratings_and_decisions_live_with_the_postgresql_conversations(pg):
    _save_conversation(scale.PG_PORT)
    store = review_store.Store(sql_url=pg)
    row = review_store.clean_feedback({"sender": "pg-visitor", "rating": "useless", "point": "fees_basis",
                                       "question": "评审费 手机13812345678 开发票吗", "reply": "……"})
    review_store.add_feedback(store, row)
    queue = review_queue.load(store)
    texts = {i["text"]: i for i in queue["items"]}
    assert set(texts["asdf 138****5678 qwer"]["kinds"]) == {"unanswered", "low_confidence"}
    assert texts["评审费 手机138****5678 开发票吗"]["kinds"] == ["useless"]
    assert "不知道" not in texts
    review_store.decide(store, texts["asdf 138****5678 qwer"]["key"], "asdf 138****5678 qwer", "handled")
    again = {i["text"]: i for i in review_queue.load(store)["items"]}
    assert again["asdf 138****5678 qwer"]["status"] == "handled"
    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=scale.PG_PORT, user=scale.DB_USER, dbname=scale.DB_NAME) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            names = {r[0] for r in cur.fetchall()}
            cur.execute("SELECT question FROM answer_feedback")
            stored = [r[0] for r in cur.fetchall()]
    assert {"events", "answer_feedback", "review_decisions"} <= names
    assert stored == ["评审费 手机138****5678 开发票吗"]
