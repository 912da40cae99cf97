"""WeChat Official Account (公众号) input channel for Rasa 3.6.

Mounted by Rasa at ``/webhooks/wechat/webhook`` when credentials.yml contains a
``bot.channels.wechat.WeChatInput`` block (token, appid, aes_key, appsecret).

* GET  verifies the server (SHA-1 of the sorted token, timestamp and nonce) and
  echoes ``echostr``.
* POST receives a message as XML, plain or encrypted (安全模式,
  ``encrypt_type=aes`` + ``msg_signature``), hands text to Rasa and answers with
  ONE passive XML text reply (encrypted again in 安全模式) within WeChat's
  5-second limit.  A slower answer is pushed later through the customer-service
  message API when ``appsecret`` is configured; otherwise the user is asked to
  send the question again and the finished answer is returned then.

An empty token means "not configured": every webhook request gets 503.

Retries and replays (WeChat re-sends a push up to three times when the reply is late):

* a request whose signed ``timestamp`` is further than ``max_age`` seconds (default 300,
  credentials ``max_age``; 0 turns the check off) from the server's clock is refused (403);
* each MsgId is claimed once in the lock store's backend (SQLite file or Redis,
  bot/lock_store.claim_once), so whichever Rasa process receives a duplicate sees it: the
  turn runs once, and the duplicate gets the answer stored in the tracker (the user event
  carries ``wechat_msg_id`` in its metadata);
* numbered choices are read from the buttons of the last bot messages in the tracker, so
  they survive a restart and mean the same in every process.

Conversation ids are ``wechat:<OpenID>`` (bot/channels/namespace.py): no other channel
can name a WeChat user's conversation.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import xmltodict
from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.client import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import create_reply
from policy_kb.answer import cite_line
from wechatpy.utils import check_signature

from bot.channels.namespace import WECHAT, conversation_id, user_of
from bot.channels.rest_guard import apology_text

logger = logging.getLogger(__name__)

# --- limits -----------------------------------------------------------------
DEFAULT_REPLY_TIMEOUT = 4.5  # seconds; WeChat waits 5 s for a passive reply
REPLY_LIMIT_BYTES = 2000  # WeChat text content limit is about 2048 bytes
MAX_BODY_BYTES = 64 * 1024  # real WeChat pushes are a few hundred bytes
MAX_INPUT_CHARS = 1000  # longer user texts are refused with a message
MAX_PARAM_CHARS = 256  # signature / timestamp / nonce / echostr
PENDING_TTL = 600.0  # keep an unfinished or undelivered answer this long (s)
MAX_PENDING = 1000
BUTTON_TTL = 3600.0  # a numbered choice stays valid this long (s)
MAX_BUTTON_USERS = 10000
LATE_ANSWER_TIMEOUT = 120.0  # give up pushing an answer after this long (s)
PUSH_HTTP_TIMEOUT = 10.0  # per customer-service API call (s)
PUSH_DELAY = 1.0  # let the passive reply arrive before follow-up parts (s)
DEFAULT_MAX_AGE = 300.0  # refuse requests signed longer ago than this (s)
SEEN_TTL = 3600.0  # a MsgId is remembered this long (WeChat retries within 15 s)
DUPLICATE_POLL = 0.2  # how often a duplicate looks for the first request's answer (s)

# --- texts the WeChat user sees ---------------------------------------------
TEXT_WELCOME = (
    "您好，欢迎关注！我是包头市及内蒙古自治区职称评审政策咨询助手，"
    "可以解答职称申报条件、申报材料、时间安排和办理流程等问题，并注明依据的文件条款。\n"
    "请直接发送文字提问，例如：“申报副高级职称需要哪些材料？”"
)
TEXT_SEND_TEXT = "抱歉，我目前只能识别文字消息，请用文字描述您想咨询的问题。"
TEXT_EMPTY = "请发送您想咨询的问题，例如：“申报中级职称需要哪些材料？”"
TEXT_TOO_LONG = "您的消息太长了，请精简到{limit}字以内后再发送。"
TEXT_PROCESSING = "正在查询，请稍等几秒后再发送一次同样的问题，即可收到答复。"
# A failed turn or a turn without any reply: the REST channel's apology with the hotline
# numbers from the knowledge base (bot/channels/rest_guard.apology_text).
TEXT_TRUNCATED = "……（内容较长，未能全部显示，请缩小问题范围后再问）"
TEXT_CONTINUED = "（未完，续见下一条）"
TEXT_BUTTON_HINT = "请回复数字选择："

# --- texts for the platform / administrator (HTTP errors) -------------------
HTTP_NOT_CONFIGURED = (
    "微信公众号渠道未配置：WECHAT_TOKEN 为空。"
    "WeChat channel is not configured: WECHAT_TOKEN is empty."
)
HTTP_AES_NOT_CONFIGURED = (
    "安全模式未配置：WECHAT_APPID 为空或 WECHAT_AES_KEY 无效。"
    "Encrypted mode is not configured: WECHAT_APPID is empty or WECHAT_AES_KEY is invalid."
)
HTTP_BAD_SIGNATURE = "签名校验失败。Signature check failed."
HTTP_BAD_APPID = "消息的 AppID 与配置不符。The message was encrypted for another AppID."
HTTP_NO_ECHOSTR = "缺少 echostr 参数。Missing echostr parameter."
HTTP_EMPTY_BODY = "请求体为空。Empty request body."
HTTP_TOO_LARGE = "请求体过大。Request body too large."
HTTP_NOT_UTF8 = "请求体不是 UTF-8 编码。Request body is not valid UTF-8."
HTTP_BAD_XML = "XML 格式错误，无法解析。Malformed XML: {reason}"
HTTP_BAD_CIPHER = "无法解密消息。Cannot decrypt the message."
HTTP_STALE = "请求时间戳超出允许范围。The request timestamp is outside the accepted window."

_XML_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHOICE = re.compile(r"[0-9０-９]{1,2}")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class InboundError(ValueError):
    """A request the channel cannot process; the message says why (HTTP 400)."""


# --- rendering Rasa messages as WeChat text ---------------------------------


@dataclass
class RenderedReply:
    """Bot messages flattened to text lines, citations kept apart for fitting."""

    body: str = ""
    citations: List[str] = field(default_factory=list)
    choices: List[str] = field(default_factory=list)  # payload per numbered button


def citation_line(citation: Any) -> Optional[str]:
    """A payload citation ``{"id","title","label","quote"}`` -> the one citation line of
    policy_kb.answer (``依据《…》第…项。``); None if it names nothing."""
    if not isinstance(citation, dict):
        return None
    clause = {key: str(citation.get(key) or "").strip() for key in ("id", "title", "label")}
    if not any(clause.values()):
        return None
    if not clause["label"] and clause["title"]:
        clause["label"] = f"《{clause['title']}》"
    return cite_line(clause)


def render_messages(messages: List[Dict[Text, Any]]) -> RenderedReply:
    """Turn the messages collected from Rasa into plain text for WeChat.

    Buttons become numbered lines (numbering runs across all messages of the
    turn); citations in ``custom`` become de-duplicated ``依据…。`` lines.
    """
    lines: List[str] = []
    citations: List[str] = []
    choices: List[str] = []
    for message in messages or []:
        if not isinstance(message, dict):
            continue
        text = message.get("text")
        if text:
            lines.append(str(text).strip())
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        if buttons:
            lines.append(TEXT_BUTTON_HINT)
            for button in buttons:
                title = str(button.get("title") or button.get("payload") or "").strip()
                choices.append(str(button.get("payload") or title))
                lines.append(f"{len(choices)}. {title}")
        custom = message.get("custom")
        # A structured answer (policy_kb.answer) already carries its citation line in its text.
        if isinstance(custom, dict) and isinstance(custom.get("citations"), list) and not custom.get("answer"):
            for citation in custom["citations"]:
                line = citation_line(citation)
                if line and line not in citations:
                    citations.append(line)
        if message.get("image"):
            lines.append(f"图片：{message['image']}")
        if message.get("attachment"):
            lines.append(f"附件：{message['attachment']}")
    body = "\n".join(clean_text(line) for line in lines if line)
    citations = [clean_text(line) for line in citations]
    return RenderedReply(body=body, citations=citations, choices=choices)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int) -> List[str]:
    """Split ``text`` into chunks of at most ``limit`` UTF-8 bytes.

    Cuts between lines where possible, inside a line only when the line alone
    is too long (never inside a character).
    """
    chunks: List[str] = []
    current = ""
    for line in text.split("\n"):
        while utf8_len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            head = line.encode("utf-8")[:limit].decode("utf-8", "ignore") or line[0]
            chunks.append(head)
            line = line[len(head):]
        candidate = f"{current}\n{line}" if current else line
        if current and utf8_len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def fit_reply(
    rendered: RenderedReply, limit: int, can_continue: bool
) -> Tuple[str, List[str]]:
    """Return (passive reply text, follow-up parts) within ``limit`` bytes.

    With ``can_continue`` (customer-service API available) a long answer is
    split and the rest is sent afterwards; otherwise the body is shortened and
    the citation lines are kept.
    """
    full = "\n".join(x for x in [rendered.body, *rendered.citations] if x)
    if utf8_len(full) <= limit:
        return full, []
    if can_continue:
        parts = split_text(full, limit - utf8_len("\n" + TEXT_CONTINUED))
        return f"{parts[0]}\n{TEXT_CONTINUED}", parts[1:]
    cites = "\n".join(rendered.citations)
    if utf8_len(cites) > limit // 2:
        cites = split_text(cites, limit // 2)[0]
    budget = limit - utf8_len(cites) - utf8_len(TEXT_TRUNCATED) - 2
    head = split_text(rendered.body, budget)[0] if rendered.body.strip() else ""
    return "\n".join(x for x in (head, TEXT_TRUNCATED, cites) if x), []


def push_parts(rendered: RenderedReply, limit: int) -> List[str]:
    """The whole answer as parts for the customer-service API."""
    full = "\n".join(x for x in [rendered.body, *rendered.citations] if x)
    return split_text(full, limit) or [apology_text()]


def clean_text(text: str) -> str:
    """Drop characters XML 1.0 and UTF-8 cannot carry (controls, lone surrogates)."""
    return _XML_INVALID_CHARS.sub("", text)


def xml_safe(text: str) -> str:
    """Make text safe inside wechatpy's ``<![CDATA[...]]>`` reply fields."""
    return clean_text(text).replace("]]>", "]]]]><![CDATA[>")


