"""bot.log_privacy: every log record of a process is masked -- messages, arguments,
tracebacks, ``extra`` fields, handlers added before or after, uncaught exceptions.
Run in a child process (it changes the logging module of the process it is installed in)."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = r'''
import logging, sys
early = logging.StreamHandler(sys.stdout)
logging.getLogger().addHandler(early)          # a handler that exists before install()
from bot import log_privacy
log_privacy.install()
logging.getLogger().setLevel(logging.INFO)
late = logging.StreamHandler(sys.stdout)        # one added later, as Rasa and Sanic do
late.setFormatter(logging.Formatter("LATE %(message)s %(request)s"))
access = logging.getLogger("sanic.access")
access.addHandler(late)
access.propagate = False
log = logging.getLogger("rasa.core.actions.action")
log.error("Failed to execute custom action: %s", {"request_body": {"text": "我的身份证 110101-19900307-8515"}})
log.info("phone 138.1234.5678 and 138－1234－5678 and 1391234\u200b5678")
access.info("", extra={"request": "POST /webhooks/rest/webhook?m=13712345678", "status": 200})
try:
    raise RuntimeError("tracker: 150203198511224216")
except RuntimeError:
    log.exception("Encountered an exception while running action")
raise ValueError("uncaught 15947261234")
'''
RAW = ["110101-19900307-8515", "110101199003078515", "138.1234.5678", "138－1234－5678", "1391234\u200b5678",
       "13712345678", "150203198511224216", "15947261234"]


def test_every_log_line_and_traceback_is_masked():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert "uncaught" in out and "Encountered an exception" in out and "LATE" in out, out
    assert not [raw for raw in RAW if raw in out], out
    assert out.count("****") >= 5, out
