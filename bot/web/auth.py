"""Staff authentication: Bearer token or an HttpOnly cookie set by /staff/login."""
from __future__ import annotations

import asyncio
import hmac
from urllib.parse import quote

from aiohttp import web

from bot.web.appkeys import SETTINGS
from bot.web.errors import json_error
from bot.web.render import render

COOKIE = "staff_token"
LOGIN_PATH = "/staff/login"



def _token(request: web.Request) -> str:
    return request.app[SETTINGS].staff_token


def presented_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.cookies.get(COOKIE, "")


def is_staff(request: web.Request) -> bool:
    given = presented_token(request)
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), _token(request).encode("utf-8"))


def _is_protected(path: str) -> bool:
    if path in (LOGIN_PATH, "/staff/logout"):
        return False
    return path == "/staff" or path.startswith("/staff/")


def safe_next(target: str | None) -> str:
    """Only allow redirects back into the staff console (no open redirect)."""
    if target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff"


@web.middleware
async def staff_auth_middleware(request: web.Request, handler):
    if _is_protected(request.path) and not is_staff(request):
        if request.path.startswith("/staff/api/"):
            return json_error(401, "未登录或令牌无效：请在请求头中提供 Authorization: Bearer <令牌>。")
        raise web.HTTPFound(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='/')}")
    return await handler(request)


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", {"next": safe_next(request.query.get("next")), "error": ""})


async def login_submit(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except (web.HTTPRequestEntityTooLarge, ValueError):
        form = {}
    token = str(form.get("token", "")).strip()
    nxt = safe_next(str(form.get("next", "")))
    if token and hmac.compare_digest(token.encode("utf-8"), _token(request).encode("utf-8")):
        resp = web.HTTPFound(nxt)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/staff",
                        max_age=12 * 3600)
        raise resp
    await asyncio.sleep(0.5)  # slow down guessing
    return render(request, "login.html", {"next": nxt, "error": "令牌不正确，请重新输入。"}, status=401)


async def logout(request: web.Request) -> web.Response:
    resp = web.HTTPFound(LOGIN_PATH)
    resp.del_cookie(COOKIE, path="/staff")
    raise resp
