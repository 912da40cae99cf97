"""POST /api/feedback: a 有用/没用 rating of one answer, stored with the conversation."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.web import review_store
from bot.web.appkeys import SETTINGS
from bot.web.chat import check_same_site
from bot.web.errors import BadRequest, json_ok, read_json_object


async def api_feedback(request: web.Request) -> web.Response:
    check_same_site(request)
    data = await read_json_object(request)
    try:
        row = review_store.clean_feedback(data)
    except review_store.InvalidFeedback as exc:
        raise BadRequest(str(exc))
    store = review_store.store_of(request.app[SETTINGS])
    if store is None:
        raise BadRequest("评价暂时无法保存（对话存储不支持）。", status=503)
    await asyncio.to_thread(review_store.add_feedback, store, row)
    return json_ok({"ok": True})
