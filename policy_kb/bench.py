"""Benchmark: build time, search latency (p50/p95) over the test queries, index size.

    python -m policy_kb.bench [--write docs/benchmarks/kb.md] [--rounds 20]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from . import paths

CASES = paths.repo_root() / "tests" / "kb" / "search_cases.yml"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(rounds: int = 20) -> dict:
    from .build import build
    from .kb import KB
    from . import text

    queries = [c["query"] for c in yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        started = time.perf_counter()
        text.tokenizer()                       # jieba start-up, counted separately
        jieba_s = time.perf_counter() - started
        builds = []
        for _ in range(3):
            result = build(db)
            builds.append(result.seconds)
        size = db.stat().st_size
        env = dict(os.environ, POLICY_KB_DB=str(Path(tmp) / "cold.sqlite"))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "policy_kb", "build"], cwd=paths.repo_root(), env=env,
                       check=True, capture_output=True)
        cold_s = time.perf_counter() - t0
        kb = KB(db, auto_build=False)
        hits = 0
        for q, case in zip(queries, yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]):
            ids = [r["id"] for r in kb.search(q, limit=3)]
            hits += any(e in ids for e in case["expect"])
        timings, cpu = [], []
        for _ in range(rounds):
            for q in queries:
                t0, c0 = time.perf_counter(), time.thread_time()
                kb.search(q, limit=5)
                timings.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
        kb.close()
    return {
        "python": platform.python_version(), "machine": platform.machine(),
        "jieba_start_s": jieba_s, "build_s_min": min(builds), "build_s_max": max(builds),
        "db_bytes": size, "cold_build_s": cold_s, "queries": len(queries), "searches": len(timings),
        "top3_hits": hits, "p50_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 95), "max_ms": max(timings),
        "cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": percentile(cpu, 95),
        "counts": result.counts, "load": os.getloadavg()[0],
    }


def render(r: dict) -> str:
    return f"""# Knowledge-base benchmark

Measured with `python -m policy_kb.bench --write docs/benchmarks/kb.md` (Python {r['python']},
{r['machine']}, 2 cores shared with other jobs; 1-minute load average {r['load']:.1f} at the end
of the run). Targets: build < 10 s, search p95 < 5 ms.

| measure | value |
|---|---|
| jieba start-up + domain dictionary (once per process) | {r['jieba_start_s']:.2f} s |
| build (3 runs, after start-up) | {r['build_s_min']:.2f}–{r['build_s_max']:.2f} s |
| `python -m policy_kb build`, cold process, wall time | {r['cold_build_s']:.2f} s |
| SQLite file size | {r['db_bytes'] / 1024:.0f} KiB |
| clauses / topics links / points | {r['counts']['clauses']} / {r['counts']['clause_topics']} / {r['counts']['points']} |
| applicant queries (tests/kb/search_cases.yml) | {r['queries']} |
| expected clause in top 3 | {r['top3_hits']} / {r['queries']} |
| searches timed (limit 5, warm) | {r['searches']} |
| search p50 (wall clock) | {r['p50_ms']:.2f} ms |
| search p95 (wall clock) | {r['p95_ms']:.2f} ms |
| search max (wall clock) | {r['max_ms']:.2f} ms |
| search p50 / p95 (CPU time of the searching thread) | {r['cpu_p50_ms']:.2f} / {r['cpu_p95_ms']:.2f} ms |

Search latency is `KB.search()` in-process (query segmentation, FTS5 bm25, re-ranking,
snippets); the first query of a process also pays the jieba start-up above. Wall-clock
figures include time spent waiting for a core when other jobs load the machine; the CPU
figures do not.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy_kb.bench")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--write", help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    result = run(args.rounds)
    report = render(result)
    print(report)
    if args.write:
        out = Path(args.write)
        if not out.is_absolute():
            out = paths.repo_root() / out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
