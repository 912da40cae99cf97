"""The one condition evaluator, shared by eligibility (policy_kb/rules) and the checklist
(policy_kb/materials.yml).

A condition is data: ``{fact: F, <op>: V}`` leaves, ``{all: [..]}``, ``{any: [..]}``,
``{not: ..}``, a list (= all), ``{ref: name}`` (a named condition of rules/sets.yml),
``{as_of_lte: date}``, ``{target_in: [..]}`` and ``{series_level_in: set}`` (the
series and the title wanted are listed together in a per-level set such as exam_only).
Values may be ``{param: name}``: a dated parameter of rules/sets.yml, resolved on the
as-of date. Sets may be dated too (``by_date``). Logic is three-valued: True, False or
None (a fact is missing; its name is collected in ``missing``).

Optional keys on a leaf: ``text`` / ``clause`` / ``quote`` (trace wording and source),
``if_unknown: assume`` with ``assumed`` (an unknown fact meets the condition and the
sentence says so), ``missing: true|false`` (the result to take, silently, when the fact is
not known). This module holds no user wording: templates come from rules/messages.yml.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from policy_kb.facts import _NUM, FACTS, cn_to_number

OPS = ("eq", "is", "ne", "in", "not_in", "gte", "gt", "lte", "lt", "known", "in_set", "not_in_set",
       "contains_any")
LEVEL_OPS = ("series_level_in", "series_level_not_in")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass
class Ctx:
    facts: dict
    as_of: dt.date
    rules: Any                # policy_kb.rule_data.Rules (sets, params, named, messages, notices)
    target: str | None = None
    clause: str | None = None  # default clause of the version being evaluated
    ask_all: bool = False      # an open `any` reports the facts of every open alternative


@dataclass
class Outcome:
    ok: bool | None
    trace: list[dict] = field(default_factory=list)
    missing: set = field(default_factory=set)
    # facts taken as meeting a condition because they are unknown ("if_unknown: assume")
    assumed: set = field(default_factory=set)
    assumptions: list = field(default_factory=list)


# ---------------------------------------------------------------- dated data
def in_force(rules: Any, doc: str | None, as_of: dt.date) -> bool:
    notice = rules.notices.get(doc) if doc else None
    return bool(notice) and notice["date"] <= as_of


def dated(entries: list[dict], rules: Any, as_of: dt.date) -> dict | None:
    """The entry of the newest notice in force on ``as_of`` (the oldest one before any)."""
    if not entries:
        return None
    order = sorted(entries, key=lambda e: rules.notices.get(e.get("doc"), {}).get("date", dt.date.min))
    live = [e for e in order if in_force(rules, e.get("doc"), as_of)]
    return live[-1] if live else order[0]


def param_entry(name: str, ctx: Ctx) -> dict:
    spec = ctx.rules.params.get(name)
    if spec is None:
        raise ValueError(f"unknown parameter: {name}")
    return dated(spec.get("by_date") or [], ctx.rules, ctx.as_of) or {}


def set_members(name: str, ctx: Ctx) -> Any:
    spec = ctx.rules.sets.get(name) or {}
    if "by_date" in spec:
        return (dated(spec["by_date"], ctx.rules, ctx.as_of) or {}).get("members") or []
    return spec.get("members") or []


def set_entry(name: str, ctx: Ctx) -> dict:
    spec = ctx.rules.sets.get(name) or {}
    if "by_date" in spec:
        return dated(spec["by_date"], ctx.rules, ctx.as_of) or {}
    return spec


# ---------------------------------------------------------------- combinators
def _merge(results: list[Outcome]) -> tuple[set, list]:
    facts = set().union(*(r.assumed for r in results)) if results else set()
    texts: list = []
    for r in results:
        texts += [t for t in r.assumptions if t not in texts]
    return facts, texts


def all_of(results: list[Outcome]) -> Outcome:
    trace = [t for r in results for t in r.trace]
    missing = set().union(*(r.missing for r in results)) if results else set()
    assumed, texts = _merge(results)
    if any(r.ok is False for r in results):
        return Outcome(False, trace, missing)
    if any(r.ok is None for r in results):
        return Outcome(None, trace, missing, assumed, texts)
    return Outcome(True, trace, set(), assumed, texts)


def _closeness(r: Outcome) -> tuple:
    """How near a failed alternative came: most conditions met, fewest failed, and (on a
    tie) the one whose first condition, what the alternative is about, is met."""
    first = r.trace[0].get("ok") is True if r.trace else False
    return (sum(1 for t in r.trace if t.get("ok") is True), -sum(1 for t in r.trace if t.get("ok") is False), first)


def any_of(results: list[Outcome], ask_all: bool = False) -> Outcome:
    passing = [r for r in results if r.ok is True]
    if passing:
        best = next((r for r in passing if not r.assumed), passing[0])
        return Outcome(True, list(best.trace), set(), set(best.assumed), list(best.assumptions))
    open_ = [r for r in results if r.ok is None]
    if open_ and ask_all:
        return Outcome(None, [t for r in open_ for t in r.trace], set().union(*(r.missing for r in open_)))
    if open_:
        # ask only for what the first open alternative needs; the next is asked if it fails
        return Outcome(None, list(open_[0].trace), set(open_[0].missing))
    if not results:
        return Outcome(False)
    # all failed: the alternative that came closest explains the failure
    best = max(results, key=_closeness)
    return Outcome(False, list(best.trace), set())


# ---------------------------------------------------------------- leaves
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


def _count(text: str, units: list[str]) -> int:
    """How many awards a text names (a number before a counting word of messages.yml
    ``count_units``); 1 when it does not say."""
    if not units:
        return 1
    m = re.search(rf"({_NUM})\s*(?:{'|'.join(map(re.escape, units))})", text)
    number = cn_to_number(m.group(1)) if m else None
    return int(number) if number else 1


def member_matches(member: Any, value: Any, units: list[str] | None = None) -> bool:
    """A set member matches a value: equal name, or (awards) every word of one `match` list
    occurs, none of `exclude` occurs and the count reaches `min_count`."""
    if not isinstance(member, dict):
        return str(member) == str(value)
    text = squash(str(value)).lower()
    if member.get("name") and squash(member["name"]).lower() == text:
        return True
    if any(squash(str(w)).lower() in text for w in member.get("exclude") or []):
        return False
    for words in member.get("match") or []:
        if all(squash(str(w)).lower() in text for w in words):
            return _count(text, units or []) >= int(member.get("min_count", 1))
    return False


def set_match(name: str, value: Any, ctx: Ctx) -> bool | str:
    """True, False, or the assumption sentence of the member matched only by assuming
    (a member's ``assume``: {words, text}, e.g. a prize whose level was not said)."""
    members = set_members(name, ctx)
    if isinstance(members, dict):  # series -> levels: the series is listed at some level
        return str(value) in members
    units = ctx.rules.messages.get("count_units") or []
    if any(member_matches(m, value, units) for m in members):
        return True
    text = squash(str(value))
    for m in members:
        rule = m.get("assume") if isinstance(m, dict) else None
        if rule and any(w in text for w in rule.get("words") or []) and \
                any(all(squash(str(w)) in text for w in words) for words in rule.get("match") or []):
            return rule.get("text") or True
    return False


def _series_level(name: str, ctx: Ctx) -> tuple[bool | None, set]:
    """(series, title wanted) listed in the per-level set ``name``; the facts it still needs."""
    table = set_members(name, ctx)
    table = table if isinstance(table, dict) else {str(s): None for s in table}
    series, target = ctx.facts.get("series"), ctx.target
    if series is not None and target is not None:
        levels = table.get(series, [])
        return (series in table and (levels is None or target in levels)), set()
    if series is not None:
        if series not in table:
            return False, set()
        return None, {"target_title"}
    if target is not None:
        if not any(levels is None or target in levels for levels in table.values()):
            return False, set()
        return None, {"series"}
    return None, {"series", "target_title"}


def _value(ref: Any, ctx: Ctx, entry: dict) -> Any:
    """A literal, or a dated parameter (its clause and quote go to the trace entry)."""
    if isinstance(ref, dict) and "param" in ref:
        found = param_entry(ref["param"], ctx)
        if found.get("clause") and not entry.get("_own_clause"):
            entry["clause"] = found["clause"]
            if found.get("quote"):
                entry["_hint"] = found["quote"]
        return found.get("value")
    return ref


def describe(cond: dict, op: str, ref: Any, ctx: Ctx) -> str:
    if cond.get("text"):
        return cond["text"].replace("{value}", str(ref))
    msgs = ctx.rules.messages
    ops = msgs.get("ops") or {}
    name = cond.get("fact")
    spec = FACTS.get(name, {})
    key = op
    if op in ("gte", "gt", "lte", "lt"):
        key = f"{op}_number" if spec.get("type") == "number" else f"{op}_enum"
    values = ref if isinstance(ref, list) else [ref]
    set_name = ""
    if op in ("in_set", "not_in_set") + LEVEL_OPS:
        set_name = (ctx.rules.sets.get(ref) or {}).get("name", ref)
    shown = msgs["bool_words"][bool(ref)] if isinstance(ref, bool) else ref
    template = ops.get(key) or "{label} {value}"
    return template.format(label=spec.get("label", name or ""), value=shown, unit=spec.get("unit", ""),
                           values=join(values, msgs), set=set_name)


def join(values, msgs: dict) -> str:
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return msgs["values_joiner"].join(values[:-1]) + msgs["values_last_joiner"] + values[-1]


def _unknown(cond: dict, entry: dict, names: set) -> Outcome:
    if "missing" in cond:  # the result to take, silently, when the fact is not given
        entry["ok"] = bool(cond["missing"])
        return Outcome(entry["ok"], [entry])
    if cond.get("if_unknown") == "assume":
        entry["assumed"] = True
        return Outcome(True, [entry], set(), set(names), [cond["assumed"]] if cond.get("assumed") else [])
    return Outcome(None, [entry], set(names))


def leaf(cond: dict, ctx: Ctx) -> Outcome:
    clause = cond.get("clause") or ctx.clause
    entry: dict = {"condition": "", "ok": None, "clause": clause}
    if cond.get("clause"):
        entry["_own_clause"] = True
    if cond.get("quote"):
        entry["_hint"] = cond["quote"]
    msgs = ctx.rules.messages
    if "as_of_lte" in cond or "as_of_gte" in cond:
        op = "as_of_lte" if "as_of_lte" in cond else "as_of_gte"
        limit = cond[op] if isinstance(cond[op], dt.date) else dt.date.fromisoformat(str(cond[op]))
        entry["ok"] = ctx.as_of <= limit if op == "as_of_lte" else ctx.as_of >= limit
        entry["condition"] = cond.get("text") or msgs["ops"][op].format(value=limit.isoformat())
        return Outcome(entry["ok"], [entry])
    if "notice_in_force" in cond:
        entry["ok"] = in_force(ctx.rules, cond["notice_in_force"], ctx.as_of)
        entry["condition"] = cond.get("text") or cond["notice_in_force"]
        return Outcome(entry["ok"], [entry])
    if "target_in" in cond:
        values = cond["target_in"]
        entry["condition"] = cond.get("text") or msgs["ops"]["target_in"].format(values=join(values, msgs))
        if ctx.target is None:
            return _unknown(cond, entry, {"target_title"})
        entry["ok"] = ctx.target in values
        return Outcome(entry["ok"], [entry])
    if "table" in cond or any(op in cond for op in LEVEL_OPS):
        op = next((o for o in LEVEL_OPS if o in cond), "series_level_in")
        name = cond.get(op) or cond.get("table")
        entry["fact"] = "series"
        entry["condition"] = describe(cond, op, name, ctx)
        if not cond.get("clause") and not cond.get("quote"):
            source = set_entry(name, ctx)  # the dated entry in force says where the set comes from
            if source.get("clause"):
                entry["clause"] = source["clause"]
                entry["_hint"] = source.get("quote")
        inside, needed = _series_level(name, ctx)
        if inside is None:
            if cond.get("if_unknown") == "assume" and needed != {"series"}:
                return Outcome(None, [entry], needed)
            return _unknown(cond, entry, needed)
        entry["ok"] = inside if op == "series_level_in" else not inside
        return Outcome(entry["ok"], [entry])
    name = cond.get("fact")
    op = next((o for o in OPS if o in cond), None)
    if name is None or op is None:
        raise ValueError(f"bad rule condition: {cond!r}")
    entry["fact"] = name
    ref = _value(cond[op], ctx, entry)
    entry["condition"] = describe(cond, op, ref, ctx)
    value = ctx.facts.get(name)
    if value is None:
        return _unknown(cond, entry, {name})
    if op == "known":
        ok = bool(ref)
    elif op in ("eq", "is"):
        ok = value == ref
    elif op == "ne":
        ok = value != ref
    elif op == "in":
        ok = value in ref
    elif op == "not_in":
        ok = value not in ref
    elif op == "contains_any":
        ok = isinstance(value, str) and any(w in value for w in ref)
    elif op in ("in_set", "not_in_set"):
        found = set_match(ref, value, ctx)
        if isinstance(found, str) and op == "in_set":
            entry.update(ok=True, value=value, assumed=True)
            return Outcome(True, [entry], set(), {name}, [found])
        ok = bool(found) == (op == "in_set")
    else:
        ok = _compare(name, value, op, ref)
    entry["ok"] = ok
    entry["value"] = value
    return Outcome(ok, [entry])


def with_defaults(cond: Any, clause: str | None, quote: str | None, text: str | None) -> Any:
    """Give the conditions of a named condition the clause/quote/text of where it is used
    (a condition's own clause wins, and then keeps its own quote)."""
    if isinstance(cond, list):
        return [with_defaults(c, clause, quote, None) for c in cond]
    if not isinstance(cond, dict):
        return cond
    out = dict(cond)
    for key in ("all", "any"):
        if key in out:
            out[key] = with_defaults(out[key], clause, quote, None)
            return out
    if "not" in out:
        out["not"] = with_defaults(out["not"], clause, quote, None)
        return out
    if not out.get("clause") and clause:
        out["clause"] = clause
        out.pop("quote", None)  # an inner quote belongs to the clause it was written for
        if quote:
            out["quote"] = quote
    elif not out.get("clause") and quote and not out.get("quote"):
        out["quote"] = quote
    if text and "ref" not in out:
        out["text"] = text
    return out


def evaluate(cond: Any, ctx: Ctx) -> Outcome:
    """Three-valued evaluation of a condition for ``ctx.facts`` on ``ctx.as_of``."""
    if cond is None:
        return Outcome(True)
    if isinstance(cond, list):
        return all_of([evaluate(c, ctx) for c in cond])
    if not isinstance(cond, dict):
        raise ValueError(f"bad condition: {cond!r}")
    if "all" in cond:
        return all_of([evaluate(c, ctx) for c in cond["all"] or []])
    if "any" in cond:
        return any_of([evaluate(c, ctx) for c in cond["any"] or []], ctx.ask_all)
    if "not" in cond:
        inner = evaluate(cond["not"], ctx)
        ok = None if inner.ok is None or inner.assumed else not inner.ok
        return Outcome(ok, inner.trace, inner.missing if ok is None else set())
    if "ref" in cond:
        named = ctx.rules.named.get(cond["ref"])
        if named is None:
            raise ValueError(f"unknown named condition: {cond['ref']}")
        return evaluate(with_defaults(copy.deepcopy(named), cond.get("clause"), cond.get("quote"),
                                      cond.get("text")), ctx)
    return leaf(cond, ctx)
