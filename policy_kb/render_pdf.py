"""Render an HTML page to PDF bytes with headless Chromium (print-to-PDF).

Used by the checklist CLI and reusable by the web app::

    from policy_kb.render_pdf import html_to_pdf, RenderError
    pdf_bytes = html_to_pdf(html_string)

Chinese text needs a CJK font on the machine (Debian: ``fonts-noto-cjk``); the page
should name it in its CSS font stack. Chromium is found via the ``CHROMIUM_PATH``
environment variable, then the usual executable names on ``PATH``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DEFAULT_TIMEOUT = 90  # seconds
MAX_HTML_CHARS = 5_000_000

# Flags that keep a headless run quiet, offline and reproducible.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)


class RenderError(RuntimeError):
    """Raised when the PDF cannot be produced (Chromium missing, crashed or timed out)."""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        return env if (Path(env).is_file() and os.access(env, os.X_OK)) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, *, timeout: float = DEFAULT_TIMEOUT,
                chromium: str | None = None) -> bytes:
    """Print an HTML document (a string) to PDF and return the PDF bytes."""
    if not isinstance(html, str) or not html.strip():
        raise RenderError("没有可打印的页面内容（HTML 为空）。")
    if len(html) > MAX_HTML_CHARS:
        raise RenderError("页面内容过大，无法生成 PDF。")
    exe = chromium or find_chromium()
    if not exe:
        raise RenderError(
            "未找到 Chromium 浏览器，无法生成 PDF。请安装 chromium 与 fonts-noto-cjk"
            "（Debian: apt-get install -y chromium fonts-noto-cjk），"
            "或用环境变量 CHROMIUM_PATH 指明其路径。")
    with tempfile.TemporaryDirectory(prefix="policy_kb_pdf_") as tmp:
        page = Path(tmp) / "page.html"
        out = Path(tmp) / "out.pdf"
        profile = Path(tmp) / "profile"
        page.write_text(html, encoding="utf-8")
        cmd = [exe, *BASE_FLAGS, f"--user-data-dir={profile}",
               f"--print-to-pdf={out}", page.as_uri()]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout, check=False)
        except FileNotFoundError as exc:
            raise RenderError(f"无法启动 Chromium（{exe}）：{exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"Chromium 生成 PDF 超时（{timeout} 秒）。") from exc
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF"):
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError("Chromium 未能生成 PDF（退出码 %s）：%s"
                              % (proc.returncode, " / ".join(detail) or "无输出"))
        return data


def html_file_to_pdf(path: str | os.PathLike, **kwargs) -> bytes:
    """Print an HTML file to PDF bytes."""
    try:
        html = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"无法读取页面文件：{exc}") from exc
    return html_to_pdf(html, **kwargs)
