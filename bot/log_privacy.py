"""No raw ID-card or mobile number in any log line of any process of the assistant.

When a custom action fails, the action server answers 500 with the whole tracker in the
body and Rasa logs that body (and the traceback of the exception carrying it); aiohttp's
access log writes request paths; a library may log a user message at DEBUG. Masking each
call site cannot keep up with that, so every process masks at the source:

- ``install()`` replaces the log-record factory: every record created in the process (by
  Rasa, Sanic, aiohttp, rasa_sdk, our code, handlers configured later included) gets its
  message formatted once and passed through ``policy_kb.privacy.mask_pii``, and its
  traceback text masked too;
- ``MaskingFilter`` is also put on every handler that exists when ``install()`` runs and
  on every handler added later to any logger, for records built by hand
  (``logging.makeLogRecord``) and for text fields passed with ``extra=``;
- uncaught exceptions printed by ``sys.excepthook`` are masked as well.

Called first thing by bot.rasa_server, bot.action_server and bot.web.
"""
from __future__ import annotations

import logging
import sys
import traceback

from policy_kb.privacy import mask_pii

_INSTALLED = "_pii_masking_installed"


def _mask_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_pii_masked", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep the pieces, masked
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = mask_pii(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_pii(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_pii(record.stack_info)
    record._pii_masked = True
    return record


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "_pii_masked"}


class MaskingFilter(logging.Filter):
    """Masks personal numbers in a record (never drops it), including the text fields a
    caller adds with ``extra=`` (Sanic's access log: ``request``, ``host``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask_pii(value))
        return True


FILTER = MaskingFilter()


def mask_handlers() -> None:
    """Put the filter on every handler known now (root and named loggers)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if FILTER not in handler.filters:
                handler.addFilter(FILTER)


def install() -> None:
    """Mask every log record and uncaught traceback of this process (idempotent)."""
    if getattr(logging, _INSTALLED, False):
        mask_handlers()
        return
    setattr(logging, _INSTALLED, True)
    base_factory = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _mask_record(base_factory(*args, **kwargs))

    logging.setLogRecordFactory(factory)

    # Handlers added to any logger later (Rasa, Sanic and rasa_sdk configure their own)
    # get the filter too.
    add_handler = logging.Logger.addHandler

    def add_masked_handler(self: logging.Logger, handler: logging.Handler) -> None:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
        add_handler(self, handler)

    logging.Logger.addHandler = add_masked_handler  # type: ignore[method-assign]
    mask_handlers()

    def excepthook(kind, value, tb) -> None:
        sys.stderr.write(mask_pii("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = excepthook
