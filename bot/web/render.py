"""Jinja2 rendering with autoescaping (templates in bot/web/templates)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render(request: web.Request | None, name: str, context: dict[str, Any] | None = None,
           status: int = 200) -> web.Response:
    html = _env.get_template(name).render(**(context or {}))
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.headers["Cache-Control"] = "no-store"
    return resp
