"""Typed keys for objects stored on the aiohttp application."""
from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.web.kb_access import KBProvider
from bot.web.pdf import PdfRenderer
from bot.web.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
KB_PROVIDER = web.AppKey("kb_provider", KBProvider)
HTTP = web.AppKey("http", aiohttp.ClientSession)
PDF = web.AppKey("pdf", PdfRenderer)
