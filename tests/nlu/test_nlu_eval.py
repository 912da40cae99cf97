"""Held-out NLU evaluation: `rasa test nlu` on tests/nlu/test_set.yml.

Model: $NLU_MODEL if set; otherwise the newest models/*.tar.gz (what `make train` built) if
it is newer than the NLU inputs (config.yml, data/nlu, bot/nlu, policy_kb/dictionary);
otherwise a fresh NLU-only model is trained into a temporary directory (a few minutes).
Reports go to var/reports/nlu/ (Rasa's JSON reports + summary.json).

Thresholds: intent accuracy >= 0.95, entity F1 (micro over all entity types, Rasa's
token-level report of PolicyEntityExtractor) >= 0.90.

FallbackClassifier: `rasa test nlu` reverts FallbackClassifier predictions before scoring
(rasa.nlu.test undoes `nlu_fallback`), as in Rasa's demo assistants, so the accuracy is that
of the DIET classifier itself. That alone would hide a real cost: in the running assistant a
correct prediction below the fallback threshold still ends in the fallback reply. So this test
also counts the test messages whose top intent confidence is below the threshold configured
in config.yml (the ambiguity_threshold is not counted: the report has no second-best score),
fails if more than 10 % of them would fall back, and writes the "effective accuracy" (correct
and above the threshold) to summary.json.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests" / "nlu" / "test_set.yml"
REPORT_DIR = ROOT / "var" / "reports" / "nlu"
RASA = str(Path(sys.executable).with_name("rasa"))
NLU_INPUTS = ["config.yml", "data/nlu", "bot/nlu", "policy_kb/dictionary", "policy_kb/answers"]
MIN_INTENT_ACCURACY = 0.95
MIN_ENTITY_F1 = 0.90
MAX_FALLBACK_SHARE = 0.10

pytestmark = pytest.mark.slow


def _newest_input_mtime() -> float:
    times = []
    for name in NLU_INPUTS:
        path = ROOT / name
        files = [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts] if path.is_dir() else [path]
        times.extend(p.stat().st_mtime for p in files if p.exists())
    return max(times)


def _env() -> dict:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", PYTHONWARNINGS="ignore")


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    if os.environ.get("NLU_MODEL"):
        path = Path(os.environ["NLU_MODEL"])
        assert path.is_file(), f"NLU_MODEL={path} does not exist"
        return path
    built = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if built and built[-1].stat().st_mtime >= _newest_input_mtime():
        return built[-1]
    from bench.nlu import all_training_data

    out = tmp_path_factory.mktemp("nlu_model")
    nlu_data = all_training_data(out / "data")
    result = subprocess.run(
        [RASA, "train", "nlu", "--config", "config.yml", "--nlu", str(nlu_data), "--out", str(out),
         "--fixed-model-name", "nlu"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "nlu.tar.gz"


@pytest.fixture(scope="module")
def reports(model) -> dict:
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [RASA, "test", "nlu", "--model", str(model), "--nlu", str(TEST_SET), "--out", str(REPORT_DIR),
         "--successes", "--no-plot"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    intent = json.loads((REPORT_DIR / "intent_report.json").read_text(encoding="utf-8"))
    entity = json.loads((REPORT_DIR / "PolicyEntityExtractor_report.json").read_text(encoding="utf-8"))
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = REPORT_DIR / name
        if path.exists():
            predictions += json.loads(path.read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    threshold = next(c.get("threshold", 0.3) for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    below = [p for p in predictions if p["intent_prediction"]["confidence"] < threshold]
    effective = [p for p in predictions
                 if p["intent_prediction"]["name"] == p["intent"] and p["intent_prediction"]["confidence"] >= threshold]
    summary = {
        "model": str(model),
        "test_examples": len(predictions),
        "intent_accuracy": intent["accuracy"],
        "entity_micro_f1": entity["micro avg"]["f1-score"],
        "entity_micro_precision": entity["micro avg"]["precision"],
        "entity_micro_recall": entity["micro avg"]["recall"],
        "fallback_threshold": threshold,
        "below_fallback_threshold": len(below),
        "effective_intent_accuracy": len(effective) / max(len(predictions), 1),
        "intent_errors": [f"{p['text']}: {p['intent']} -> {p['intent_prediction']['name']}"
                          for p in predictions if p["intent_prediction"]["name"] != p["intent"]],
    }
    (REPORT_DIR / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def test_intent_accuracy(reports):
    assert reports["test_examples"] >= 150
    assert reports["intent_accuracy"] >= MIN_INTENT_ACCURACY, reports["intent_errors"]


def test_entity_f1(reports):
    assert reports["entity_micro_f1"] >= MIN_ENTITY_F1, reports


def test_few_messages_would_fall_back(reports):
    assert reports["below_fallback_threshold"] <= MAX_FALLBACK_SHARE * reports["test_examples"], reports
