"""Repair the damage of a notice pasted from a PDF or a web page.

``repair(raw)`` returns the repaired body, the list of repairs (each one an erratum-to-be:
kind, input line, original, corrected, note) and the lines it noticed but left alone. Every
character that leaves the text leaves through a repair, so ``original``/``corrected`` account
for the whole difference between input and output (tests/kb/test_ingest.py checks that).

What is repaired: control characters, page-number lines ("- 5 -", "第5页"), markdown bullets,
an English "and"/"or" inside Chinese, a single stray space between Chinese characters,
sentences split over a page break (blank lines, page numbers) with a word printed twice at the
page edge, and heading markers that lost their number ("（）…" where the sequence has a gap).
What is only reported: other English words inside Chinese, heading numbers missing without a
trace (see ``ingest.numbering_gaps``).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .parser import CN_NUM, CLOSING_RE, NOTES_RE, match_heading

CJK = "\u4e00-\u9fff"
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b-\u200f\u2060\ufeff]")
PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–－]+\s*\d{1,3}\s*[-—–－]+|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?)\s*$")
BULLET_RE = re.compile(r"^(\s*)([-*•●▪·]\s+)(?=\S)")
STRAY_WORD_RE = re.compile(rf"(?<=[{CJK}])\s*\b([A-Za-z]+)\b\s*(?=[{CJK}])")
STRAY_WORDS = {"and": "和", "or": "或"}
STRAY_SPACE_RE = re.compile(rf"(?<=[{CJK}])[ \u00a0\u3000](?=[{CJK}])")
SCHEDULE_DATE_RE = re.compile(r"^\d{1,2}月\d{1,2}日$")
# A line that ends a sentence or a heading: a page break after it is a paragraph break.
FINISHED_RE = re.compile(r"[。；;：:！!？?”’\"）)》】\]]$")
# Only a line this long ends mid-sentence when cut at a page edge (shorter ones are headings,
# table cells, signature lines).
JOIN_MIN_CHARS = 20
EMPTY_MARKER_RE = re.compile(r"^(\s*)(?:[（(]\s*[）)]|、)")
CONTEXT = 8


@dataclass
class Repair:
    kind: str          # an errata kind (build.APPLIED_KINDS)
    line: int          # line in the input (1-based)
    original: str
    corrected: str
    note: str          # Chinese, for errata.yml
    clause: str | None = None  # set once the repaired text is parsed

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Finding:
    line: int
    text: str
    problem: str       # Chinese, shown to the policy officer

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Line:
    no: int            # input line number
    text: str
    page_number: bool = False


def _context(line: str, start: int, end: int) -> tuple[int, int]:
    return max(0, start - CONTEXT), min(len(line), end + CONTEXT)


def _sub_line(line: Line, regex: re.Pattern, replace, kind: str, note, repairs: list) -> None:
    """Apply ``regex`` to one line, recording each change with a little context."""
    out, pos = [], 0
    for m in regex.finditer(line.text):
        new = replace(m)
        if new is None:
            continue
        a, b = _context(line.text, m.start(), m.end())
        original = line.text[a:b]
        corrected = line.text[a:m.start()] + new + line.text[m.end():b]
        repairs.append(Repair(kind, line.no, original, corrected, note(m)))
        out.append(line.text[pos:m.start()] + new)
        pos = m.end()
    if out:
        line.text = "".join(out) + line.text[pos:]


def fix_lines(lines: list[Line], repairs: list, findings: list) -> list[Line]:
    kept = []
    for line in lines:
        _sub_line(line, CONTROL_RE, lambda m: "", "artefact",
                  lambda m: f"删除不可见的控制字符（U+{ord(m.group(0)):04X}）。", repairs)
        if PAGE_NUMBER_RE.match(line.text):
            kept.append(Line(line.no, line.text, page_number=True))  # dropped by join_pages
            continue
        _sub_line(line, BULLET_RE, lambda m: m.group(1), "markup",
                  lambda m: f"行首的列表符号“{m.group(2).strip()}”为转换残留，已删除。", repairs)

        def stray(m):
            word = m.group(1)
            if word.lower() in STRAY_WORDS:
                return STRAY_WORDS[word.lower()]
            findings.append(Finding(line.no, line.text.strip()[:40], f"中文句中夹有英文“{word}”，未自动处理，请核对原文"))
            return None

        _sub_line(line, STRAY_WORD_RE, stray, "stray_word",
                  lambda m: f"中文句中混入英文“{m.group(1)}”，改为“{STRAY_WORDS[m.group(1).lower()]}”。", repairs)
        _sub_line(line, STRAY_SPACE_RE, lambda m: "", "spacing",
                  lambda m: "汉字之间多余的空格已删除。", repairs)
        kept.append(line)
    return kept


def _is_page_number(line: Line) -> bool:
    return line.page_number


OPEN_END_RE = re.compile(r"[、，,（(]$")
TITLE_END_RE = re.compile(r"(?:通知|意见|办法|细则|规定|方案|决定|公告|〔\d{4}〕\d+号)$")
# A heading line this long that does not end a sentence runs on into the next line.
LONG_HEADING_CHARS = 60
# A line without a marker, this short and without any clause punctuation reads as a title.
TITLE_MAX_CHARS = 40


def _unfinished(text: str, mode: str) -> bool:
    """Does this line stop mid-sentence? ``mode``: intro | body | attachment | closing."""
    stripped = text.strip()
    if mode == "closing" or FINISHED_RE.search(stripped) or CLOSING_RE.match(stripped):
        return False
    if OPEN_END_RE.search(stripped):
        return len(stripped) >= 6
    if mode == "attachment":  # tables and title lines: only an open list runs on
        return False
    if mode == "intro" and TITLE_END_RE.search(stripped):
        return False
    if not match_heading(stripped) and len(stripped) <= TITLE_MAX_CHARS and not re.search(r"[，,；;。：:]", stripped):
        return False  # a title whose number was lost, not a cut sentence
    if match_heading(stripped):
        # a heading's title has no commas and closes its brackets; a longer line is a sentence
        unbalanced = stripped.count("（") + stripped.count("(") > stripped.count("）") + stripped.count(")")
        return unbalanced or bool(re.search(r"[，；;。]", stripped)) or len(stripped) >= LONG_HEADING_CHARS
    return len(stripped) >= JOIN_MIN_CHARS


def _mode_after(text: str, mode: str) -> str:
    stripped = text.strip()
    heading = match_heading(stripped)
    if heading and heading[0] == 0:
        return "attachment"
    if mode == "closing":
        return mode
    if CLOSING_RE.match(stripped):
        return "closing"
    if heading and mode == "intro":
        return "body"
    return mode


def _starts_paragraph(text: str) -> bool:
    stripped = text.strip()
    return bool(match_heading(stripped) or CLOSING_RE.match(stripped) or NOTES_RE.match(stripped)
                or stripped.startswith("附件") or SCHEDULE_DATE_RE.match(stripped)
                or EMPTY_MARKER_RE.match(stripped))


def join_pages(lines: list[Line], repairs: list) -> list[Line]:
    """Re-join sentences cut by a page break; drop page-number lines."""
    out: list[Line] = []
    i = 0
    mode = "intro"
    while i < len(lines):
        line = lines[i]
        mode = _mode_after(line.text, mode)
        if _is_page_number(line):
            repairs.append(Repair("artefact", line.no, line.text.strip(), "",
                                  f"页码行“{line.text.strip()}”为转换残留，已删除。"))
            i += 1
            continue
        if line.text.strip() and _unfinished(line.text, mode):
            j = i + 1
            while j < len(lines) and (not lines[j].text.strip() or _is_page_number(lines[j])):
                j += 1
            if j < len(lines) and j > i and not _starts_paragraph(lines[j].text):
                between = "\n".join(l.text for l in lines[i + 1:j])
                head = lines[j].text.lstrip()
                tail = line.text.rstrip()
                kind, note, cut = "page_break", "分页处句子被断开", 0
                for n in (4, 3, 2):
                    if len(tail) >= n and head.startswith(tail[-n:]) and re.fullmatch(f"[{CJK}]{{{n}}}", tail[-n:]):
                        kind, cut = "page_edge_repeat", n
                        note = f"分页处“{tail[-n:]}”重复印出，删去一处"
                        break
                pages = [l.text.strip() for l in lines[i + 1:j] if _is_page_number(l)]
                if pages:
                    note += f"（中间的页码行“{'”“'.join(pages)}”已删除）"
                original = tail[-CONTEXT:] + "\n" + (between + "\n" if j > i + 1 else "") + head[:CONTEXT + cut]
                corrected = tail[-CONTEXT:] + head[cut:CONTEXT + cut]
                repairs.append(Repair(kind, line.no, original, corrected,
                                      f"{note}（原第{line.no}、{lines[j].no}行），已接续。"))
                lines[j] = Line(line.no, tail + head[cut:])
                i = j
                continue
        out.append(line)
        i += 1
    return out


def label_value(label: str) -> int | None:
    core = label.strip("（）")
    if core.startswith("附件"):
        core = core[2:]
    if core.isdigit():
        return int(core)
    if core and all(ch in CN_NUM for ch in core):
        if len(core) == 1:
            return CN_NUM.index(core) + 1
        if core[0] == "十":
            return 10 + CN_NUM.index(core[1]) + 1
        if len(core) == 2 and core[1] == "十":
            return (CN_NUM.index(core[0]) + 1) * 10
        if len(core) == 3 and core[1] == "十":
            return (CN_NUM.index(core[0]) + 1) * 10 + CN_NUM.index(core[2]) + 1
    return None


def cn_number(value: int) -> str:
    if value <= 10:
        return CN_NUM[value - 1]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else CN_NUM[tens - 1]) + "十" + (CN_NUM[ones - 1] if ones else "")


def repair(raw: str) -> tuple[str, list[Repair], list[Finding], list[int]]:
    """(repaired body, repairs, findings, input line number of each body line) for a pasted
    notice body (no front matter)."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    repairs: list[Repair] = []
    findings: list[Finding] = []
    lines = [Line(no, text.rstrip()) for no, text in enumerate(raw.split("\n"), start=1)]
    lines = fix_lines(lines, repairs, findings)
    lines = join_pages(lines, repairs)
    while lines and not lines[0].text.strip():
        lines.pop(0)
    while lines and not lines[-1].text.strip():
        lines.pop()
    body = "\n".join(l.text for l in lines) + "\n"
    return body, repairs, findings, [l.no for l in lines]
