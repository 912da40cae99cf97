"""The catalogue of reply wording (policy_kb/replies.yml): `say("cite", source=...)`."""
from __future__ import annotations

from functools import lru_cache

import yaml

from . import paths


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    return yaml.safe_load((paths.package_dir() / "replies.yml").read_text(encoding="utf-8"))


def say(key: str, **values) -> str:
    """The wording `key` with its placeholders filled (KeyError names a missing key)."""
    return catalogue()[key].format(**values)
