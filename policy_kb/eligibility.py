"""Eligibility checks: interpret the rules in ``policy_kb/rules/*.yml`` for a set of facts.

``evaluate(facts, as_of=None) -> dict`` (see docs/contracts.md). The rules are data: this
module only knows generic conditions (comparisons on facts, any/all/not, named sets, the
as-of date, the target title) and three-valued logic (true / false / unknown). Every
sentence shown to a user comes from the YAML files or from the knowledge base.

For each route (a way to a title) the newest notice in force on the as-of date that covers
the case is used; an older notice that said something different is reported in one
sentence (the version's ``change``).

Command line: ``python -m policy_kb eligibility --facts '<json>' [--as-of YYYY-MM-DD]``.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy_kb import paths
from policy_kb.facts import FACTS, normalise_facts_with_notes

RULES_DIR = Path(__file__).with_name("rules")
SPECIAL_FILES = ("messages.yml", "sets.yml")
QUOTE_LIMIT = 120


# ====================================================================== loading
@dataclass
class Rules:
    messages: dict
    sets: dict
    named: dict
    routes: list[dict]
    notices: dict  # doc id -> {"date": date, "title": str, "short_title": str}


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
    set_file = _read_yaml(folder / "sets.yml")
    routes: list[dict] = []
    for path in sorted(folder.glob("*.yml")):
        if path.name in SPECIAL_FILES:
            continue
        for route in _read_yaml(path).get("routes") or []:
            route = dict(route)
            route["_file"] = path.name
            routes.append(route)
    return Rules(messages=messages, sets=set_file.get("sets") or {},
                 named=set_file.get("conditions") or {}, routes=routes, notices=load_notices())


# ====================================================================== quotes
@lru_cache(maxsize=1)
def _kb():
    """The knowledge base if its file exists (never built from here), else None."""
    try:
        if not paths.db_path().exists():
            return None
        from policy_kb.kb import KB
        return KB(auto_build=False)
    except Exception:  # a broken KB file must not break eligibility answers
        return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def quote_from(text: str, hint: str | None) -> str | None:
    """The sentence of ``text`` that contains ``hint`` (whitespace ignored), or None.
    A heading line is its own sentence, so quotes do not start with the heading."""
    if not text or not hint:
        return None
    key = _squash(hint)
    lines = [_squash(line) for line in text.split("\n")]
    flat = next((line for line in lines if key in line), None) or "".join(lines)
    pos = flat.find(key)
    if not key or pos < 0:
        return None
    start = max(flat.rfind(ch, 0, pos) for ch in "。；") + 1
    ends = [i for i in (flat.find(ch, pos + len(key)) for ch in "。；") if i >= 0]
    end = min(ends) + 1 if ends else len(flat)
    sentence = flat[start:end]
    if len(sentence) > QUOTE_LIMIT:
        offset = max(0, pos - start - 20)
        sentence = ("…" if offset else "") + sentence[offset:offset + QUOTE_LIMIT] + "…"
    return sentence


@lru_cache(maxsize=512)
def clause_quote(clause_id: str, hint: str | None) -> str | None:
    kb = _kb()
    if kb is None or not clause_id:
        return None
    try:
        clause = kb.clause(clause_id)
    except Exception:
        return None
    if not clause:
        return None
    for key in ("text", "full_text"):
        found = quote_from(clause.get(key) or "", hint)
        if found:
            return found
    return None


# ====================================================================== conditions
OPS = ("eq", "ne", "in", "not_in", "gte", "gt", "lte", "lt", "known", "in_set", "not_in_set")


@dataclass
class Ctx:
    facts: dict
    as_of: dt.date
    rules: Rules
    target: str | None = None
    clause: str | None = None  # default clause of the version being evaluated


@dataclass
class Outcome:
    ok: bool | None
    trace: list[dict] = field(default_factory=list)
    missing: set = field(default_factory=set)
    # facts taken as their usual value because they are unknown ("if_unknown: assume"),
    # with the caveat that says so
    assumed: set = field(default_factory=set)
    assumptions: list = field(default_factory=list)


def _merge_assumptions(results: list[Outcome]) -> tuple[set, list]:
    facts = set().union(*(r.assumed for r in results)) if results else set()
    texts = []
    for r in results:
        texts += [t for t in r.assumptions if t not in texts]
    return facts, texts


def _all(results: list[Outcome]) -> Outcome:
    trace = [t for r in results for t in r.trace]
    missing = set().union(*(r.missing for r in results)) if results else set()
    assumed, texts = _merge_assumptions(results)
    if any(r.ok is False for r in results):
        return Outcome(False, trace, missing)
    if any(r.ok is None for r in results):
        return Outcome(None, trace, missing, assumed, texts)
    return Outcome(True, trace, set(), assumed, texts)


def _any(results: list[Outcome]) -> Outcome:
    passing = [r for r in results if r.ok is True]
    if passing:
        best = next((r for r in passing if not r.assumed), passing[0])
        return Outcome(True, list(best.trace), set(), set(best.assumed), list(best.assumptions))
    trace = [t for r in results for t in r.trace]
    open_ = [r for r in results if r.ok is None]
    if open_:
        # ask only for what the first open alternative needs; the next is asked if it fails
        return Outcome(None, trace, set(open_[0].missing))
    return Outcome(False, trace, set())


def _join(values, msgs: dict) -> str:
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return msgs["values_joiner"].join(values[:-1]) + msgs["values_last_joiner"] + values[-1]


def _describe(cond: dict, op: str, ctx: Ctx) -> str:
    if cond.get("text"):
        return cond["text"]
    msgs = ctx.rules.messages
    ops = msgs.get("ops") or {}
    name = cond.get("fact")
    spec = FACTS.get(name, {})
    value = cond.get(op)
    key = op
    if op in ("gte", "gt", "lte", "lt"):
        key = f"{op}_number" if spec.get("type") == "number" else f"{op}_enum"
    values = value if isinstance(value, list) else [value]
    set_name = (ctx.rules.sets.get(value) or {}).get("name", value) if op in ("in_set", "not_in_set") else ""
    shown = value
    if isinstance(value, bool):
        shown = msgs["bool_words"][bool(value)]
    template = ops.get(key) or "{label} {value}"
    return template.format(label=spec.get("label", name or ""), value=shown, unit=spec.get("unit", ""),
                           values=_join(values, msgs), set=set_name)


def _enum_index(name: str, value: Any) -> int | None:
    values = FACTS.get(name, {}).get("values") or []
    return values.index(value) if value in values else None


def _compare(name: str, value: Any, op: str, ref: Any) -> bool:
    if FACTS.get(name, {}).get("type") == "enum":
        a, b = _enum_index(name, value), _enum_index(name, ref)
        if a is None or b is None:
            return False
    else:
        a, b = value, ref
        if not isinstance(a, (int, float)) or isinstance(a, bool):
            return False
    return {"gte": a >= b, "gt": a > b, "lte": a <= b, "lt": a < b}[op]


def _set_match(set_name: str, value: Any, ctx: Ctx) -> bool:
    members = (ctx.rules.sets.get(set_name) or {}).get("members") or []
    text = _squash(str(value)).lower()
    for member in members:
        if isinstance(member, dict):
            for words in member.get("match") or []:
                if all(_squash(str(w)).lower() in text for w in words):
                    return True
            if member.get("name") and _squash(member["name"]).lower() == text:
                return True
        elif str(member) == str(value):
            return True
    return False


def _leaf(cond: dict, ctx: Ctx) -> Outcome:
    clause = cond.get("clause") or ctx.clause
    entry = {"condition": "", "ok": None, "clause": clause}
    if cond.get("quote"):
        entry["_hint"] = cond["quote"]
    if "as_of_lte" in cond or "as_of_gte" in cond:
        op = "as_of_lte" if "as_of_lte" in cond else "as_of_gte"
        limit = cond[op]
        limit = limit if isinstance(limit, dt.date) else dt.date.fromisoformat(str(limit))
        ok = ctx.as_of <= limit if op == "as_of_lte" else ctx.as_of >= limit
        entry["condition"] = cond.get("text") or ctx.rules.messages["ops"][op].format(value=limit.isoformat())
        entry["ok"] = ok
        return Outcome(ok, [entry])
    if "target_in" in cond:
        values = cond["target_in"]
        entry["condition"] = cond.get("text") or ctx.rules.messages["ops"]["target_in"].format(
            values=_join(values, ctx.rules.messages))
        if ctx.target is None:
            return Outcome(None, [entry], {"target_title"})
        entry["ok"] = ctx.target in values
        return Outcome(entry["ok"], [entry])
    name = cond.get("fact")
    op = next((o for o in OPS if o in cond), None)
    if name is None or op is None:
        raise ValueError(f"bad rule condition: {cond!r}")
    entry["fact"] = name
    entry["condition"] = _describe(cond, op, ctx)
    value = ctx.facts.get(name)
    if value is None:
        if cond.get("if_unknown") == "assume":
            entry["assumed"] = True
            return Outcome(True, [entry], set(), {name}, [cond["assumed"]] if cond.get("assumed") else [])
        return Outcome(None, [entry], {name})
    ref = cond[op]
    if op == "known":
        ok = bool(ref)
    elif op == "eq":
        ok = value == ref
    elif op == "ne":
        ok = value != ref
    elif op == "in":
        ok = value in ref
    elif op == "not_in":
        ok = value not in ref
    elif op in ("in_set", "not_in_set"):
        ok = _set_match(ref, value, ctx) == (op == "in_set")
    else:
        ok = _compare(name, value, op, ref)
    entry["ok"] = ok
    return Outcome(ok, [entry])


def _with_defaults(cond: Any, clause: str | None, quote: str | None, text: str | None) -> Any:
    """Give the conditions of a named condition the clause/quote/text of where it is used
    (a condition's own clause wins, and then keeps its own quote)."""
    if isinstance(cond, list):
        return [_with_defaults(c, clause, quote, None) for c in cond]
    if not isinstance(cond, dict):
        return cond
    out = dict(cond)
    for key in ("all", "any"):
        if key in out:
            out[key] = _with_defaults(out[key], clause, quote, None)
            return out
    if "not" in out:
        out["not"] = _with_defaults(out["not"], clause, quote, None)
        return out
    if "ref" in out:
        if clause and not out.get("clause"):
            out["clause"] = clause
            if quote and not out.get("quote"):
                out["quote"] = quote
        return out
    if not out.get("clause"):
        if clause:
            out["clause"] = clause
        if quote and not out.get("quote"):
            out["quote"] = quote
    if text:
        out["text"] = text
    return out


def eval_cond(cond: Any, ctx: Ctx) -> Outcome:
    if cond is None:
        return Outcome(True)
    if isinstance(cond, list):
        return _all([eval_cond(c, ctx) for c in cond])
    if "all" in cond:
        return _all([eval_cond(c, ctx) for c in cond["all"] or []])
    if "any" in cond:
        return _any([eval_cond(c, ctx) for c in cond["any"] or []])
    if "not" in cond:
        inner = eval_cond(cond["not"], ctx)
        ok = None if inner.ok is None or inner.assumed else not inner.ok
        return Outcome(ok, inner.trace, inner.missing if ok is None else set())
    if "ref" in cond:
        named = ctx.rules.named.get(cond["ref"])
        if named is None:
            raise ValueError(f"unknown named condition: {cond['ref']}")
        return eval_cond(_with_defaults(copy.deepcopy(named), cond.get("clause"), cond.get("quote"),
                                        cond.get("text")), ctx)
    return _leaf(cond, ctx)


# ====================================================================== routes
def _in_force(doc: str, ctx: Ctx) -> bool:
    notice = ctx.rules.notices.get(doc)
    return bool(notice) and notice["date"] <= ctx.as_of


def _versions_in_force(route: dict, ctx: Ctx) -> list[dict]:
    versions = [v for v in route.get("versions") or [] if _in_force(v["doc"], ctx)]
    return sorted(versions, key=lambda v: ctx.rules.notices[v["doc"]]["date"], reverse=True)


def _source_version(route: dict, version: dict) -> dict:
    if not version.get("uses"):
        return version
    for other in route.get("versions") or []:
        if other["doc"] == version["uses"]:
            return other
    raise ValueError(f"route {route['id']}: version {version['doc']} uses unknown {version['uses']}")


def _targets_of(option: dict, ctx: Ctx) -> list[str | None] | None:
    """Targets an option is evaluated for; None if it cannot give the wanted target."""
    ladder_targets = list(ctx.rules.messages["level_below"])
    wanted = ctx.facts.get("target_title")
    if "target" in option:
        return [option["target"]] if wanted in (None, option["target"]) else None
    if "targets" in option:
        if wanted is not None:
            return [wanted] if wanted in option["targets"] else None
        return [None]
    rel = option.get("target_rel", "any")
    if wanted is not None:
        return [wanted]
    if rel == "next":
        current = ctx.facts.get("current_title")
        if current is None:
            return [None]
        found = [t for t in ladder_targets if current in ctx.rules.messages["level_below"][t]]
        return found or [None]
    if rel == "same":
        current = ctx.facts.get("current_title")
        return [current] if current in ladder_targets else [None]
    return [None]


def _level_condition(option: dict, target: str | None, version: dict, ctx: Ctx) -> dict | None:
    rel = option.get("target_rel")
    if "target" in option or "targets" in option or rel in (None, "any"):
        return None
    msgs = ctx.rules.messages
    if rel == "next":
        allowed = msgs["level_below"].get(target) if target else None
        key = "level_below_target"
    else:
        allowed = [target] if target else None
        key = "same_as_target"
    if allowed is None:  # target unknown (or nothing above the current title)
        return {"fact": "current_title", "in": [], "text": msgs["ops"][key + "_plain"],
                "clause": version.get("level_clause"), "quote": version.get("level_quote")}
    return {"fact": "current_title", "in": allowed,
            "text": msgs["ops"][key].format(values=_join(allowed, msgs)),
            "clause": version.get("level_clause"), "quote": version.get("level_quote")}


@dataclass
class OptionResult:
    outcome: bool | None      # True / False / None (undecided)
    by_design: bool           # conditions met, but the rule itself does not decide (result: null)
    target: str | None
    targets: list[str]
    outcome_trace: list[dict]
    missing: set
    caveats: list[str]
    assumed: set = field(default_factory=set)
    assumptions: list = field(default_factory=list)


def _eval_option(option: dict, version: dict, src: dict, ctx: Ctx) -> list[OptionResult]:
    targets = _targets_of(option, ctx)
    if targets is None:
        return []
    results = []
    for target in targets:
        sub = Ctx(ctx.facts, ctx.as_of, ctx.rules, target, src["clauses"][0])
        conds = []
        level = _level_condition(option, target, version, ctx)
        if level:
            if not level.get("clause"):
                level["clause"] = version["clauses"][0]
            conds.append(level)
        if "all" in option:
            conds.append({"all": option["all"]})
        if "any" in option:
            conds.append({"any": option["any"]})
        out = eval_cond(conds, sub)
        result = option.get("result", True)
        outcome = out.ok if out.ok is not True else result
        for entry in out.trace:
            if target:
                entry["target"] = target
        results.append(OptionResult(
            outcome=outcome, by_design=out.ok is True and result is None, target=target,
            targets=[target] if target else list(option.get("targets") or []),
            outcome_trace=out.trace, missing=out.missing if out.ok is None else set(),
            caveats=list(option.get("caveats") or []), assumed=set(out.assumed),
            assumptions=list(out.assumptions)))
    return results


def _rank(ctx: Ctx, target: str | None) -> int:
    ladder = ctx.rules.messages["ladder"]
    return ladder.index(target) if target in ladder else -1


def evaluate_route(route: dict, ctx: Ctx) -> dict | None:
    """Evaluate one route; None when it does not concern this person (or no notice in force)."""
    versions = _versions_in_force(route, ctx)
    if not versions:
        return None
    gate_ctx = Ctx(ctx.facts, ctx.as_of, ctx.rules, ctx.facts.get("target_title"), versions[0]["clauses"][0])
    gate = eval_cond(route.get("when") or [], gate_ctx)
    if gate.ok is False or (gate.ok is None and route.get("ask", True) is False):
        return None
    version, scope = None, Outcome(True)
    for candidate in versions:
        scope_ctx = Ctx(ctx.facts, ctx.as_of, ctx.rules, ctx.facts.get("target_title"), candidate["clauses"][0])
        scope = eval_cond(candidate.get("scope") or [], scope_ctx)
        if scope.ok is not False:
            version = candidate
            break
    if version is None:
        return None
    src = _source_version(route, version)
    options = [r for opt in src.get("options") or [] for r in _eval_option(opt, version, src, ctx)]
    if not options:
        return None
    passing = [o for o in options if o.outcome is True]
    design = [o for o in options if o.outcome is None and o.by_design]
    undecided = [o for o in options if o.outcome is None and not o.by_design]
    if passing:
        best = max(passing, key=lambda o: (_rank(ctx, o.target), not o.assumed))
        chosen, eligible = [best], True
    elif design or undecided:
        chosen, eligible = design + undecided, None
    else:
        chosen, eligible = options, False
    missing = set().union(*(o.missing for o in undecided)) if undecided else set()
    assumed = set().union(*(o.assumed for o in chosen)) if eligible is not False else set()
    assumptions = [t for o in chosen for t in o.assumptions] if eligible is not False else []
    if eligible is None and missing:
        missing |= assumed  # asking anyway: ask what was assumed as well
    if gate.ok is None or scope.ok is None:
        if eligible is not False:
            # who the route is for is still open: ask that first, the rest only if it applies
            eligible = None
            missing = _all([gate, scope]).missing
    trace = gate.trace + scope.trace + [t for o in chosen for t in o.outcome_trace]
    caveats = list(version.get("caveats") or [])
    if src is not version:
        caveats += [c for c in src.get("caveats") or [] if c not in caveats]
    for o in chosen if eligible is not False else []:
        caveats += [c for c in o.caveats if c not in caveats]
    caveats += [c for c in assumptions if c not in caveats]
    targets = []
    for o in chosen:
        for t in o.targets:
            if t not in targets:
                targets.append(t)
    citations = _unique(list(version["clauses"]) + [t["clause"] for t in trace if t.get("clause")])
    change = None
    if version.get("change"):
        older = version.get("compared_with") or [
            v["doc"] for v in route.get("versions") or []
            if ctx.rules.notices.get(v["doc"], {}).get("date", dt.date.max) < ctx.rules.notices[version["doc"]]["date"]]
        if any(_in_force(doc, ctx) for doc in older):
            change = version["change"]
    notice = ctx.rules.notices[version["doc"]]
    return {
        "route": route["id"],
        "name": route.get("name", route["id"]),
        "kind": route.get("kind", "route"),
        "topic": route.get("topic"),
        "eligible": eligible,
        "by_design": eligible is None and not missing and bool(design),
        "target_title": targets[0] if len(targets) == 1 else None,
        "targets": targets,
        "notice": version["doc"],
        "notice_title": notice["title"],
        "trace": trace,
        "caveats": caveats,
        "citations": citations,
        "missing": _ordered(missing),
        "change": change,
        "_applies": gate.ok is True and scope.ok is True,
        "_assumed": assumed,
        "_assumptions": assumptions,
        "_priority": route.get("priority", 50),
        "_date": notice["date"],
    }


# ====================================================================== evaluate
def _unique(items: list) -> list:
    out = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _ordered(names: set) -> list[str]:
    order = list(FACTS)
    return sorted((n for n in names if n in FACTS), key=order.index)


def _parse_as_of(as_of: Any, messages: dict) -> tuple[dt.date, list[dict]]:
    if as_of is None or as_of == "":
        return dt.date.today(), []
    if isinstance(as_of, dt.datetime):
        return as_of.date(), []
    if isinstance(as_of, dt.date):
        return as_of, []
    try:
        return dt.date.fromisoformat(str(as_of).strip()), []
    except ValueError:
        message = messages.get("general", {}).get("bad_as_of", "{value}").format(value=str(as_of)[:40])
        return dt.date.today(), [{"fact": "as_of", "message": message}]


def _fill_quotes(trace: list[dict]) -> list[dict]:
    out = []
    for entry in trace:
        entry = dict(entry)
        hint = entry.pop("_hint", None)
        quote = clause_quote(entry.get("clause"), hint)
        if quote:
            entry["quote"] = quote
        out.append(entry)
    return out


def _public(route: dict) -> dict:
    data = {k: v for k, v in route.items() if not k.startswith("_")}
    data["trace"] = _fill_quotes(route["trace"])
    return data


def _best(candidates: list[dict], wanted: str | None, ctx: Ctx) -> dict | None:
    if not candidates:
        return None
    return min(candidates, key=lambda r: (
        0 if wanted and wanted in r["targets"] else 1,
        -max((_rank(ctx, t) for t in r["targets"]), default=-1) if not wanted else 0,
        r["_priority"],
        -r["_date"].toordinal()))


def evaluate(facts: Any, as_of: Any = None) -> dict:
    """Evaluate eligibility for ``facts`` (raw or normalised) on ``as_of`` (date, ISO
    string or None for today). Never raises on bad input: problems go to ``errors``."""
    rules = load_rules()
    msgs = rules.messages
    general = msgs.get("general") or {}
    clean, errors, notes = normalise_facts_with_notes(facts if facts is not None else {})
    day, date_errors = _parse_as_of(as_of, msgs)
    errors += date_errors
    ctx = Ctx(clean, day, rules, clean.get("target_title"))

    evaluated = [r for r in (evaluate_route(route, ctx) for route in rules.routes) if r]
    requirements = [r for r in evaluated if r["kind"] == "requirement"]
    routes = [r for r in evaluated if r["kind"] == "route"]
    shown_notes = [r for r in evaluated if r["kind"] == "note" and r["eligible"] is True]
    wanted = clean.get("target_title")

    failed_req = [r for r in requirements if r["eligible"] is False]
    open_req = [r for r in requirements if r["eligible"] is None]
    passing = [r for r in routes if r["eligible"] is True]
    undecided = [r for r in routes if r["eligible"] is None]
    missing: set = set()
    for r in open_req:
        missing |= set(r["missing"])
    if failed_req:
        # someone the notices exclude: nothing else matters
        eligible, best, listed, focus = False, failed_req[0], failed_req, failed_req
        missing = set()
    elif passing:
        best = _best(passing, wanted, ctx)
        eligible = None if open_req else True
        listed = [best] + [r for r in routes if r is not best]
        focus = [best]
    elif undecided:
        eligible = None
        asking = [r for r in undecided if r["missing"]]
        for r in asking:
            missing |= set(r["missing"])
        if asking:
            for r in requirements:
                missing |= r["_assumed"]  # "who may apply" is asked first when asking anyway
        if wanted is None and asking:
            missing.add("target_title")
        # a route is named only when the notices leave the case to the series' conditions
        by_design = [r for r in undecided if r["by_design"]]
        best = _best(by_design, wanted, ctx) if by_design else None
        listed = undecided + [r for r in routes if r["eligible"] is False]
        focus = [r for r in undecided if r["_applies"]]
    else:
        eligible = False if routes else None
        best, listed, focus = None, routes, routes

    caveats: list[str] = []
    if not evaluated:
        caveats.append(general.get("no_notice", ""))
    if wanted is None and eligible is not False and routes:
        caveats.append(general.get("unknown_target", ""))
    for r in focus + ([] if failed_req else open_req) + shown_notes:
        if r["eligible"] is not False or r in failed_req:
            caveats += r["caveats"]
    caveats += notes
    if evaluated:
        caveats.append(general.get("not_in_force_note", ""))
    changes = [r["change"] for r in focus + shown_notes if r.get("change")]
    assumed_req = [r for r in requirements if r["eligible"] is True and r["_assumed"]]
    if not failed_req:
        caveats[-1:-1] = [c for r in assumed_req for c in r["_assumptions"]]
    cited_req = failed_req or open_req or assumed_req
    citations = [c for r in focus + cited_req + shown_notes for c in r["citations"]]
    target = wanted or (best["target_title"] if best and eligible is not False else None)
    notice_used = best["notice"] if best else (max(evaluated, key=lambda r: r["_date"])["notice"]
                                              if evaluated else None)
    return {
        "eligible": eligible,
        "target_title": target,
        "route": best["route"] if best else None,
        "route_name": best["name"] if best else None,
        "routes": [_public(r) for r in listed],
        "caveats": _unique(caveats),
        "missing": _ordered(missing) if eligible is None else [],
        "notice_used": notice_used,
        "notice_title": rules.notices[notice_used]["title"] if notice_used else None,
        "as_of": day.isoformat(),
        "changes": _unique(changes),
        "citations": _unique(citations),
        "notes": [_public(r) for r in shown_notes],
        "facts": clean,
        "errors": errors,
    }


# ====================================================================== command line
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "eligibility":
        argv = argv[1:]
    general = load_rules().messages.get("general") or {}
    parser = argparse.ArgumentParser(prog="python -m policy_kb eligibility",
                                     description="Check eligibility for a professional title.")
    parser.add_argument("--facts", required=True, help="facts as a JSON object")
    parser.add_argument("--as-of", dest="as_of", default=None, help="date YYYY-MM-DD (default today)")
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.facts)
    except (json.JSONDecodeError, RecursionError):
        print(general.get("bad_json", ""), file=sys.stderr)
        return 2
    if not isinstance(raw, dict):
        print(general.get("bad_json", ""), file=sys.stderr)
        return 2
    result = evaluate(raw, args.as_of)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
