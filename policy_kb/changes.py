"""What changed between two notices: per aligned pair of clauses, the text added, removed and
changed, with changed durations, dates, numbers and lists called out ("大专 工作满3年 → 工作满2年").

    python -m policy_kb changes OLD NEW [--json | --html [-o FILE]] [--all] [--root DIR]

``compare(old_text, new_text)`` works on two clause texts; ``report(old_doc, new_doc)`` on two
notices of the sources (aligned by policy_kb.align); ``change_note`` is the one-line summary the
build writes into a point's change note.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

import yaml

from . import paths
from .align import align, normalise, strip_marker, units_of_document

CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十", start=0)}
DURATION_RE = re.compile(r"(?:工作)?满\s*(\d+|[一二三四五六七八九十]+)\s*(个月|年)|工作后|直接(?:申请)?(?:认定|申报)")
DATE_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(名|人(?![才员选])|个工作日|%|项|次|个月|份)")
TITLE_RE = re.compile(r"助理级|初级|中级|副高级|正高级|高一级|高级")
SENTENCE_RE = re.compile(r"[^。；;]+[。；;]?")
LIST_SPLIT_RE = re.compile(r"[，、；;。：:]")
PREDICATE_RE = re.compile(r"可直接|可按|可不|直接申报|直接认定|可认定|可申报")
ITEM_END_RE = re.compile(r"(?:人选|人员|专家|获得者|入选者|人才|获奖人员|奖)$")
# An equal run this short between two changes is merged into them (readable diffs).
MERGE_EQUAL = 2


EDUCATION = ("中专", "大专", "本科", "硕士", "博士")


def _subjects() -> list[tuple[str, str]]:
    """(word, canonical value) for education and location words, longest first (facts.yml)."""
    data = yaml.safe_load((paths.package_dir() / "facts.yml").read_text(encoding="utf-8")) or {}
    facts = data.get("facts", data)
    pairs = []
    for name in ("education", "location"):
        spec = facts.get(name) or {}
        for value in spec.get("values") or []:
            pairs.append((value, value))
        for value, words in (spec.get("synonyms") or {}).items():
            pairs += [(w, value) for w in words if len(w) >= 2]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


_SUBJECTS: list[tuple[str, str]] | None = None


def subjects() -> list[tuple[str, str]]:
    global _SUBJECTS
    if _SUBJECTS is None:
        _SUBJECTS = _subjects()
    return _SUBJECTS


# --------------------------------------------------------------------------- diff

def diff_ops(old: str, new: str) -> list[dict]:
    """Character diff of two normalised texts: [{op: equal|insert|delete|replace, old, new}]."""
    a, b = normalise(old), normalise(new)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        ops.append({"op": tag, "old": a[i1:i2], "new": b[j1:j2]})
    merged: list[dict] = []
    for i, op in enumerate(ops):
        short_equal = (op["op"] == "equal" and len(op["old"]) <= MERGE_EQUAL and 0 < i < len(ops) - 1)
        if (short_equal or op["op"] != "equal") and merged and merged[-1]["op"] != "equal":
            last = merged[-1]
            last["old"] += op["old"]
            last["new"] += op["new"]
            last["op"] = "replace" if last["old"] and last["new"] else ("delete" if last["old"] else "insert")
        else:
            merged.append(dict(op))
    return merged


# --------------------------------------------------------------------------- call-outs

def _value(number: str) -> float:
    if number.isdigit():
        return float(number)
    if number == "十":
        return 10.0
    if number.startswith("十"):
        return 10.0 + CN_DIGITS[number[1]]
    if "十" in number:
        tens, _, ones = number.partition("十")
        return CN_DIGITS[tens] * 10.0 + (CN_DIGITS[ones] if ones else 0)
    return float(CN_DIGITS.get(number, 0))


def durations(text: str) -> dict[tuple, str]:
    """(subject, title it leads to) -> duration phrase, sentence by sentence."""
    found: dict[tuple, str] = {}
    for sentence in SENTENCE_RE.findall(normalise(text)):
        marks = []
        for word, value in subjects():
            for m in re.finditer(re.escape(word), sentence):
                if not any(s <= m.start() < e for s, e, _, _ in marks):
                    marks.append((m.start(), m.end(), value, word))
        marks.sort()
        for m in DURATION_RE.finditer(sentence):
            before = [mk for mk in marks if mk[1] <= m.start()]
            subject = before[-1] if before else None
            if m.group(1) is None and not (subject and subject[2] in EDUCATION):
                continue  # "直接", "工作后" say something only about a level of education
            title = TITLE_RE.search(sentence, m.end())
            key = (subject[2] if subject else sentence[max(0, m.start() - 6):m.start()],
                   title.group(0) if title else "")
            phrase = m.group(0)
            found.setdefault(key, phrase)
            if subject:
                found.setdefault(("_word", key), subject[3])
    return found


def _date_key(text: str, m: re.Match) -> str:
    """What is due on a date: the words after it ("前完成高级"), else the words before it."""
    after = re.sub(r"^(?:前|以前|之前)", "", re.split(r"[，。；、（(\n]", text[m.end():], maxsplit=1)[0])
    if after:
        return after[:14]
    return re.split(r"[，。；、）)\n]", text[:m.start()])[-1][-10:]


def dates(text: str) -> list[tuple[str, str]]:
    """(date as written, what is due) in order."""
    t = normalise(text)
    return [(m.group(0), _date_key(t, m)) for m in DATE_RE.finditer(t)]


def _similar(a: str, b: str) -> float:
    ga = {a[i:i + 2] for i in range(len(a) - 1)} or {a}
    gb = {b[i:i + 2] for i in range(len(b) - 1)} or {b}
    return len(ga & gb) / max(1, len(ga | gb))


def list_items(text: str) -> list[str]:
    """Named items of an enumeration (人选, 人员, 专家, 获得者 …): the parts between 、，；
    with what is said of them ("可直接申报正高级职称") cut off; [] when fewer than three."""
    items = []
    for line in (text or "").split("\n"):
        for part in LIST_SPLIT_RE.split(normalise(line)):
            part = PREDICATE_RE.split(part, maxsplit=1)[0]
            part = re.sub(r"^(?:其中|或者|或|以及|和)", "", part)
            if 3 <= len(part) <= 40 and ITEM_END_RE.search(part):
                items.append(part)
    return items if len(items) >= 3 else []


def callouts(old: str, new: str) -> list[dict]:
    """Changed durations, dates, numbers and list items between two clause texts."""
    out: list[dict] = []
    d_old, d_new = durations(old), durations(new)
    for key in [k for k in d_old if k[0] != "_word"] + [k for k in d_new if k[0] != "_word" and k not in d_old]:
        a, b = d_old.get(key), d_new.get(key)
        if a == b:
            continue
        subject = f"{key[0]}（{key[1]}）" if key[1] else key[0]
        out.append({"kind": "duration", "subject": key[0], "title": key[1], "old": a, "new": b,
                    "text": f"{subject}：{a or '（无）'} → {b or '（无）'}",
                    "say": (f"{subject}由“{a}”改为“{b}”" if a and b else
                            f"{subject}新增“{b}”" if b else f"{subject}不再写“{a}”")})
    old_dates, new_dates = dates(old), dates(new)
    unmatched_new = list(new_dates)
    for date, due in old_dates:
        best = max(unmatched_new, key=lambda nd: _similar(due, nd[1]), default=None)
        if best and _similar(due, best[1]) >= 0.3:
            unmatched_new.remove(best)
            if best[0] != date:
                out.append({"kind": "date", "subject": best[1], "old": date, "new": best[0],
                            "text": f"日期（{best[1]}）：{date} → {best[0]}",
                            "say": f"{best[1]}的时间由{date}改为{best[0]}"})
        else:
            out.append({"kind": "date", "subject": due, "old": date, "new": None, "text": f"删去日期（{due}）：{date}",
                        "say": f"不再写{date}（{due}）"})
    for date, due in unmatched_new:
        out.append({"kind": "date", "subject": due, "old": None, "new": date, "text": f"新增日期（{due}）：{date}",
                    "say": f"新增{date}（{due}）"})
    n_old = [m.group(0) for m in NUMBER_RE.finditer(normalise(old))]
    n_new = [m.group(0) for m in NUMBER_RE.finditer(normalise(new))]
    gone = [n for n in n_old if n not in n_new]
    added = [n for n in n_new if n not in n_old]
    if gone or added:
        out.append({"kind": "number", "old": gone, "new": added,
                    "text": f"数字：{'、'.join(gone) or '（无）'} → {'、'.join(added) or '（无）'}",
                    "say": (f"数字由{'、'.join(gone)}改为{'、'.join(added)}" if gone and added else
                            f"新增数字{'、'.join(added)}" if added else f"不再写{'、'.join(gone)}")})
    i_old, i_new = list_items(old), list_items(new)
    if i_old or i_new:
        # exact comparison: "…一层次人选" and "…二层次人选" are different items
        removed = [i for i in i_old if i not in i_new and i not in normalise(new)]
        added_items = [j for j in i_new if j not in i_old and j not in normalise(old)]
        if removed or added_items:
            out.append({"kind": "list", "removed": removed, "added": added_items,
                        "text": "列举：" + "；".join(filter(None, [
                            f"删去“{'”“'.join(removed)}”" if removed else "",
                            f"新增“{'”“'.join(added_items)}”" if added_items else ""])),
                        "say": "；".join(filter(None, [
                            f"新列入“{'”“'.join(added_items)}”" if added_items else "",
                            f"不再列出“{'”“'.join(removed)}”" if removed else ""]))})
    return out


def compare(old: str, new: str) -> dict:
    """A pair of clause texts: status (same|changed), diff ops, call-outs."""
    a, b = strip_marker(old), strip_marker(new)
    if normalise(a) == normalise(b):
        return {"status": "same", "ops": [{"op": "equal", "old": normalise(a), "new": normalise(b)}], "callouts": []}
    ops = diff_ops(a, b)
    return {"status": "changed", "ops": ops, "callouts": callouts(a, b),
            "added": [o["new"] for o in ops if o["op"] in ("insert", "replace")],
            "removed": [o["old"] for o in ops if o["op"] in ("delete", "replace")]}


def change_note(old: str, new: str, limit: int = 4) -> str:
    """One sentence for a point's change note, in plain words (shown in the chat)."""
    result = compare(old, new)
    if result["status"] == "same":
        return "内容与此前相同。"
    parts = [c["say"] for c in result["callouts"][:limit]]
    if not parts:
        added = sum(len(x) for x in result["added"])
        removed = sum(len(x) for x in result["removed"])
        parts = [f"文字有调整（增加{added}字、删去{removed}字）"]
    return "；".join(parts) + "。"


