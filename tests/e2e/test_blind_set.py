"""The blind question set (tests/blind/questions.yml) through the REST channel of the running
assistant. The set was written from the notices only and frozen before tuning; it is never
used as training data. The scores are written to var/reports/blind.json; the floors below are
a little below the levels reached when the set was scored after the answer layer, so a change that
makes answers worse fails here (`make bench` reports the same scores against the goals of the
answer-layer issue: 95 % / 93 % / 85 %, which are not reached yet: docs/benchmarks/README.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import blind

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parent.parent.parent
FLOORS = {"clause_right": 0.80, "fact_said": 0.76, "fact_first": 0.72}
MAX_MEDIAN_CHARS = 150


def test_blind_and_dev_sets_are_not_training_data():
    from bot.faq_data import training_data_paths

    training = "".join(p.read_text(encoding="utf-8") for d in training_data_paths() for p in Path(d).rglob("*.yml"))
    training += "".join(p.read_text(encoding="utf-8") for p in (ROOT / "policy_kb" / "answers").glob("*.yml"))
    for path in (blind.BLIND_FILE, *blind.DEV_FILES):
        leaked = [c["q"] for c in blind.questions(path) if c["q"] in training]
        assert not leaked, f"{path.name}: questions copied into training data or answer points: {leaked}"


def test_blind_set_scores(stack):
    result = blind.run(stack.send)
    report = ROOT / "var" / "reports" / "blind.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = result["summary"]
    assert summary["questions"] >= 120
    for key, floor in FLOORS.items():
        assert summary[key] >= floor, (key, summary, blind.failures(result, key)[:15])
    assert summary["median_chars"] <= MAX_MEDIAN_CHARS, summary
