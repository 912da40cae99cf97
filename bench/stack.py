"""The stack under measurement: the real launcher on the bench ports, and its processes."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.conftest import RunningStack

BENCH_PORTS = {"RASA_PORT": 19605, "ACTION_PORT": 19655, "WEB_PORT": 19680}
BENCH_TOKEN = "bench-token"


def _private_kb(tmp: Path) -> dict:
    """A private copy of the knowledge base: a rebuild elsewhere cannot disturb a run."""
    import shutil

    from policy_kb.paths import db_path

    copy = tmp / "policy_kb.sqlite"
    shutil.copy(db_path(), copy)
    return {"POLICY_KB_DB": str(copy)}


def start_stack(extra_env: dict | None = None):
    """The real launcher (default), or a DirectStack when BENCH_CREDENTIALS names a file.
    Everything it writes stays in `stack.tmp` (remove it after `stop()`)."""
    tmp = Path(tempfile.mkdtemp(prefix="zhicheng-bench-"))
    # The breakdown reads Rasa's HTTP API (off by default, bot/launcher.api_enabled).
    env = {"RASA_TOKEN": BENCH_TOKEN, "RASA_ENABLE_API": "1", **_private_kb(tmp), **(extra_env or {})}
    if os.environ.get("BENCH_CREDENTIALS"):
        return DirectStack(os.environ["BENCH_CREDENTIALS"], tmp, env).start()
    return RunningStack(tmp, BENCH_PORTS, extra_env=env).start()


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def find_pids(ports: dict[str, int] = BENCH_PORTS) -> dict[str, list[int]]:
    """The processes of each server, by their command lines: the Rasa server's processes
    (one per worker, bot/rasa_server.py; a process's own children count with it), the
    action server and the web app."""
    found: dict[str, list[int]] = {}
    rasa: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = _cmdline(int(entry))
        if "--port" not in args:
            continue
        port = args[args.index("--port") + 1] if args.index("--port") + 1 < len(args) else ""
        if port == str(ports["ACTION_PORT"]) and "actions" in args:
            found["action_server"] = [int(entry)]
        elif port == str(ports["RASA_PORT"]) and "run" in args:
            rasa.append(int(entry))
        elif port == str(ports["WEB_PORT"]) and "bot.web" in args:
            found["web_app"] = [int(entry)]
    main = sorted(pid for pid in rasa if _parent(pid) not in rasa)
    if main:
        found["rasa_server"] = main
    return found


def _with_children(pids: list[int]) -> list[int]:
    return [p for pid in pids for p in [pid] + _children(pid)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes and their descendants (live ones)."""
    total = 0.0
    for p in _with_children(pids):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def worker_count(pids: list[int]) -> int:
    """Rasa processes serving requests: each process, or its Sanic workers when it has any."""
    return sum(max(1, len(_children(pid))) for pid in pids)


def rss_mib(pids: list[int]) -> float | None:
    """Resident set size of processes and their children (MiB)."""
    total = 0
    for p in _with_children(pids):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 if total else None


def _children(pid: int) -> list[int]:
    out: list = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            kids = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            for kid in kids:
                out.append(int(kid))
                out.extend(_children(int(kid)))
    except OSError:
        pass
    return out


class DirectStack:
    """Action server + Rasa server started directly with a chosen credentials file (no web
    app): to compare configurations before they are wired into credentials.yml.
    `BENCH_CREDENTIALS=/path/credentials.yml python -m bench answers`."""

    def __init__(self, credentials: str, tmp: Path, extra_env: dict | None = None):
        import subprocess
        import sys

        self.tmp = tmp
        self.rasa_url = f"http://127.0.0.1:{BENCH_PORTS['RASA_PORT']}"
        self.action_url = f"http://127.0.0.1:{BENCH_PORTS['ACTION_PORT']}"
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore",
                   TRACKER_DB=str(self.tmp / "tracker.db"), ACTION_PORT=str(BENCH_PORTS["ACTION_PORT"]),
                   **(extra_env or {}))
        for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY", "WECHAT_APPSECRET"):
            env.setdefault(name, "")
        rasa = str(Path(sys.executable).parent / "rasa")
        model = env.get("RASA_MODEL", str(root / "models" / "current.tar.gz"))
        self.log = open(self.tmp / "stack.log", "wb")
        self.procs = [
            subprocess.Popen([rasa, "run", "actions", "--port", str(BENCH_PORTS["ACTION_PORT"]), "--actions",
                              "actions"], cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                             start_new_session=True),
            subprocess.Popen([rasa, "run", "--enable-api", "--auth-token", BENCH_TOKEN, "--model", model,
                              "--port", str(BENCH_PORTS["RASA_PORT"]), "--credentials", credentials,
                              "--endpoints", env.get("ENDPOINTS", "endpoints.yml")],
                             cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True),
        ]

    def start(self, timeout: float = 420) -> "DirectStack":
        import time
        import urllib.request

        deadline = time.time() + timeout
        for url in (self.action_url + "/health", self.rasa_url + "/"):
            while True:
                if any(p.poll() is not None for p in self.procs) or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("bench stack did not start: see " + str(self.tmp / "stack.log"))
                try:
                    urllib.request.urlopen(url, timeout=2).close()
                    break
                except OSError:
                    time.sleep(1)
        return self

    def stop(self) -> None:
        import signal
        import subprocess

        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.log.close()
