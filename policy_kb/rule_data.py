"""Loading the rule data of ``policy_kb/rules``: routes, the dated layer (params, sets,
named conditions of sets.yml), generic wording (messages.yml) and notice dates."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from policy_kb import paths

RULES_DIR = Path(__file__).with_name("rules")
SPECIAL_FILES = ("messages.yml", "sets.yml")


@dataclass
class Rules:
    messages: dict
    sets: dict
    params: dict
    named: dict
    routes: list[dict]
    notices: dict  # doc id -> {"date": date, "title": str, "short_title": str, "level": str}


def _read_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _front_matter(path: Path) -> dict:
    raw = path.read_text(encoding="utf-8").lstrip("\ufeff")
    if not raw.startswith("---\n"):
        return {}
    end = raw.find("\n---\n", 4)
    return (yaml.safe_load(raw[4:end]) or {}) if end > 0 else {}


def load_notices(sources: Path | None = None) -> dict:
    """Notice metadata from the front matter of ``policy_kb/sources/*.txt``. A notice
    without a printed date counts from 1 January of its year."""
    notices = {}
    for path in sorted((sources or paths.sources_dir()).glob("*.txt")):
        meta = _front_matter(path)
        if "id" not in meta:
            continue
        date = meta.get("date")
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        if not isinstance(date, dt.date):
            date = dt.date(int(meta.get("year") or 1900), 1, 1)
        notices[meta["id"]] = {"date": date, "title": meta.get("title") or meta["id"],
                               "short_title": meta.get("short_title") or meta.get("title") or meta["id"],
                               "level": meta.get("level")}
    return notices


@lru_cache(maxsize=4)
def load_rules(rules_dir: str | None = None) -> Rules:
    folder = Path(rules_dir) if rules_dir else RULES_DIR
    messages = _read_yaml(folder / "messages.yml")
    layer = _read_yaml(folder / "sets.yml")
    routes: list[dict] = []
    for path in sorted(folder.glob("*.yml")):
        if path.name in SPECIAL_FILES:
            continue
        for route in _read_yaml(path).get("routes") or []:
            route = dict(route)
            route["_file"] = path.name
            routes.append(route)
    return Rules(messages=messages, sets=layer.get("sets") or {}, params=layer.get("params") or {},
                 named=layer.get("conditions") or {}, routes=routes, notices=load_notices())
