"""NLU quality: the held-out test split with the trained model, and 5-fold cross-validation.

Cross-validation trains on a copy of config.yml without the FallbackClassifier (as Rasa's
own demos do), so that the scores are those of the classifier itself.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "bin" / "rasa"
TEST_SET = ROOT / "tests" / "nlu" / "test_set.yml"


def config_without_fallback(dest: Path, selectors: bool = True) -> Path:
    """The deployed pipeline without FallbackClassifier (and, `selectors=False`, without the
    ResponseSelectors: the intent's cross-validation in a fifth of the time; which answer point
    a policy question gets is measured end to end by the blind set, bench/blind.py)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    dropped = {"FallbackClassifier"} | (set() if selectors else {"bot.nlu.retrieval_selector.RetrievalIntentSelector"})
    config["pipeline"] = [c for c in config.get("pipeline", []) if c.get("name") not in dropped]
    dest.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def _rasa(args: list[str], log: Path) -> tuple[int, float]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", PYTHONWARNINGS="ignore")
    started = time.time()
    with open(log, "wb") as out:
        code = subprocess.run([str(RASA)] + args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    return code, time.time() - started


def _scores(report_dir: Path) -> dict:
    """Intent accuracy / macro-F1 and entity F1 per extractor from Rasa's report files."""
    out: dict = {}
    intent = report_dir / "intent_report.json"
    if intent.exists():
        data = json.loads(intent.read_text())
        out["intent_accuracy"] = data.get("accuracy")
        out["intent_macro_f1"] = (data.get("macro avg") or {}).get("f1-score")
        out["intent_weighted_f1"] = (data.get("weighted avg") or {}).get("f1-score")
        out["intents"] = {k: round(v["f1-score"], 3) for k, v in data.items()
                          if isinstance(v, dict) and "f1-score" in v and not k.endswith(" avg")}
        out["worst_intents"] = sorted(out["intents"].items(), key=lambda kv: kv[1])[:5]
    entities = {}
    for path in sorted(report_dir.glob("*_report.json")):
        if path.name in ("intent_report.json", "response_selection_report.json"):
            continue
        data = json.loads(path.read_text())
        name = path.name[: -len("_report.json")]
        entities[name] = {
            "micro_f1": (data.get("micro avg") or {}).get("f1-score"),
            "macro_f1": (data.get("macro avg") or {}).get("f1-score"),
            "per_entity": {k: round(v["f1-score"], 3) for k, v in data.items()
                           if isinstance(v, dict) and "f1-score" in v and not k.endswith(" avg")},
        }
    out["entities"] = entities
    response = report_dir / "response_selection_report.json"
    if response.exists():
        data = json.loads(response.read_text())
        out["response_selection_accuracy"] = data.get("accuracy")
    return out


def all_training_data(folder: Path) -> Path:
    """One folder with the NLU data of data/ and the generated answer-point examples."""
    from bot.faq_data import training_data_paths

    folder.mkdir(parents=True, exist_ok=True)
    for source in training_data_paths():
        for path in Path(source).rglob("*.yml"):
            if path.name != "rules.yml":
                (folder / f"{path.parent.name}-{path.name}").symlink_to(path)
    return folder


def run(model: Path, out_dir: Path, folds: int = 5, cross_validation: bool = True) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="zhicheng-nlu-") as tmp:
        tmp = Path(tmp)
        held_out = tmp / "held_out"
        code, seconds = _rasa(["test", "nlu", "--model", str(model), "--nlu", str(TEST_SET),
                               "--out", str(held_out)], tmp / "held_out.log")
        result["held_out"] = _scores(held_out) | {"exit_code": code, "seconds": round(seconds, 1)}
        if code != 0:
            result["held_out"]["log_tail"] = (tmp / "held_out.log").read_text(errors="replace")[-1500:]
        for name, dest in (("intent_confusion_matrix.png", "nlu-confusion-matrix.png"),
                           ("intent_histogram.png", "nlu-confidence-histogram.png")):
            if (held_out / name).exists():
                shutil.copy(held_out / name, out_dir / dest)
        print(f"  held-out: accuracy {result['held_out'].get('intent_accuracy')}, "
              f"macro-F1 {result['held_out'].get('intent_macro_f1')}", flush=True)
        if cross_validation:
            config = config_without_fallback(tmp / "config-no-fallback.yml", selectors=False)
            cv = tmp / "cv"
            code, seconds = _rasa(["test", "nlu", "--nlu", str(all_training_data(tmp / "nlu-all")), "--config", str(config),
                                   "--domain", "domain.yml", "--cross-validation", "--folds", str(folds),
                                   "--out", str(cv)], tmp / "cv.log")
            result["cross_validation"] = _scores(cv) | {"exit_code": code, "seconds": round(seconds, 1),
                                                       "folds": folds}
            if code != 0:
                result["cross_validation"]["log_tail"] = (tmp / "cv.log").read_text(errors="replace")[-1500:]
            if (cv / "intent_confusion_matrix.png").exists():
                shutil.copy(cv / "intent_confusion_matrix.png", out_dir / "nlu-cv-confusion-matrix.png")
            print(f"  {folds}-fold CV: accuracy {result['cross_validation'].get('intent_accuracy')}, "
                  f"macro-F1 {result['cross_validation'].get('intent_macro_f1')}", flush=True)
    return result
