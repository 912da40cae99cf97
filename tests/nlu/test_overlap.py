"""The held-out test set never leaks into the training data (tests/nlu/check_overlap.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location("nlu_check_overlap", Path(__file__).with_name("check_overlap.py"))
check_overlap = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(check_overlap)


def test_no_test_text_in_training_data():
    assert check_overlap.overlaps() == []


def test_checker_sees_a_leak(tmp_path, monkeypatch):
    """The checker itself works: a copied (re-annotated, re-punctuated) line is caught."""
    data = tmp_path / "data"
    data.mkdir()
    first = check_overlap.examples(check_overlap.TEST_SET)[0][1]
    plain = check_overlap.plain(first)
    (data / "leak.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: x\n  examples: |\n    - ' + plain + "？\n", encoding="utf-8")
    monkeypatch.setattr(check_overlap, "DATA_DIR", data)
    monkeypatch.setattr(check_overlap, "ROOT", tmp_path)
    assert [ex for ex, _ in check_overlap.overlaps()] == [first]


def test_test_set_size_and_coverage():
    examples = check_overlap.examples(check_overlap.TEST_SET)
    assert len(examples) >= 150
    per_intent = {}
    for intent, _ in examples:
        per_intent[intent.split("/")[0]] = per_intent.get(intent.split("/")[0], 0) + 1
    assert min(per_intent.values()) >= 4, per_intent
