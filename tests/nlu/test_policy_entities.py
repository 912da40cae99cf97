"""bot.nlu.policy_entities.PolicyEntityExtractor as Rasa runs it (process on Messages)."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.policy_entities import PolicyEntityExtractor


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    return PolicyEntityExtractor.create(PolicyEntityExtractor.get_default_config(), storage,
                                        Resource("ents"), ExecutionContext(GraphSchema({}), "t"))


def _run(extractor, text, existing=None):
    message = Message(data={TEXT: text})
    if existing is not None:
        message.set(ENTITIES, existing)
    extractor.process([message])
    return message.get(ENTITIES, [])


def test_registered_as_entity_extractor():
    registered = DefaultV1Recipe._registered_components[PolicyEntityExtractor.__name__]
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert registered.is_trainable is False


def test_entities_normalised_with_extractor_name(extractor):
    ents = _run(extractor, "本科毕业在民企干了五年能直接报副高吗")
    assert [(e["entity"], e["value"]) for e in ents] == [
        ("education", "本科"), ("employer_type", "非公"), ("duration", "5"), ("title", "副高级")]
    assert {e["extractor"] for e in ents} == {"PolicyEntityExtractor"}
    text = "本科毕业在民企干了五年能直接报副高吗"
    assert [text[e["start"]:e["end"]] for e in ents] == ["本科", "民企", "五年", "副高"]


def test_keeps_entities_of_earlier_components(extractor):
    earlier = [{"entity": "x", "start": 0, "end": 1, "value": "y", "extractor": "Other"}]
    ents = _run(extractor, "在乡镇", existing=list(earlier))
    assert ents[0] == earlier[0] and ents[1]["value"] == "苏木乡镇"


@pytest.mark.parametrize("text", ["", "   ", "😀" * 20, "a" * 20_000, "[本科](education)", "{\"a\": 1}"])
def test_odd_messages(extractor, text):
    assert isinstance(_run(extractor, text), list)


def test_message_without_text(extractor):
    message = Message(data={})
    extractor.process([message])
    assert message.get(ENTITIES) == []
