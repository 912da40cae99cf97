"""Each threshold of the dated rule layer (policy_kb/rules/sets.yml ``params``) year by year.

One row per threshold, one column per notice (by date): the value the notice sets, with its
clause and quote, or nothing when the notice does not set it; ``changed`` marks a value that
differs from the one before it.
"""
from __future__ import annotations

from policy_kb.rule_data import load_rules


def table(kb, clause_ids: set[str] | None = None) -> dict:
    rules = load_rules()
    years = {d["id"]: d.get("year") for d in kb.documents()}
    notices = sorted(rules.notices.items(), key=lambda kv: kv[1]["date"])
    columns = [{"doc": doc, "year": years.get(doc) or meta["date"].year, "short_title": meta["short_title"],
                "date": meta["date"].isoformat()} for doc, meta in notices]
    rows = []
    for pid, param in rules.params.items():
        entries = {e["doc"]: e for e in param.get("by_date") or []}
        if clause_ids and not any(e.get("clause") in clause_ids for e in entries.values()):
            continue
        cells, previous = [], None
        for col in columns:
            e = entries.get(col["doc"])
            if e is None:
                cells.append(None)
                continue
            cells.append({"value": e.get("value"), "clause": e.get("clause"), "quote": e.get("quote"),
                          "changed": previous is not None and e.get("value") != previous})
            previous = e.get("value")
        name = param.get("name") or pid
        rows.append({"id": pid, "name": name, "unit": "年" if name.endswith("年限") else "", "cells": cells})
    return {"columns": columns, "rows": rows}
