"""Start the whole assistant in the foreground: action server, Rasa server, web app.

Ports come from RASA_PORT (5005), ACTION_PORT (5055) and WEB_PORT (8000). Ctrl-C or
SIGTERM stops every process this launcher started. Used by `make run` and by the test
fixture that runs the real stack. The Rasa server runs as one process per core
(RASA_WORKERS overrides; see rasa_workers), each serving its own socket on the Rasa port
(bot/rasa_server.py) and all sharing conversations and locks in SQLite files.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

from bot import var_paths
from bot.rasa_server import LISTEN_FD, WORKER_NUMBER, bound_socket

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
MAX_AUTO_WORKERS = 4


class LaunchError(Exception):
    """A set-up problem with a message that says what to do."""


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: connections in TIME_WAIT do not make a port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise LaunchError(f"{name}={raw!r} is not a port number: set it to a number such as {default}.")
    if not 0 < port < 65536:
        raise LaunchError(f"{name}={port} is outside 1-65535.")
    if not _port_free(port):
        raise LaunchError(
            f"Port {port} ({name}) is already in use. Stop the program that uses it "
            f"(e.g. an earlier `make run`: `fuser -k {port}/tcp`) or choose another port: {name}=<port> make run"
        )
    return port


def _wait_http(url: str, proc: subprocess.Popen, name: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise LaunchError(f"The {name} stopped while starting (exit code {proc.returncode}); see its messages above.")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except Exception:
            time.sleep(0.5)
    raise LaunchError(f"The {name} did not answer at {url} within {timeout:.0f} s.")


def rasa_workers(env: dict, endpoints: str) -> int:
    """How many Rasa server processes to run (bot/rasa_server.py, one socket each).

    RASA_WORKERS when set; else one per core (at most MAX_AUTO_WORKERS, each holds the model,
    about 1.1 GB). One only when the endpoints file keeps locks in memory (Rasa then refuses
    more). The WeChat channel keeps what its retries and numbered choices need in the
    tracker and the lock store, so it runs with as many processes as REST (docs/wechat.md).
    """
    raw = env.get("RASA_WORKERS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise LaunchError(f"RASA_WORKERS={raw!r}: set it to a whole number of Rasa processes, at least 1.")
        wanted = int(raw)
    else:
        wanted = max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS))
    try:
        import yaml

        config = yaml.safe_load((ROOT / endpoints).read_text(encoding="utf-8")) or {}
    except Exception:  # noqa: BLE001 - Rasa reports a bad endpoints file itself
        config = {}
    lock_type = str((config.get("lock_store") or {}).get("type") or "in_memory")
    return wanted if lock_type != "in_memory" else 1


def _wait_workers(url: str, procs: list[subprocess.Popen], timeout: float) -> None:
    """Until every Rasa process has answered (each has loaded the model)."""
    import json

    count = len(procs)
    seen: set = set()
    deadline = time.time() + timeout
    while len(seen) < count and time.time() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise LaunchError(f"A Rasa server process stopped while starting (exit code {proc.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                seen.add(json.loads(resp.read().decode()).get("worker"))
        except Exception:
            pass
        time.sleep(0.05)
    if len(seen) < count:
        print(f"    ({len(seen)} of {count} Rasa workers answered within {timeout:.0f} s; going on)", flush=True)


BACKOFF_FIRST = 1.0      # seconds before the first restart of a crashed process
BACKOFF_MAX = 30.0       # the wait doubles on each crash up to this
STABLE_SECONDS = 60.0    # a process that ran this long starts again from BACKOFF_FIRST


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} launcher: {message}", flush=True)


class Child:
    """One supervised process: how to start it, and its restart back-off."""

    def __init__(self, name: str, start: "Callable[[], subprocess.Popen]") -> None:
        self.name = name
        self._start = start
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.backoff = BACKOFF_FIRST
        self.restart_at: float | None = None
        self.restarts = 0

    def start(self) -> subprocess.Popen:
        self.proc = self._start()
        self.started_at = time.monotonic()
        self.restart_at = None
        return self.proc

    def check(self, now: float) -> None:
        """Notice a crash and schedule a restart; restart when its time has come."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                proc = self.start()
                log(f"restarted the {self.name} (pid {proc.pid}, restart #{self.restarts}).")
            return
        if self.proc is None or self.proc.poll() is None:
            return
        if now - self.started_at >= STABLE_SECONDS:
            self.backoff = BACKOFF_FIRST
        wait = self.backoff
        self.backoff = min(self.backoff * 2, BACKOFF_MAX)
        self.restart_at = now + wait
        log(f"the {self.name} (pid {self.proc.pid}) stopped unexpectedly (exit code {self.proc.returncode}); "
            f"restarting it in {wait:.0f} s, the other processes keep serving.")


