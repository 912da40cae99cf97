"""Driving the chat page in the browser tests: one question, one reply."""
from __future__ import annotations


def ask(page, text: str, timeout_ms: float = 30_000) -> dict:
    """Types a question, waits for the reply; returns the /api/chat JSON."""
    rows = page.locator(".row.bot:not(.pending)").count()
    with page.expect_response(lambda r: r.url.endswith("/api/chat"), timeout=timeout_ms) as resp:
        page.fill("#input", text)
        page.press("#input", "Enter")
    page.locator(".row.bot:not(.pending)").nth(rows).wait_for()
    page.wait_for_function("() => !document.querySelector('.row.pending')")
    data = resp.value.json()
    assert "messages" in data, data
    return data
