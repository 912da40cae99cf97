"""`rasa run`, serving on a listening socket handed over by the launcher.

``python -m bot.rasa_server run --enable-api ...`` is Rasa's own command line, unchanged,
except that Sanic serves on the socket whose file descriptor is in ``RASA_LISTEN_FD``
instead of binding the port itself.

Why: Sanic 21.12 (as Rasa 3.6 starts it) gives all its worker processes one shared
listening socket. On this machine one of two workers then went without a single connection
for whole benchmark runs while the other did all the work (docs/benchmarks/README.md).
The launcher (bot/launcher.py) therefore starts one such Rasa process per worker, each with
its own socket bound to the same port with ``SO_REUSEPORT``: the kernel spreads the
connections over the sockets, so every process gets its share.
"""
from __future__ import annotations

import os
import socket
import sys

LISTEN_FD = "RASA_LISTEN_FD"


def listening_socket(port: int, backlog: int = 100, host: str = "0.0.0.0") -> socket.socket:
    """A TCP socket listening on `port` that other processes may bind too (SO_REUSEPORT),
    inheritable by a child process."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def serve_on(fd: int) -> None:
    """Make Sanic's `run` serve on the listening socket `fd`, in this one process."""
    from sanic import Sanic

    listener = socket.socket(fileno=fd)
    run = Sanic.run

    def run_on_listener(self, *args, **kwargs):
        kwargs.update(host=None, port=None, sock=listener, workers=1)
        return run(self, *args, **kwargs)

    Sanic.run = run_on_listener


def main() -> int:
    raw = os.environ.get(LISTEN_FD, "")
    if raw:
        serve_on(int(raw))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + sys.argv[1:]
    return rasa_main() or 0


if __name__ == "__main__":
    sys.exit(main())
