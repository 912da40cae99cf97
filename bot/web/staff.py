"""Hotline staff console (/staff) and its JSON API (/staff/api/*)."""
from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.web import clause_diff, search_rank, thresholds
from bot.web.answers import point_answers, ready_answer
from bot.web.appkeys import KB_PROVIDER, SETTINGS
from bot.web.errors import BadRequest, json_ok
from bot.web.facts_form import fact_labels, fields
from bot.web.render import render
from bot.web.unanswered import unanswered

MAX_QUERY_CHARS = 200
MAX_LIMIT = 50


def _kb(request: web.Request):
    return request.app[KB_PROVIDER].get()


async def staff_page(request: web.Request) -> web.Response:
    provider = request.app[KB_PROVIDER]
    docs, topics, error = [], [], ""
    try:
        kb = provider.get()
        docs, topics = kb.documents(), kb.topics()
    except BadRequest as exc:
        error = exc.message
    # the notice's year as the KB records it (from its date, else its id / title)
    years = sorted({str(d["year"]) for d in docs if d.get("year")})
    return render(request, "staff.html", {
        "docs": docs, "topics": topics, "years": years, "kb_error": error,
        "fields": fields(), "fact_labels": fact_labels(),
    })


def _filters(request: web.Request, kb) -> dict:
    q = request.query
    out: dict = {}
    doc = q.get("doc", "").strip()
    if doc:
        if doc not in {d["id"] for d in kb.documents()}:
            raise BadRequest(f"没有编号为“{doc[:40]}”的通知。")
        out["doc"] = doc
    topic = q.get("topic", "").strip()
    if topic:
        if topic not in {t["id"] for t in kb.topics()}:
            raise BadRequest(f"没有“{topic[:40]}”这个主题。")
        out["topic"] = topic
    year = q.get("year", "").strip()
    if year:
        if not re.fullmatch(r"\d{4}", year):
            raise BadRequest("年份应为四位数字，如 2024。")
        out["year"] = int(year)
    return out


def _limit(request: web.Request, default: int = 10) -> int:
    raw = request.query.get("limit", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit 应为 1 到 {MAX_LIMIT} 之间的整数。")
    return int(raw)


async def api_search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query:
        raise BadRequest("请输入检索词。")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"检索词太长了，请控制在 {MAX_QUERY_CHARS} 字以内。")
    kb = _kb(request)
    filters = _filters(request, kb)
    limit = _limit(request)
    found = kb.search(query, limit=MAX_LIMIT, **filters)
    results = (await asyncio.to_thread(search_rank.rank, kb, query, found))[:limit]
    if not found:
        health = await asyncio.to_thread(kb.health)
        if not health["ok"]:   # no results because the file is damaged: say so
            raise BadRequest("政策知识库文件损坏或不可读，请运行 python -m policy_kb build 重建后再检索。", status=503)
    points = point_answers(kb, query) if results else []
    return json_ok({"query": query, "filters": filters, "results": results, "points": points,
                    "message": "" if results else f"没有找到与“{query[:40]}”相关的条款，请换个说法或放宽筛选条件。"})


async def api_clause(request: web.Request) -> web.Response:
    clause_id = request.match_info["clause_id"]
    kb = _kb(request)
    clause = kb.clause(clause_id) if len(clause_id) <= 200 else None
    if clause is None:
        raise BadRequest(f"没有找到条款“{clause_id[:60]}”。", status=404)
    query = request.query.get("q", "")[:MAX_QUERY_CHARS]
    related = kb.related(clause["id"])
    body = clause.get("full_text") or clause.get("text") or ""
    for r in related:   # this clause against each counterpart, older text on the left
        older, newer = (r["text"], body) if r["relation"] == "earlier" else (body, r["text"])
        r["diff"] = clause_diff.side_by_side(older, newer)
    ids = {clause["id"], *(r["id"] for r in related)}
    return json_ok({
        "clause": dict(clause, **search_rank.status_of(kb, clause["id"])),
        "children": kb.children(clause_id),
        "related": related,
        "answer": ready_answer(clause, query),
        "thresholds": thresholds.table(kb, ids),
    })


async def api_thresholds(request: web.Request) -> web.Response:
    return json_ok(thresholds.table(_kb(request)))


async def api_history(request: web.Request) -> web.Response:
    topic_id = request.match_info["topic"]
    kb = _kb(request)
    topics = {t["id"]: t for t in kb.topics()}
    if topic_id not in topics:
        raise BadRequest(f"没有“{topic_id[:40]}”这个主题。", status=404)
    return json_ok({"topic": topics[topic_id], "history": kb.history(topic_id)})


async def api_unanswered(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    source = settings.tracker_source
    if source is None or source.sqlite_path is not None:
        path = source.sqlite_path if source is not None else settings.tracker_db
        return json_ok(await asyncio.to_thread(unanswered, path))
    if source.sql_url:
        return json_ok(await asyncio.to_thread(unanswered, None, 200, source.sql_url))
    return json_ok({"available": False, "items": [], "total": 0,
                    "message": f"对话存储（{source.unsupported}）无法在工作台读取。"})
