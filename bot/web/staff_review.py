"""Staff API of the review queue (/staff/api/review*): list, CSV, decisions, phrasing patch."""
from __future__ import annotations

import asyncio
from urllib.parse import quote

from aiohttp import web

from bot.web import review_queue, review_store
from bot.web.appkeys import KB_PROVIDER, SETTINGS
from bot.web.errors import BadRequest, json_ok, read_json_object
from bot.web.review_patch import build_patch
from bot.web.unanswered import MAX_TEXT, normalise_text
from policy_kb import paths


def _store(request: web.Request) -> review_store.Store:
    store = review_store.store_of(request.app[SETTINGS])
    if store is None:
        raise BadRequest("对话存储无法在工作台读取（不是 SQLite 或 SQL 数据库）。", status=503)
    return store


def _filters(request: web.Request) -> dict:
    q = request.query
    kind, status = q.get("kind", "").strip(), q.get("status", "").strip()
    if kind and kind not in review_queue.KINDS:
        raise BadRequest("类型应为 " + "、".join(review_queue.KINDS) + " 之一。")
    if status and status not in review_queue.STATUSES:
        raise BadRequest("状态应为 " + "、".join(review_queue.STATUSES) + " 之一。")
    try:
        since = review_queue.parse_date(q.get("from", "").strip())
        until = review_queue.parse_date(q.get("to", "").strip(), end=True)
    except ValueError:
        raise BadRequest("日期应写成 2026-12-01 这样的格式。")
    text = q.get("q", "").strip()[:200]
    return {"kind": kind, "status": status, "since": since, "until": until, "text": text}


async def _items(request: web.Request) -> tuple[dict, list[dict]]:
    filters = _filters(request)
    queue = await asyncio.to_thread(review_queue.load, _store(request))
    return queue, review_queue.select(queue["items"], **filters)


async def api_review(request: web.Request) -> web.Response:
    queue, items = await _items(request)
    return json_ok({"available": queue["available"], "items": items, "groups": len(items),
                    "total": sum(i["count"] for i in items), "all_groups": len(queue["items"]),
                    "message": queue["message"] if not queue["items"] else ("" if items else "没有符合筛选条件的问题。"),
                    "kinds": review_queue.KINDS, "statuses": review_queue.STATUSES})


async def api_review_csv(request: web.Request) -> web.Response:
    _queue, items = await _items(request)
    body = review_queue.to_csv(items)
    return web.Response(body=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": "attachment; filename=review-queue.csv; filename*=UTF-8''" + quote("待复核问题.csv")})


async def api_review_decide(request: web.Request) -> web.Response:
    data = await read_json_object(request)
    text = data.get("text")
    status = data.get("status")
    if not isinstance(text, str) or not normalise_text(text):
        raise BadRequest("缺少问题文字（text）。")
    if status not in review_queue.STATUSES:
        raise BadRequest("status 应为 open（待处理）、handled（已处理）或 linked（已关联）。")
    point, clause = data.get("point") or None, data.get("clause") or None
    kb = request.app[KB_PROVIDER].get()
    if status == "linked":
        if not point and not clause:
            raise BadRequest("关联时请选择答复要点或填写条款编号。")
        if point and (not isinstance(point, str) or kb.answer_point(point) is None):
            raise BadRequest(f"没有编号为“{str(point)[:60]}”的答复要点。")
        if clause:
            found = kb.clause(clause) if isinstance(clause, str) and len(clause) <= 200 else None
            if found is None:
                raise BadRequest(f"没有找到条款“{str(clause)[:60]}”。")
            clause = found["id"]
    else:
        point = clause = None
    row = await asyncio.to_thread(review_store.decide, _store(request), normalise_text(text),
                                  text[:MAX_TEXT], status, point, clause)
    return json_ok({"ok": True, "decision": row})


async def api_review_patch(request: web.Request) -> web.Response:
    store = _store(request)
    decided = await asyncio.to_thread(review_store.decisions, store)
    linked = [{"text": d["text"], "point": d["point"], "clause": d["clause"]}
              for d in decided.values() if d["status"] == "linked"]
    patch = await asyncio.to_thread(build_patch, linked, paths.answers_dir())
    if request.query.get("format") == "json":
        return json_ok({"diff": patch.diff, "added": patch.added, "skipped": patch.skipped})
    return web.Response(text=patch.diff, content_type="text/x-diff", charset="utf-8", headers={
        "Content-Disposition": "attachment; filename=phrasings.diff"})


async def api_points(request: web.Request) -> web.Response:
    """Answer points for the link picker: id, first question, answer; `q` ranks them."""
    from bot.web.answers import point_candidates

    kb = request.app[KB_PROVIDER].get()
    return json_ok({"points": point_candidates(kb, request.query.get("q", "")[:200])})
