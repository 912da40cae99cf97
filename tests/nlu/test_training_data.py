"""data/nlu: every intent covered, entity annotations agree with the extractor."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data import entities_parser

from policy_kb.extract import extract_entities

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
MIN_EXAMPLES = 15


def _blocks():
    for path in sorted(NLU_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            yield path.name, block


def _examples():
    for name, block in _blocks():
        if "intent" in block:
            for line in str(block["examples"]).splitlines():
                if line.strip().startswith("- "):
                    yield name, block["intent"], line.strip()[2:].strip()


EXAMPLES = list(_examples())


def test_every_domain_intent_has_enough_examples():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    counts = Counter(intent.split("/")[0] for _, intent, _ in EXAMPLES)
    missing = {i: counts.get(i, 0) for i in intents if counts.get(i, 0) < MIN_EXAMPLES}
    assert not missing, f"intents with fewer than {MIN_EXAMPLES} examples: {missing}"
    assert set(counts) <= set(intents), f"intents not in domain.yml: {set(counts) - set(intents)}"


def test_no_duplicate_examples_across_intents():
    seen = {}
    for _, intent, text in EXAMPLES:
        plain = entities_parser.replace_entities(text)
        assert seen.setdefault(plain, intent) == intent, f"{plain!r} under {seen[plain]} and {intent}"


def test_chitchat_responses_exist_and_carry_no_facts():
    responses = yaml.safe_load((NLU_DIR / "responses_chitchat.yml").read_text(encoding="utf-8"))["responses"]
    subs = {intent for _, intent, _ in EXAMPLES if intent.startswith("chitchat/")}
    assert {f"utter_{s}" for s in subs} == set(responses)
    for name, variants in responses.items():
        for variant in variants:
            assert variant["text"] and not re.search(r"\d", variant["text"]), name


def test_annotations_agree_with_the_extractor():
    """Annotated spans in data/nlu are exactly what policy_kb.extract finds (no more, no less)."""
    wrong = []
    for source, _, example in EXAMPLES:
        plain = entities_parser.replace_entities(example)
        annotated = [(e["entity"], plain[e["start"]:e["end"]])
                     for e in entities_parser.find_entities_in_training_example(example)]
        found = [(e["entity"], e["text"]) for e in extract_entities(plain)]
        if annotated != found:
            wrong.append(f"{source}: {example} -> extractor finds {found}")
    assert not wrong, "\n".join(wrong)


def test_lookup_tables_are_usable():
    lookups = [b for _, b in _blocks() if "lookup" in b]
    assert lookups
    for block in lookups:
        items = [l.strip()[2:] for l in str(block["examples"]).splitlines() if l.strip().startswith("- ")]
        assert len(items) >= 3 and all(items), block["lookup"]


def test_the_nlu_learns_from_a_spread_of_each_points_phrasings():
    from bot.faq_data import NLU_EXAMPLES_PER_POINT, spread

    many = [f"问法{i}" for i in range(30)]
    picked = spread(many)
    assert len(picked) == NLU_EXAMPLES_PER_POINT == len(set(picked))
    assert picked[0] == many[0] and picked[-1] == many[-1] and picked == sorted(picked, key=many.index)
    assert spread(many[:5]) == many[:5]
