"""Run the web chat and staff console: ``python -m bot.web`` (port WEB_PORT)."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.web.app import create_app
from bot.web.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    logging.getLogger("bot.web").info(
        "Web app on http://%s:%s (Rasa: %s)", settings.host, settings.port, settings.rasa_url)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
