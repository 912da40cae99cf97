"""bot.nlu.tokenizer.SafeJiebaTokenizer: no blank tokens, domain dictionary, persistence."""
from __future__ import annotations

import jieba
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import LexicalSyntacticFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import SafeJiebaTokenizer, read_dictionary

MIXED = "我想问下 Java 工程师 职称"


@pytest.fixture()
def storage(tmp_path):
    path = tmp_path / "storage"
    path.mkdir()
    return LocalModelStorage(path)


def _context():
    return ExecutionContext(GraphSchema({}), "test")


def _tokenizer(storage, **config):
    conf = {**SafeJiebaTokenizer.get_default_config(), **config}
    return SafeJiebaTokenizer.create(conf, storage, Resource("tokenizer"), _context())


def _tokens(tokenizer, text):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_plain_jieba_emits_blank_tokens_on_mixed_text():
    # the failure this tokenizer exists for
    assert any(not word.strip() for word, _, _ in jieba.tokenize(MIXED))


def test_no_blank_tokens_and_offsets_match(storage):
    tokens = _tokens(_tokenizer(storage), MIXED + "  \t 副高\n")
    texts = [t.text for t in tokens]
    assert "Java" in texts and "工程师" in texts
    for tok in tokens:
        assert tok.text.strip() == tok.text != ""
        assert (MIXED + "  \t 副高\n")[tok.start:tok.end] == tok.text


def test_domain_dictionary_keeps_terms_whole(storage):
    texts = [t.text for t in _tokens(_tokenizer(storage), "考核认定 非公 副高 送审表几份")]
    for word in ("考核认定", "非公", "副高", "送审表"):
        assert word in texts


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😀", "a" * 5000])
def test_odd_texts(storage, text):
    tokens = _tokens(_tokenizer(storage), text)
    assert all(t.text.strip() for t in tokens)


def test_featurizers_accept_the_tokens(storage):
    """Sparse features have one row per token (+1 sentence row): blanks would break that."""
    tokenizer = _tokenizer(storage)
    texts = [MIXED, "非公 副高", "本科 在民企 干了6年", "送审表 要 几份？"]
    data = TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in texts])
    tokenizer.process_training_data(data)
    cvf = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        storage, Resource("cvf"), _context())
    cvf.train(data)
    cvf.process_training_data(data)
    lsf = LexicalSyntacticFeaturizer.create(LexicalSyntacticFeaturizer.get_default_config(), storage,
                                            Resource("lsf"), _context())
    lsf.train(data)
    lsf.process_training_data(data)
    for message in data.training_examples:
        n_tokens = len(message.get(TOKENS_NAMES[TEXT]))
        for feature in message.features:
            if feature.attribute == TEXT and feature.type == "sequence":
                assert feature.features.shape[0] == n_tokens


def test_dictionary_reader_skips_comments_and_persists_txt_only(tmp_path, storage):
    source = tmp_path / "dict"
    source.mkdir()
    (source / "a.txt").write_text("# note\n\n职称小助手 100 n\n坏行\n", encoding="utf-8")
    (source / "README.md").write_text("not a dictionary", encoding="utf-8")
    assert [w for w, _, _ in read_dictionary(source)] == ["职称小助手", "坏行"]
    tokenizer = _tokenizer(storage, dictionary_path=str(source))
    tokenizer.train(TrainingData())
    with storage.read_from(Resource("tokenizer")) as stored:
        assert sorted(p.name for p in stored.iterdir()) == ["a.txt"]
    loaded = SafeJiebaTokenizer.load({**SafeJiebaTokenizer.get_default_config(), "dictionary_path": str(source)},
                                     storage, Resource("tokenizer"), _context())
    assert "职称小助手" in [t.text for t in _tokens(loaded, "你好职称小助手")]


def test_missing_dictionary_directory_is_not_fatal(storage, tmp_path):
    tokenizer = _tokenizer(storage, dictionary_path=str(tmp_path / "nowhere"))
    assert [t.text for t in _tokens(tokenizer, "你好")]
