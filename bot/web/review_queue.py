"""The staff review queue: unanswered, low-confidence and 没用-rated questions.

One item per question (grouped by bot.web.unanswered.normalise_text), with its kinds, its
count, when it was last asked and what an officer decided (bot.web.review_store). Filters by
kind, status, date and text; export as CSV for Excel (UTF-8 with BOM).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from bot.web import review_store
from bot.web.unanswered import MAX_TEXT, normalise_text, unanswered

KINDS = {"unanswered": "未能解答", "low_confidence": "识别把握低", "useless": "评为没用"}
STATUSES = {"open": "待处理", "handled": "已处理", "linked": "已关联"}
USELESS_REASON = "用户评价为没用"
MAX_ITEMS = 2000


def _iso(ts: float) -> str | None:
    try:
        return dt.datetime.fromtimestamp(float(ts)).isoformat(timespec="seconds") if ts and float(ts) > 0 else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def build(unanswered_result: dict, useless: list[dict], decided: dict[str, dict]) -> list[dict]:
    """Merge the unanswered groups with the 没用 ratings and apply the officers' decisions."""
    items: dict[str, dict] = {}
    for g in unanswered_result.get("items") or []:
        items[g["key"]] = {"key": g["key"], "text": g["text"], "count": g["count"], "ts": g.get("last_ts") or 0.0,
                           "kinds": list(g.get("kinds") or ["unanswered"]), "reasons": list(g.get("reasons") or []),
                           "points_rated": []}
    for r in useless:
        key = normalise_text(r["text"])
        if not key:
            continue
        item = items.setdefault(key, {"key": key, "text": r["text"][:MAX_TEXT], "count": 0, "ts": 0.0,
                                      "kinds": [], "reasons": [], "points_rated": []})
        item["count"] += 1
        ts = float(r.get("ts") or 0)
        if ts >= item["ts"]:
            item["ts"] = ts
        if "useless" not in item["kinds"]:
            item["kinds"].append("useless")
        if USELESS_REASON not in item["reasons"]:
            item["reasons"].append(USELESS_REASON)
        if r.get("point") and r["point"] not in item["points_rated"]:
            item["points_rated"].append(r["point"])
    out = []
    for item in items.values():
        decision = decided.get(item["key"]) or {}
        item["status"] = decision.get("status") or "open"
        item["point"] = decision.get("point")
        item["clause"] = decision.get("clause")
        item["last_seen"] = _iso(item["ts"])
        item["kind_labels"] = [KINDS[k] for k in item["kinds"] if k in KINDS]
        item["status_label"] = STATUSES.get(item["status"], item["status"])
        out.append(item)
    out.sort(key=lambda i: (i["status"] != "open", -i["count"], -i["ts"]))
    return out[:MAX_ITEMS]


def load(store: review_store.Store) -> dict:
    """The whole queue from the tracker store's database."""
    if store.sql_url:
        result = unanswered(None, MAX_ITEMS, store.sql_url)
    else:
        result = unanswered(store.sqlite_path, MAX_ITEMS)
    useless = review_store.useless_questions(store) if _readable(store) else []
    decided = review_store.decisions(store) if _readable(store) else {}
    items = build(result, useless, decided)
    message = "" if items else (result.get("message") if not result.get("available") else "") or "暂无需要复核的问题。"
    return {"available": bool(result.get("available") or items), "items": items, "message": message}


def _readable(store: review_store.Store) -> bool:
    return bool(store.sql_url) or (store.sqlite_path is not None and store.sqlite_path.is_file())


def parse_date(value: str, end: bool = False) -> float | None:
    """'2026-12-01' -> the start (or end) of that day as a timestamp; ValueError when malformed."""
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    return moment.timestamp()


def select(items: list[dict], kind: str = "", status: str = "", since: float | None = None,
           until: float | None = None, text: str = "") -> list[dict]:
    needle = normalise_text(text) if text else ""
    out = []
    for item in items:
        if kind and kind not in item["kinds"]:
            continue
        if status and item["status"] != status:
            continue
        if since is not None and item["ts"] < since:
            continue
        if until is not None and item["ts"] > until:
            continue
        if needle and needle not in item["key"]:
            continue
        out.append(item)
    return out


def _cell(value) -> str:
    """A CSV cell Excel will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = ("问题", "次数", "类型", "原因", "最近一次", "状态", "关联答复要点", "关联条款")


def to_csv(items: list[dict]) -> bytes:
    """UTF-8 with BOM so that Excel opens the Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in items:
        writer.writerow([_cell(v) for v in (
            i["text"], i["count"], "、".join(i["kind_labels"]), "、".join(i["reasons"]),
            (i["last_seen"] or "").replace("T", " "), i["status_label"], i.get("point") or "", i.get("clause") or "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
