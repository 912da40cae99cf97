"""Eligibility checks: interpret the rules in ``policy_kb/rules/*.yml`` for a set of facts.

``evaluate(facts, as_of=None, route=None) -> dict`` (see docs/contracts.md). The rules are
data; conditions are evaluated by policy_kb/conditions.py (shared with the checklist) on
the dated layer of rules/sets.yml. The answer is route-scoped: the headline verdict is
the verdict of the route asked about (``route``) or of the route the facts place the
person in (a non-public employer -> non_public_direct ...); facts not said that a hotline officer would
assume (facts.yml ``assume``) are assumed and the assumptions are listed. Every sentence
shown to a user comes from the YAML files or from the knowledge base.

For each route the newest notice in force on the as-of date that covers the case is used;
an older notice that said something different is reported in one sentence (``change``).

Command line: ``python -m policy_kb eligibility --facts '<json>' [--as-of YYYY-MM-DD]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policy_kb import paths
from policy_kb.conditions import OPS, Ctx, Outcome, all_of, join, squash
from policy_kb.conditions import evaluate as eval_cond
from policy_kb.facts import FACTS, normalise_facts_with_notes
from policy_kb.rule_data import Rules, load_notices, load_rules  # noqa: F401 (public API)

QUOTE_LIMIT = 120
_squash = squash  # kept for the tests and older callers


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


def quote_from(text: str, hint: str | None) -> str | None:
    """The sentence of ``text`` that contains ``hint`` (whitespace ignored), or None.
    A heading line is its own sentence, so quotes do not start with the heading."""
    if not text or not hint:
        return None
    key = squash(hint)
    lines = [squash(line) for line in text.split("\n")]
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


# ====================================================================== routes
def _versions_in_force(route: dict, ctx: Ctx) -> list[dict]:
    notices = ctx.rules.notices
    versions = [v for v in route.get("versions") or []
                if v["doc"] in notices and notices[v["doc"]]["date"] <= ctx.as_of]
    return sorted(versions, key=lambda v: notices[v["doc"]]["date"], reverse=True)


def _source_version(route: dict, version: dict) -> dict:
    if not version.get("uses"):
        return version
    for other in route.get("versions") or []:
        if other["doc"] == version["uses"]:
            return other
    raise ValueError(f"route {route['id']}: version {version['doc']} uses unknown {version['uses']}")


def default_clause(version: dict) -> str:
    """The clause a version's conditions are read against unless they name their own."""
    return version.get("default_clause") or version["clauses"][0]


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
    clause = version.get("level_clause") or version["clauses"][0]
    if allowed is None:  # target unknown (or nothing above the current title)
        return {"fact": "current_title", "in": [], "text": msgs["ops"][key + "_plain"],
                "clause": clause, "quote": version.get("level_quote")}
    # the title wanted is said: a hotline officer takes the current title as the one below it
    return {"fact": "current_title", "in": allowed, "text": msgs["ops"][key].format(values=join(allowed, msgs)),
            "clause": clause, "quote": version.get("level_quote"), "if_unknown": "assume",
            "assumed": msgs["ops"][key + "_assumed"].format(values=join(allowed, msgs))}


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


def _eval_option(option: dict, version: dict, ctx: Ctx) -> list[OptionResult]:
    targets = _targets_of(option, ctx)
    if targets is None:
        return []
    results = []
    for target in targets:
        sub = Ctx(ctx.facts, ctx.as_of, ctx.rules, target, default_clause(version))
        conds: list = []
        level = _level_condition(option, target, version, ctx)
        if level:
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
    wanted = ctx.facts.get("target_title")
    gate = eval_cond(route.get("when") or [], Ctx(ctx.facts, ctx.as_of, ctx.rules, wanted, default_clause(versions[0])))
    if gate.ok is False or (gate.ok is None and route.get("ask", True) is False):
        return None
    version, scope = None, Outcome(True)
    for candidate in versions:
        scope = eval_cond(candidate.get("scope") or [], Ctx(ctx.facts, ctx.as_of, ctx.rules, wanted,
                                                             default_clause(candidate)))
        if scope.ok is not False:
            version = candidate
            break
    if version is None:
        return None
    src = _source_version(route, version)
    options = [r for opt in src.get("options") or [] for r in _eval_option(opt, version, ctx)]
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
    options_ok = eligible
    missing = set().union(*(o.missing for o in undecided)) if undecided else set()
    assumed = set().union(*(o.assumed for o in chosen)) if eligible is not False else set()
    assumptions = [t for o in chosen for t in o.assumptions] if eligible is not False else []
    if gate.ok is None or scope.ok is None:
        if eligible is not False:
            # who the route is for is still open: ask that first, the rest only if it applies
            eligible = None
            missing = all_of([gate, scope]).missing
    trace = gate.trace + scope.trace + [t for o in chosen for t in o.outcome_trace]
    caveats = list(version.get("caveats") or [])
    if src is not version and not version.get("own_caveats"):
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
        notices = ctx.rules.notices
        older = version.get("compared_with") or [
            v["doc"] for v in route.get("versions") or []
            if notices.get(v["doc"], {}).get("date", dt.date.max) < notices[version["doc"]]["date"]]
        if any(doc in notices and notices[doc]["date"] <= ctx.as_of for doc in older):
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
        "_applies": gate.ok is True and scope.ok is True and bool(route.get("when") or version.get("scope")),
        "_gate_open": gate.ok is None or scope.ok is None,
        "_options_ok": options_ok,
        "_assumed": assumed,
        "_assumptions": assumptions,
        "_priority": route.get("priority", 50),
        "_date": notice["date"],
        "_spec": route,
    }


