"""Review queue from the command line.

    python -m bot.web.review export-patch [-o phrasings.diff]   the linked questions as a patch
    python -m bot.web.review measure                            linked questions matched before/after
    python -m bot.web.review csv [-o queue.csv]                 the whole queue for Excel

The conversations are read where the web app reads them (ENDPOINTS / TRACKER_DB, see
bot/web/conversations.py). Review the patch, ``git apply`` it, then ``make run`` rebuilds the
knowledge base and retrains the model.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.web import review_queue, review_store
from bot.web.conversations import current
from bot.web.review_patch import build_patch
from policy_kb import paths


def store_from_env() -> review_store.Store | None:
    source = current()
    if source.sqlite_path is not None:
        return review_store.Store(sqlite_path=Path(source.sqlite_path))
    if source.sql_url:
        return review_store.Store(sql_url=source.sql_url)
    return None


def linked_items(store: review_store.Store) -> list[dict]:
    return [{"text": d["text"], "point": d["point"], "clause": d["clause"]}
            for d in review_store.decisions(store).values() if d["status"] == "linked"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web.review", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export-patch", help="linked questions as new phrasings (unified diff)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--answers", default=str(paths.answers_dir()), help="answer points folder")
    sub.add_parser("measure", help="linked questions answered with their point, before and after the patch")
    c = sub.add_parser("csv", help="the review queue as CSV (UTF-8 with BOM)")
    c.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)

    store = store_from_env()
    if store is None:
        print("对话存储无法在这里读取（不是 SQLite 或 SQL 数据库）。", file=sys.stderr)
        return 2
    if store.sqlite_path is not None and not store.sqlite_path.is_file():
        print(f"还没有对话记录：{store.sqlite_path} 不存在。", file=sys.stderr)
        return 2
    if args.command == "csv":
        Path(args.output).write_bytes(review_queue.to_csv(review_queue.load(store)["items"]))
        return 0
    linked = linked_items(store)
    if args.command == "export-patch":
        patch = build_patch(linked, Path(args.answers))
        if args.output:
            Path(args.output).write_text(patch.diff, encoding="utf-8")
        else:
            sys.stdout.write(patch.diff)
        print(f"新增问法 {len(patch.added)} 条，跳过 {len(patch.skipped)} 条。", file=sys.stderr)
        for s in patch.skipped:
            print(f"  跳过：{s['text']}（{s['reason']}）", file=sys.stderr)
        return 0
    from bot.web.review_measure import measure

    patch = build_patch(linked, paths.answers_dir())
    result = measure([a for a in patch.added], patch.diff)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
