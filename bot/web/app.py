"""Build the aiohttp application: routes, middlewares, shared objects."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.web import auth, chat, chat_session, feedback, public_api, staff, staff_review
from bot.web.appkeys import HTTP, KB_PROVIDER, PDF, SETTINGS
from bot.web.errors import error_middleware
from bot.web.kb_access import KBProvider
from bot.web.pdf import PdfRenderer
from bot.web.render import STATIC
from bot.web.settings import MAX_BODY_BYTES, Settings


@web.middleware
async def security_headers(request: web.Request, handler):
    resp = await handler(request)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if resp.content_type == "text/html":
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")
    return resp


async def healthz(request: web.Request) -> web.Response:
    """Green only when the knowledge base passes its checks (quick_check and a known clause,
    policy_kb.kb.KB.health) and the action server answers (when one is configured)."""
    checks = {"kb": await asyncio.to_thread(request.app[KB_PROVIDER].health),
              "action_server": await _action_server_health(request)}
    ok = all(check["ok"] for check in checks.values() if check is not None)
    body = {"status": "ok" if ok else "fail", **{k: v for k, v in checks.items() if v is not None}}
    return web.json_response(body, status=200 if ok else 503)


async def _action_server_health(request: web.Request) -> dict | None:
    url = request.app[SETTINGS].action_health_url
    if not url:
        return None
    try:
        async with request.app[HTTP].get(url, timeout=aiohttp.ClientTimeout(total=3)) as resp:
            return {"ok": resp.status == 200, "detail": f"HTTP {resp.status}"}
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return {"ok": False, "detail": f"not reachable: {type(exc).__name__}"}


async def _http_session(app: web.Application):
    app[HTTP] = aiohttp.ClientSession()
    yield
    await app[HTTP].close()


async def _close_pdf(app: web.Application) -> None:
    await app[PDF].close()


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(
        middlewares=[security_headers, error_middleware, auth.staff_auth_middleware],
        client_max_size=MAX_BODY_BYTES + 1,
    )
    app[SETTINGS] = settings
    app[KB_PROVIDER] = KBProvider(settings.kb_path)
    auth.setup(app)
    app[PDF] = PdfRenderer(settings.pdf_workers, settings.pdf_queue)
    app.on_cleanup.append(_close_pdf)
    app.cleanup_ctx.append(_http_session)

    r = app.router
    r.add_get("/", chat.chat_page)
    r.add_post("/api/chat", chat.chat_api)
    r.add_post("/api/chat/history", chat_session.chat_history)      # reload / back: the conversation
    r.add_post("/api/chat/restart", chat_session.chat_restart)      # "重新开始"
    r.add_post("/api/eligibility", public_api.api_eligibility)
    r.add_post("/api/checklist", public_api.api_checklist)
    r.add_get("/checklist", public_api.checklist_page)
    r.add_get("/checklist/print", public_api.checklist_print)
    r.add_get("/checklist.pdf", public_api.checklist_pdf)
    r.add_get("/healthz", healthz)
    r.add_post("/api/feedback", feedback.api_feedback)

    r.add_get(auth.LOGIN_PATH, auth.login_page)
    r.add_post(auth.LOGIN_PATH, auth.login_submit)
    r.add_post("/staff/logout", auth.logout)
    r.add_get("/staff", staff.staff_page)
    r.add_get("/staff/api/search", staff.api_search)
    r.add_get("/staff/api/clause/{clause_id:.+}", staff.api_clause)
    r.add_get("/staff/api/history/{topic}", staff.api_history)
    r.add_get("/staff/api/unanswered", staff.api_unanswered)
    # review queue (issue 16, staff half)
    r.add_get("/staff/api/review", staff_review.api_review)
    r.add_get("/staff/api/review.csv", staff_review.api_review_csv)
    r.add_post("/staff/api/review/decision", staff_review.api_review_decide)
    r.add_get("/staff/api/review/patch", staff_review.api_review_patch)
    r.add_get("/staff/api/points", staff_review.api_points)
    r.add_get("/staff/api/thresholds", staff.api_thresholds)
    r.add_static("/static", STATIC)
    return app
