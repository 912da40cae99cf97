"""JSON error replies, safe body reading and the error middleware."""
from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot.web.settings import MAX_BODY_BYTES

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    400: "请求有误，请检查后重试。",
    401: "请先登录工作台。",
    403: "没有权限访问。",
    404: "没有找到您要的页面或接口。",
    405: "不支持这种请求方式。",
    413: f"提交的内容过大（上限 {MAX_BODY_BYTES // 1024} KB），请精简后再试。",
    415: "请以 JSON 格式提交。",
    500: "服务器内部出错，请稍后再试。",
}


def json_error(status: int, message: str | None = None, **extra: Any) -> web.Response:
    body = {"error": message or _STATUS_MESSAGES.get(status, "请求失败。")}
    body.update(extra)
    return web.json_response(body, status=status, dumps=dumps)


def dumps(obj: Any) -> str:
    """JSON with Chinese characters kept readable."""
    return json.dumps(obj, ensure_ascii=False)


def json_ok(obj: Any, status: int = 200) -> web.Response:
    return web.json_response(obj, status=status, dumps=dumps)


class BadRequest(Exception):
    """Raised by handlers to answer with a JSON 4xx error."""

    def __init__(self, message: str, status: int = 400, **extra: Any):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


async def read_json(request: web.Request) -> Any:
    """Read a JSON body; raise BadRequest with a Chinese message when it is bad."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise BadRequest(_STATUS_MESSAGES[413], status=413)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BadRequest(_STATUS_MESSAGES[413], status=413)
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(_STATUS_MESSAGES[413], status=413)
    if not raw.strip():
        raise BadRequest("请求内容为空，请以 JSON 格式提交。")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("请求内容不是有效的 JSON，请检查格式后重试。")


async def read_json_object(request: web.Request) -> dict:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise BadRequest("请求内容应为 JSON 对象（形如 {\"名称\": 值}）。")
    return data


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path.startswith("/staff/api/")


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Turn errors into JSON for API paths and into a Chinese page elsewhere."""
    api = is_api_path(request.path)
    try:
        return await handler(request)
    except BadRequest as exc:
        if api:
            return json_error(exc.status, exc.message, **exc.extra)
        return _error_page(request, exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if api:
            return json_error(exc.status)
        return _error_page(request, exc.status, _STATUS_MESSAGES.get(exc.status, "请求失败。"))
    except Exception:  # noqa: BLE001 - last resort, logged
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if api:
            return json_error(500)
        return _error_page(request, 500, _STATUS_MESSAGES[500])


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    from bot.web.render import render  # local import: avoid a cycle at start-up

    return render(request, "error.html", {"status": status, "message": message}, status=status)
