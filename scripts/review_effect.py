"""Measure what the review queue's phrasing patch does (issue 16).

    TRACKER_DB=/path/tracker.db .venv/bin/python scripts/review_effect.py --rasa http://127.0.0.1:5005

1. Sends each question of the development set (tests/dev/questions.yml) to the running
   assistant's REST channel, as its own conversation (skipped with --no-send).
2. Reads the review queue from the tracker database (bot.web.review_queue): the questions the
   assistant did not answer or was unsure of.
3. Plays the officer: links each queued dev question to the clause the dev set says answers
   it (the patch turns a clause into the first point citing it), as the console's "关联" does.
4. Builds the phrasing patch and measures, on temporary copies of policy_kb/ rebuilt with and
   without it, how many of the linked questions the point matching answers with their point
   (bot.web.review_measure). Prints the counts and writes --json when asked.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.web import review_queue, review_store  # noqa: E402
from bot.web.review_measure import measure  # noqa: E402
from bot.web.review_patch import build_patch  # noqa: E402
from bot.web.unanswered import normalise_text  # noqa: E402
from policy_kb import paths  # noqa: E402


def send_all(rasa: str, questions: list[dict]) -> None:
    for q in questions:
        body = json.dumps({"sender": f"review-effect-{q['id']}", "message": q["q"]}).encode()
        req = urllib.request.Request(rasa.rstrip("/") + "/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracker-db", default=None, help="default: $TRACKER_DB")
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--no-send", action="store_true")
    parser.add_argument("--json", help="write the full result here")
    args = parser.parse_args()
    import os

    db = Path(args.tracker_db or os.environ["TRACKER_DB"])
    dev = yaml.safe_load((ROOT / "tests" / "dev" / "questions.yml").read_text(encoding="utf-8"))["questions"]
    if not args.no_send:
        send_all(args.rasa, dev)
    store = review_store.Store(sqlite_path=db)
    queue = review_queue.load(store)["items"]
    by_key = {normalise_text(q["q"]): q for q in dev}
    queued = [i for i in queue if i["key"] in by_key]
    for item in queued:   # a question the notices do not answer is marked handled, not linked
        clauses = by_key[item["key"]].get("clauses") or []
        if clauses:
            review_store.decide(store, item["key"], item["text"], "linked", clause=clauses[0])
        else:
            review_store.decide(store, item["key"], item["text"], "handled")
    linked = [{"text": d["text"], "point": d["point"], "clause": d["clause"]}
              for d in review_store.decisions(store).values() if d["status"] == "linked"]
    patch = build_patch(linked, paths.answers_dir())
    result = measure(patch.added, patch.diff)
    summary = {"dev_questions": len(dev), "queue_groups": len(queue), "queued_dev_questions": len(queued),
               "handled_no_clause": sum(not by_key[i["key"]].get("clauses") for i in queued),
               "kinds": {k: sum(k in i["kinds"] for i in queued) for k in review_queue.KINDS},
               "phrasings_added": len(patch.added), "skipped": patch.skipped,
               "answered_before": result["before"], "answered_after": result["after"], "measured": result["total"]}
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": result["rows"], "diff": patch.diff},
                                              ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
