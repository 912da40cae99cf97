"""Train the Rasa model only when its inputs changed.

The fingerprint is a SHA-256 over every file that shapes the model (config, domain,
training data, the shared dictionary, entity patterns, facts vocabulary and the custom NLU
components). It is stored beside the model; a second run with nothing changed skips
training and returns at once.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.faq_data import training_data_paths

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
MODEL_NAME = "current"
MODEL_FILE = MODELS / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODELS / "fingerprint.txt"

INPUTS = [
    "config.yml",
    "domain.yml",
    "data",
    "policy_kb/dictionary",
    "policy_kb/entity_patterns.yml",
    "policy_kb/facts.yml",
    "policy_kb/extract.py",
    "bot/nlu",
    "bot/faq_data.py",
    "policy_kb/answers",
]


def _files() -> list[Path]:
    found: list[Path] = []
    for name in INPUTS:
        path = ROOT / name
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            found.append(path)
    return found


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _files():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def up_to_date() -> bool:
    return MODEL_FILE.exists() and FINGERPRINT_FILE.exists() and FINGERPRINT_FILE.read_text().strip() == fingerprint()


def train(force: bool = False) -> int:
    if not force and up_to_date():
        print("==> Model is up to date (training inputs unchanged): models/current.tar.gz")
        return 0
    MODELS.mkdir(exist_ok=True)
    print("==> Training the Rasa model (NLU + dialogue); this takes a few minutes on 2 cores")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", PYTHONWARNINGS="ignore",
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    started = time.time()
    cmd = [
        str(ROOT / ".venv" / "bin" / "rasa"), "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", *training_data_paths(),
        "--out", str(MODELS), "--fixed-model-name", MODEL_NAME, "--force",
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0 or not MODEL_FILE.exists():
        print("TRAINING FAILED: see the Rasa messages above (often a YAML error in data/ or domain.yml;"
              " `.venv/bin/rasa data validate` tells which).", file=sys.stderr)
        return 1
    FINGERPRINT_FILE.write_text(fingerprint() + "\n")
    print(f"==> Trained in {time.time() - started:.0f} s: models/current.tar.gz")
    return 0


if __name__ == "__main__":
    sys.exit(train(force="--force" in sys.argv))
