"""Run the web chat and staff console: ``python -m bot.web [--port N] [--host H]``.

Environment: WEB_PORT (8000), RASA_URL (http://localhost:5005), STAFF_TOKEN (generated
and logged when unset), TRACKER_DB (var/tracker.db), POLICY_KB_DB.
"""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

from bot.web.app import create_app
from bot.web.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, help="port (default: WEB_PORT or 8000)")
    parser.add_argument("--host", help="interface (default: WEB_HOST or 127.0.0.1)")
    args = parser.parse_args(argv)
    from bot import log_privacy

    log_privacy.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.port:
        settings.port = args.port
    if args.host:
        settings.host = args.host
    app = create_app(settings)
    logging.getLogger("bot.web").info(
        "Web app on http://%s:%s (Rasa: %s)", settings.host, settings.port, settings.rasa_url)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
