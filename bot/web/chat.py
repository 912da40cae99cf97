"""Applicant chat page (/) and the /api/chat proxy to Rasa's REST channel."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
from aiohttp import web

from bot.web.appkeys import HTTP, KB_PROVIDER, SETTINGS
from bot.web.errors import BadRequest, json_ok, read_json_object
from bot.web.facts_form import fact_labels, route_names
from bot.web.kb_access import hotline_numbers
from bot.web.render import render

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
_SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_KEEP_KEYS = ("text", "buttons", "custom", "image")


def _hotlines(request: web.Request) -> list[str]:
    try:
        return hotline_numbers(request.app[KB_PROVIDER].get())
    except Exception:  # noqa: BLE001 - the KB may be missing; the page still works
        return []


async def chat_page(request: web.Request) -> web.Response:
    return render(request, "chat.html", {"fact_labels": fact_labels(),
                                         "route_names": route_names(),
                                         "hotlines": _hotlines(request),
                                         "max_chars": MAX_MESSAGE_CHARS})


def check_same_site(request: web.Request) -> None:
    """Refuse cross-site posts: a page on another site can send a "simple" text/plain or
    form POST without any preflight; only JSON from this site's own pages is accepted."""
    content_type = request.content_type.lower()
    if content_type != "application/json":
        raise BadRequest("请以 JSON 提交（Content-Type: application/json）。", status=415)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        public = request.app[SETTINGS].public_origin
        if not public or origin != public:
            raise BadRequest("不接受来自其他网站的请求。", status=403)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise BadRequest("不接受来自其他网站的请求。", status=403)


def _validate(data: dict) -> tuple[str, str]:
    message = data.get("message")
    sender = data.get("sender")
    if not isinstance(message, str):
        raise BadRequest("请输入要咨询的问题（message 应为文字）。")
    message = message.strip()
    if not message:
        raise BadRequest("消息不能为空，请输入您的问题。")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(f"消息太长了（{len(message)} 字），请控制在 {MAX_MESSAGE_CHARS} 字以内。")
    if not isinstance(sender, str) or not _SENDER.match(sender):
        raise BadRequest("会话标识（sender）无效，请刷新页面后重试。")
    return message, sender


def _clean_reply(item: Any) -> dict | None:
    """Keep only the parts of a Rasa REST message the page renders."""
    if not isinstance(item, dict):
        return None
    out = {k: item[k] for k in _KEEP_KEYS if item.get(k) not in (None, "", [])}
    return out or None


def _unavailable_message(request: web.Request) -> str:
    numbers = _hotlines(request)
    if numbers:
        return ("抱歉，智能助手暂时无法回复，请稍后再试；也可以拨打职称服务热线 "
                + "、".join(numbers) + " 咨询。")
    return "抱歉，智能助手暂时无法回复，请稍后再试，或联系当地人力资源和社会保障部门咨询。"


async def _ask_rasa(request: web.Request, url: str, sender: str, message: str):
    settings = request.app[SETTINGS]
    async with request.app[HTTP].post(
        url, json={"sender": sender, "message": message},
        timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout),
    ) as resp:
        if resp.status != 200:
            log.warning("Rasa answered HTTP %s", resp.status)
            raise BadRequest(_unavailable_message(request), status=502)
        return await resp.json(content_type=None)


async def chat_api(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    check_same_site(request)
    message, sender = _validate(body)
    url = f"{request.app[SETTINGS].rasa_url}/webhooks/rest/webhook"
    try:
        try:
            payload = await _ask_rasa(request, url, sender, message)
        except aiohttp.ClientConnectionError as exc:
            # One Rasa process went away (it is restarted by the launcher) while the
            # connection was open or queued on its socket: the others take the retry.
            log.warning("Rasa connection lost (%s); retrying once", exc)
            payload = await _ask_rasa(request, url, sender, message)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        log.warning("Rasa not reachable at %s: %s", url, exc)
        raise BadRequest(_unavailable_message(request), status=503)
    if not isinstance(payload, list):
        raise BadRequest(_unavailable_message(request), status=502)
    replies = [r for r in (_clean_reply(item) for item in payload) if r]
    return json_ok({"messages": replies})
