"""Where the knowledge base finds its sources, data files and built database."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def repo_root() -> Path:
    return REPO_ROOT


def package_dir() -> Path:
    return PACKAGE_DIR


def sources_dir() -> Path:
    """Project copies of the notices, one ``<doc>.txt`` per notice."""
    return PACKAGE_DIR / "sources"


def dictionary_dir() -> Path:
    """Every ``*.txt`` here is a jieba user dictionary."""
    return PACKAGE_DIR / "dictionary"


def topics_path() -> Path:
    return PACKAGE_DIR / "topics.yml"


def answers_dir() -> Path:
    """Answer points, one ``<topic>.yml`` per topic (policy_kb/answers/README.md)."""
    return PACKAGE_DIR / "answers"


def synonyms_path() -> Path:
    return PACKAGE_DIR / "synonyms.yml"


def errata_path() -> Path:
    return PACKAGE_DIR / "errata.yml"


def db_path() -> Path:
    """Built SQLite file: ``$POLICY_KB_DB`` or ``var/policy_kb.sqlite``."""
    env = os.environ.get("POLICY_KB_DB")
    if env:
        path = Path(env)
        return path if path.is_absolute() else REPO_ROOT / path
    return REPO_ROOT / "var" / "policy_kb.sqlite"


def seeds_dir() -> Path:
    """Original seed texts (optional): ``$POLICY_KB_SEEDS`` or ``../shared/seeds``."""
    env = os.environ.get("POLICY_KB_SEEDS")
    path = Path(env) if env else Path("..") / "shared" / "seeds"
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()
