"""Query analysis, FTS5 match expression, re-ranking and snippets.

The index (built by ``policy_kb.build``) has three columns of pre-segmented text:
``words`` (jieba words, domain dictionary), ``chars`` (one token per character, so
two-character queries match whatever the segmentation) and ``context`` (document
and ancestor headings). Candidates from bm25 are re-ranked with query-term coverage,
topic keywords, and a preference for the newest notice.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from . import text

MAX_QUERY_CHARS = 200      # longer input is cut (a question is never that long)
CANDIDATES = 40
BM25_WEIGHTS = (1.0, 0.35, 0.25)   # words, chars, context
SNIPPET_CHARS = 120
DATE_IN_QUERY = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日")
YEAR_BONUS = 0.6           # the query names a year: that notice first
YEAR_PENALTY = 0.6
LATEST_BONUS = 0.35        # "今年", "最新": the newest notice first
RECENCY_BONUS = 0.25       # otherwise a mild preference for newer notices


@dataclass
class SearchConfig:
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    stopwords: set[str] = field(default_factory=set)
    latest_hints: list[str] = field(default_factory=list)
    topic_keywords: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, search: dict, topics: list[dict]) -> "SearchConfig":
        synonyms = {}
        for key, values in (search.get("synonyms") or {}).items():
            key = text.normalise(str(key)).strip()
            if key:
                synonyms[key] = [text.normalise(str(v)).strip() for v in (values or []) if str(v).strip()]
        return cls(
            synonyms=synonyms,
            stopwords={text.normalise(str(w)).strip() for w in search.get("stopwords") or []},
            latest_hints=[text.normalise(str(w)) for w in search.get("latest_hints") or []],
            topic_keywords={t["id"]: [text.normalise(k) for k in t.get("keywords") or []] for t in topics},
        )


@dataclass
class Query:
    raw: str
    normalised: str
    groups: list[list[str]]          # one group per concept: the word and its synonyms
    singles: list[str]               # one-character words (searched, not counted)
    topics: list[str]
    latest: bool
    years: list[int]

    @property
    def terms(self) -> list[str]:
        seen, out = set(), []
        for group in self.groups:
            for term in group:
                if term not in seen:
                    seen.add(term)
                    out.append(term)
        for term in self.singles:
            if term not in seen:
                seen.add(term)
                out.append(term)
        return out

    @property
    def empty(self) -> bool:
        return not self.groups and not self.singles


def analyse(query, config: SearchConfig) -> Query:
    """Turn whatever the user typed into search terms (never raises on strings)."""
    if not isinstance(query, str):
        query = ""
    normalised = text.normalise(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
    words = []
    for word in text.search_words(normalised):
        if word not in words:
            words.append(word)
    groups: list[list[str]] = []
    singles: list[str] = []
    covered: set[str] = set()

    def add_group(key: str, members: list[str]):
        members = [m for m in [key] + members if m and text.is_meaningful(m)]
        if not members or key in covered:
            return
        covered.update(members)
        groups.append(list(dict.fromkeys(members)))

    for word in words:
        if word in config.stopwords or word.isdigit():
            continue
        if len(word) == 1 and word not in config.synonyms:
            singles.append(word)
            continue
        add_group(word, config.synonyms.get(word, []))
    for m in DATE_IN_QUERY.finditer(normalised):   # "6月20日" matches "6 月 20 日" too
        add_group(text.squash(m.group(0)), [])
    for key, values in config.synonyms.items():
        if key in normalised and key not in covered and key not in config.stopwords:
            add_group(key, values)
    # a word fully inside a longer word of the same query adds nothing
    flat = [g[0] for g in groups]
    groups = [g for g in groups if not any(g[0] != other and g[0] in other and len(g) == 1 for other in flat)]
    topics = [tid for tid, kws in config.topic_keywords.items() if any(k and k in normalised for k in kws)]
    latest = any(h and h in normalised for h in config.latest_hints)
    years = sorted({int(y) for y in re.findall(r"(20[0-9]{2})", normalised)})
    return Query(query, normalised, groups, singles, topics, latest, years)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: Query) -> str | None:
    """FTS5 MATCH string; every user token is quoted, so FTS syntax is inert."""
    word_terms = [_quote(t) for t in query.terms if text.is_meaningful(t)]
    char_terms = []
    for term in query.terms:
        chars = text.characters(term)
        if chars:
            char_terms.append(_quote(" ".join(chars)))
    parts = []
    if word_terms:
        parts.append("{words context} : (" + " OR ".join(word_terms) + ")")
    if char_terms:
        parts.append("chars : (" + " OR ".join(dict.fromkeys(char_terms)) + ")")
    return " OR ".join(parts) if parts else None


def rerank(query: Query, rows: list[dict], clause_topics: dict[str, list[str]],
           latest_ord: int, max_ord: int) -> list[dict]:
    if not rows:
        return []
    best = max(-r["bm25"] for r in rows) or 1.0
    squashed = [[text.squash(t) for t in g] for g in query.groups]
    scored = []
    for row in rows:
        body = row.get("match_text") or text.squash(text.normalise(row["text"]))
        matched = sum(1 for g in squashed if any(t in body for t in g))
        coverage = matched / len(squashed) if squashed else 0.0
        score = (-row["bm25"] / best) + 1.2 * coverage
        if query.topics and set(query.topics) & set(clause_topics.get(row["id"], [])):
            score += 0.4
        if query.years:
            score += YEAR_BONUS if row["year"] in query.years else -YEAR_PENALTY
        elif query.latest:
            score += LATEST_BONUS if row["doc_ord"] == latest_ord else 0.0
        else:             # later notices prevail: prefer them when otherwise close
            score += RECENCY_BONUS * (row["doc_ord"] / max_ord if max_ord else 0)
        if len(body) < 16:        # a bare heading says little on its own
            score -= 0.3
        if row.get("kind") in ("closing", "intro"):
            score -= 0.2
        row["score"] = round(score, 4)
        scored.append(row)
    scored.sort(key=lambda r: (-r["score"], r["doc_ord"], r["ord"]))
    return scored


def snippet(body: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``body`` around the first match, HTML-escaped, matches in <mark>."""
    flat = body.replace("\n", " ")
    usable = {t for t in terms if t and text.is_meaningful(t)}
    if any(len(t) > 1 for t in usable):       # single characters only when nothing longer
        usable = {t for t in usable if len(t) > 1}
    ordered = sorted(usable, key=len, reverse=True)
    # white-space tolerant: "6月20日" also marks "6 月 20 日"
    alternatives = [r"\s*".join(re.escape(ch) for ch in text.squash(t)) for t in ordered]
    pattern = re.compile("|".join(a for a in alternatives if a), re.IGNORECASE) if ordered else None
    first = pattern.search(flat) if pattern else None
    start = 0
    if first:
        start = max(0, first.start() - width // 4)
    window = flat[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(flat) else ""
    if not pattern:
        return prefix + html.escape(window, quote=False) + suffix
    out, pos = [], 0
    for m in pattern.finditer(window):
        out.append(html.escape(window[pos:m.start()], quote=False))
        out.append("<mark>" + html.escape(m.group(0), quote=False) + "</mark>")
        pos = m.end()
    out.append(html.escape(window[pos:], quote=False))
    return prefix + "".join(out) + suffix
