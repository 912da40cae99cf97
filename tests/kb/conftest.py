"""Fixtures for the knowledge-base tests: the KB is built once per session into a temp file."""
from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture(scope="session")
def kb_path(tmp_path_factory) -> Path:
    from policy_kb.build import build

    path = tmp_path_factory.mktemp("kb") / "policy_kb.sqlite"
    result = build(path)
    assert result.counts["clauses"] > 300
    return path


@pytest.fixture(scope="session")
def kb(kb_path):
    from policy_kb.kb import KB

    with KB(kb_path, auto_build=False) as instance:
        yield instance