class Stack:
    """The running processes: supervised, stopped together."""

    def __init__(self) -> None:
        self.children: list[Child] = []

    @property
    def procs(self) -> list[tuple[str, subprocess.Popen]]:
        return [(c.name, c.proc) for c in self.children if c.proc is not None]

    def start(self, name: str, cmd: list[str], env: dict, pass_fds: tuple = (),
              socket_factory: "Callable[[], socket.socket] | None" = None) -> subprocess.Popen:
        """Start a process (restarted by `supervise` when it crashes). With
        `socket_factory`, a fresh socket is made for each start and handed over as
        RASA_LISTEN_FD (the process owns it; the launcher closes its copy)."""

        def spawn() -> subprocess.Popen:
            if socket_factory is None:
                return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, pass_fds=pass_fds)
            sock = socket_factory()
            try:
                return subprocess.Popen(cmd, cwd=ROOT, env={**env, LISTEN_FD: str(sock.fileno())},
                                        start_new_session=True, pass_fds=(sock.fileno(),))
            finally:
                sock.close()

        child = Child(name, spawn)
        self.children.append(child)
        proc = child.start()
        log(f"started the {name} (pid {proc.pid}).")
        return proc

    def supervise(self) -> None:
        now = time.monotonic()
        for child in self.children:
            child.check(now)

    def stop(self) -> None:
        # A second Ctrl-C or SIGTERM must not interrupt the shutdown and leave orphans.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 15
        for _, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def private_var(env: dict) -> None:
    """var/ 0700 and its files 0600: conversations and logs hold personal data. The
    launcher's umask (0077) keeps new files private too. A tracker or lock file elsewhere
    (TRACKER_DB, LOCK_DB) is made 0600, its folder 0700 only when it is ours and not a
    shared one such as /tmp (sticky bit)."""
    import stat

    os.umask(0o077)
    var = ROOT / "var"
    var.mkdir(parents=True, exist_ok=True)
    files = [p for p in var.iterdir() if p.is_file() and not p.is_symlink()]
    folders = [var]
    for path in (var_paths.tracker_db(env), var_paths.lock_db(env)):
        path.parent.mkdir(parents=True, exist_ok=True)
        files += [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
        info = path.parent.stat()
        if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
            folders.append(path.parent)
    for path in [*folders, *files]:
        try:
            if path.exists():
                path.chmod(0o700 if path.is_dir() else 0o600)
        except OSError as exc:
            log(f"could not make {path} private: {exc}")


def web_origin(env: dict) -> str:
    """The web app's origin (scheme://host:port of PUBLIC_WEB_URL), the only CORS origin."""
    from urllib.parse import urlsplit

    parts = urlsplit(env.get("PUBLIC_WEB_URL", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TRACKER_DB", str(var_paths.tracker_db(env)))
    env.setdefault("POLICY_KB_DB", str(ROOT / "var" / "policy_kb.sqlite"))
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY", "WECHAT_APPSECRET"):
        env.setdefault(name, "")
    return env


def api_enabled(env: dict) -> bool:
    """RASA_ENABLE_API=1 turns Rasa's HTTP API on (loopback clients only, token from
    RASA_TOKEN or generated); off by default: the assistant does not need it."""
    return env.get("RASA_ENABLE_API", "").strip().lower() in ("1", "true", "yes", "on")


def check_files(env: dict) -> Path:
    model = Path(env.get("RASA_MODEL", ROOT / "models" / "current.tar.gz"))
    if not model.exists():
        raise LaunchError(f"No trained model at {model}: run `make run` (it trains), or `.venv/bin/python -m bot.train`.")
    kb = Path(env["POLICY_KB_DB"])
    if not kb.exists():
        raise LaunchError(f"No knowledge base at {kb}: run `.venv/bin/python -m policy_kb build`.")
    return model


def launch() -> int:
    env = environment()
    rasa_port = _port("RASA_PORT", 5005)
    action_port = _port("ACTION_PORT", 5055)
    web_port = _port("WEB_PORT", 8000)
    env.update(RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port), WEB_PORT=str(web_port))
    env.setdefault("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    env.setdefault("PUBLIC_WEB_URL", f"http://localhost:{web_port}")
    rasa_host = env.get("RASA_HOST") or "0.0.0.0"
    generated_token = "STAFF_TOKEN" not in env or not env["STAFF_TOKEN"]
    if generated_token:
        env["STAFF_TOKEN"] = secrets.token_urlsafe(18)
    if api_enabled(env) and not env.get("RASA_TOKEN"):
        env["RASA_TOKEN"] = secrets.token_urlsafe(24)
    model = check_files(env)
    private_var(env)
    endpoints = env.get("ENDPOINTS", "endpoints.yml")
    workers = rasa_workers(env, endpoints)
    var_paths.clear_locks(env)  # no Rasa process runs yet: every lock left is stale
    # Each Rasa process serves alone on its own socket; the kernel spreads connections over
    # the sockets (SO_REUSEPORT, bot/rasa_server.py).
    env["SANIC_WORKERS"] = "1"
    if workers > 1:
        # A kept-alive connection stays with the process that accepted it, so a few busy
        # clients could load one process and leave another idle: one connection per request
        # (bot/channels/rest_guard.keep_alive).
        env.setdefault("REST_KEEP_ALIVE", "0")
    origin = web_origin(env)

    stack = Stack()

    def _stop(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"==> Starting the action server on port {action_port}", flush=True)
        action_cmd = [str(VENV_BIN / "python"), "-m", "bot.action_server", "--port", str(action_port),
                      "--actions", env.get("ACTIONS_PACKAGE") or "actions"] + (["--cors", origin] if origin else [])
        actions = stack.start("action server", action_cmd, env)
        _wait_http(f"http://127.0.0.1:{action_port}/health", actions, "action server", 120)

        print(f"==> Starting the Rasa server on port {rasa_port} as {workers} process"
              f"{'es' if workers > 1 else ''} (loading the model and one warm-up turn each take a little while)",
              flush=True)
        # No secret on the command line (/proc/<pid>/cmdline is world-readable): with the API
        # on, bot.rasa_server reads its token from RASA_TOKEN in its environment.
        rasa_cmd = [str(VENV_BIN / "python"), "-m", "bot.rasa_server", "run", "--model", str(model),
                    "--port", str(rasa_port), "--credentials", env.get("CREDENTIALS", "credentials.yml"),
                    "--endpoints", endpoints]
        rasa_cmd += ["--enable-api"] if api_enabled(env) else []
        rasa_cmd += ["--cors", origin] if origin else []
        rasa_procs = []
        for number in range(1, workers + 1):
            rasa_procs.append(stack.start(f"Rasa server process {number}", rasa_cmd,
                                          {**env, WORKER_NUMBER: str(number)},
                                          socket_factory=lambda: bound_socket(rasa_port, rasa_host)))
        _wait_http(f"http://127.0.0.1:{rasa_port}/", rasa_procs[0], "Rasa server", 300)
        _wait_workers(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa_procs, 300)

        web = None
        if (ROOT / "bot" / "web" / "__main__.py").exists():
            print(f"==> Starting the web app on port {web_port}", flush=True)
            web = stack.start("web app", [str(VENV_BIN / "python"), "-m", "bot.web", "--port", str(web_port)], env)
            _wait_http(f"http://127.0.0.1:{web_port}/", web, "web app", 60)

        print("", flush=True)
        print("The assistant is running:")
        if web is not None:
            print(f"  Web chat (applicants):   http://localhost:{web_port}/")
            print(f"  Staff console (hotline): http://localhost:{web_port}/staff")
            if generated_token:
                print(f"  Staff token (generated): {env['STAFF_TOKEN']}")
        print(f"  Rasa REST channel:       http://localhost:{rasa_port}/webhooks/rest/webhook")
        print(f"  WeChat channel:          http://localhost:{rasa_port}/webhooks/wechat/webhook")
        print(f"  Action server:           http://127.0.0.1:{action_port}/webhook")
        if api_enabled(env):
            print(f"  Rasa HTTP API:           http://127.0.0.1:{rasa_port}/ (this machine only; token in RASA_TOKEN)")
        print(f"  Try: curl -XPOST localhost:{rasa_port}/webhooks/rest/webhook -d '{{\"sender\":\"a\",\"message\":\"你好\"}}'")
        print("Press Ctrl-C to stop.", flush=True)

        parent = os.getppid()
        while True:
            if os.getppid() != parent:
                # `make run` (our parent) was stopped, e.g. by SIGTERM: stop with it.
                print("\n==> The parent process ended; stopping …", flush=True)
                return 0
            # A crashed process is restarted with back-off; the others keep serving.
            stack.supervise()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\n==> Stopping …", flush=True)
        return 0
    finally:
        stack.stop()


def main() -> int:
    try:
        return launch()
    except LaunchError as exc:
        print(f"\nCANNOT START: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
