"""python -m bench [all|answers|blind|dev|nlu|kb|train|eligibility|ops|report] [--quick]

`all` runs every part, then `report`. --quick: fewer messages, no cross-validation (a
smoke run of the machinery, not figures to publish).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path(os.environ.get("RASA_MODEL", ROOT / "models" / "current.tar.gz"))
LEVELS = [1, 8, 32]


def meta() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"date": dt.datetime.now().isoformat(timespec="minutes"),
            "machine": f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}",
            "load_before": round(os.getloadavg()[0], 2), "commit": commit}


def answers(quick: bool) -> dict:
    from bench import breakdown, load, profile
    from bench.stack import BENCH_TOKEN, find_pids, rss_mib, start_stack, worker_count

    if not MODEL.exists():
        raise SystemExit(f"No trained model at {MODEL}: run `make train` first.")
    info = meta()
    print("==> answers: starting the stack on the bench ports", flush=True)
    stack = start_stack()
    try:
        pids = find_pids()
        info["rasa_workers"] = worker_count(pids["rasa_server"]) if "rasa_server" in pids else None
        servers = {name: pid for name, pid in pids.items() if name != "web_app"}
        levels = load.run_levels(stack.rasa_url, LEVELS, per_sender=3 if quick else 75,
                                 minimum=30 if quick else 150, max_seconds=60 if quick else 180, pids=servers)
        capacity = next(lv["throughput_msg_s"] for lv in levels if lv["concurrency"] == 8)
        rates = [asyncio.run(load.run_rate(stack.rasa_url, round(capacity * share, 1), 10 if quick else 30,
                                           tag=f"rate{int(share * 100)}"))
                 for share in (0.5, 0.8)]
        memory = {name: rss_mib(pid) for name, pid in sorted(pids.items())}
        print("  memory after warm-up (MiB): " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items() if v), flush=True)
        print("==> answers: component breakdown", flush=True)
        parts = breakdown.run(stack.rasa_url, stack.action_url, BENCH_TOKEN, rounds=5 if quick else 30)
        print("==> answers: profile", flush=True)
        prof = profile.run(stack.rasa_url, pids, ROOT / "var" / "bench", seconds=5 if quick else 20)
    finally:
        stack.stop()
        shutil.rmtree(stack.tmp, ignore_errors=True)
    info["credentials"] = os.environ.get("BENCH_CREDENTIALS", "credentials.yml")
    result = {"meta": info, "levels": levels, "open_loop": rates, "breakdown": parts, "memory_mib": memory, "profile": prof,
              "quick": quick}
    report.save("answers", result)
    return result


def _through_stack(part: str, what: str, score) -> dict:
    """Run `score(send)` against a private stack (send(message, sender) -> REST messages) and
    save its result as the bench part `part`."""
    from bench.stack import start_stack

    if not MODEL.exists():
        raise SystemExit(f"No trained model at {MODEL}: run `make train` first.")
    print(f"==> {part}: {what} through the REST channel", flush=True)
    stack = start_stack()
    try:
        result = score(lambda message, sender: stack.send(message, sender=sender)) | {"meta": meta()}
    finally:
        stack.stop()
        shutil.rmtree(stack.tmp, ignore_errors=True)
    report.save(part, result)
    return result


def blind(quick: bool) -> dict:
    from bench import blind as blind_set

    result = _through_stack("blind", "the blind question set", blind_set.run)
    s = result["summary"]
    print(f"  clause right {s['clause_right']:.1%}, key fact said {s['fact_said']:.1%}, in the first 80 "
          f"characters {s['fact_first']:.1%}, median reply {s['median_chars']} characters", flush=True)
    return result


def dev(quick: bool) -> dict:
    """The development sets (tests/dev … tests/dev6): what the answer ranking is tuned on."""
    from bench import blind as blind_set

    result = _through_stack("dev", "the development question sets",
                            lambda send: {path.parent.name: blind_set.run(send, blind_set.questions(path))
                                          for path in blind_set.DEV_FILES})
    for name, one in result.items():
        if isinstance(one, dict) and "summary" in one:
            print(f"  {name}: {one['summary']}", flush=True)
    return result


def nlu(quick: bool) -> dict:
    from bench import nlu as nlu_bench

    print("==> nlu: held-out test split" + ("" if quick else " and 5-fold cross-validation"), flush=True)
    result = nlu_bench.run(MODEL, report.OUT, cross_validation=not quick) | {"meta": meta()}
    report.save("nlu", result)
    return result


def kb(quick: bool) -> dict:
    from policy_kb import bench as kb_bench

    print("==> kb: policy_kb.bench", flush=True)
    result = kb_bench.run(rounds=3 if quick else 20)
    report.save("kb", result | {"meta": meta()})
    print(f"  build {result['build_s_min']:.2f} s, search p95 {result['p95_ms']:.2f} ms, "
          f"{result['db_bytes'] / 1024:.0f} KiB", flush=True)
    return result


def train(quick: bool) -> dict:
    from bench import training

    print("==> train: rasa train into a temporary folder", flush=True)
    result = training.run() | {"meta": meta()}
    report.save("train", result)
    return result


def eligibility(quick: bool) -> dict:
    from bench import eligibility as elig

    return _through_stack("eligibility", "one-turn questions and form conversations", elig.run)



def ops(quick: bool) -> dict:
    from bench import ops as ops_bench

    print("==> ops: start-up, first reply, recovery after kills, 32 WeChat senders", flush=True)
    result = ops_bench.run(quick) | {"meta": meta()}
    report.save("ops", result)
    return result


PARTS = {"answers": answers, "blind": blind, "dev": dev, "nlu": nlu, "kb": kb, "train": train, "eligibility": eligibility,
         "ops": ops}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("part", nargs="?", default="all", choices=["all", "report", *PARTS])
    parser.add_argument("--quick", action="store_true", help="small smoke run, no cross-validation")
    args = parser.parse_args(argv)
    chosen = list(PARTS) if args.part == "all" else ([] if args.part == "report" else [args.part])
    failed = []
    for name in chosen:
        try:
            PARTS[name](args.quick)
        except SystemExit as exc:
            print(f"BENCH PART {name} NOT RUN: {exc}", file=sys.stderr)
            failed.append(name)
    path = report.write()
    print(f"==> written {path.relative_to(ROOT)} and the plots in docs/benchmarks/", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
