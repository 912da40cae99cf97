"""Public eligibility / checklist API and the printable checklist page."""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.web.appkeys import KB_PROVIDER, PDF
from bot.web.errors import BadRequest, json_error, json_ok, read_json_object
from bot.web.facts_form import fields, read_facts
from bot.web.render import render

log = logging.getLogger(__name__)

FACT_ERRORS = "填写的情况有误，请按提示修改后重新提交。"
PDF_NAME = "职称申报材料清单.pdf"
# RFC 6266 / 5987: an ASCII fallback name, and the Chinese name for every current browser.
PDF_DISPOSITION = f"attachment; filename=\"checklist.pdf\"; filename*=UTF-8''{quote(PDF_NAME)}"


def _facts_from_body(body: dict) -> tuple[dict, date | None]:
    """Body is the facts object itself, or {"facts": {...}, "as_of": "YYYY-MM-DD"}."""
    as_of = None
    if isinstance(body.get("facts"), dict):
        raw_as_of = body.get("as_of")
        if raw_as_of not in (None, ""):
            if not isinstance(raw_as_of, str):
                raise BadRequest("as_of 应为日期，格式如 2024-06-01。")
            try:
                as_of = date.fromisoformat(raw_as_of)
            except ValueError:
                raise BadRequest("as_of 应为日期，格式如 2024-06-01。")
        body = body["facts"]
    elif "facts" in body:
        raise BadRequest("facts 应为 JSON 对象（形如 {\"education\": \"本科\"}）。")
    from policy_kb.facts import normalise_facts

    facts, errors = normalise_facts(body)
    if errors:
        raise BadRequest(FACT_ERRORS, errors=errors)
    return facts, as_of


async def api_eligibility(request: web.Request) -> web.Response:
    from policy_kb.eligibility import evaluate

    facts, as_of = _facts_from_body(await read_json_object(request))
    return json_ok(evaluate(facts, as_of=as_of))


async def api_checklist(request: web.Request) -> web.Response:
    from policy_kb.checklist import build_checklist

    facts, _ = _facts_from_body(await read_json_object(request))
    kb = request.app[KB_PROVIDER].get()
    return json_ok(build_checklist(facts, kb=kb))


def _checklist_html(facts: dict, kb) -> str:
    """The printable checklist document (a full HTML page from policy_kb.checklist)."""
    from policy_kb.checklist import build_checklist, render_html

    return render_html(build_checklist(facts, kb=kb))


async def checklist_page(request: web.Request) -> web.Response:
    """Facts form; once submitted, the printable checklist below it (in a frame)."""
    _facts, errors, raw = read_facts(request.query)
    submitted = bool(raw) or request.query.get("show") == "1"
    query = urlencode(raw)
    ready = submitted and not errors
    return render(request, "checklist.html", {
        "fields": fields(), "values": raw, "errors": errors, "submitted": submitted,
        "print_url": f"/checklist/print?{query}" if ready else "",
        "pdf_url": f"/checklist.pdf?{query}" if ready else "",
    })


async def checklist_print(request: web.Request) -> web.Response:
    facts, errors, _raw = read_facts(request.query)
    if errors:
        raise BadRequest(FACT_ERRORS + "".join(e["message"] for e in errors))
    html = await asyncio.to_thread(_checklist_html, facts, request.app[KB_PROVIDER].get())
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


async def checklist_pdf(request: web.Request) -> web.Response:
    from bot.web.pdf import PdfBusy
    from policy_kb.render_pdf import RenderError

    facts, errors, _raw = read_facts(request.query)
    if errors:
        raise BadRequest(FACT_ERRORS + "".join(e["message"] for e in errors))
    html = await asyncio.to_thread(_checklist_html, facts, request.app[KB_PROVIDER].get())
    try:
        pdf = await request.app[PDF].render(html)
    except PdfBusy:
        busy = json_error(503, "PDF 生成排队已满，请稍等几秒再试；也可以使用浏览器的“打印”功能另存为 PDF。")
        busy.headers["Retry-After"] = "5"
        return busy
    except RenderError as exc:
        raise BadRequest(f"暂时无法生成 PDF：{exc}。您可以使用浏览器的“打印”功能另存为 PDF。", status=503)
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": PDF_DISPOSITION,
        "Cache-Control": "no-store",
    })
