"""The applicant's conversation as a whole: read it back (reload, back navigation) and
restart it on purpose ("重新开始")."""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.web.appkeys import HTTP, SETTINGS
from bot.web.chat import _SENDER, check_same_site
from bot.web.errors import BadRequest, json_ok, read_json_object
from bot.web.history import conversation, form_values, load_events

log = logging.getLogger(__name__)


def _sender(body: dict) -> str:
    sender = body.get("sender")
    if not isinstance(sender, str) or not _SENDER.match(sender):
        raise BadRequest("会话标识（sender）无效，请刷新页面后重试。")
    return sender


def checklist_url(facts: dict) -> str:
    """The checklist page filled in with the conversation's facts."""
    values = form_values(facts)
    return "/checklist?" + urlencode(values) if values else "/checklist?show=1"


async def chat_history(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    check_same_site(request)
    sender = _sender(body)
    settings = request.app[SETTINGS]
    source = settings.tracker_source
    if source is not None and source.unsupported:
        return json_ok({"messages": [], "open_form": None, "facts": {}, "checklist_url": "/checklist",
                        "restored": False})
    path = source.sqlite_path if source is not None else settings.tracker_db
    sql_url = source.sql_url if source is not None else None
    events = await asyncio.to_thread(load_events, sender, path, sql_url)
    result = conversation(events)
    result["checklist_url"] = checklist_url(result["facts"])
    result["restored"] = True
    return json_ok(result)


async def chat_restart(request: web.Request) -> web.Response:
    """Restart the sender's Rasa conversation (its form, slots and messages are cleared)."""
    body = await read_json_object(request)
    check_same_site(request)
    sender = _sender(body)
    settings = request.app[SETTINGS]
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    try:
        async with request.app[HTTP].post(url, json={"sender": sender, "message": "/restart"},
                                          timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout)) as resp:
            restarted = resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("restart not sent to Rasa: %s", type(exc).__name__)
        restarted = False
    return json_ok({"restarted": restarted})
