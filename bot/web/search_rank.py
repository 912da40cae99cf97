"""Staff search results made honest and current-first.

* Relevance: a clause counts as found only when it contains at least half of what the query
  asks for -- the query's word groups (a word with its synonyms, policy_kb.search.analyse),
  weighted by length; single characters are searched but not counted. "xyz不存在的词" then
  finds nothing instead of 20 clauses sharing "存在".
* In force: a clause that a later notice restates (policy_kb.kb.KB.related, the aligned
  points of the notices) is marked superseded; rules in force come first, each group in
  the search's own order.
"""
from __future__ import annotations

from policy_kb import search as searchlib
from policy_kb import text as textlib
from policy_kb.point_match import settings

STATUS_LABELS = {"current": "现行", "superseded": "已被新通知替代"}


def _config(kb):
    config = getattr(kb, "_search_config", None)
    return config if config is not None else searchlib.SearchConfig(synonyms=kb.synonyms())


def coverage(kb, query: str, body: str) -> float:
    groups = searchlib.analyse(query, _config(kb)).groups
    if not groups:
        return 0.0
    hay = textlib.normalise(body)
    squashed = textlib.squash(hay)
    total = sum(len(g[0]) for g in groups)
    found = sum(len(g[0]) for g in groups if any(t in hay or textlib.squash(t) in squashed for t in g))
    return found / total if total else 0.0


def status_of(kb, clause_id: str) -> dict:
    later = [r for r in kb.related(clause_id) if r.get("relation") == "later"]
    if later:
        newest = later[-1]
        return {"status": "superseded", "status_label": STATUS_LABELS["superseded"],
                "superseded_by": {"id": newest["id"], "label": newest["label"], "year": newest.get("year")}}
    return {"status": "current", "status_label": STATUS_LABELS["current"], "superseded_by": None}


def rank(kb, query: str, results: list[dict]) -> list[dict]:
    """Relevant results only, each with its in-force status; rules in force first."""
    kept = []
    for r in results:
        if coverage(kb, query, f"{r.get('heading') or ''}\n{r.get('text') or ''}") < settings()["staff_search"]["min_coverage"]:
            continue
        kept.append(dict(r, **status_of(kb, r["id"])))
    return sorted(kept, key=lambda r: r["status"] != "current")
