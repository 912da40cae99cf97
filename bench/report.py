"""docs/benchmarks/results.md and the PNG plots, from docs/benchmarks/runs/*.json."""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"
TARGET_RATIO = 1.5
TARGET_THROUGHPUT = 100.0
KIND_LABELS = {"greeting": "greeting (6 greetings, rule)", "kb_answer": "policy answer (the blind set's questions)",
               "eligibility": "eligibility (the one-turn questions of tests/e2e)"}


def load(part: str) -> dict | None:
    path = OUT / "runs" / f"{part}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def save(part: str, data: dict) -> None:
    path = OUT / "runs" / f"{part}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _f(value, digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:.{digits}f}"


def plots(answers: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = answers["levels"]
    xs = [lv["concurrency"] for lv in levels]
    written = []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for kind, label in KIND_LABELS.items():
        p50 = [lv["kinds"][kind]["p50_ms"] for lv in levels]
        p95 = [lv["kinds"][kind]["p95_ms"] for lv in levels]
        line, = ax.plot(xs, p95, marker="o", label=f"{kind} p95")
        ax.plot(xs, p50, marker=".", linestyle="--", color=line.get_color(), label=f"{kind} p50")
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel("concurrent senders")
    ax.set_ylabel("latency per message (ms)")
    ax.set_title("REST channel latency vs concurrency (2 cores)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "latency-vs-concurrency.png", dpi=110)
    plt.close(fig)
    written.append("latency-vs-concurrency.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(xs, [lv["throughput_msg_s"] for lv in levels], marker="o", label="measured (mixed kinds)")
    ax.axhline(TARGET_THROUGHPUT, color="red", linestyle=":", label=f"target {TARGET_THROUGHPUT:.0f} msg/s at 8")
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel("concurrent senders")
    ax.set_ylabel("messages per second")
    ax.set_title("REST channel throughput vs concurrency (2 cores)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "throughput-vs-concurrency.png", dpi=110)
    plt.close(fig)
    written.append("throughput-vs-concurrency.png")
    return written


def _answers_md(a: dict) -> list[str]:
    lines = ["## Answers through the REST channel", "",
             f"Run {a['meta']['date']} on {a['meta']['machine']}; load average before the run "
             f"{a['meta']['load_before']}; Rasa server with {a['meta'].get('rasa_workers') or 1} "
             f"process(es). Messages are interleaved greeting / KB / eligibility.", "",
             "| senders | messages | wall s | msg/s | errors | kind | p50 ms | p95 ms | p99 ms | p95 ÷ greeting |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lv in a["levels"]:
        for i, (kind, k) in enumerate(lv["kinds"].items()):
            head = (f"| {lv['concurrency']} | {lv['requests']} | {_f(lv['wall_s'], 1)} | "
                    f"{_f(lv['throughput_msg_s'], 1)} | {lv['errors']} |" if i == 0 else "| | | | | |")
            lines.append(f"{head} {kind} | {_f(k['p50_ms'])} | {_f(k['p95_ms'])} | {_f(k['p99_ms'])} | "
                         f"{_f(k['p95_vs_greeting'], 2)} |")
    at8 = next((lv for lv in a["levels"] if lv["concurrency"] == 8), None)
    if at8:
        lines += ["", "Targets at 8 senders:", ""]
        for kind in ("kb_answer", "eligibility"):
            ratio = at8["kinds"][kind]["p95_vs_greeting"]
            ok = ratio is not None and ratio <= TARGET_RATIO
            lines.append(f"- {kind} p95 within {TARGET_RATIO:.1f}× the greeting's: {_f(ratio, 2)}× — "
                         f"{'met' if ok else 'MISSED'}")
        tp = at8["throughput_msg_s"]
        lines.append(f"- ≥ {TARGET_THROUGHPUT:.0f} msg/s: {_f(tp, 1)} — {'met' if tp >= TARGET_THROUGHPUT else 'MISSED'}")
        lines.append(f"- zero errors: {at8['errors']} — {'met' if at8['errors'] == 0 else 'MISSED'}")
    cpu = [(lv["concurrency"], lv["cpu_ms_per_message"]) for lv in a["levels"] if lv.get("cpu_ms_per_message")]
    if cpu:
        names = list(cpu[0][1])
        lines += ["", "CPU time per message (all processes of each server, during the level):", "",
                  "| senders | " + " | ".join(f"{n} ms" for n in names) + " |", "|---|" + "---|" * len(names)]
        lines += [f"| {c} | " + " | ".join(_f(v.get(n), 1) for n in names) + " |" for c, v in cpu]
    shares = [(lv["concurrency"], lv["rasa_process_cpu_share_pct"]) for lv in a["levels"]
              if lv.get("rasa_process_cpu_share_pct")]
    if shares:
        lines += ["", "Share of the Rasa server's CPU time taken by each of its processes: "
                  + "; ".join(f"{c} senders {' / '.join(f'{p} %' for p in pct)}" for c, pct in shares) + "."]
    rates = a.get("open_loop")
    if rates:
        lines += ["", "### Open loop: messages arriving at a fixed rate (independent users)", "",
                  "| offered msg/s | served msg/s | errors | kind | p50 ms | p95 ms | p95 ÷ greeting |",
                  "|---|---|---|---|---|---|---|"]
        for r in rates:
            for i, (kind, k) in enumerate(r["kinds"].items()):
                head = (f"| {_f(r['offered_msg_s'], 1)} | {_f(r['throughput_msg_s'], 1)} | {r['errors']} |"
                        if i == 0 else "| | | |")
                lines.append(f"{head} {kind} | {_f(k['p50_ms'])} | {_f(k['p95_ms'])} | {_f(k['p95_vs_greeting'], 2)} |")
    b = a.get("breakdown")
    if b:
        lines += ["", "### Where a turn's time goes (sequential, warm)", "",
                  "| kind | intent | NLU parse p50 ms | custom actions | actions p50 ms | tracker read p50 ms |",
                  "|---|---|---|---|---|---|"]
        for kind, k in b.items():
            lines.append(f"| {kind} | {k['intent']} | {_f(k['nlu']['p50_ms'], 1)} | {', '.join(k['custom_actions']) or '–'} | "
                         f"{_f((k['actions'] or {}).get('p50_ms'), 1)} | {_f(k['tracker_read']['p50_ms'], 1)} |")
    mem = a.get("memory_mib")
    if mem:
        lines += ["", "### Memory after warm-up (RSS)", "", "| process | MiB |", "|---|---|"]
        workers = a["meta"].get("rasa_workers") or 1
        lines += [f"| {name}{f' ({workers} processes together)' if name == 'rasa_server' and workers > 1 else ''} | {_f(v)} |"
                  for name, v in mem.items()]
    prof = a.get("profile")
    if prof and not prof.get("skipped"):
        lines += ["", f"### Profile (py-spy, {prof['seconds']} s at {prof['concurrency']} senders)", ""]
        for name in ("rasa_server", "action_server"):
            p = prof.get(name) or {}
            if "areas_pct" in p:
                top = ", ".join(f"{area} {pct}%" for area, pct in list(p["areas_pct"].items())[:8])
                lines.append(f"- {name} ({p['samples']} samples): {top}")
            elif p.get("error"):
                lines.append(f"- {name}: py-spy failed: {p['error'][:200]}")
    elif prof:
        lines += ["", f"Profile: {prof['skipped']}"]
    return lines


def _nlu_md(n: dict) -> list[str]:
    lines = ["## NLU", ""]
    for part, title in (("held_out", "Held-out test split (tests/nlu/test_set.yml, deployed config)"),
                        ("cross_validation", "5-fold cross-validation on data/nlu (no FallbackClassifier)")):
        r = n.get(part)
        if not r:
            continue
        lines += [f"### {title}", "",
                  f"- intent accuracy {_f(r.get('intent_accuracy'), 3)}, macro-F1 {_f(r.get('intent_macro_f1'), 3)}, "
                  f"weighted F1 {_f(r.get('intent_weighted_f1'), 3)} (exit code {r.get('exit_code')}, "
                  f"{r.get('seconds')} s)"]
        for name, e in (r.get("entities") or {}).items():
            lines.append(f"- entities ({name}): micro-F1 {_f(e.get('micro_f1'), 3)}, macro-F1 {_f(e.get('macro_f1'), 3)}")
        if r.get("response_selection_accuracy") is not None:
            lines.append(f"- chitchat response selection accuracy {_f(r['response_selection_accuracy'], 3)}")
        if r.get("worst_intents"):
            lines.append("- weakest intents (F1): " + ", ".join(f"{k} {v}" for k, v in r["worst_intents"]))
        lines.append("")
    return lines


def _blind_md(b: dict, before: dict | None) -> list[str]:
    s, goals = b["summary"], b["goals"]
    lines = ["## Blind question set (tests/blind/questions.yml, through the REST channel)", "",
             f"{s['questions']} questions written from the notices only, frozen before tuning, never trained on.", "",
             "| measure | goal | now |" + (" before |" if before else ""),
             "|---|---|---|" + ("---|" if before else "")]
    names = {"clause_right": "cited clause right", "fact_said": "key fact said",
             "fact_first": "key fact in the first 80 characters"}
    for key, name in names.items():
        row = f"| {name} | ≥ {goals[key]:.0%} | {s[key]:.1%} |"
        if before:
            row += f" {before['summary'][key]:.1%} |"
        lines.append(row)
    row = f"| median reply text (characters) | ≤ {goals['median_chars']} | {s['median_chars']} |"
    lines.append(row + (f" {before['summary']['median_chars']} |" if before else ""))
    return lines + [""]


def write() -> Path:
    md = ["# Benchmark results (generated by `make bench`)", "",
          "Regenerated by every run of `python -m bench`; docs/benchmarks/README.md discusses them.", ""]
    answers = load("answers")
    if answers:
        md += _answers_md(answers)
        md += ["", "![latency](latency-vs-concurrency.png)", "", "![throughput](throughput-vs-concurrency.png)", ""]
        plots(answers)
    blind = load("blind")
    if blind:
        md += _blind_md(blind, load("blind-before"))
    nlu = load("nlu")
    if nlu:
        md += _nlu_md(nlu)
    kb = load("kb")
    if kb:
        md += ["## Knowledge base (policy_kb.bench)", "",
               f"- build {_f(kb['build_s_min'], 2)}–{_f(kb['build_s_max'], 2)} s (cold CLI {_f(kb['cold_build_s'], 2)} s), "
               f"SQLite file {kb['db_bytes'] / 1024:.0f} KiB",
               f"- search p50 {_f(kb['p50_ms'], 2)} ms, p95 {_f(kb['p95_ms'], 2)} ms over {kb['searches']} searches; "
               f"expected clause in top 3 for {kb['top3_hits']}/{kb['queries']} queries", ""]
    elig = load("eligibility")
    if elig:
        from bench.eligibility import markdown
        md += markdown(elig)
    train = load("train")
    if train:
        size = train.get("model_bytes")
        md += ["## Training", "", f"- `rasa train` wall time {train['wall_s']} s, model "
               f"{(size or 0) / 2**20:.1f} MiB (exit code {train['exit_code']})", ""]
    ops = load("ops")
    if ops:
        from bench.ops import markdown
        md += markdown(ops)
    path = OUT / "results.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path