# --- inbound XML ------------------------------------------------------------


def parse_inbound(xml: str) -> Any:
    """Parse a (decrypted) WeChat push with wechatpy; raise InboundError if unusable."""
    try:
        message = parse_message(xml)
    except Exception as exc:  # expat errors, missing <xml>/<MsgType>, odd shapes
        raise InboundError(HTTP_BAD_XML.format(reason=type(exc).__name__)) from exc
    if message is None:
        raise InboundError(HTTP_EMPTY_BODY)
    for name in ("FromUserName", "ToUserName"):
        value = message._data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 128:
            raise InboundError(HTTP_BAD_XML.format(reason=f"{name} missing or invalid"))
    if message.type == "text" and not isinstance(
        message._data.get("Content"), (str, type(None))
    ):
        raise InboundError(HTTP_BAD_XML.format(reason="Content is not text"))
    return message


def _param(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not isinstance(value, str) or len(value) > MAX_PARAM_CHARS:
        return ""
    return value


def _clean(value: Any) -> str:
    """Credential value as text; a literal "${NAME}" left unexpanded reads env NAME.

    Rasa substitutes ${NAME} only in unquoted YAML scalars; a quoted one
    arrives as the placeholder itself and must not be taken as the secret.
    """
    text = "" if value is None else str(value).strip()
    placeholder = _PLACEHOLDER.fullmatch(text)
    return os.environ.get(placeholder.group(1), "").strip() if placeholder else text


# --- customer-service API (late answers) ------------------------------------


class _Client(WeChatClient):
    """wechatpy client whose API host can be changed (tests, outbound proxies)."""

    def __init__(self, appid: str, secret: str, api_base_url: Optional[str] = None):
        super().__init__(appid, secret, timeout=PUSH_HTTP_TIMEOUT)
        if api_base_url:
            self.API_BASE_URL = api_base_url.rstrip("/") + "/"

    def fetch_access_token(self) -> Dict[str, Any]:
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
            },
        )


