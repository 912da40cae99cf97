"""Several Rasa worker processes on one machine: shared SQLite locks and tracker, and the
launcher's choice of the number of workers. Real processes, real SQLite files."""
from __future__ import annotations

import json
import multiprocessing
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from bot import launcher
from bot.lock_store import SQLiteLockStore


def _turns(db: str, counter: str, turns: int, start) -> None:
    """One process: `turns` read-modify-write turns of one conversation, each under Rasa's
    ticket lock (LockStore.lock), with a sleep inside to invite interleaving."""
    import asyncio
    import time

    store = SQLiteLockStore(db=db)

    async def run() -> None:
        for _ in range(turns):
            async with store.lock("conversation-1", wait_time_in_seconds=0.01):
                value = int(Path(counter).read_text())
                time.sleep(0.002)
                Path(counter).write_text(str(value + 1))

    start.wait()
    asyncio.run(run())


def test_turns_of_one_conversation_in_four_processes_never_overlap(tmp_path):
    db, counter = str(tmp_path / "locks.db"), tmp_path / "counter"
    counter.write_text("0")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_turns, args=(db, str(counter), 25, start)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert counter.read_text() == "100", "a turn ran while another held the lock (lost update)"
    assert SQLiteLockStore(db=db).get_lock("conversation-1") is None, "an idle lock must be deleted"


def _tickets(db: str, n: int, queue, start) -> None:
    store = SQLiteLockStore(db=db)
    start.wait()
    queue.put([store.issue_ticket("same") for _ in range(n)])


def test_tickets_drawn_at_once_by_several_processes_are_all_different(tmp_path):
    db = str(tmp_path / "locks.db")
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_tickets, args=(db, 30, queue, start)) for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    drawn = [t for _ in procs for t in queue.get(timeout=120)]
    for p in procs:
        p.join(60)
    assert sorted(drawn) == list(range(90))


def test_lock_store_default_file_sits_beside_the_tracker(monkeypatch, tmp_path):
    monkeypatch.delenv("LOCK_DB", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "conv" / "tracker.db"))
    store = SQLiteLockStore()
    assert Path(store.path) == tmp_path / "conv" / "locks.db" and Path(store.path).exists()
    monkeypatch.setenv("LOCK_DB", str(tmp_path / "elsewhere.db"))
    assert SQLiteLockStore().path == str(tmp_path / "elsewhere.db")


def test_tracker_store_is_rasas_sql_store_in_wal_mode(tmp_path):
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import SQLiteTrackerStore

    domain = Domain.from_path(Path(launcher.ROOT) / "domain.yml")
    db = tmp_path / "tracker.db"
    store = SQLiteTrackerStore(domain=domain, db=str(db))
    assert isinstance(store, SQLTrackerStore)
    tracker = DialogueStateTracker.from_events("u1", [UserUttered("本科", {"intent": {"name": "inform"}}),
                                                      SlotSet("education", "本科")], domain.slots)
    asyncio.run(store.save(tracker))
    again = asyncio.run(SQLiteTrackerStore(domain=domain, db=str(db)).retrieve("u1"))
    assert again.get_slot("education") == "本科" and len(again.events) == 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _conversation(domain, sender: str):
    """Two sessions: a first one that ended, and the current one with a form half filled."""
    from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    first = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
             ActionExecuted("action_listen", timestamp=1.1),
             UserUttered("送审表要几份", {"intent": {"name": "ask_materials", "confidence": 0.9}}, timestamp=1.2),
             ActionExecuted("action_answer_policy", timestamp=1.3), BotUttered("一式15份", timestamp=1.3),
             ActionExecuted("action_listen", timestamp=1.4)]
    second = [ActionExecuted("action_session_start", timestamp=9.0), SessionStarted(timestamp=9.0),
              ActionExecuted("action_listen", timestamp=9.1),
              UserUttered("我想评中级", {"intent": {"name": "check_eligibility", "confidence": 0.9}}, timestamp=9.2),
              SlotSet("target_title", "中级", timestamp=9.3), ActionExecuted("eligibility_form", timestamp=9.3),
              ActiveLoop("eligibility_form", timestamp=9.3), SlotSet("requested_slot", "education", timestamp=9.3),
              ActionExecuted("action_listen", timestamp=9.4)]
    return (DialogueStateTracker.from_events(sender, first, domain.slots),
            DialogueStateTracker.from_events(sender, first + second, domain.slots))


