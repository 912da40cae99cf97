"""ResponseSelector that runs its model only for messages of its own retrieval intent.

Rasa's ResponseSelector scores every message, although its answer is used only when the
intent classifier chose the retrieval intent (``chitchat``: the rule runs
``utter_chitchat``). Scoring is a second TensorFlow model per message (≈ 2 ms, about a tenth
of a greeting's time in the Rasa server, docs/benchmarks/README.md). Here messages of other
intents get an empty selection (no response, confidence 0) without running the model;
messages of the retrieval intent get exactly what ResponseSelector gives.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.nlu.selectors.response_selector import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)


def empty_selection() -> Dict[Text, Any]:
    """What a message of another intent gets: no response chosen."""
    return {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            RESPONSE_SELECTOR_RESPONSES_KEY: None,
            PREDICTED_CONFIDENCE_KEY: 0.0,
            INTENT_RESPONSE_KEY: None,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: None,
        },
        RESPONSE_SELECTOR_RANKING_KEY: [],
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RetrievalIntentSelector(ResponseSelector):
    """config.yml: ``- name: bot.nlu.retrieval_selector.RetrievalIntentSelector`` with
    ``retrieval_intent: chitchat`` (required: without it every message is scored)."""

    def process(self, messages: List[Message]) -> List[Message]:
        wanted = self.retrieval_intent
        if not wanted:
            return super().process(messages)
        mine = [m for m in messages if (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == wanted]
        if mine:
            super().process(mine)
        chosen = {id(m) for m in mine}
        for message in messages:
            if id(message) not in chosen:
                self._set_message_property(message, empty_selection(), wanted)
        return messages
