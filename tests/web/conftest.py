"""Fixtures for the web app tests: the real app served on a loopback port (17000-17099),
a Rasa tracker database written by Rasa's own SQLTrackerStore, and a headless Chromium."""
from __future__ import annotations

import asyncio
import os
import secrets
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import web

from bot.web.app import create_app
from bot.web.settings import Settings
from policy_kb import paths
from tests.ports import first_free_port

PORTS = range(17000, 17100)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _worker_ports() -> list[int]:
    """Under pytest-xdist each worker scans its own slice of the range first."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    start = (index * 20) % len(PORTS)
    ports = list(PORTS)
    return ports[start:] + ports[:start]


def free_port(exclude: set[int] = frozenset()) -> int:
    return first_free_port(_worker_ports(), exclude)


class ServerThread:
    """Runs aiohttp applications on one event loop in a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.runners: list[web.AppRunner] = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.used: set[int] = set()

    def serve(self, app: web.Application, port: int | None = None) -> int:
        port = port or free_port(self.used)
        self.used.add(port)

        async def start() -> None:
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=30)
        return port

    def stop(self) -> None:
        async def cleanup() -> None:
            for runner in reversed(self.runners):
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def kb():
    db = paths.db_path()
    if not db.is_file():
        pytest.fail(f"knowledge base not built at {db}: run `python -m policy_kb build` first")
    from policy_kb.kb import KB

    return KB(db)


# ---------------------------------------------------------------- tracker store
def _write_tracker(path: Path) -> None:
    """Conversations saved with Rasa's own SQLTrackerStore (same schema as var/tracker.db)."""
    import warnings

    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # SQLAlchemy 2.0 deprecation notes inside Rasa
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

    def user(text, intent, confidence):
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
        return UserUttered(text, intent=parse["intent"], parse_data=parse)

    conversations = {
        "visitor-a": [
            user("我的身份证号是110105199001011234，手机13812345678，能评副高吗", "nlu_fallback", 0.31),
            ActionExecuted("action_default_fallback"), BotUttered("抱歉"),
            user("申报时间是什么时候", "ask_deadline", 0.97),
            ActionExecuted("action_answer_policy"), BotUttered("答复"),
            user("职称证书丢了 怎么补办？", "ask_certificates", 0.42),
            ActionExecuted("action_answer_policy"),
        ],
        "visitor-b": [
            user("职称证书丢了，怎么补办", "ask_certificates", 0.44),
            ActionExecuted("action_answer_policy"),
            user("评审费可以开发票吗", "ask_fees", 0.88),
            ActionExecuted("action_fallback_search"), BotUttered("检索结果"),
            user("/greet", "greet", 1.0),
            ActionExecuted("utter_greet"),
        ],
        "visitor-d": [   # "不知道" answers a form question: not an unanswered question
            ActiveLoop("facts_form"), BotUttered("您的最高学历是？"),
            user("不知道", "deny", 0.35), ActionExecuted("facts_form"),
            ActiveLoop(None),
            user("同时评两个系列可以吗", "ask_series_transfer", 0.41),
            ActionExecuted("action_answer_policy"),
        ],
        "visitor-c": [
            user("<img src=x onerror=\"window.__xss=9\">能评吗", "nlu_fallback", 0.2),
            ActionExecuted("action_default_fallback"),
        ],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))

    async def save_all() -> None:
        for sender, events in conversations.items():
            tracker = DialogueStateTracker(sender, slots=[])
            tracker.update(ActionExecuted("action_listen"))
            for event in events:
                tracker.update(event)
                if isinstance(event, BotUttered):
                    tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)

    asyncio.run(save_all())


@pytest.fixture(scope="session")
def tracker_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tracker") / "tracker.db"
    _write_tracker(path)
    return path


# ---------------------------------------------------------------- servers
@pytest.fixture(scope="session")
def servers():
    threads = ServerThread()
    yield threads
    threads.stop()


def _fake_rasa_app(kb) -> web.Application:
    """Replays the reply contract (docs/contracts.md, "Reply payload") the way Rasa's REST
    channel sends it: text first, then `custom` as its own message. The citation is a
    real clause of the KB; a message containing "HTML" echoes hostile markup back."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        message = body.get("message", "")
        if "HTML" in message:
            evil = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"
            return web.json_response([
                {"recipient_id": body["sender"], "text": evil},
                {"recipient_id": body["sender"], "custom": {"citations": [
                    {"id": "x", "title": evil, "label": evil, "quote": evil}]}},
            ])
        hit = kb.search(message, limit=1) or kb.search("申报", limit=1)
        clause = kb.clause(hit[0]["id"])
        return web.json_response([
            {"recipient_id": body["sender"], "text": clause["text"][:80],
             "buttons": [{"title": "需要哪些材料", "payload": "/ask_materials"}]},
            {"recipient_id": body["sender"], "custom": {
                "citations": [{"id": clause["id"], "title": clause["title"],
                               "label": clause["label"], "quote": clause["text"][:120]}],
                "eligibility": {"eligible": None, "target_title": "中级", "route": None,
                                "missing": ["education", "years_worked"]}}},
        ])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


def _start_web(servers: ServerThread, rasa_url: str, tracker_db: Path):
    token = secrets.token_urlsafe(16)
    settings = Settings(host="127.0.0.1", port=0, rasa_url=rasa_url, staff_token=token,
                        tracker_db=tracker_db, rasa_timeout=10)
    port = servers.serve(create_app(settings))
    return SimpleNamespace(url=f"http://127.0.0.1:{port}", token=token, settings=settings)


@pytest.fixture(scope="session")
def web_app(servers, tracker_db, kb):
    """The real web app, talking to a Rasa that is not running (port reserved, unused)."""
    dead = free_port(servers.used)
    servers.used.add(dead)
    return _start_web(servers, f"http://127.0.0.1:{dead}", tracker_db)


@pytest.fixture(scope="session")
def web_app_replay(servers, tracker_db, kb):
    """The real web app in front of a replay of Rasa's REST reply format."""
    rasa_port = servers.serve(_fake_rasa_app(kb))
    return _start_web(servers, f"http://127.0.0.1:{rasa_port}", tracker_db)


# ---------------------------------------------------------------- HTTP helper
class Http:
    def __init__(self, base: str):
        self.base = base

    def request(self, method: str, path: str, body: bytes | str | dict | None = None,
                headers: dict | None = None):
        import json

        data = body
        headers = dict(headers or {})
        if isinstance(body, dict):
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=60) as resp:
                return _Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return _Response(err.code, dict(err.headers), err.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json

        return json.loads(self.body)


@pytest.fixture(scope="session")
def http(web_app) -> Http:
    return Http(web_app.url)


# ---------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser():
    # Module scope: the sync Playwright event loop must be gone before other suites run asyncio.
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
