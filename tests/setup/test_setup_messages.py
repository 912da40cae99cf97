"""Bad set-up ends with one clear message that says what to do, never a traceback."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _run(cmd, cwd, env=None, timeout=300):
    return subprocess.run(cmd, cwd=cwd, env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                          timeout=timeout)


def _project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    (copy / "scripts").mkdir(parents=True)
    for name in ("setup.sh", "system-deps.sh"):
        shutil.copy(ROOT / "scripts" / name, copy / "scripts" / name)
    shutil.copytree(ROOT / "requirements", copy / "requirements")
    return copy


def test_missing_python_is_explained(tmp_path):
    result = _run(["bash", "scripts/setup.sh"], _project_copy(tmp_path), {"PYTHON": "/nonexistent/python3.11"})
    assert result.returncode != 0
    assert "Python 3.11 was not found" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_wrong_python_version_is_explained(tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text("#!/bin/sh\ncase \"$2\" in *platform*) echo 3.9.18;; *) exit 1;; esac\n")
    fake.chmod(0o755)
    result = _run(["bash", "scripts/setup.sh"], _project_copy(tmp_path), {"PYTHON": str(fake)})
    assert result.returncode != 0
    assert "is Python 3.9.18" in result.stderr and "needs Python 3.11" in result.stderr


def test_failed_install_is_explained(tmp_path):
    project = _project_copy(tmp_path)
    (project / "requirements" / "base.txt").write_text("this-package-does-not-exist-zhicheng==0.0.1\n")
    env = {"PYTHON": sys.executable if sys.version_info[:2] == (3, 11) else "python3.11",
           "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": "",
           "PIP_NO_INDEX": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}
    result = _run(["bash", "scripts/setup.sh"], project, env)
    assert result.returncode != 0
    assert "SET-UP FAILED" in result.stderr and "run the command again" in result.stderr


def test_port_in_use_is_explained():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run([sys.executable, "-m", "bot.launcher"], ROOT, {"RASA_PORT": str(port)}, timeout=60)
    assert result.returncode == 1
    assert f"Port {port} (RASA_PORT) is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_second_run_does_not_retrain():
    """`make run` trains only when the training inputs changed (bot/train.py fingerprint)."""
    from bot import train

    if not train.MODEL_FILE.exists():
        import pytest
        pytest.skip("no trained model yet")
    assert train.up_to_date(), "the model is older than its inputs: `make test` should have trained it"
    result = _run([sys.executable, "-m", "bot.train"], ROOT, timeout=60)
    assert result.returncode == 0 and "up to date" in result.stdout


def test_sigterm_to_the_parent_stops_every_process(tmp_path):
    """`make run` stopped with SIGTERM (its parent gone) or the launcher itself: no orphans."""
    import signal
    import time

    from bot import train
    if not train.MODEL_FILE.exists():
        import pytest
        pytest.skip("no trained model yet")
    env = dict(os.environ, RASA_PORT="15105", ACTION_PORT="15155", WEB_PORT="18100",
               TRACKER_DB=str(tmp_path / "tracker.db"), STAFF_TOKEN="t")
    log = tmp_path / "launcher.log"
    # A shell stands in for make: it starts the launcher and is then killed.
    parent = subprocess.Popen(["bash", "-c", f"{sys.executable} -m bot.launcher > {log} 2>&1; sleep 600"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 240
        while "The assistant is running" not in (log.read_text() if log.exists() else ""):
            assert time.time() < deadline, log.read_text()[-2000:]
            time.sleep(1)
        children = subprocess.run(["pgrep", "-f", "--", "--port 15155|--port 15105|--port 18100"],
                                  capture_output=True, text=True).stdout.split()
        assert len(children) >= 3, children
        os.kill(parent.pid, signal.SIGKILL)  # the parent dies without telling anyone
        deadline = time.time() + 60
        while subprocess.run(["pgrep", "-f", "--", "--port 15155|--port 15105|--port 18100"],
                             capture_output=True).returncode == 0:
            assert time.time() < deadline, "processes left running after the parent ended"
            time.sleep(1)
    finally:
        subprocess.run(["pkill", "-f", "--", "--port 15155|--port 15105|--port 18100"])
        os.killpg(parent.pid, signal.SIGKILL) if parent.poll() is None else None
