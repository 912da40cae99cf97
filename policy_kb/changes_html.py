"""The change report (policy_kb.changes.report) as one self-contained HTML page: per aligned
pair, the call-outs and the new text with the removed words struck through (<del>) and the
added ones marked (<ins>)."""
from __future__ import annotations

from html import escape

from .align import strip_marker

STYLE = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --accent:#1d4e89; --del:#c62828; --delbg:#fde8e8;
        --ins:#1b5e20; --insbg:#e3f6e5; --soft:#f0f4f8; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
       "Microsoft YaHei", "PingFang SC", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px;
       padding: 20px 24px; line-height: 1.7; font-size: 15px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.sub { color: var(--muted); margin-bottom: 14px; }
.counts span { display: inline-block; background: var(--soft); border-radius: 4px; padding: 2px 10px; margin: 0 6px 6px 0; }
.pair { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; overflow: hidden; }
.pair header { background: var(--soft); padding: 6px 12px; display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.pair header b { color: var(--accent); }
.pair header .score { color: var(--muted); font-size: 13px; margin-left: auto; }
ul.calls { margin: 8px 12px 0; padding-left: 20px; }
ul.calls li { margin: 2px 0; }
.calls .k { display: inline-block; font-size: 12px; border-radius: 3px; padding: 0 6px; margin-right: 6px; color: #fff; background: var(--accent); }
.text { padding: 8px 12px 12px; white-space: pre-wrap; }
del { color: var(--del); background: var(--delbg); text-decoration: line-through; }
ins { color: var(--ins); background: var(--insbg); text-decoration: none; border-bottom: 2px solid var(--ins); }
.legend del, .legend ins { padding: 0 4px; }
.only li { margin: 3px 0; }
.only code { color: var(--accent); }
"""

KIND_NAMES = {"duration": "年限", "date": "日期", "number": "数字", "list": "列举"}


def _marked(ops: list[dict]) -> str:
    parts = []
    for op in ops:
        if op["op"] == "equal":
            parts.append(escape(op["new"]))
        if op["op"] in ("delete", "replace") and op["old"]:
            parts.append(f"<del>{escape(op['old'])}</del>")
        if op["op"] in ("insert", "replace") and op["new"]:
            parts.append(f"<ins>{escape(op['new'])}</ins>")
    return "".join(parts)


def render(rep: dict) -> str:
    old, new, c = rep["old"], rep["new"], rep["counts"]
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>变化对照：{escape(old['id'])} → {escape(new['id'])}</title><style>{STYLE}</style></head><body>",
           f"<h1>变化对照：{escape(str(old['year']))}年 → {escape(str(new['year']))}年</h1>",
           f"<div class=\"sub\">旧：《{escape(old['title'] or '')}》（{escape(old['id'])}）<br>"
           f"新：《{escape(new['title'] or '')}》（{escape(new['id'])}）</div>",
           "<div class=\"counts\">"
           f"<span>对齐 {c['aligned']} 对</span><span>有变化 {c['changed']} 对</span><span>未变 {c['same']} 对</span>"
           f"<span>旧通知独有 {c['only_old']} 条</span><span>新通知独有 {c['only_new']} 条</span></div>",
           (f"<p class=\"sub\">本页只列出条款编号含“{escape('”“'.join(rep['filter']))}”的对照。</p>"
            if rep.get("filter") else ""),
           '<p class="legend">下文为新通知的文字：<del>删去的文字</del> <ins>新增的文字</ins>。'
           "条款按内容对齐（不按编号），相似度越高越可靠；对齐结果须人工核对。</p>"]
    for p in rep["pairs"]:
        out.append('<section class="pair">')
        out.append(f"<header><b>{escape(p['new'])}</b><span>← {escape(p['old'])}</span>"
                   f"<span class=\"score\">相似度 {p['score']:.2f}</span></header>")
        calls = p.get("callouts") or []
        if calls:
            out.append('<ul class="calls">')
            for call in calls:
                out.append(f"<li><span class=\"k\">{KIND_NAMES.get(call['kind'], call['kind'])}</span>"
                           f"{escape(call['text'])}</li>")
            out.append("</ul>")
        out.append(f'<div class="text">{_marked(p["ops"])}</div></section>')
    for key, title in (("only_new", "新通知中新增的条款（旧通知中没有对应条款）"),
                       ("only_old", "旧通知中的条款在新通知中没有对应条款")):
        if rep[key]:
            out.append(f"<h2>{title}</h2><ul class=\"only\">")
            for x in rep[key]:
                first = strip_marker(x["text"]).split("\n")[0][:80]
                out.append(f"<li><code>{escape(x['id'])}</code> {escape(first)}</li>")
            out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)