class CustomerService:
    """Sends text through the customer-service message API (客服消息)."""

    def __init__(self, appid: str, secret: str, api_base_url: Optional[str] = None):
        self.client = _Client(appid, secret, api_base_url)
        self._lock: Optional[asyncio.Lock] = None

    async def send_text(self, openid: str, text: str) -> bool:
        """Send one text; log and return False on any failure (never raises)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        content = clean_text(text)
        try:
            async with self._lock:  # one requests.Session, one token refresh
                await asyncio.wait_for(
                    asyncio.to_thread(self.client.message.send_text, openid, content),
                    PUSH_HTTP_TIMEOUT * 3,
                )
            return True
        except Exception as exc:
            logger.warning("WeChat customer-service send failed: %r", exc)
            return False

    async def send_parts(self, openid: str, parts: List[str], delay: float = 0.0) -> int:
        if delay:
            await asyncio.sleep(delay)
        sent = 0
        for part in parts:
            if not await self.send_text(openid, part):
                break
            sent += 1
        return sent


class WeChatOutput(OutputChannel):
    """Proactive output (e.g. ``trigger_intent``) through the customer-service API."""

    def __init__(self, service: CustomerService) -> None:
        self.service = service

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = render_messages([dict(message)])
        if rendered.body or rendered.citations:
            await self.service.send_parts(user_of(WECHAT, recipient_id), push_parts(rendered, REPLY_LIMIT_BYTES))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


# --- the input channel ------------------------------------------------------


@dataclass
class _PendingTurn:
    task: "asyncio.Future[List[Dict[Text, Any]]]"
    started: float
    delivered: bool = False


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        credentials = credentials if isinstance(credentials, dict) else {}
        return cls(
            token=credentials.get("token"),
            appid=credentials.get("appid"),
            aes_key=credentials.get("aes_key"),
            appsecret=credentials.get("appsecret"),
            reply_timeout=credentials.get("reply_timeout"),
            api_base_url=credentials.get("api_base_url"),
            max_age=credentials.get("max_age"),
        )

    def __init__(
        self,
        token: Any = "",
        appid: Any = "",
        aes_key: Any = "",
        appsecret: Any = "",
        reply_timeout: Any = None,
        api_base_url: Any = None,
        max_age: Any = None,
    ) -> None:
        self.token = _clean(token)
        self.appid = _clean(appid)
        self.aes_key = _clean(aes_key)
        self.appsecret = _clean(appsecret)
        self.reply_timeout = self._timeout(reply_timeout)
        self.max_age = self._max_age(max_age)
        self.crypto = self._make_crypto()
        self.customer_service: Optional[CustomerService] = None
        if self.token and self.appid and self.appsecret:
            self.customer_service = CustomerService(
                self.appid, self.appsecret, _clean(api_base_url) or None
            )
        self._pending: "OrderedDict[Tuple[str, str], _PendingTurn]" = OrderedDict()
        # Used only when Rasa gives no lock store / tracker store (a stand-in agent in tests).
        self._local_seen: Dict[str, float] = {}
        self._local_answers: "OrderedDict[Tuple[str, str], List[Dict[Text, Any]]]" = OrderedDict()
        self._choices: "OrderedDict[str, Tuple[float, List[str]]]" = OrderedDict()
        self._background: set = set()
        if not self.token:
            logger.warning("WeChat channel not configured (empty token): webhook answers 503.")

    @staticmethod
    def _timeout(value: Any) -> float:
        try:
            seconds = float(value) if value not in (None, "") else DEFAULT_REPLY_TIMEOUT
        except (TypeError, ValueError):
            seconds = DEFAULT_REPLY_TIMEOUT
        return min(max(seconds, 0.05), 60.0)

    @staticmethod
    def _max_age(value: Any) -> float:
        """Seconds a signed request stays acceptable (WECHAT_MAX_AGE / credentials max_age)."""
        raw = _clean(value) if value not in (None, "") else os.environ.get("WECHAT_MAX_AGE", "").strip()
        try:
            return max(0.0, float(raw)) if raw not in ("", None) else DEFAULT_MAX_AGE
        except ValueError:
            logger.warning("WeChat max_age %r is not a number: using %.0f s", raw, DEFAULT_MAX_AGE)
            return DEFAULT_MAX_AGE

    def _fresh(self, request: Request) -> bool:
        """The signed timestamp is within max_age of now (either side)."""
        if not self.max_age:
            return True
        try:
            stamp = float(_param(request, "timestamp"))
        except ValueError:
            return False
        return abs(time.time() - stamp) <= self.max_age

    def _make_crypto(self) -> Optional[WeChatCrypto]:
        if not (self.token and self.appid and self.aes_key):
            return None
        try:
            return WeChatCrypto(self.token, self.aes_key, self.appid)
        except Exception as exc:  # wrong length / not base64
            logger.error("WECHAT_AES_KEY is invalid (%r); encrypted mode disabled.", exc)
            return None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.customer_service) if self.customer_service else None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        wechat_webhook = Blueprint("wechat_webhook", __name__)

        @wechat_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.token)})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verify(request)

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            return await self._receive(request, on_new_message, agent)

        return wechat_webhook

    # -- HTTP ---------------------------------------------------------------

    def _signature_ok(self, request: Request) -> bool:
        signature = _param(request, "signature")
        timestamp = _param(request, "timestamp")
        nonce = _param(request, "nonce")
        if not (signature and timestamp and nonce):
            return False
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            return False
        return True

    def _verify(self, request: Request) -> HTTPResponse:
        if not self.token:
            return response.text(HTTP_NOT_CONFIGURED, status=503)
        if not self._signature_ok(request):
            return response.text(HTTP_BAD_SIGNATURE, status=403)
        echostr = request.args.get("echostr")
        if not isinstance(echostr, str) or len(echostr) > MAX_PARAM_CHARS:
            return response.text(HTTP_NO_ECHOSTR, status=400)
        return response.text(echostr)

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any = None
    ) -> HTTPResponse:
        if not self.token:
            return response.text(HTTP_NOT_CONFIGURED, status=503)
        encrypted = _param(request, "encrypt_type").lower() == "aes"
        if encrypted and self.crypto is None:
            return response.text(HTTP_AES_NOT_CONFIGURED, status=503)
        # 安全模式 is authenticated by msg_signature (over the ciphertext); the
        # plain signature, which WeChat also sends, must then be valid if present.
        if encrypted:
            has_signature = bool(request.args.get("signature"))
            if has_signature and not self._signature_ok(request):
                return response.text(HTTP_BAD_SIGNATURE, status=403)
        elif not self._signature_ok(request):
            return response.text(HTTP_BAD_SIGNATURE, status=403)
        if not self._fresh(request):
            logger.warning("WeChat request refused: timestamp outside the %.0f s window (a replay?)", self.max_age)
            return response.text(HTTP_STALE, status=403)

        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return response.text(HTTP_TOO_LARGE, status=413)
        if not body.strip():
            return response.text(HTTP_EMPTY_BODY, status=400)
        try:
            xml = body.decode("utf-8")
        except UnicodeDecodeError:
            return response.text(HTTP_NOT_UTF8, status=400)

        nonce = _param(request, "nonce")
        try:
            if encrypted:
                xml = self._decrypt(request, xml, nonce)
            message = parse_inbound(xml)
        except PermissionError as exc:
            return response.text(str(exc), status=403)
        except InboundError as exc:
            return response.text(str(exc), status=400)

        reply = await self._reply_for(message, on_new_message, agent)
        if reply is None:
            return response.text("success")
        xml_reply = create_reply(xml_safe(reply), message, render=True)
        if encrypted:
            xml_reply = self.crypto.encrypt_message(xml_reply, nonce)
        return response.text(xml_reply, content_type="application/xml; charset=utf-8")

    def _decrypt(self, request: Request, xml: str, nonce: str) -> str:
        msg_signature = _param(request, "msg_signature")
        timestamp = _param(request, "timestamp")
        if not (msg_signature and timestamp and nonce):
            raise PermissionError(HTTP_BAD_SIGNATURE)
        try:
            outer = xmltodict.parse(xml)["xml"]
            encrypt = outer["Encrypt"]
        except Exception as exc:
            raise InboundError(HTTP_BAD_XML.format(reason=type(exc).__name__)) from exc
        if not isinstance(encrypt, str) or not encrypt.strip():
            raise InboundError(HTTP_BAD_XML.format(reason="Encrypt missing"))
        try:
            return self.crypto.decrypt_message(
                {"Encrypt": encrypt}, msg_signature, timestamp, nonce
            )
        except InvalidSignatureException as exc:
            raise PermissionError(HTTP_BAD_SIGNATURE) from exc
        except InvalidAppIdException as exc:
            raise PermissionError(HTTP_BAD_APPID) from exc
        except Exception as exc:  # bad base64, padding, length
            raise InboundError(HTTP_BAD_CIPHER) from exc

    # -- dialogue -------------------------------------------------------------

    async def _reply_for(
        self, message: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any = None
    ) -> Optional[str]:
        """Text of the passive reply, or None for an empty "success" reply."""
        msg_type = str(message._data.get("MsgType") or "").lower()
        if msg_type == "event":
            # subscribe, or subscribe_scan / subscribe_scan_product (QR codes)
            event = str(message._data.get("Event") or "").lower()
            return TEXT_WELCOME if event.startswith("subscribe") else None
        if msg_type != "text":
            return TEXT_SEND_TEXT
        text = (message.content or "").strip()
        if not text:
            return TEXT_EMPTY
        if len(text) > MAX_INPUT_CHARS:
            return TEXT_TOO_LONG.format(limit=MAX_INPUT_CHARS)
        sender = conversation_id(WECHAT, message.source)
        msg_id = str(message._data.get("MsgId") or "")
        if (sender, text) not in self._pending and msg_id and not self._claim(agent, sender, msg_id):
            return await self._duplicate(agent, sender, msg_id)
        text = await self._resolve_choice(agent, sender, text)
        return await self._answer(sender, text, message, on_new_message)

    # -- retries: one turn per MsgId, whichever process receives it ------------

    def _claim(self, agent: Any, sender: str, msg_id: str) -> bool:
        """True the first time this MsgId is seen by any process."""
        from bot.lock_store import claim_once

        store = getattr(agent, "lock_store", None)
        if store is None:
            store = self._local_seen
        try:
            return claim_once(store, f"wechat-msg:{sender}:{msg_id}", SEEN_TTL)
        except Exception as exc:  # noqa: BLE001 - a store problem must not silence the user
            logger.warning("Could not record WeChat MsgId (%s); answering it.", exc)
            return True

    async def _duplicate(self, agent: Any, sender: str, msg_id: str) -> Optional[str]:
        """A MsgId seen before: the answer stored in the tracker, once the first request's
        turn has saved it (waiting up to the reply timeout); no second turn."""
        logger.info("WeChat duplicate MsgId for %s: not run again", sender)
        deadline = time.monotonic() + self.reply_timeout
        while True:
            messages = await self._stored_answer(agent, sender, msg_id)
            if messages is not None:
                rendered = render_messages(messages)
                if not (rendered.body or rendered.citations):
                    return apology_text()
                return fit_reply(rendered, REPLY_LIMIT_BYTES, False)[0]
            if self.customer_service is not None:
                # The first request's process pushes the answer when its turn ends (WeChat
                # retries only after that request timed out): answering here too would
                # show the user the answer twice.
                return None
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(DUPLICATE_POLL)
        return TEXT_PROCESSING

    @staticmethod
    async def _tracker_events(agent: Any, sender: str) -> Optional[List[Any]]:
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        try:
            tracker = await store.retrieve(sender)
        except Exception as exc:  # noqa: BLE001 - treated as "nothing stored"
            logger.warning("Could not read the WeChat conversation from the tracker store: %s", exc)
            return None
        return list(tracker.events) if tracker is not None else []

    async def _stored_answer(self, agent: Any, sender: str, msg_id: str) -> Optional[List[Dict[Text, Any]]]:
        """Bot messages answering the user message with this MsgId, once its turn is saved."""
        events = await self._tracker_events(agent, sender)
        if events is None:
            return self._local_answers.get((sender, msg_id))
        start = None
        for index, event in enumerate(events):
            if getattr(event, "type_name", "") == "user" and \
                    (getattr(event, "metadata", None) or {}).get("wechat_msg_id") == msg_id:
                start = index
        if start is None:
            return None
        answer = []
        for event in events[start + 1:]:
            kind = getattr(event, "type_name", "")
            if kind == "user":
                break
            if kind == "bot":
                answer.append(_bot_message(event))
        return answer

    async def _answer(
        self,
        sender: str,
        text: str,
        message: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> Optional[str]:
        self._prune()
        key = (sender, text)
        pending = self._pending.get(key)
        fresh = pending is None
        if pending is None:
            # Registered at once: the same text arriving meanwhile (a WeChat
            # retry, a double send, "ask again") joins this turn.
            pending = _PendingTurn(
                task=asyncio.ensure_future(self._run_turn(on_new_message, sender, text, message)),
                started=time.monotonic(),
            )
            self._pending[key] = pending
        done, _ = await asyncio.wait({pending.task}, timeout=self.reply_timeout)
        if pending.task in done:
            if self._pending.get(key) is pending:
                del self._pending[key]
            if pending.delivered:  # another request for the same turn answered it
                return None
            pending.delivered = True
            return self._passive_text(sender, pending.task)
        # Too slow for the passive reply: the turn keeps running.
        if self.customer_service is None:
            return TEXT_PROCESSING
        if fresh:
            self._spawn(self._deliver_late(key, pending))
        return None

    async def _run_turn(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        message: Any,
    ) -> List[Dict[Text, Any]]:
        collector = CollectingOutputChannel()
        msg_id = message._data.get("MsgId")
        await on_new_message(
            UserMessage(
                text,
                collector,
                sender,
                input_channel=self.name(),
                metadata={"wechat_msg_id": str(msg_id)} if msg_id else None,
            )
        )
        if msg_id:
            self._local_answers[(sender, str(msg_id))] = list(collector.messages)
            while len(self._local_answers) > MAX_PENDING:
                self._local_answers.popitem(last=False)
        return collector.messages

    def _result(self, task: "asyncio.Future") -> Optional[RenderedReply]:
        try:
            messages = task.result()
        except (Exception, asyncio.CancelledError):
            logger.exception("Rasa failed to handle a WeChat message.")
            return None
        return render_messages(messages)

    def _passive_text(self, sender: str, task: "asyncio.Future") -> str:
        rendered = self._result(task)
        if rendered is None:
            return apology_text()
        self._remember_choices(sender, rendered.choices)
        if not (rendered.body or rendered.citations):
            return apology_text()
        first, rest = fit_reply(rendered, REPLY_LIMIT_BYTES, self.customer_service is not None)
        if rest and self.customer_service:
            self._spawn(self.customer_service.send_parts(user_of(WECHAT, sender), rest, delay=PUSH_DELAY))
        return first

    async def _deliver_late(self, key: Tuple[str, str], pending: _PendingTurn) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(pending.task), LATE_ANSWER_TIMEOUT)
        except asyncio.TimeoutError:
            logger.warning("WeChat answer not ready after %.0f s; dropped.", LATE_ANSWER_TIMEOUT)
            return
        except Exception:
            pass  # reported by _result below
        if pending.delivered:  # the user re-sent and got it passively
            return
        pending.delivered = True
        if self._pending.get(key) is pending:
            del self._pending[key]
        sender = key[0]
        rendered = self._result(pending.task)
        if rendered is None:
            parts = [apology_text()]
        else:
            self._remember_choices(sender, rendered.choices)
            parts = push_parts(rendered, REPLY_LIMIT_BYTES)
        await self.customer_service.send_parts(user_of(WECHAT, sender), parts)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _prune(self) -> None:
        now = time.monotonic()
        for key, pending in list(self._pending.items()):
            if now - pending.started > PENDING_TTL:
                del self._pending[key]
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)

    # -- numbered buttons -------------------------------------------------------

    def _remember_choices(self, sender: str, choices: List[str]) -> None:
        """Kept in process memory only when Rasa gives no tracker store (see _choices_for)."""
        self._choices.pop(sender, None)
        if choices:
            self._choices[sender] = (time.monotonic(), choices)
            while len(self._choices) > MAX_BUTTON_USERS:
                self._choices.popitem(last=False)

    async def _choices_for(self, agent: Any, sender: str) -> List[str]:
        """Payloads of the numbered buttons the user was last shown: the buttons of the bot
        messages after the last user message in the tracker (any process, any restart)."""
        events = await self._tracker_events(agent, sender)
        if events is None:
            entry = self._choices.get(sender)
            return entry[1] if entry and time.monotonic() - entry[0] <= BUTTON_TTL else []
        last_turn: List[Dict[Text, Any]] = []
        for event in events:
            kind = getattr(event, "type_name", "")
            if kind == "user":
                last_turn = []
            elif kind == "bot":
                last_turn.append(_bot_message(event))
        if last_turn and time.time() - float(getattr(events[-1], "timestamp", 0) or 0) > BUTTON_TTL:
            return []
        return render_messages(last_turn).choices

    async def _resolve_choice(self, agent: Any, sender: str, text: str) -> str:
        """A bare number answering numbered buttons becomes that button's payload."""
        if not _CHOICE.fullmatch(text):
            return text
        choices = await self._choices_for(agent, sender)
        number = int(unicodedata.normalize("NFKC", text))
        return choices[number - 1] if 1 <= number <= len(choices) else text


def _bot_message(event: Any) -> Dict[Text, Any]:
    """A stored BotUttered event as the message dict Rasa's channels send."""
    data = dict(getattr(event, "data", None) or {})
    message: Dict[Text, Any] = {"text": getattr(event, "text", None)}
    for key in ("buttons", "custom", "image", "attachment"):
        if data.get(key):
            message[key] = data[key]
    return message
