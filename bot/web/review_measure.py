"""The effect of a phrasing patch, measured: linked questions matched before and after.

A temporary copy of the knowledge-base package (``policy_kb/``) is built as it is ("before")
and with the patch applied by ``git apply`` ("after"), each with ``python -m policy_kb build``
and ``POLICY_KB_DB`` pointing into the temporary folder. For every linked question the
assistant's own decision (policy_kb.point_match.PointIndex.decide, on lexical evidence alone,
as before retraining) names the point it answers with; a question counts as answered
correctly when that is the point it was linked to.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from policy_kb import paths


def copy_package(dest: Path) -> Path:
    shutil.copytree(paths.package_dir(), dest / "policy_kb",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def apply_patch(root: Path, diff: str) -> None:
    if not diff.strip():
        return
    (root / "phrasings.diff").write_text(diff, encoding="utf-8")
    subprocess.run(["git", "apply", "--whitespace=nowarn", "phrasings.diff"], cwd=root, check=True,
                   capture_output=True, text=True)


def build_kb(root: Path) -> Path:
    db = root / "policy_kb.sqlite"
    env = dict(os.environ, POLICY_KB_DB=str(db))
    env.pop("PYTHONPATH", None)
    subprocess.run([sys.executable, "-m", "policy_kb", "build"], cwd=root, env=env, check=True,
                   capture_output=True, text=True, timeout=300)
    return db


def best_points(db: Path, questions: list[str]) -> list[dict]:
    """For each question: the point the assistant's own decision (PointIndex.decide, on lexical
    evidence alone: the NLU is not retrained here) answers with, or the closest point offered."""
    from policy_kb.kb import KB
    from policy_kb.point_match import PointIndex

    kb = KB(db, auto_build=False)
    try:
        index = PointIndex.of_kb(kb)
        out = []
        for q in questions:
            best, offers = index.decide(q, None)
            top = best or (offers[0] if offers else None)
            out.append({"point": top.point["id"] if top else None, "score": round(top.score, 3) if top else 0.0,
                        "answers": best is not None})
        return out
    finally:
        kb.close()


def measure(linked: list[dict], diff: str, workdir: Path | None = None) -> dict:
    """``linked``: [{text, point}]. Returns the counts before/after and one row per question."""
    with tempfile.TemporaryDirectory(prefix="review-measure-", dir=workdir) as tmp:
        before_root = copy_package(Path(tmp) / "before")
        after_root = copy_package(Path(tmp) / "after")
        apply_patch(after_root, diff)
        questions = [item["text"] for item in linked]
        before = best_points(build_kb(before_root), questions)
        after = best_points(build_kb(after_root), questions)
    rows = [{"text": item["text"], "point": item["point"], "before": b, "after": a,
             "correct_before": b["answers"] and b["point"] == item["point"],
             "correct_after": a["answers"] and a["point"] == item["point"]}
            for item, b, a in zip(linked, before, after)]
    return {"total": len(rows),
            "before": sum(r["correct_before"] for r in rows),
            "after": sum(r["correct_after"] for r in rows),
            "rows": rows}
