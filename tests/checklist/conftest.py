"""Fixtures for the checklist tests: the real knowledge base (no mocks)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def checklist_kb():
    from policy_kb.kb import KB
    return KB()
