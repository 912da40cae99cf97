"""The rules are data: every clause id exists, every quote hint is in its clause, every
fact, set and named condition a rule uses is defined, and the Python holds no wording."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_kb import paths
from policy_kb.conditions import LEVEL_OPS, OPS
from policy_kb.eligibility import _squash, default_clause, load_rules
from policy_kb.facts import FACTS
from policy_kb.parser import parse_file

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules()


def _source_clauses() -> dict[str, str]:
    out = {}
    for path in sorted(paths.sources_dir().glob("*.txt")):
        for clause in parse_file(path).clauses:
            out[clause.id] = clause.text
    return out


SOURCE = _source_clauses()


def _leaves(cond, clause, quote=None):
    """(condition, clause it is checked against, quote hint) for every leaf."""
    if isinstance(cond, list):
        for c in cond:
            yield from _leaves(c, clause, quote)
        return
    for key in ("all", "any"):
        if key in cond:
            yield from _leaves(cond[key], clause, quote)
            return
    if "not" in cond:
        yield from _leaves(cond["not"], clause, quote)
        return
    if "ref" in cond:
        assert cond["ref"] in RULES.named, f"unknown named condition {cond['ref']}"
        own = cond.get("clause")
        yield from _leaves(RULES.named[cond["ref"]], own or clause, cond.get("quote") or quote)
        return
    if cond.get("clause"):
        yield cond, cond["clause"], cond.get("quote")
    else:
        yield cond, clause, cond.get("quote") or quote


def _all_checks():
    """(route id, version doc, clause id, quote hint or None, leaf) for the whole rule base."""
    for route in RULES.routes:
        versions = route["versions"]
        for version in versions:
            src = next(v for v in versions if v["doc"] == version["uses"]) if version.get("uses") else version
            for clause in version["clauses"]:
                yield route["id"], version["doc"], clause, None, None
            for leaf, clause, quote in _leaves(route.get("when") or [], default_clause(versions[0])):
                yield route["id"], version["doc"], clause, quote, leaf
            for leaf, clause, quote in _leaves(version.get("scope") or [], default_clause(version)):
                yield route["id"], version["doc"], clause, quote, leaf
            for option in src.get("options") or []:
                for key in ("all", "any"):
                    for leaf, clause, quote in _leaves({key: option.get(key) or []}, default_clause(version)):
                        yield route["id"], version["doc"], clause, quote, leaf
            if version.get("level_clause"):
                yield route["id"], version["doc"], version["level_clause"], version.get("level_quote"), None
    for name, data in RULES.sets.items():
        for clause in data.get("clauses") or []:
            yield f"set {name}", "", clause, None, None
        for entry in data.get("by_date") or []:
            assert entry["doc"] in RULES.notices, (name, entry)
            yield f"set {name}", entry["doc"], entry["clause"], entry.get("quote"), None
    for name, data in RULES.params.items():
        for entry in data["by_date"]:
            assert entry["doc"] in RULES.notices, (name, entry)
            assert isinstance(entry["value"], (int, float)), (name, entry)
            yield f"param {name}", entry["doc"], entry["clause"], entry.get("quote"), None


CHECKS = list(_all_checks())


def test_rule_base_is_not_trivial():
    ids = {r["id"] for r in RULES.routes}
    for expected in ("non_public_direct", "recognition", "grassroots_recognition", "township_direct_intermediate",
                     "grassroots_long_service", "high_skill", "civil_servant_transfer", "postdoc_recognition",
                     "award_full_senior", "award_next_level", "talent_project", "epidemic_frontline",
                     "series_transfer", "ordinary_review", "applicant_scope", "posts_limit"):
        assert expected in ids
    assert len(CHECKS) > 200


def test_clause_ids_exist_in_sources():
    missing = sorted({(r, c) for r, _d, c, _q, _l in CHECKS if c not in SOURCE})
    assert not missing, missing


def test_quote_hints_are_in_their_clause():
    wrong = [(r, d, c, q) for r, d, c, q, _l in CHECKS if q and _squash(q) not in _squash(SOURCE.get(c, ""))]
    assert not wrong, wrong


def test_clause_ids_exist_in_kb():
    if not paths.db_path().exists():
        pytest.skip("knowledge base not built (python -m policy_kb build)")
    from policy_kb.kb import KB

    kb = KB(auto_build=False)
    missing = sorted({c for _r, _d, c, _q, _l in CHECKS if kb.clause(c) is None})
    assert not missing, missing
    wrong = []
    for route, doc, clause, quote, _leaf in CHECKS:
        if quote:
            data = kb.clause(clause)
            if _squash(quote) not in _squash((data.get("text") or "") + (data.get("full_text") or "")):
                wrong.append((route, doc, clause, quote))
    assert not wrong, wrong


def test_conditions_use_known_facts_ops_and_sets():
    for route, doc, _clause, _quote, leaf in CHECKS:
        if leaf is None or {"as_of_lte", "as_of_gte", "target_in", "notice_in_force"} & set(leaf):
            continue
        levels = [op for op in LEVEL_OPS if op in leaf]
        if levels:
            assert leaf[levels[0]] in RULES.sets, (route, leaf)
            continue
        assert leaf.get("fact") in FACTS, (route, doc, leaf)
        ops = [op for op in OPS if op in leaf]
        assert len(ops) == 1, (route, doc, leaf)
        op, value = ops[0], leaf[ops[0]]
        spec = FACTS[leaf["fact"]]
        if op in ("in_set", "not_in_set"):
            assert value in RULES.sets, (route, value)
        elif spec["type"] == "enum" and op != "known":
            for v in value if isinstance(value, list) else [value]:
                assert v in spec["values"], (route, doc, leaf)
        elif spec["type"] == "number":
            if isinstance(value, dict):
                assert value.get("param") in RULES.params, (route, leaf)
            else:
                assert isinstance(value, (int, float)), (route, leaf)


def test_versions_name_known_notices_and_targets():
    ladder = RULES.messages["level_below"]
    for route in RULES.routes:
        assert route.get("kind", "route") in ("route", "requirement", "note")
        docs = [v["doc"] for v in route["versions"]]
        assert len(docs) == len(set(docs)), route["id"]
        for version in route["versions"]:
            assert version["doc"] in RULES.notices, (route["id"], version["doc"])
            assert all(c.startswith(version["doc"] + ":") or ":" in c for c in version["clauses"])
            for option in version.get("options") or []:
                if "target" in option:
                    assert option["target"] in ladder
                for t in option.get("targets") or []:
                    assert t in ladder
                assert option.get("target_rel", "any") in ("any", "next", "same")


def test_changes_are_one_sentence():
    for route in RULES.routes:
        for version in route["versions"]:
            change = version.get("change")
            if change:
                assert change.endswith("。") and change.count("。") == 1, (route["id"], version["doc"])


def test_evaluator_holds_no_user_wording():
    for name in ("eligibility.py", "conditions.py", "rule_data.py"):
        code = (ROOT / "policy_kb" / name).read_text(encoding="utf-8")
        assert not re.search(r"[\u4e00-\u9fff]", code), name
