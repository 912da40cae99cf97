"""PDF rendering for /checklist.pdf: one warm headless Chromium, a bounded queue.

Each request used to start its own Chromium (policy_kb.render_pdf, ~1 s and ~200 MB each,
without limit). Here the web app keeps one browser (Playwright, the system Chromium),
started on the first PDF and restarted if it dies; each PDF is a fresh page in a fresh
context. At most ``workers`` pages render at once and at most ``queue`` more requests wait;
beyond that ``PdfBusy`` (the handler answers 503 with Retry-After).
"""
from __future__ import annotations

import asyncio
import logging

from policy_kb.render_pdf import BASE_FLAGS, MAX_HTML_CHARS, RenderError, find_chromium

log = logging.getLogger(__name__)

PAGE_TIMEOUT_MS = 60_000
# The flags that matter for a long-running browser (profile handled by Playwright).
FLAGS = [f for f in BASE_FLAGS if f not in ("--headless", "--no-pdf-header-footer")]


class PdfBusy(Exception):
    """The queue is full: try again shortly."""


class PdfRenderer:
    def __init__(self, workers: int = 2, queue: int = 8) -> None:
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self._slots: asyncio.Semaphore | None = None
        self._start_lock: asyncio.Lock | None = None
        self._in_flight = 0
        self._playwright = None
        self._browser = None
        self.launches = 0       # how many times a browser was started (1 while it stays up)

    async def _ready_browser(self):
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            exe = find_chromium()
            if not exe:
                raise RenderError("未找到 Chromium 浏览器，无法生成 PDF。请安装 chromium 与 fonts-noto-cjk，"
                                  "或用环境变量 CHROMIUM_PATH 指明其路径")
            from playwright.async_api import async_playwright

            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(executable_path=exe, args=FLAGS)
            self.launches += 1
            log.info("PDF browser started (%s)", exe)
            return self._browser

    async def render(self, html: str) -> bytes:
        if not isinstance(html, str) or not html.strip():
            raise RenderError("没有可打印的页面内容（HTML 为空）")
        if len(html) > MAX_HTML_CHARS:
            raise RenderError("页面内容过大，无法生成 PDF")
        if self._in_flight >= self.capacity:
            raise PdfBusy()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        self._in_flight += 1
        try:
            async with self._slots:
                browser = await self._ready_browser()
                context = await browser.new_context(java_script_enabled=False)
                try:
                    page = await context.new_page()
                    # Offline: the page is self-contained; nothing may be fetched.
                    await page.route("**/*", lambda route: route.abort()
                                     if not route.request.url.startswith(("data:", "about:")) else route.continue_())
                    await page.set_content(html, wait_until="load", timeout=PAGE_TIMEOUT_MS)
                    return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
                finally:
                    await context.close()
        except (PdfBusy, RenderError):
            raise
        except Exception as exc:  # noqa: BLE001 - Playwright/Chromium errors become a clear message
            log.warning("PDF rendering failed: %s", exc)
            raise RenderError(f"Chromium 未能生成 PDF（{type(exc).__name__}）") from exc
        finally:
            self._in_flight -= 1

    async def close(self) -> None:
        if self._browser is not None:
            try:
                await self._browser.close()
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
