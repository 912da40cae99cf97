"""Facts form fields (from policy_kb/facts.yml) and reading the submitted form."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Mapping

from policy_kb.facts import FACTS, normalise_facts

log = logging.getLogger(__name__)

# Facts asked with this order or lower are shown first; the rest go under "更多情况".
MAIN_ORDER_LIMIT = 80


def fields() -> list[dict]:
    """One dict per fact, in asking order, ready for the form template."""
    out = []
    for name, spec in FACTS.items():
        kind = spec.get("type", "str")
        out.append({
            "name": name,
            "label": spec.get("label", name),
            "question": spec.get("question", ""),
            "type": kind,
            "values": list(spec.get("values") or []),
            "suggestions": list(spec.get("suggestions") or []),
            "unit": spec.get("unit", ""),
            "min": spec.get("min", 0),
            "max": spec.get("max", ""),
            "main": spec.get("order", 999) <= MAIN_ORDER_LIMIT,
        })
    return out


def fact_labels() -> dict[str, str]:
    return {name: spec.get("label", name) for name, spec in FACTS.items()}


@lru_cache(maxsize=1)
def _route_names() -> tuple[tuple[str, str], ...]:
    try:
        from policy_kb.eligibility import load_rules

        routes = load_rules().routes
    except Exception:  # noqa: BLE001 - names are a nicety; ids still work
        log.exception("eligibility rules could not be loaded")
        return ()
    return tuple((r["id"], r.get("name") or r["id"]) for r in routes if r.get("id"))


def route_names() -> dict[str, str]:
    """Eligibility route id -> Chinese name (policy_kb/rules)."""
    return dict(_route_names())


def form_to_raw(form: Mapping[str, Any]) -> dict:
    """Take the known fact fields from a submitted form (empty ones are left out)."""
    raw: dict[str, Any] = {}
    for name in FACTS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            raw[name] = value.strip()
    return raw


def read_facts(form: Mapping[str, Any]) -> tuple[dict, list[dict], dict]:
    """(facts, errors, raw) from a submitted form."""
    raw = form_to_raw(form)
    facts, errors = normalise_facts(raw)
    return facts, errors, raw
