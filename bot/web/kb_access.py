"""Lazy, shared access to the policy knowledge base (policy_kb.kb.KB)."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from bot.web.errors import BadRequest

log = logging.getLogger(__name__)

_PHONE = re.compile(r"0\d{2,3}-?\d{7,8}")
KB_MISSING = "政策知识库尚未建立，请先运行 python -m policy_kb build。"


class KBProvider:
    """Opens the KB on first use; a missing KB file gives a 503 with a clear message."""

    def __init__(self, path: Path | None = None):
        self._path = path
        self._kb = None

    def get(self):
        if self._kb is None:
            from policy_kb import paths
            from policy_kb.kb import KB

            path = Path(self._path) if self._path else Path(paths.db_path())
            if not path.is_file():
                raise BadRequest(KB_MISSING, status=503)
            self._kb = KB(path)
        return self._kb

    def health(self) -> dict:
        """``{"ok", "detail"}``: the KB's own checks (policy_kb.kb.KB.health)."""
        try:
            return self.get().health()
        except BadRequest as exc:
            return {"ok": False, "detail": exc.message}
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}

    def available(self) -> bool:
        try:
            self.get()
            return True
        except Exception:  # noqa: BLE001 - reported as "not available"
            return False


def hotline_numbers(kb: Any) -> list[str]:
    """Hotline numbers printed in the notices (kb.contacts()), unique, in order."""
    try:
        contacts = kb.contacts()
    except Exception:  # noqa: BLE001 - the chat fallback must never fail
        log.exception("kb.contacts() failed")
        return []
    numbers: list[str] = []
    for row in contacts or []:
        value = row.get("phone") if isinstance(row, dict) else row
        if not isinstance(value, str):
            continue
        for num in _PHONE.findall(value):
            if num not in numbers:
                numbers.append(num)
    return numbers
