"""Fixtures for the WeChat channel tests (helpers live in wechat_helpers.py)."""

from typing import Any, List

import pytest

from bot.channels.wechat import WeChatInput
from wechat_helpers import FakeWeChatAPI, ScriptedAgent, ServerThread, build_rasa_app, free_port


@pytest.fixture
def serve():
    """serve(channel, agent=None) -> (base_url, agent); servers stop after the test."""
    servers: List[ServerThread] = []

    def _serve(channel: WeChatInput, agent: Any = None):
        agent = agent or ScriptedAgent()
        app = build_rasa_app(channel, agent)
        for attempt in range(5):  # another process may take the port first (pytest -n)
            try:
                server = ServerThread(app, free_port()).start()
                break
            except OSError:
                if attempt == 4:
                    raise
        servers.append(server)
        return server.url, agent

    yield _serve
    for server in servers:
        server.stop()


@pytest.fixture
def wechat_api():
    api = FakeWeChatAPI()
    api.thread.start()
    yield api
    api.httpd.shutdown()
    api.httpd.server_close()
