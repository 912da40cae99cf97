"""JiebaTokenizer that never emits blank tokens and reads only ``*.txt`` dictionaries.

jieba returns the spaces of mixed Chinese/English text as tokens ("我想问下 Java 工程师"
gives " " tokens). Featurizers and DIET must not see them, so they are dropped and other
tokens are trimmed (offsets adjusted). Dictionary files are read leniently: blank lines and
``#`` comments are skipped, a bad line never stops training.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]


def resolve_dictionary_dir(path: Optional[Text]) -> Optional[Path]:
    """The dictionary directory; a relative path is tried from the working directory,
    then from the repository root."""
    if not path:
        return None
    candidate = Path(path)
    if candidate.is_dir() or candidate.is_absolute():
        return candidate
    return ROOT / candidate


def read_dictionary(directory: Path) -> List[tuple]:
    """(word, freq or None, tag or None) for every line of every ``*.txt`` file."""
    entries = []
    for path in sorted(Path(directory).glob("*.txt")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            logger.warning("Skipping jieba dictionary %s: %s", path, err)
            continue
        for line in lines:
            parts = line.strip().split()
            if not parts or parts[0].startswith("#"):
                continue
            word, freq, tag = parts[0], None, None
            rest = parts[1:]
            if rest and rest[0].isdigit():
                freq = int(rest.pop(0))
            if rest:
                tag = rest[0]
            entries.append((word, freq, tag))
    return entries


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SafeJiebaTokenizer(JiebaTokenizer):
    """Jieba tokenizer with the domain dictionaries and without whitespace tokens."""

    @staticmethod
    def _load_custom_dictionary(path: Text) -> None:
        import jieba

        directory = resolve_dictionary_dir(path)
        if directory is None or not directory.is_dir():
            logger.warning("Jieba dictionary directory %s not found; using jieba's own words.", path)
            return
        for word, freq, tag in read_dictionary(directory):
            jieba.add_word(word, freq=freq, tag=tag)

    @staticmethod
    def _copy_files_dir_to_dir(input_dir: Text, output_dir: Text) -> None:
        source = resolve_dictionary_dir(input_dir)
        target = Path(output_dir)
        target.mkdir(parents=True, exist_ok=True)
        if source is None or not source.is_dir():
            return
        for path in sorted(source.glob("*.txt")):
            shutil.copy2(path, target / path.name)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = message.get(attribute)
        if not isinstance(text, str) or not text:
            return []
        tokens = []
        for word, start, _end in jieba.tokenize(text):
            stripped = word.strip()
            if not stripped:
                continue
            offset = start + (len(word) - len(word.lstrip()))
            tokens.append(Token(stripped, offset))
        return self._apply_token_pattern(tokens)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**JiebaTokenizer.get_default_config(), "dictionary_path": "policy_kb/dictionary"}
