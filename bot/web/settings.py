"""Runtime settings of the web app, read from the environment."""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import var_paths

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # bodies larger than this get 413


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_url: str = "http://localhost:5005"
    staff_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    tracker_db: Path = var_paths.tracker_db({})
    kb_path: Path | None = None  # None: policy_kb.paths.db_path()
    tracker_source: Any = None   # bot.web.conversations.TrackerSource; None: the tracker_db file
    rasa_timeout: float = 30.0
    action_health_url: str = ""  # the action server's /health (ACTION_PORT); "" = not checked
    auth_failures_per_minute: int = 20  # wrong staff tokens per client per minute before 429
    pdf_workers: int = 2        # PDFs rendered at once by the one warm browser
    pdf_queue: int = 8          # PDFs waiting beyond those; more get 503
    public_origin: str = ""  # PUBLIC_WEB_URL's scheme://host:port (behind a reverse proxy)

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        token = (env.get("STAFF_TOKEN") or "").strip()
        if not token:
            token = secrets.token_urlsafe(24)
            log.warning("STAFF_TOKEN is not set; generated a staff console token for this run: %s", token)
        try:
            port = int(env.get("WEB_PORT") or 8000)
        except ValueError:
            raise SystemExit(f"WEB_PORT={env.get('WEB_PORT')!r} is not a port number: set it to a number such as 8000.")
        kb = env.get("POLICY_KB_DB")
        from urllib.parse import urlsplit

        public = urlsplit(env.get("PUBLIC_WEB_URL") or "")
        action_port = (env.get("ACTION_PORT") or "").strip()

        def number(name: str, default: int) -> int:
            raw = (env.get(name) or "").strip()
            return int(raw) if raw.isdigit() else default

        return cls(
            auth_failures_per_minute=number("STAFF_AUTH_FAILURES_PER_MINUTE", 20),
            pdf_workers=max(1, number("PDF_WORKERS", 2)),
            pdf_queue=number("PDF_QUEUE", 8),
            action_health_url=f"http://127.0.0.1:{action_port}/health" if action_port.isdigit() else "",
            public_origin=f"{public.scheme}://{public.netloc}" if public.scheme and public.netloc else "",
            host=env.get("WEB_HOST") or "127.0.0.1",
            port=port,
            rasa_url=(env.get("RASA_URL") or "http://localhost:5005").rstrip("/"),
            staff_token=token,
            tracker_db=var_paths.tracker_db(env),
            tracker_source=_tracker_source(env),
            kb_path=Path(kb) if kb else None,
        )


def _tracker_source(env):
    from bot.web.conversations import current

    return current(env)