# ====================================================================== helpers
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
        hint = entry.get("_hint")
        entry = {k: v for k, v in entry.items() if not k.startswith("_")}
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


def with_assumptions(facts: dict) -> tuple[dict, dict]:
    """The facts with what may be assumed filled in (facts.yml ``assume``), and the
    assumed facts with their sentences."""
    full, assumed = dict(facts), {}
    for name, spec in FACTS.items():
        rule = spec.get("assume")
        if not rule or name in full:
            continue
        if "same_as" in rule:  # another fact's value, when that one is known
            if rule["same_as"] not in facts:
                continue
            full[name] = facts[rule["same_as"]]
        else:
            full[name] = rule["value"]
        assumed[name] = rule.get("text", "").replace("{value}", str(full[name]))
    return full, assumed


def route_hint(route: Any, rules: Rules) -> list[str]:
    """The route ids named by the question: an id or a list of ids (unknown ones dropped)."""
    if not route:
        return []
    ids = {r["id"] for r in rules.routes}
    asked = [route] if isinstance(route, str) else list(route) if isinstance(route, (list, tuple)) else []
    return [r for r in asked if r in ids]


def routes_named(text: str) -> list[str]:
    """Route ids a question names by its words (rules/messages.yml ``route_words``)."""
    if not isinstance(text, str) or not text:
        return []
    found: list[str] = []
    for group in load_rules().messages.get("route_words") or []:
        if any(w in text for w in group.get("words") or []):
            found += [r for r in group.get("routes") or [] if r not in found]
    return found


# ====================================================================== headline
def _choose(routes: list[dict], wanted: str | None, hint: str | None, ctx: Ctx) -> dict | None:
    """The route the answer is about: the one asked about, else the one the facts place the
    person in, else the best general route."""
    if not routes:
        return None
    named = [r for r in routes if r["route"] in hint] if hint else []
    others = [r for r in routes if r not in named and (r["eligible"] is True or r["_applies"])]
    # a route named by the question's words (messages.yml route_words) is the answer unless the person is
    # not in it and the facts place them in another one (an award route, say)
    if named and (any(r["_applies"] for r in named) or not others):
        if named:
            return min(named, key=lambda r: (r["eligible"] is not True, not r["_applies"], r["_gate_open"] is False
                                             and not r["_applies"], hint.index(r["route"])))
    passing = [r for r in routes if r["eligible"] is True]
    if passing:
        return _best(passing, wanted, ctx)
    specific = [r for r in routes if r["_applies"]]
    # a route only considered when the person said the fact it is about (an award, a skill
    # level, a postdoc ...) is what the question is about
    volunteered = [r for r in specific if r["_spec"].get("ask", True) is False]
    if volunteered:
        return min(volunteered, key=lambda r: (not (r["eligible"] is None and r["missing"]), r["_priority"]))
    asking = [r for r in specific if r["eligible"] is None and r["missing"]]
    if asking:  # the person is in this route and it needs one more fact
        return min(asking, key=lambda r: r["_priority"])
    would_pass = [r for r in routes if r["_gate_open"] and r["_options_ok"] is True]
    if would_pass:  # the route decides in the person's favour if they are in it: ask that
        return min(would_pass, key=lambda r: r["_priority"])
    design = [r for r in routes if r["by_design"]]
    # a route left to the series' conditions fits when the person's own title places them
    # in it; when that title is only assumed, a route the facts place them in comes first
    fitting = [r for r in design if "current_title" not in r["_assumed"]]
    if fitting:
        return min(fitting, key=lambda r: (not r["_applies"], r["_priority"]))
    if specific:
        return min(specific, key=lambda r: r["_priority"])
    open_gates = [r for r in routes if r["_gate_open"] and r["_options_ok"] is not False and r["missing"]]
    if open_gates:  # whether the person is in a route that could decide is still open: ask that
        return min(open_gates, key=lambda r: r["_priority"])
    if design:
        return min(design, key=lambda r: (not r["_applies"], r["_priority"]))
    open_ = [r for r in routes if r["eligible"] is None and r["missing"]]
    if open_:
        return min(open_, key=lambda r: r["_priority"])
    return min(routes, key=lambda r: r["_priority"])