# --------------------------------------------------------------------------- two notices

def load_docs(root: Path | None = None) -> dict:
    from .build import load_documents

    base = Path(root) if root else paths.package_dir()
    return {d.id: d for d in load_documents(base / "sources")}


def report(old_id: str, new_id: str, root: Path | None = None, docs: dict | None = None,
           include_same: bool = False) -> dict:
    docs = docs or load_docs(root)
    for doc_id in (old_id, new_id):
        if doc_id not in docs:
            raise KeyError(f"没有通知“{doc_id}”（现有：{'、'.join(docs)}）")
    old, new = docs[old_id], docs[new_id]
    texts = {c.id: c.text for d in (old, new) for c in d.clauses}
    alignment = align(units_of_document(old), units_of_document(new))
    pairs = []
    for a, b, score in alignment.pairs:
        result = compare(texts[a], texts[b])
        if result["status"] == "same" and not include_same:
            continue
        pairs.append({"old": a, "new": b, "score": score, "old_text": texts[a], "new_text": texts[b], **result})
    same = sum(1 for a, b, _ in alignment.pairs if compare(texts[a], texts[b])["status"] == "same")
    return {
        "old": {"id": old_id, "title": old.meta.get("title"), "year": old.meta.get("year")},
        "new": {"id": new_id, "title": new.meta.get("title"), "year": new.meta.get("year")},
        "counts": {"aligned": len(alignment.pairs), "changed": len(alignment.pairs) - same, "same": same,
                   "only_old": len(alignment.old_only), "only_new": len(alignment.new_only)},
        "pairs": pairs,
        "only_old": [{"id": c, "text": texts[c]} for c in alignment.old_only],
        "only_new": [{"id": c, "text": texts[c]} for c in alignment.new_only],
    }


