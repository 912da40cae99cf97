"""Sampling profile (py-spy) of the Rasa server and the action server under load.

py-spy is optional (`pip install py-spy`; it is a standalone binary, not imported). Set
PY_SPY=/path/to/py-spy when it is not on PATH. Without it this part is skipped with a note.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.load import run_level

# Frames are attributed to the first of these areas found, innermost first.
AREAS = [
    ("policy_kb/search", "KB search (policy_kb.search / FTS5)"),
    ("policy_kb/text", "jieba segmentation (policy_kb.text)"),
    ("policy_kb/eligibility", "eligibility evaluator"),
    ("policy_kb/extract", "fact extraction (policy_kb.extract)"),
    ("policy_kb/", "other policy_kb"),
    ("actions/", "custom actions"),
    ("rasa_sdk/", "rasa_sdk (action server framework)"),
    ("bot/nlu/", "custom NLU components (bot/nlu)"),
    ("tensorflow", "TensorFlow (DIET / ResponseSelector)"),
    ("keras", "TensorFlow (DIET / ResponseSelector)"),
    ("rasa/nlu/featurizers", "Rasa featurizers"),
    ("rasa/nlu/", "Rasa NLU other"),
    ("jieba", "jieba tokenizer"),
    ("spacy", "spaCy (entity ruler)"),
    ("rasa/core/policies", "dialogue policies"),
    ("rasa/core/tracker_store", "tracker store (SQLite)"),
    ("sqlalchemy", "tracker store (SQLite)"),
    ("rasa/shared/core/trackers", "tracker (de)serialisation"),
    ("rasa/shared/core/events", "tracker (de)serialisation"),
    ("rasa/core/actions/action", "remote action call (aiohttp)"),
    ("rasa/core/processor", "message processor"),
    ("sanic", "HTTP server (sanic)"),
    ("aiohttp", "HTTP client/server (aiohttp)"),
    ("json", "JSON"),
]


def py_spy() -> str | None:
    found = os.environ.get("PY_SPY") or shutil.which("py-spy")
    return found if found and Path(found).exists() else None


def summarise(collapsed: Path) -> dict:
    """Share of samples per area (innermost matching frame) from py-spy's raw output."""
    areas: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        leaf = frames[-1] if frames else "?"
        leaves[leaf.split(" (")[0][:80]] += n
        area = "other (idle loop, interpreter)"
        for frame in reversed(frames):
            hit = next((label for key, label in AREAS if key in frame), None)
            if hit:
                area = hit
                break
        areas[area] += n
    share = {a: round(100 * n / total, 1) for a, n in areas.most_common()} if total else {}
    top = [(f, round(100 * n / total, 1)) for f, n in leaves.most_common(12)] if total else []
    return {"samples": total, "areas_pct": share, "top_leaf_functions_pct": top}


def run(rasa_url: str, pids: dict[str, list[int]], out_dir: Path, seconds: int = 20, concurrency: int = 8) -> dict:
    tool = py_spy()
    if not tool:
        note = "py-spy not found (pip install py-spy, or set PY_SPY): profile skipped"
        print("  " + note)
        return {"skipped": note}
    out_dir.mkdir(parents=True, exist_ok=True)
    procs: dict[str, list] = {}
    for name in ("rasa_server", "action_server"):
        for pid in pids.get(name) or []:
            raw = out_dir / f"profile-{name}-{pid}.txt"
            # --subprocesses: a process's own workers, if it has any, are its children.
            procs.setdefault(name, []).append((raw, subprocess.Popen(
                [tool, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
                 "--format", "raw", "--output", str(raw), "--nonblocking", "--subprocesses"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    # Keep the servers busy for the whole recording (bounded by count and time).
    asyncio.run(run_level(rasa_url, concurrency, 100 * concurrency, seconds + 2, tag="profile"))
    result: dict = {"seconds": seconds, "concurrency": concurrency}
    for name, recordings in procs.items():
        merged = out_dir / f"profile-{name}.txt"
        errors = []
        with merged.open("w", encoding="utf-8") as out:
            for raw, proc in recordings:
                try:
                    _, err = proc.communicate(timeout=seconds + 60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
                if proc.returncode != 0 or not raw.exists():
                    errors.append((err or b"").decode(errors="replace")[-500:])
                    continue
                out.write(raw.read_text(encoding="utf-8", errors="replace"))
                raw.unlink()
        result[name] = summarise(merged) if not errors else {"error": errors[0]}
        merged.unlink()
    return result