def _shown_value(name: str, value: Any, msgs: dict) -> str:
    spec = FACTS.get(name) or {}
    if isinstance(value, bool):
        return msgs["bool_words"][value]
    if isinstance(value, (int, float)):
        return f"{value:g}{spec.get('display_unit') or spec.get('unit', '')}"
    return str(value)


def _reasons(route: dict, msgs: dict) -> str:
    words = msgs["headline"]
    trace = [t for t in route["trace"] if t.get("condition")]
    if route["eligible"] is False:
        failed = [t for t in trace if t.get("ok") is False]
        parts = []
        for t in failed[:2]:
            if "value" in t and t.get("fact"):
                parts.append(words["reason_failed"].format(condition=t["condition"],
                                                           value=_shown_value(t["fact"], t["value"], msgs)))
            else:
                parts.append(words["reason_failed_plain"].format(condition=t["condition"]))
        return words["joiner"].join(parts)
    passed = [t for t in trace if t.get("ok") is True and "value" in t]
    numeric = [t for t in passed if isinstance(t["value"], (int, float)) and not isinstance(t["value"], bool)]
    shown = numeric or passed[-1:]
    return words["joiner"].join(words["reason_met"].format(condition=t["condition"],
                                                           value=_shown_value(t["fact"], t["value"], msgs))
                                for t in shown[:2])


def headline_of(route: dict | None, eligible: bool | None, target: str | None, missing: list[str],
                facts: dict, rules: Rules) -> str:
    """The first line of the answer: the verdict, its route and why."""
    msgs = rules.messages
    words = msgs["headline"]
    target_text = target or words["any_title"]
    if route is None:
        if missing:
            return words["open_no_route"].format(missing=join([FACTS[m]["label"] for m in missing], msgs))
        return words["no_route"].format(target=target_text)
    spec = route["_spec"]
    action = (spec.get("verb") or words["default_verb"]).format(target=target_text)
    fill = dict(route=route["name"], action=action, target=target_text, series=facts.get("series", ""))
    if route["kind"] == "requirement":
        return words["requirement_false"].format(reason=spec.get("reason", route["name"]).format(**fill), **fill)
    if eligible is None and route["by_design"]:
        return (spec.get("by_design_headline") or words["by_design"]).format(**fill)
    if eligible is None:
        need = join([FACTS[m]["label"] for m in missing], msgs) if missing else words["more_facts"]
        return words["open"].format(missing=need, **fill)
    reason = _reasons(route, msgs)
    key = "pass" if eligible else "fail"
    return words[key if reason else key + "_plain"].format(reason=reason, **fill)


def other_lines(routes: list[dict], head: dict | None, target: str | None, rules: Rules) -> list[str]:
    """At most two one-line mentions of other routes that could apply."""
    words = rules.messages["headline"]
    lines = []
    for r in routes:
        if r is head or r["kind"] != "route" or r["eligible"] is False:
            continue
        spec = r["_spec"]
        t = target or r.get("target_title") or words["any_title"]
        action = (spec.get("verb") or words["default_verb"]).format(target=t)
        below = join(rules.messages["level_below"].get(t) or [], rules.messages)
        if r["eligible"] is True:
            lines.append(words["other_true"].format(route=r["name"], action=action))
        elif head is not None and head["eligible"] is True:
            continue  # a yes needs no "if not" alternatives
        elif spec.get("other") and (r["by_design"] or set(r["missing"]) <= {"current_title"}):
            lines.append(spec["other"].format(route=r["name"], target=t, below=below))
        elif r["_applies"] and r["missing"]:
            need = join([FACTS[m]["label"] for m in r["missing"]], rules.messages)
            lines.append(words["other_open"].format(route=r["name"], action=action, missing=need))
        if len(lines) >= 2:
            break
    return lines


