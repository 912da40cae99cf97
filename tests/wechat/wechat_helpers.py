"""Helpers for the WeChat channel tests.

The channel runs inside a real Sanic app built by ``rasa.core.run.configure_app``
(Rasa registers the blueprint at /webhooks/wechat/...), served on 127.0.0.1 in a
background thread with its own event loop; tests talk to it with ``requests``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

from sanic import Sanic

from bot.channels.wechat import WeChatInput
from tests.ports import first_free_port

PORT_RANGE = range(16000, 16100)
WEBHOOK = "/webhooks/wechat/webhook"

Sanic.test_mode = True  # several apps with Rasa's app name in one process

# Fixed vector from wechatpy's own tests (tests/test_utils.py).
UTILS_VECTOR = {
    "token": "test",
    "signature": "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff",
    "timestamp": "1410685589",
    "nonce": "test",
}

# Fixed vector from wechatpy's tests/test_crypto.py (the official sample key,
# token and id of WeChat's encryption documentation).
CRYPTO_VECTOR = {
    "token": "123456",
    "aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "appid": "wx49f0ab532d5d035a",
    "msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
    "timestamp": "1411525903",
    "nonce": "461056294",
    "xml": """<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>""",
}


def free_port() -> int:
    return first_free_port(PORT_RANGE)


def sha1_signature(*parts: str) -> str:
    """WeChat's documented algorithm: SHA-1 of the sorted strings, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def now_stamp() -> str:
    """The current time as WeChat sends it (requests older than 5 minutes are refused)."""
    return str(int(time.time()))


_msg_ids = itertools.count(int(time.time() * 1000))


def next_msg_id() -> str:
    """A MsgId not used before (the channel answers each MsgId once)."""
    return str(next(_msg_ids))


def signed_params(token: str, timestamp: Optional[str] = None, nonce: str = "12345") -> Dict[str, str]:
    timestamp = timestamp or now_stamp()
    return {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def text_xml(content: str, sender: str = "oUser123", msg_id: Optional[str] = None) -> str:
    msg_id = msg_id or next_msg_id()
    return (
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{now_stamp()}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


class ScriptedAgent:
    """Stands in for ``rasa.core.agent.Agent`` in the Rasa app (``app.ctx.agent``).

    Its replies go through the real ``OutputChannel.send_response`` of the
    collector the channel hands over, exactly as Rasa's processor does.
    """

    def __init__(self) -> None:
        self.received: List[Any] = []

    async def handle_message(self, message: Any) -> None:
        self.received.append(message)
        out, rid, text = message.output_channel, message.sender_id, message.text
        if text.startswith("慢"):
            await asyncio.sleep(1.2)
            await out.send_response(rid, {"text": f"慢速答复：{text}"})
        elif text == "出错":
            raise RuntimeError("scripted failure")
        elif text == "沉默":
            return
        elif text == "选项":
            await out.send_response(rid, {
                "text": "您想了解哪一项？",
                "buttons": [
                    {"title": "申报条件", "payload": "/check_eligibility"},
                    {"title": "申报材料", "payload": "/request_checklist"},
                ],
            })
        elif text.startswith("长"):
            await out.send_response(rid, {"text": "\n".join(f"第{i}行：" + "职称评审" * 20 for i in range(40))})
            await out.send_response(rid, {"custom": {"citations": [
                {"id": "doc-a:一", "title": "示例文件甲", "label": "《示例文件甲》第一部分", "quote": "…"},
            ]}})
        elif text == "引用":
            await out.send_response(rid, {"text": "答复正文。\n\n第二段。"})
            await out.send_response(rid, {"custom": {"citations": [
                {"id": "doc-a:一/（二）", "title": "示例文件甲", "label": "《示例文件甲》第一部分第（二）项", "quote": "原文"},
                {"id": "doc-a:一/（二）", "title": "示例文件甲", "label": "《示例文件甲》第一部分第（二）项", "quote": "原文"},
                {"id": "doc-b:3", "title": "示例文件乙", "label": "第3条", "quote": "原文"},
            ]}})
        elif text == "危险":
            await out.send_response(rid, {"text": "含有]]>结束符和\x01控制符"})
        else:
            await out.send_response(rid, {"text": f"收到：{text}"})


class ServerThread:
    """Serve a Sanic app on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, app: Sanic, port: int) -> None:
        self.app, self.port = app, port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()
        self.error: Optional[BaseException] = None
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            # create_server(..., return_asyncio_server=True) binds the socket
            self.server = self.loop.run_until_complete(
                self.app.create_server(
                    host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
                )
            )
            self.loop.run_until_complete(self.server.startup())
            self.loop.run_until_complete(self.server.before_start())
            self.loop.run_until_complete(self.server.after_start())
        except BaseException as exc:  # surfaced in start()
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()

    def start(self) -> "ServerThread":
        self.thread.start()
        self.ready.wait(30)
        if self.error:
            raise self.error
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()
            await self.server.after_stop()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


def build_rasa_app(channel: WeChatInput, agent: Any) -> Sanic:
    from rasa.core.run import configure_app

    app = configure_app([channel], enable_api=False)
    app.ctx.agent = agent
    return app


class FakeWeChatAPI:
    """Plays api.weixin.qq.com on loopback: token + customer-service send."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, Any]] = []
        self.token_requests = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, payload: Dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path == "/cgi-bin/token" and query.get("secret") == ["test-secret"]:
                    api.token_requests += 1
                    self._json({"access_token": "ACCESS", "expires_in": 7200})
                else:
                    self._json({"errcode": 40001, "errmsg": "invalid credential"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if url.path == "/cgi-bin/message/custom/send" and parse_qs(url.query).get(
                    "access_token"
                ) == ["ACCESS"]:
                    api.sent.append(json.loads(body.decode("utf-8")))
                    self._json({"errcode": 0, "errmsg": "ok"})
                else:
                    self._json({"errcode": 40001, "errmsg": "invalid credential"})

        for attempt in range(5):  # another process may take the port first (pytest -n)
            self.port = free_port()
            try:
                self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                if attempt == 4:
                    raise
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    def wait_for(self, count: int, timeout: float = 10.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.sent
