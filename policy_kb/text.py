"""Chinese text handling shared by the KB build and search (one place).

The segmenter is a private ``jieba.Tokenizer`` loaded with every ``*.txt``
user dictionary in ``policy_kb/dictionary/`` (jieba format: ``word [freq] [tag]``).
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path

from . import paths

_lock = threading.Lock()
_tokenizer = None

# Characters that carry meaning for search: CJK, letters, digits.
_WORD_CHAR = re.compile(r"[\w\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")
# control and format characters (keep ordinary white space)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _read_dictionary(path: Path):
    """Yield (word, freq, tag) from a jieba dictionary; skip blanks, comments, junk."""
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = parts[0]
        freq = None
        tag = None
        if len(parts) > 1 and parts[1].isdigit():
            freq = int(parts[1])
            tag = parts[2] if len(parts) > 2 else None
        elif len(parts) > 1:
            tag = parts[1]
        yield word, freq, tag


def dictionary_words() -> list[str]:
    words = []
    directory = paths.dictionary_dir()
    if directory.is_dir():
        for path in sorted(directory.glob("*.txt")):
            words.extend(word for word, _, _ in _read_dictionary(path))
    return words


def tokenizer():
    """The shared jieba tokenizer with the domain dictionaries loaded."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                directory = paths.dictionary_dir()
                if directory.is_dir():
                    for path in sorted(directory.glob("*.txt")):
                        for word, freq, tag in _read_dictionary(path):
                            tok.add_word(word, freq, tag)
                _tokenizer = tok
    return _tokenizer


def normalise(text: str) -> str:
    """NFKC (full-width letters/digits to half-width), lower case, no control chars."""
    text = unicodedata.normalize("NFKC", text or "")
    return _CONTROL.sub("", text).lower()


def is_meaningful(token: str) -> bool:
    return bool(_WORD_CHAR.search(token))


def segment(text: str) -> list[str]:
    """Words of ``text`` (jieba precise mode, domain dictionary), no blanks/punctuation."""
    text = normalise(text)
    return [w for w in (t.strip() for t in tokenizer().cut(text, HMM=True)) if w and is_meaningful(w)]


def search_words(text: str) -> list[str]:
    """Words plus their dictionary sub-words (jieba search mode), for indexing and queries."""
    text = normalise(text)
    return [w for w in (t.strip() for t in tokenizer().cut_for_search(text, HMM=True)) if w and is_meaningful(w)]


def characters(text: str) -> list[str]:
    """One token per CJK character; runs of letters/digits stay together."""
    text = normalise(text)
    return re.findall(r"[\u3400-\u9fff]|[a-z0-9]+", text)


def squash(text: str) -> str:
    """Text without any white space (for whitespace-insensitive comparison)."""
    return _SPACE.sub("", text or "")