def format_text(rep: dict) -> str:
    c = rep["counts"]
    out = [f"《{rep['old']['title']}》（{rep['old']['id']}）→《{rep['new']['title']}》（{rep['new']['id']}）",
           f"对齐 {c['aligned']} 对条款：有变化 {c['changed']} 对，未变 {c['same']} 对；"
           f"旧通知独有 {c['only_old']} 条，新通知独有 {c['only_new']} 条。", ""]
    for p in rep["pairs"]:
        out.append(f"== {p['old']} → {p['new']}（相似度 {p['score']:.2f}）")
        for call in p.get("callouts") or []:
            out.append(f"   ※ {call['text']}")
        for op in p["ops"]:
            if op["op"] == "delete":
                out.append(f"   − {op['old']}")
            elif op["op"] == "insert":
                out.append(f"   + {op['new']}")
            elif op["op"] == "replace":
                out.append(f"   ~ {op['old']} → {op['new']}")
        out.append("")
    if rep["only_new"]:
        out.append("新通知中没有对应旧条款的：")
        out += [f"   + {x['id']}  {strip_marker(x['text']).split(chr(10))[0][:60]}" for x in rep["only_new"]]
    if rep["only_old"]:
        out.append("旧通知中没有对应新条款的：")
        out += [f"   − {x['id']}  {strip_marker(x['text']).split(chr(10))[0][:60]}" for x in rep["only_old"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m policy_kb changes", description="what changed between two notices")
    p.add_argument("old")
    p.add_argument("new")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--html", action="store_true")
    p.add_argument("-o", "--output", help="write the report to this file")
    p.add_argument("--all", action="store_true", help="list unchanged pairs too")
    p.add_argument("--only", action="append", default=[], metavar="CLAUSE",
                   help="only pairs whose old or new clause id contains this (repeatable), e.g. 四/（五）")
    p.add_argument("--root", help="data folder with sources/ (default policy_kb/)")
    args = p.parse_args(argv)
    try:
        rep = report(args.old, args.new, root=args.root, include_same=args.all)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    if (rep["old"]["year"] or 0) > (rep["new"]["year"] or 0):
        print(f"注意：{args.old} 比 {args.new} 新，报告按“{args.old} → {args.new}”列出。", file=sys.stderr)
    if args.only:
        rep["pairs"] = [p for p in rep["pairs"] if any(o in p["old"] or o in p["new"] for o in args.only)]
        rep["only_old"] = [x for x in rep["only_old"] if any(o in x["id"] for o in args.only)]
        rep["only_new"] = [x for x in rep["only_new"] if any(o in x["id"] for o in args.only)]
        rep["filter"] = args.only
    if args.json:
        output = json.dumps(rep, ensure_ascii=False, indent=2)
    elif args.html:
        from .changes_html import render

        output = render(rep)
    else:
        output = format_text(rep)
    if args.output:
        Path(args.output).write_text(output, encoding="utf-8")
        print(f"已写入 {args.output}")
    else:
        print(output)
    return 0
