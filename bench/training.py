"""Training cost: wall time of `rasa train` (NLU + dialogue) and the size of the model."""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run() -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", PYTHONWARNINGS="ignore")
    with tempfile.TemporaryDirectory(prefix="zhicheng-train-") as tmp:
        log = Path(tmp) / "train.log"
        started = time.time()
        with open(log, "wb") as out:
            code = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
                 "--data", "data", "--out", tmp, "--fixed-model-name", "bench", "--force"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
        seconds = time.time() - started
        model = Path(tmp) / "bench.tar.gz"
        result = {"exit_code": code, "wall_s": round(seconds, 1),
                  "model_bytes": model.stat().st_size if model.exists() else None,
                  "load_avg_1min_after": round(os.getloadavg()[0], 2)}
        if code != 0:
            result["log_tail"] = log.read_text(errors="replace")[-1500:]
    print(f"  training: {result['wall_s']} s, model {(result['model_bytes'] or 0) / 2**20:.1f} MiB", flush=True)
    return result
