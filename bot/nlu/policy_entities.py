"""Rasa 3 entity extractor over policy_kb.extract (spaCy EntityRuler + regexes).

Entities (docs/contracts.md): education, title, duration, employer_type, location, series,
skill_level, status, award, notice_year, study_mode; values already normalised to the facts
vocabulary (民企 -> 非公, 五年 -> "5"). The words live in policy_kb/facts.yml and
policy_kb/entity_patterns.yml and are read when the component is created, so nothing is
learned from the training data.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from policy_kb import extract

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PolicyEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds the policy entities with spaCy's blank Chinese pipeline and an EntityRuler."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # None = the repository files policy_kb/entity_patterns.yml and policy_kb/facts.yml
            "patterns_path": None,
            "facts_path": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        patterns = self._config.get("patterns_path")
        facts = self._config.get("facts_path")
        if patterns or facts:
            vocab = extract.load_vocabulary(
                Path(patterns) if patterns else extract.PATTERNS_PATH,
                Path(facts) if facts else extract.FACTS_PATH,
            )
            self._finder = extract.EntityFinder(vocab)
        else:
            self._finder = extract.default_finder()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PolicyEntityExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            try:
                found = self._finder.entities(message.get(TEXT))
            except Exception:  # never let one odd message break the whole parse
                logger.exception("PolicyEntityExtractor failed on a message; no entities added.")
                found = []
            entities = [
                {"entity": e["entity"], "start": e["start"], "end": e["end"], "value": e["value"]}
                for e in found
            ]
            entities = self.add_extractor_name(entities)
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
