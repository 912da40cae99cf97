"""A free loopback port from a range (test servers pick their ports from fixed ranges)."""
from __future__ import annotations

import socket
from typing import Iterable


def first_free_port(ports: Iterable[int], exclude: Iterable[int] = ()) -> int:
    ports = list(ports)
    skip = set(exclude)
    for port in ports:
        if port in skip:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {min(ports)}-{max(ports)}")
