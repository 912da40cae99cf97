"""A follow-up on the previous question: "那中级呢" after "今年高级职称几号截止", "评审表呢" after
"送审表要交几份". The question it stands for is the previous one, with the follow-up's words in
place of the previous words of the same group (policy_kb/follow_ups.yml)."""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from . import paths, question_kind

# "那副高呢", "如果是大专呢", "要是2020年的呢": the same question, one thing changed
# ("那个送审表交几份" is a question of its own)
WHAT_IF = re.compile(r"^(那(?![个些边里样])|如果|假如|要是|换成|改成|若)|呢[？?]?$")
MAX_CHARS = 15  # longer messages say enough to be questions of their own
BARE_CHARS = 6


@lru_cache(maxsize=1)
def groups() -> list[tuple[str, ...]]:
    data = yaml.safe_load((paths.package_dir() / "follow_ups.yml").read_text(encoding="utf-8")) or {}
    return [tuple(sorted((str(w) for w in words), key=len, reverse=True)) for words in data.values()]


def is_follow_up(text: str) -> bool:
    """Is this short message a "what about …" on the question before?"""
    text = (text or "").strip()
    return 0 < len(text) <= MAX_CHARS and bool(WHAT_IF.search(text))


def is_bare(text: str) -> bool:
    """A question with no subject of its own ("啥时候交", "找谁", "交几份"): it may continue the
    previous one (the actions then check that it answers nothing alone)."""
    text = (text or "").strip()
    return 0 < len(text) <= BARE_CHARS and bool(question_kind.kinds(text))


def merge(previous: str, text: str) -> str:
    """The previous question with the follow-up in it: "那中级呢" + "今年高级职称几号截止" ->
    "那中级呢，今年职称几号截止"."""
    rest = previous or ""
    for group in groups():
        if any(w in text for w in group):
            for word in group:
                rest = rest.replace(word, "")
    return f"{text.strip()}，{rest.strip()}" if rest.strip() else text.strip()