# ====================================================================== evaluate
def evaluate(facts: Any, as_of: Any = None, route: Any = None) -> dict:
    """Evaluate eligibility for ``facts`` (raw or normalised) on ``as_of`` (date, ISO
    string or None for today); ``route``: the route the question asks about (id), if any.
    Never raises on bad input: problems go to ``errors``."""
    rules = load_rules()
    msgs = rules.messages
    general = msgs.get("general") or {}
    clean, errors, notes = normalise_facts_with_notes(facts if facts is not None else {})
    day, date_errors = _parse_as_of(as_of, msgs)
    errors += date_errors
    full, assumed = with_assumptions(clean)
    ctx = Ctx(full, day, rules, full.get("target_title"))
    wanted = clean.get("target_title")
    hint = route_hint(route, rules)

    evaluated = [r for r in (evaluate_route(spec, ctx) for spec in rules.routes) if r]
    requirements = [r for r in evaluated if r["kind"] == "requirement"]
    routes = [r for r in evaluated if r["kind"] == "route"]
    shown_notes = [r for r in evaluated if r["kind"] == "note" and r["eligible"] is True]
    failed_req = [r for r in requirements if r["eligible"] is False]
    open_req = [r for r in requirements if r["eligible"] is None]

    missing: set = set()
    if failed_req:
        # someone the notices exclude (or a title obtained by examination): that is the answer
        head, eligible = failed_req[0], False
    else:
        head = _choose(routes, wanted, hint, ctx)
        eligible = head["eligible"] if head else (False if routes else None)
        if head is not None and eligible is None:
            missing |= set(head["missing"])
            if head["by_design"] and head["_spec"].get("id") != "ordinary_review" and wanted is None:
                missing.add("target_title")
        for r in open_req:
            missing |= set(r["missing"])
        if missing:
            eligible = None
        if wanted is None and eligible is not True:
            # nothing decides without the title wanted: ask that first
            head, eligible, missing = None, None, {"target_title"}
    target = wanted or (head["target_title"] if head and eligible is True else None)
    ordered_missing = _ordered(missing) if eligible is None else []

    # assumptions: only those the verdict rests on
    touched = {t.get("fact") for r in ([head] if head else []) + requirements for t in r["trace"]}
    assumption_texts = [text for name, text in assumed.items() if name in touched and text]
    if head is not None and eligible is not False:
        assumption_texts += [t for t in head["_assumptions"] if t not in assumption_texts]
    if eligible is False:
        assumption_texts = [text for name, text in assumed.items()
                            if name in {t.get("fact") for t in (head or {}).get("trace", [])} and text]

    if failed_req:
        listed, ruled_out = [head], []
    else:
        listed = ([head] if head else []) + [r for r in routes if r is not head and r["eligible"] is not False]
        ruled_out = [r for r in routes if r is not head and r["eligible"] is False]
    caveats: list[str] = []
    if not evaluated:
        caveats.append(general.get("no_notice", ""))
    if wanted is None and eligible is not False and routes:
        caveats.append(general.get("unknown_target", ""))
    for r in ([head] if head else []) + shown_notes:
        caveats += [c for c in r["caveats"] if c not in assumption_texts]
    caveats += notes
    if evaluated:
        caveats.append(general.get("not_in_force_note", ""))
    changes = [r["change"] for r in ([head] if head else []) + shown_notes if r.get("change")]
    citations = [c for r in ([head] if head else []) + shown_notes for c in r["citations"]]
    if eligible is not False:
        citations += [c for r in requirements if r is not head and (r["_assumed"] or any(
            t.get("fact") in assumed for t in r["trace"])) for c in r["citations"]]
    notice_used = head["notice"] if head else (max(evaluated, key=lambda r: r["_date"])["notice"]
                                               if evaluated else None)
    return {
        "eligible": eligible,
        "target_title": target,
        "route": head["route"] if head else None,
        "route_name": head["name"] if head else None,
        "headline": headline_of(head, eligible, target, ordered_missing, clean, rules),
        "others": [] if failed_req else other_lines(listed, head, target, rules),
        "assumptions": assumption_texts,
        "routes": [_public(r) for r in listed],
        "ruled_out": [_public(r) for r in ruled_out],
        "caveats": _unique(caveats),
        "missing": ordered_missing,
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
    parser.add_argument("--route", default=None, help="the route asked about (route id)")
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.facts)
    except (json.JSONDecodeError, RecursionError):
        print(general.get("bad_json", ""), file=sys.stderr)
        return 2
    if not isinstance(raw, dict):
        print(general.get("bad_json", ""), file=sys.stderr)
        return 2
    result = evaluate(raw, args.as_of, args.route)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
