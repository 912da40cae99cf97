"""Quoting a clause: the sentence(s) that answer a question, verbatim."""
from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[。；！？;])|\n+")
_NOISE = set("的了吗呢啊吧么是在有和与及或我你他她它们这那个要能可以怎么什么哪几多少请问一下？?，,。！!、 ")


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c not in _NOISE and not c.isspace()]
    grams = {a + b for a, b in zip(chars, chars[1:])}
    return grams | set(chars)


def key_sentences(text: str, query: str, limit_chars: int = 180) -> str:
    """The sentence(s) of a clause that best answer the query, quoted verbatim."""
    text = (text or "").strip()
    if len(text) <= limit_chars:
        return text
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    # Table cells such as row numbers carry nothing to quote.
    parts = [p for p in parts if not re.fullmatch(r"[\d\s.、．]+", p)]
    if not parts:
        return text[:limit_chars]
    wanted = bigrams(query)
    scored = sorted(
        range(len(parts)),
        key=lambda i: (-len(wanted & bigrams(parts[i])), i),
    )
    best = scored[0]
    quote = parts[best]
    # Add the following sentence when it fits: rules often continue ("其中，…").
    # (Not across a line break: in a table that is the next row.)
    if (best + 1 < len(parts) and len(quote) + len(parts[best + 1]) <= limit_chars
            and quote + parts[best + 1] in text):
        quote += parts[best + 1]
    if len(quote) > limit_chars * 2:
        quote = quote[: limit_chars * 2] + "……"
    return quote