def test_tracker_store_reads_and_writes_what_rasas_sql_store_does(tmp_path):
    """The plain-SQL retrieve/save give the same trackers as Rasa's SQLTrackerStore on the
    same table, in both directions, across conversation sessions."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import SQLiteTrackerStore

    domain = Domain.from_path(Path(launcher.ROOT) / "domain.yml")
    for writes in ("ours", "rasas"):
        db = str(tmp_path / f"{writes}.db")
        ours = SQLiteTrackerStore(domain=domain, db=db)
        rasas = SQLTrackerStore(domain=domain, dialect="sqlite", db=db)
        writer, reader = (ours, rasas) if writes == "ours" else (rasas, ours)
        ended, current = _conversation(domain, "u")
        asyncio.run(writer.save(ended))
        asyncio.run(writer.save(current))          # only the new session's events are added
        again = asyncio.run(writer.retrieve("u"))  # the latest session, as Rasa works on it
        asyncio.run(writer.save(again))            # nothing new: nothing added
        got = asyncio.run(reader.retrieve("u"))
        expected = asyncio.run(writer.retrieve("u"))
        assert [e.as_dict() for e in got.events] == [e.as_dict() for e in expected.events]
        assert len(got.events) == 9                # the latest session only
        assert got.active_loop_name == "eligibility_form" and got.get_slot("target_title") == "中级"
        assert len(asyncio.run(reader.retrieve_full_tracker("u")).events) == 16
        assert asyncio.run(reader.retrieve("nobody")) is None
    with sqlite3.connect(tmp_path / "ours.db") as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 16


def test_tracker_store_save_is_one_transaction(tmp_path):
    """A save that fails half way stores nothing of that turn, and the next save works."""
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered

    from bot.tracker_store import SQLiteTrackerStore

    domain = Domain.from_path(Path(launcher.ROOT) / "domain.yml")
    db = tmp_path / "t.db"
    store = SQLiteTrackerStore(domain=domain, db=str(db))
    ended, current = _conversation(domain, "u")
    asyncio.run(store.save(ended))
    current.update(BotUttered("请问您的学历是？", timestamp=9.5))  # the last event of the turn fails
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TRIGGER full_disk BEFORE INSERT ON events WHEN NEW.timestamp = 9.5 "
                     "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        asyncio.run(store.save(current))
    assert len(asyncio.run(store.retrieve("u")).events) == len(ended.events)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER full_disk")
    asyncio.run(store.save(current))
    assert len(asyncio.run(store.retrieve("u")).events) == 10


def test_rasa_processes_share_the_port_and_a_stranger_cannot(monkeypatch):
    """Each Rasa process gets its own socket on the one port (SO_REUSEPORT); the launcher's
    port check still sees the port as taken, so a second `make run` cannot join silently."""
    import socket

    from bot.rasa_server import listening_socket
    from tests.ports import first_free_port

    port = first_free_port(range(23000, 23100))
    first, second = listening_socket(port), listening_socket(port)
    try:
        assert first.getsockname()[1] == second.getsockname()[1] == port
        monkeypatch.setenv("RASA_PORT", str(port))
        with pytest.raises(launcher.LaunchError, match="already in use"):
            launcher._port("RASA_PORT", 5005)
        accepted = set()
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass
        for sock in (first, second):
            sock.setblocking(False)
            try:
                while True:
                    conn, _ = sock.accept()
                    conn.close()
                    accepted.add(sock.fileno())
            except BlockingIOError:
                pass
        assert len(accepted) == 2  # the kernel spread the connections over both sockets
    finally:
        first.close()
        second.close()
    assert launcher._port_free(port)


@pytest.mark.parametrize("env, endpoints, expected", [
    ({"RASA_WORKERS": "3"}, "endpoints.yml", 3),
    ({"RASA_WORKERS": "3"}, "in_memory", 1),                    # Rasa refuses more without a shared lock store
    # WeChat keeps its retry state in the lock store and the tracker: as many as REST (issue 15).
    ({"WECHAT_TOKEN": "t"}, "endpoints.yml", min(launcher.os.cpu_count() or 1, launcher.MAX_AUTO_WORKERS)),
    ({"WECHAT_TOKEN": "t", "RASA_WORKERS": "2"}, "endpoints.yml", 2),
    ({}, "endpoints.yml", min(launcher.os.cpu_count() or 1, launcher.MAX_AUTO_WORKERS)),
])
def test_number_of_rasa_workers(tmp_path, env, endpoints, expected):
    if endpoints == "in_memory":
        path = tmp_path / "endpoints.yml"
        path.write_text("tracker_store:\n  type: SQL\n", encoding="utf-8")
        endpoints = str(path)
    assert launcher.rasa_workers(env, endpoints) == expected


@pytest.mark.parametrize("raw", ["0", "two", "-1", "1.5"])
def test_bad_number_of_workers_is_explained(raw):
    with pytest.raises(launcher.LaunchError, match="RASA_WORKERS"):
        launcher.rasa_workers({"RASA_WORKERS": raw}, "endpoints.yml")


def test_the_running_stack_answers_from_every_worker(stack):
    """The launcher waits for all workers; requests reach more than one of them, one
    connection per request when there are several (a kept-alive client would stay with one)."""
    expected = launcher.rasa_workers({}, "endpoints.yml")
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(stack.rasa_url)
    seen = set()
    for _ in range(60):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)  # asks to keep alive
        try:
            conn.request("GET", "/webhooks/rest/")
            resp = conn.getresponse()
            seen.add(json.loads(resp.read().decode())["worker"])
            connection = resp.headers.get("Connection")
        finally:
            conn.close()
        if len(seen) == expected:
            break
    assert len(seen) == expected, seen
    assert connection == ("close" if expected > 1 else "keep-alive")


@pytest.mark.parametrize("raw, kept", [("", True), ("1", True), ("0", False), ("false", False), ("No", False)])
def test_rest_keep_alive_setting(monkeypatch, raw, kept):
    from bot.channels.rest_guard import keep_alive

    monkeypatch.setenv("REST_KEEP_ALIVE", raw)
    assert keep_alive() is kept


def test_launcher_forgets_locks_left_by_a_crash(tmp_path):
    """A turn cut off by a crash leaves its ticket; the next start must not make that
    conversation wait for the lock lifetime."""
    from bot import var_paths

    env = {"TRACKER_DB": str(tmp_path / "tracker.db")}
    stale = SQLiteLockStore(db=str(var_paths.lock_db(env)))
    ticket = stale.issue_ticket("interrupted")
    assert stale.get_lock("interrupted").is_locked(ticket + 1)
    var_paths.clear_locks(env)
    fresh = SQLiteLockStore(db=str(var_paths.lock_db(env)))
    assert fresh.get_lock("interrupted") is None
    assert not fresh.get_lock("interrupted") and fresh.issue_ticket("interrupted") == 0
