"""The day answers are given for: today, unless ASSISTANT_TODAY=YYYY-MM-DD pins it (tests of
time-dependent rules, a staff check of how an answer read on a past day). One place for the
actions and the staff console."""
from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    pinned = os.environ.get("ASSISTANT_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return dt.date.today()
