"""Fail when a held-out test text (tests/nlu/test_set.yml) also appears in data/.

Texts are compared without entity markup, spaces and punctuation, so "[本科](education)在民企"
and "本科在民企" count as the same. Run: python tests/nlu/check_overlap.py (exit 1 on overlap);
tests/nlu/test_overlap.py runs the same check under pytest.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests" / "nlu" / "test_set.yml"
DATA_DIR = ROOT / "data"

_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_NOISE = re.compile(r"[\s，。,.!！?？、~～：:；;\"'“”‘’]+")


def plain(example: str) -> str:
    """Example text without markup, blanks and punctuation."""
    return _NOISE.sub("", _ENTITY.sub(r"\1", example)).lower()


def examples(path: Path) -> list[tuple[str, str]]:
    """(intent, raw example) of every NLU example in a Rasa YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    found = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append((block["intent"], line[2:].strip()))
    return found


def training_folders() -> list[Path]:
    """data/ and, for the real data, the answer points' generated examples (var/generated)."""
    if DATA_DIR != Path(__file__).resolve().parents[2] / "data":
        return [DATA_DIR]
    from bot.faq_data import training_data_paths

    return [Path(p) for p in training_data_paths()]


def overlaps() -> list[tuple[str, str]]:
    """(test example, data file) pairs whose plain texts are equal."""
    seen: dict[str, str] = {}
    for folder in training_folders():
        for path in sorted(Path(folder).rglob("*.yml")):
            for _, example in examples(path):
                seen.setdefault(plain(example), str(path.relative_to(ROOT)))
    return [(ex, seen[plain(ex)]) for _, ex in examples(TEST_SET) if plain(ex) in seen]


def main() -> int:
    found = overlaps()
    for example, where in found:
        print(f"test example also in training data: {example!r} ({where})")
    if not found:
        print(f"OK: no test-set text appears in {DATA_DIR.relative_to(ROOT)}/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
