"""REST input channel that never answers with silence or a 500.

Rasa 3.6's own REST channel (`rest:` in credentials.yml) has two gaps:

* A request body that is JSON but not an object (``[]``, ``"hi"``), or a ``message`` or
  ``sender`` of the wrong type, ends in an exception inside the handler: HTTP 500.
  A body that is not JSON at all gets Sanic's English 400 page.
* When a custom action fails (action server down, or an action raising), Rasa's
  ``MessageProcessor._run_action`` logs "Encountered an exception while running action"
  and carries on without the action's events: the user gets ``[]`` — silence.

``GuardedRestInput`` keeps the same URL (``/webhooks/rest/webhook``, its name is
``rest``) and the same reply format, and adds:

* a 4xx with a clear Chinese message for a body or field of the wrong shape;
* a polite apology with the hotline numbers (read from the knowledge base) whenever a
  user message got no reply at all;
* log lines with ID-card and mobile numbers masked (policy_kb.privacy.mask_pii);
* conversations of other channels out of reach: a sender such as ``wechat:<OpenID>`` is
  refused (bot/channels/namespace.py), and ``input_channel`` is always ``rest`` (a value in
  the body is ignored);
* with ``?stream=true`` the same apology as a streamed line when nothing else was sent;
* at most N turns processed at once (env ``REST_MAX_CONCURRENT_TURNS``, default 2; 0 = no
  limit, as Rasa does), the others waiting in arrival order. Rasa interleaves concurrent turns at every await (each
  call to the action server), so under saturation a turn that calls the action server
  three times waits three times behind everybody else's work; first-come-first-served
  processing gives each message the same wait plus its own work
  (docs/benchmarks/README.md). Throughput is unchanged; short answers wait a little
  longer under load and long ones much less. A turn still running after SLOT_SECONDS (a
  hung action server) gives its place up, so it never blocks the others for long.

Loading this channel also installs ``fast_action_result_validation()`` in the Rasa server:
Rasa checks every action server reply with ``jsonschema.validate``, which re-checks the
(large) event schema itself on each call — about 13 ms per custom action here, most of the
Rasa server's CPU time under load (docs/benchmarks/README.md). The same check is done with
validators built once, each event checked against the one alternative its ``event`` names
(same acceptance as the schema's ``oneOf``; an invalid reply still raises Rasa's own error).

Wiring (credentials.yml): replace the ``rest:`` block by
``bot.channels.rest_guard.GuardedRestInput:``.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.namespace import is_reserved
from policy_kb.privacy import mask_pii

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 128
# Rasa commands that legitimately produce no reply.
SILENT_COMMANDS = ("/restart", "/session_start", "/back")

EXAMPLE = '{"sender": "user-1", "message": "你好"}'
ERR_EMPTY = "请求内容为空，请以 JSON 对象提交，例如 " + EXAMPLE + "。"
ERR_NOT_JSON = "请求内容不是有效的 JSON，请检查格式，例如 " + EXAMPLE + "。"
ERR_NOT_OBJECT = "请求内容应为 JSON 对象，例如 " + EXAMPLE + "。"
ERR_TOO_LARGE = f"请求内容过大（上限 {MAX_BODY_BYTES // 1024} KB）。"
ERR_MESSAGE_TYPE = "message 字段应为文字（字符串），例如 " + EXAMPLE + "。"
ERR_MESSAGE_LONG = f"消息太长了，请控制在 {MAX_MESSAGE_CHARS} 字以内。"
ERR_SENDER = f"sender 字段应为 1 至 {MAX_SENDER_CHARS} 个字符的会话标识（字符串），例如 " + EXAMPLE + "。"
ERR_METADATA = "metadata 字段应为 JSON 对象。"
ERR_SENDER_RESERVED = "sender 不能以其他渠道的前缀（如 wechat:）开头，请换一个会话标识。"

APOLOGY = "抱歉，系统暂时出了点问题，没能回答您刚才的消息。请稍后再试一次；"
NO_HOTLINE = "如着急，也可以咨询所在单位人事部门或当地人力资源和社会保障部门。"


class RequestError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _error(exc: RequestError) -> HTTPResponse:
    return response.json({"error": exc.message}, status=exc.status,
                         dumps=lambda o: json.dumps(o, ensure_ascii=False))


def parse_body(raw: Optional[bytes]) -> Dict[str, Any]:
    """The request as a dict with a valid sender, message and metadata, or RequestError."""
    raw = raw or b""
    if len(raw) > MAX_BODY_BYTES:
        raise RequestError(ERR_TOO_LARGE, 413)
    if not raw.strip():
        raise RequestError(ERR_EMPTY)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestError(ERR_NOT_JSON)
    if not isinstance(data, dict):
        raise RequestError(ERR_NOT_OBJECT)
    message = data.get("message")
    if not isinstance(message, str):
        raise RequestError(ERR_MESSAGE_TYPE)
    if len(message) > MAX_MESSAGE_CHARS:
        raise RequestError(ERR_MESSAGE_LONG, 413)
    sender = data.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise RequestError(ERR_SENDER)
    if is_reserved(sender):
        raise RequestError(ERR_SENDER_RESERVED, 403)
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise RequestError(ERR_METADATA)
    return {"sender": sender, "message": message, "metadata": metadata}


_hotline_cache: Optional[List[str]] = None


def hotline_numbers() -> List[str]:
    """Hotline numbers printed in the notices; [] when the knowledge base is unreadable."""
    global _hotline_cache
    if _hotline_cache is None:
        numbers: List[str] = []
        try:
            from policy_kb.kb import KB

            for row in KB(auto_build=False).contacts():
                phone = row.get("phone")
                if isinstance(phone, str) and phone and phone not in numbers:
                    numbers.append(phone)
        except Exception as exc:  # noqa: BLE001 - the apology itself must never fail
            logger.warning("Hotline numbers unavailable for the apology message: %s", exc)
            return []
        _hotline_cache = numbers
    return _hotline_cache


def apology_text() -> str:
    numbers = hotline_numbers()
    if numbers:
        return APOLOGY + "如着急，可以拨打职称咨询服务热线：" + "、".join(numbers) + "。"
    return APOLOGY + NO_HOTLINE


def needs_apology(text: Text, messages: List[Dict[Text, Any]]) -> bool:
    """True when a user message got no reply at all (a failed action, an exception)."""
    if messages:
        return False
    return not text.strip().startswith(SILENT_COMMANDS)


DEFAULT_MAX_CONCURRENT_TURNS = 2
SLOT_SECONDS = 2.0      # a normal turn takes well under 0.1 s


def max_concurrent_turns() -> int:
    """REST_MAX_CONCURRENT_TURNS as a number (0 = no limit); unset or bad: the default."""
    raw = os.environ.get("REST_MAX_CONCURRENT_TURNS", "").strip()
    if not raw:
        return DEFAULT_MAX_CONCURRENT_TURNS
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("REST_MAX_CONCURRENT_TURNS=%r is not a number: using %d", raw, DEFAULT_MAX_CONCURRENT_TURNS)
        return DEFAULT_MAX_CONCURRENT_TURNS


def keep_alive() -> bool:
    """REST_KEEP_ALIVE: "0"/"false"/"no" closes the connection after each reply (default: kept).

    The launcher turns it off when several Rasa processes share the port (bot/rasa_server.py):
    the kernel spreads *connections* over the processes, so with kept-alive connections a
    client stays with one process, and one busy client could load one process while another
    idles. (Sanic 21.12 ignores its own KEEP_ALIVE setting, hence this.)"""
    return os.environ.get("REST_KEEP_ALIVE", "").strip().lower() not in ("0", "false", "no", "off")


def _event_dispatch_validator(schema: dict) -> Optional[Callable[[Any], bool]]:
    """A validity test equal to ``schema`` that checks each event against its own
    alternative only.

    Rasa's schema says: every event is an object with a string ``event`` and exactly one of
    ~25 alternatives, each fixing ``event`` to a different constant. jsonschema tries all of
    them for every event (≈ 0.2 ms each). Since the constants differ, the one alternative
    that can match is the one named by ``event``: checking the common part plus that one
    alternative accepts exactly what ``oneOf`` accepts. Returns None when the schema does not
    have that shape (another Rasa version): the caller then keeps the full check.
    """
    from jsonschema import validators

    try:
        events = schema["properties"]["events"]
        item = events["items"]
        alternatives = item["oneOf"]
        consts = [alt["properties"]["event"]["const"] for alt in alternatives]
    except (KeyError, TypeError):
        return None
    if len(set(consts)) != len(consts):
        return None
    cls = validators.validator_for(schema)
    common = {k: v for k, v in item.items() if k != "oneOf"}
    by_event = {c: cls({"allOf": [common, alt]}) for c, alt in zip(consts, alternatives)}
    outer = cls({**schema, "properties": {**schema["properties"], "events": {k: v for k, v in events.items()
                                                                             if k != "items"}}})

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            check = by_event.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return is_valid


def fast_action_result_validation() -> bool:
    """Make RemoteAction validate action server replies without re-reading the schema.

    Returns True when installed (idempotent). Behaviour is unchanged: the same schema, and
    an invalid reply raises the same jsonschema ValidationError with Rasa's hint appended
    (an invalid reply is re-checked by Rasa's own code, which raises).
    """
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "_cached_validator", False):
        return True
    from jsonschema import validators

    original = RemoteAction._validate_action_result
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    is_valid = _event_dispatch_validator(schema) or cls(schema).is_valid

    def _validate_action_result(self, result):  # type: ignore[no-untyped-def]
        if is_valid(result):
            return True
        return original(self, result)  # raises the same error, with Rasa's explanation

    _validate_action_result._cached_validator = True  # type: ignore[attr-defined]
    _validate_action_result._original = original  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result
    return True


class GuardedRestInput(RestInput):
    """Rasa's REST channel with input checks and an apology instead of silence."""

    def __init__(self) -> None:
        super().__init__()
        self._turns: Optional[asyncio.Semaphore] = None
        limit = max_concurrent_turns()
        if limit:
            self._turns = asyncio.Semaphore(limit)
            logger.info("REST channel: at most %d turns processed at once (REST_MAX_CONCURRENT_TURNS)", limit)
        try:
            fast_action_result_validation()
        except Exception as exc:  # noqa: BLE001 - a speed-up must never stop the server
            logger.warning("Could not install the cached action-result validator: %s", exc)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def stream_response(self, on_new_message: Callable[[UserMessage], Awaitable[None]], text: Text,
                        sender_id: Text, input_channel: Text, metadata: Optional[Dict[Text, Any]]):
        """Rasa's streamed reply (one JSON message per line), with the apology line when the
        turn sent nothing, and an end even when the turn raises (Rasa's would hang)."""

        async def stream(resp: Any) -> None:
            queue: asyncio.Queue = asyncio.Queue()

            async def run() -> None:
                try:
                    await self.on_message_wrapper(on_new_message, text, queue, sender_id, input_channel, metadata)
                except Exception:  # noqa: BLE001 - answered with an apology below
                    logger.exception("REST message failed (sender %s): %s", sender_id, mask_pii(text)[:200])
                    await queue.put("DONE")

            task = asyncio.ensure_future(run())
            sent: List[Dict[Text, Any]] = []
            while True:
                result = await queue.get()
                if result == "DONE":
                    break
                sent.append(result)
                await resp.write(json.dumps(result) + "\n")
            await task
            if needs_apology(text, sent):
                logger.warning("No reply to a message of sender %s (an action failed?): apology sent", sender_id)
                await resp.write(json.dumps({"recipient_id": sender_id, "text": apology_text()}) + "\n")

        return stream

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        if not keep_alive():
            @webhook.middleware("response")
            async def one_request_per_connection(request: Request, _response: HTTPResponse) -> None:
                if request.stream is not None:
                    request.stream.keep_alive = False  # reply with "Connection: close"

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # The worker's process id lets the launcher see every worker answer (model loaded).
            return response.json({"status": "ok", "worker": os.getpid()})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            try:
                body = parse_body(request.body)
            except RequestError as exc:
                return _error(exc)
            text, sender = body["message"], body["sender"]
            input_channel = self.name()   # set by the server, never by the caller
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, input_channel, body["metadata"]),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=input_channel, metadata=body["metadata"])
            try:
                if self._turns is None:
                    await on_new_message(message)
                else:
                    async with self._turns:
                        turn = asyncio.ensure_future(on_new_message(message))
                        await asyncio.wait({turn}, timeout=SLOT_SECONDS)
                    await turn          # a slow turn finishes outside the limit
            except CancelledError:
                logger.error("REST message timed out (sender %s): %s", sender, mask_pii(text)[:200])
            except Exception:  # noqa: BLE001 - answered with an apology below
                logger.exception("REST message failed (sender %s): %s", sender, mask_pii(text)[:200])
            messages = collector.messages
            if needs_apology(text, messages):
                logger.warning("No reply to a message of sender %s (an action failed?): apology sent", sender)
                messages = [{"recipient_id": sender, "text": apology_text()}]
            return response.json(messages)

        return webhook
