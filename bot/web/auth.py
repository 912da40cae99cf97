"""Staff authentication: a Bearer token, or a session cookie set by /staff/login.

* The cookie holds a random session id, never the token; the sessions live in the web
  app's memory (one process) for SESSION_SECONDS. Logout deletes the session: the cookie
  is worthless afterwards even if it was copied.
* Wrong tokens are throttled per client address (``Throttle``): after
  ``Settings.auth_failures_per_minute`` failures within a minute, further attempts get 429
  with Retry-After until the minute has passed — whatever the attempt (login form,
  Bearer header, cookie).
* A login body that cannot be read (malformed multipart, wrong encoding) gets 400.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections import deque
from urllib.parse import quote

from aiohttp import web

from bot.web.appkeys import SETTINGS
from bot.web.errors import json_error
from bot.web.render import render

log = logging.getLogger(__name__)

COOKIE = "staff_session"
LOGIN_PATH = "/staff/login"
SESSION_SECONDS = 12 * 3600
WINDOW_SECONDS = 60.0
MAX_SESSIONS = 10_000
THROTTLED = "尝试次数过多，请 {seconds} 秒后再试。"
BAD_FORM = "登录表单无法读取，请刷新页面后重新输入令牌。"


class Sessions:
    """Staff sessions: random id -> expiry (monotonic seconds)."""

    def __init__(self) -> None:
        self._sessions: dict[str, float] = {}

    def create(self) -> str:
        now = time.monotonic()
        if len(self._sessions) >= MAX_SESSIONS:
            for sid in [s for s, expires in self._sessions.items() if expires < now]:
                del self._sessions[sid]
            while len(self._sessions) >= MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = now + SESSION_SECONDS
        return sid

    def valid(self, sid: str) -> bool:
        expires = self._sessions.get(sid)
        if expires is None:
            return False
        if expires < time.monotonic():
            del self._sessions[sid]
            return False
        return True

    def revoke(self, sid: str) -> None:
        self._sessions.pop(sid, None)


class Throttle:
    """Failed attempts per client address within a sliding minute."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._failures: dict[str, deque] = {}

    def _recent(self, client: str) -> deque:
        now = time.monotonic()
        failures = self._failures.setdefault(client, deque())
        while failures and now - failures[0] > WINDOW_SECONDS:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def wait_seconds(self, client: str) -> int:
        """0 when the client may try; else how long it must wait."""
        failures = self._recent(client)
        if self.limit and len(failures) >= self.limit:
            return max(1, int(WINDOW_SECONDS - (time.monotonic() - failures[0])) + 1)
        return 0

    def failed(self, client: str) -> None:
        self._failures.setdefault(client, deque()).append(time.monotonic())
        if len(self._failures) > MAX_SESSIONS:   # bounded memory under a spray of addresses
            self._failures.pop(next(iter(self._failures)))


SESSIONS = web.AppKey("staff_sessions", Sessions)
THROTTLE = web.AppKey("staff_throttle", Throttle)


def setup(app: web.Application) -> None:
    app[SESSIONS] = Sessions()
    app[THROTTLE] = Throttle(app[SETTINGS].auth_failures_per_minute)


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


def _token_ok(request: web.Request, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8"),
                                               request.app[SETTINGS].staff_token.encode("utf-8"))


def credentials(request: web.Request) -> tuple[str, str]:
    """("bearer", token) or ("cookie", session id) or ("", "")."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "bearer", header[7:].strip()
    sid = request.cookies.get(COOKIE, "")
    return ("cookie", sid) if sid else ("", "")


def is_staff(request: web.Request) -> bool:
    kind, value = credentials(request)
    if kind == "bearer":
        return _token_ok(request, value)
    if kind == "cookie":
        return request.app[SESSIONS].valid(value)
    return False


def _is_protected(path: str) -> bool:
    if path in (LOGIN_PATH, "/staff/logout"):
        return False
    return path == "/staff" or path.startswith("/staff/")


def safe_next(target: str | None) -> str:
    """Only allow redirects back into the staff console (no open redirect)."""
    if target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff"


def _throttled(request: web.Request, seconds: int) -> web.Response:
    resp = json_error(429, THROTTLED.format(seconds=seconds))
    resp.headers["Retry-After"] = str(seconds)
    return resp


@web.middleware
async def staff_auth_middleware(request: web.Request, handler):
    if _is_protected(request.path) and not is_staff(request):
        kind, _ = credentials(request)
        throttle = request.app[THROTTLE]
        if kind:   # a wrong token or an unknown session: counted
            wait = throttle.wait_seconds(_client(request))
            if wait:
                return _throttled(request, wait)
            throttle.failed(_client(request))
        if request.path.startswith("/staff/api/"):
            return json_error(401, "未登录或令牌无效：请在请求头中提供 Authorization: Bearer <令牌>。")
        raise web.HTTPFound(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='/')}")
    return await handler(request)


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", {"next": safe_next(request.query.get("next")), "error": ""})


async def login_submit(request: web.Request) -> web.Response:
    throttle = request.app[THROTTLE]
    wait = throttle.wait_seconds(_client(request))
    if wait:
        resp = render(request, "login.html", {"next": "/staff", "error": THROTTLED.format(seconds=wait)}, status=429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        form = {}
    except Exception as exc:  # noqa: BLE001 - malformed multipart / encoding: the user's input
        log.info("Unreadable login form: %s", type(exc).__name__)
        return render(request, "login.html", {"next": "/staff", "error": BAD_FORM}, status=400)
    token = str(form.get("token", "")).strip()
    nxt = safe_next(str(form.get("next", "")))
    if _token_ok(request, token):
        resp = web.HTTPFound(nxt)
        resp.set_cookie(COOKIE, request.app[SESSIONS].create(), httponly=True, samesite="Strict",
                        path="/staff", max_age=SESSION_SECONDS, secure=request.secure)
        raise resp
    throttle.failed(_client(request))
    await asyncio.sleep(0.5)  # slow down guessing
    return render(request, "login.html", {"next": nxt, "error": "令牌不正确，请重新输入。"}, status=401)


async def logout(request: web.Request) -> web.Response:
    kind, value = credentials(request)
    if kind == "cookie":
        request.app[SESSIONS].revoke(value)
    resp = web.HTTPFound(LOGIN_PATH)
    resp.del_cookie(COOKIE, path="/staff")
    raise resp
