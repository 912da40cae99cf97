"""Command line: python -m policy_kb build|check|show|search|history|eligibility|checklist|ingest|changes|review."""
from __future__ import annotations

import argparse
import json
import sys
import time


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_build(args) -> int:
    from .build import BuildError, build

    try:
        result = build(args.db)
    except BuildError as exc:
        print(f"BUILD FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"built {result.path} in {result.seconds:.2f} s")
    for name, count in result.counts.items():
        print(f"  {name:15} {count}")
    return 0


def cmd_check(args) -> int:
    from .build import check

    report = check(sources_dir=args.sources, seeds_dir=args.seeds)
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    if report.ok:
        print("check passed")
        return 0
    print(f"check failed: {len(report.problems)} problem(s)")
    return 1


def _kb(args):
    from .kb import KB

    return KB(args.db) if getattr(args, "db", None) else KB()


def cmd_show(args) -> int:
    kb = _kb(args)
    clause = kb.clause(args.id)
    if not clause:
        print(f"未找到条款：{args.id}", file=sys.stderr)
        return 1
    if args.json:
        _print_json({**clause, "children": [c["id"] for c in kb.children(args.id)],
                     "related": kb.related(args.id)})
        return 0
    print(clause["label"])
    print(f"[{clause['id']}]  主题：{'、'.join(clause['topics']) or '无'}")
    print()
    print(clause["full_text"] if args.full else clause["text"])
    children = kb.children(args.id)
    if children:
        print()
        print("下级条款：" + "  ".join(c["id"] for c in children))
    for rel in kb.related(args.id):
        tag = "（较新，以此为准）" if rel["prevails"] else "（较早）"
        print(f"相关：{rel['label']}{tag}")
    return 0


def cmd_search(args) -> int:
    kb = _kb(args)
    started = time.perf_counter()
    results = kb.search(args.query, limit=args.limit, topic=args.topic, doc=args.doc, year=args.year)
    elapsed = (time.perf_counter() - started) * 1000
    if args.json:
        _print_json(results)
        return 0
    if not results:
        print("没有找到相关条款。")
        return 0
    for r in results:
        print(f"{r['score']:.3f}  {r['id']}  {r['label']}")
        print(f"       {r['snippet']}")
    print(f"({len(results)} results, {elapsed:.1f} ms)")
    return 0


def cmd_history(args) -> int:
    kb = _kb(args)
    groups = kb.history(args.topic)
    if args.json:
        _print_json({"history": groups, "points": kb.points(args.topic)})
        return 0
    if not groups:
        names = ", ".join(t["id"] for t in kb.topics())
        print(f"未知主题：{args.topic}（可用：{names}）", file=sys.stderr)
        return 1
    for group in groups:
        print(f"== {group['year']} 《{group['title']}》")
        for c in group["clauses"]:
            print(f"   {c['id']}  {c['heading']}")
    points = kb.points(args.topic)
    if points:
        print()
        print("变化要点（后发布的通知优先）：")
        for p in points:
            print(f" - {p['name']}：{p['summary']}")
    return 0


def _delegate(module_name: str, argv: list[str]) -> int:
    import importlib

    try:
        module = importlib.import_module(f"policy_kb.{module_name}")
    except ImportError as exc:
        print(f"policy_kb.{module_name} is not available: {exc}", file=sys.stderr)
        return 2
    result = module.main(argv)
    return int(result or 0)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("eligibility", "checklist", "ingest", "changes", "review"):
        return _delegate(argv[0], argv[1:])
    parser = argparse.ArgumentParser(prog="python -m policy_kb", description="Policy knowledge base")
    parser.add_argument("--db", help="SQLite file (default: $POLICY_KB_DB or var/policy_kb.sqlite)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build the SQLite knowledge base from policy_kb/sources")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("check", help="check sources, errata and topics; exit 1 on a problem")
    p.add_argument("--sources", help="sources directory (default policy_kb/sources)")
    p.add_argument("--seeds", help="seed texts (default $POLICY_KB_SEEDS or ../shared/seeds)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("show", help="show one clause")
    p.add_argument("id")
    p.add_argument("--full", action="store_true", help="include sub-clauses")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("search", help="full-text search")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--topic")
    p.add_argument("--doc")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("history", help="a topic across the notices, oldest first")
    p.add_argument("topic")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)
    sub.add_parser("eligibility", help="eligibility check (policy_kb.eligibility)")
    sub.add_parser("checklist", help="materials checklist (policy_kb.checklist)")
    sub.add_parser("ingest", help="bring a new notice in: repair, write the source and errata, build (policy_kb.ingest)")
    sub.add_parser("changes", help="what changed between two notices (policy_kb.changes)")
    sub.add_parser("review", help="data entries citing older clauses a new notice changed (policy_kb.review)")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
