"""The stack under measurement: the real launcher on the bench ports, and its processes."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.conftest import RunningStack

BENCH_PORTS = {"RASA_PORT": 19605, "ACTION_PORT": 19655, "WEB_PORT": 19680}
BENCH_TOKEN = "bench-token"


def start_stack(extra_env: dict | None = None) -> RunningStack:
    tmp = Path(tempfile.mkdtemp(prefix="zhicheng-bench-"))
    env = {"RASA_TOKEN": BENCH_TOKEN, **(extra_env or {})}
    return RunningStack(tmp, BENCH_PORTS, extra_env=env).start()


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def find_pids(ports: dict[str, int] = BENCH_PORTS) -> dict[str, int]:
    """PIDs of the Rasa server, the action server and the web app, by their command lines."""
    found: dict[str, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = _cmdline(int(entry))
        if "--port" not in args:
            continue
        port = args[args.index("--port") + 1] if args.index("--port") + 1 < len(args) else ""
        if port == str(ports["ACTION_PORT"]) and "actions" in args:
            found["action_server"] = int(entry)
        elif port == str(ports["RASA_PORT"]) and "run" in args:
            found["rasa_server"] = int(entry)
        elif port == str(ports["WEB_PORT"]) and "bot.web" in args:
            found["web_app"] = int(entry)
    return found


def rss_mib(pid: int) -> float | None:
    """Resident set size of a process and its children (MiB)."""
    total = 0
    pids = [pid] + _children(pid)
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 if total else None


def _children(pid: int) -> list[str]:
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
