"""Two clause texts side by side with the differences marked at character level (difflib).

``side_by_side(old, new)`` gives two lists of segments, ``[{"op": "equal"|"del"|"ins", "text"}]``:
the older text with what the newer one dropped (``del``), the newer text with what it added
(``ins``). The page renders them as <del>/<ins> with a spoken label (bot/web/static/staff.js).
"""
from __future__ import annotations

from difflib import SequenceMatcher

MAX_CHARS = 6000   # longer texts are compared on their first MAX_CHARS characters


def _push(segments: list[dict], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1]["op"] == op:
        segments[-1]["text"] += text
    else:
        segments.append({"op": op, "text": text})


def side_by_side(old: str, new: str) -> dict:
    old, new = (old or "")[:MAX_CHARS], (new or "")[:MAX_CHARS]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    left: list[dict] = []
    right: list[dict] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _push(left, "equal", old[i1:i2])
            _push(right, "equal", new[j1:j2])
        else:
            _push(left, "del", old[i1:i2])
            _push(right, "ins", new[j1:j2])
    return {"old": left, "new": right, "same": old == new, "ratio": round(matcher.ratio(), 3)}
