"""`rasa run`, serving on a socket handed over by the launcher, warmed before it serves.

``python -m bot.rasa_server run ...`` is Rasa's own command line, with four changes:

* Sanic serves on the socket whose file descriptor is in ``RASA_LISTEN_FD`` instead of
  binding the port itself. Why: Sanic 21.12 (as Rasa 3.6 starts it) gives all its worker
  processes one shared listening socket; on this machine one of two workers then went
  without a single connection for whole benchmark runs (docs/benchmarks/README.md). The
  launcher (bot/launcher.py) starts one such Rasa process per worker, each with its own
  socket bound to the same port with ``SO_REUSEPORT``: the kernel spreads the connections
  over the sockets that *listen*. The launcher only binds the socket; it starts listening
  when Sanic starts serving, after the warm-up below, so no connection waits for a
  process that is still loading.
* Warm-up: before serving, the process runs one real turn through the whole pipeline
  (NLU, policies, a custom action on the action server, tracker and lock stores) as the
  conversation ``__warmup__<n>`` (``WARMUP_MESSAGE``). The first turn of a fresh process
  costs seconds (TensorFlow builds its graphs); users no longer pay for it.
* The HTTP API token is read from the environment (``RASA_TOKEN``) when the API is enabled,
  never from the command line: ``/proc/<pid>/cmdline`` is readable by every local user.
* With the API enabled, its routes (everything outside ``/webhooks/`` and the root) answer
  only clients on the loopback interface; others get 403.

Every log line of the process is masked (bot/log_privacy.py).
"""
from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
import time

LISTEN_FD = "RASA_LISTEN_FD"
WORKER_NUMBER = "RASA_WORKER_NUMBER"
TOKEN_ENV = "RASA_TOKEN"
# A question answered by a custom action (action_answer_policy), so the warm-up also
# reaches the action server and the knowledge base.
WARMUP_MESSAGE = "送审表要几份？"
WARMUP_SENDER = "__warmup__"
PUBLIC_PREFIXES = ("/webhooks/",)

logger = logging.getLogger(__name__)


def bound_socket(port: int, host: str = "0.0.0.0") -> socket.socket:
    """A TCP socket bound to `port` that other processes may bind too (SO_REUSEPORT),
    inheritable by a child process, not listening yet (the child listens once warm)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def listening_socket(port: int, backlog: int = 100, host: str = "0.0.0.0") -> socket.socket:
    """``bound_socket`` already listening (used by tests and tools)."""
    sock = bound_socket(port, host)
    sock.listen(backlog)
    return sock


def is_loopback(ip: str | None) -> bool:
    try:
        return ipaddress.ip_address((ip or "").split("%")[0]).is_loopback
    except ValueError:
        return False


async def warm_up(app, _loop=None) -> None:
    """One real turn before this process takes traffic (see the module docstring)."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None:
        return
    sender = WARMUP_SENDER + os.environ.get(WORKER_NUMBER, str(os.getpid()))
    started = time.monotonic()
    try:
        await agent.handle_text(WARMUP_MESSAGE, sender_id=sender)
        logger.info("Warmed up with one turn in %.1f s; now taking traffic.", time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - a failed warm-up must not stop the server
        logger.warning("Warm-up turn failed (%s); serving anyway.", exc)


async def api_on_loopback_only(request):
    """Rasa's HTTP API answers local clients only; channels (/webhooks/) answer everybody."""
    from sanic import response

    path = request.path
    if path == "/" or path.startswith(PUBLIC_PREFIXES):
        return None
    if not is_loopback(request.ip):
        return response.json({"error": "The Rasa HTTP API is only available on this machine."}, status=403)
    return None


def serve_on(fd: int) -> None:
    """Make Sanic's `run` serve on the bound socket `fd`, in this one process, after warm-up."""
    from sanic import Sanic

    listener = socket.socket(fileno=fd)
    run = Sanic.run

    def run_on_listener(self, *args, **kwargs):
        kwargs.update(host=None, port=None, sock=listener, workers=1)
        # Registered after Rasa's own listener that loads the model: runs after it.
        self.register_listener(warm_up, "before_server_start")
        self.register_middleware(api_on_loopback_only, "request")
        return run(self, *args, **kwargs)

    Sanic.run = run_on_listener


def rasa_argv(argv: list[str], env) -> list[str]:
    """Rasa's arguments, with the API token from the environment when the API is enabled."""
    args = list(argv)
    if "--enable-api" in args and env.get(TOKEN_ENV) and not any(a.startswith("--auth-token") for a in args):
        args.append(f"--auth-token={env[TOKEN_ENV]}")  # in one piece: a token may start with "-"
    return args


def main() -> int:
    from bot import log_privacy

    log_privacy.install()
    raw = os.environ.get(LISTEN_FD, "")
    if raw:
        serve_on(int(raw))
    from rasa.__main__ import main as rasa_main

    # sys.argv is this process's own copy: /proc/<pid>/cmdline keeps the launcher's arguments.
    sys.argv = ["rasa"] + rasa_argv(sys.argv[1:], os.environ)
    return rasa_main() or 0


if __name__ == "__main__":
    sys.exit(main())
