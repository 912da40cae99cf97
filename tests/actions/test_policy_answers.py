"""Custom actions against the real knowledge base: every policy answer quotes and cites."""
from __future__ import annotations

import re

import pytest
import yaml

from actions.common import kb
from actions.fallback import ActionFallbackSearch, ActionHumanHandoff, ActionOutOfScope
from actions.kb_answers import INTENT_TOPICS, ActionAnswerPolicy, ActionShowClause
from tests.actions.conftest import citations_of, make_tracker, run_action, text_of

CASES = [
    ("送审表要交几份", "ask_materials", "bt-2020:附件二", "15份"),
    ("今年材料几号截止", "ask_deadline", "bt-2024:二/（二）", "7月26日"),
    ("退休人员能不能评职称", "ask_exclusions", "nm-2022:一/（四）", "退休"),
    ("疫情一线的倾斜政策到哪年", "ask_epidemic", "bt-2024:四/（七）", "2026年底"),
    ("硕士毕业几年能认定中级", "ask_recognition", "nm-2022:四/（十四）/2", "中级"),
]


@pytest.mark.parametrize("text,intent,clause,fact", CASES)
def test_policy_answer_cites_clause_and_quotes_fact(text, intent, clause, fact):
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker(text, intent))
    body = re.sub(r"\s+", "", text_of(messages))
    assert clause in citations_of(messages), (citations_of(messages), body)
    assert fact in body
    assert "依据" in body
    for msg in messages:
        for cite in (msg.get("custom") or {}).get("citations", []):
            stored = kb().clause(cite["id"])
            assert stored is not None
            assert cite["label"] == stored["label"] and cite["title"] == stored["title"]
            # the quote is the notice's own words
            assert re.sub(r"\s+", "", cite["quote"].rstrip("…")).split("；")[0] in re.sub(r"\s+", "", stored["full_text"])


def test_newer_notice_prevails_and_change_is_said():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("非公企业人员直接申报中级要几年", "ask_non_public"))
    cited = citations_of(messages)
    assert cited[0] == "bt-2024:四/（六）", cited
    assert any(c.startswith(("bt-2020", "bt-2021", "nm-2022")) for c in cited[1:])
    assert "变化" in text_of(messages)


def test_time_question_names_the_newest_notice(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-22")
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("今年几号截止", "ask_deadline"))
    body = text_of(messages)
    assert "2026" in body and "2024" in body


def test_contacts_give_hotline_numbers_from_the_notices():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("咨询电话多少", "ask_contacts"))
    numbers = {row["phone"] for row in kb().contacts()}
    assert numbers and all(n in text_of(messages) for n in numbers)


def test_every_topic_intent_maps_to_a_known_topic():
    topics = {t["id"] for t in kb().topics()}
    domain = yaml.safe_load(open("domain.yml", encoding="utf-8"))
    for intent, topic in INTENT_TOPICS.items():
        assert intent in domain["intents"], intent
        assert topic in topics, topic


def test_show_clause_button_payload():
    tracker = make_tracker('/show_clause{"clause_id": "bt-2021:七"}', "show_clause",
                           entities=[{"entity": "clause_id", "value": "bt-2021:七"}])
    messages, _ = run_action(ActionShowClause(), tracker)
    assert citations_of(messages) == ["bt-2021:七"]
    assert "高技能人才" in text_of(messages)


def test_fallback_offers_clauses_as_buttons_without_citation():
    messages, _ = run_action(ActionFallbackSearch(), make_tracker("审验卡", "nlu_fallback"))
    assert messages[0]["buttons"], messages
    assert all(b["payload"].startswith("/show_clause{") for b in messages[0]["buttons"])
    assert citations_of(messages) == []


def test_fallback_answers_a_clear_match_with_its_citation():
    messages, _ = run_action(ActionFallbackSearch(), make_tracker("非全日制学历在评职称时吃亏吗", "nlu_fallback"))
    assert "bt-2024:四/（一）/2" in citations_of(messages)
    assert "同等待遇" in text_of(messages)


@pytest.mark.parametrize("text", ["", "😀😀", "\"*NEAR( AND", "x" * 5000])
def test_fallback_survives_bad_input(text):
    messages, _ = run_action(ActionFallbackSearch(), make_tracker(text, "nlu_fallback"))
    assert text_of(messages)


def test_out_of_scope_and_handoff_give_hotline_and_coverage():
    for action in (ActionOutOfScope(), ActionHumanHandoff()):
        messages, _ = run_action(action, make_tracker("今天天气", "out_of_scope"))
        assert "0472-6169341" in text_of(messages)
        assert citations_of(messages) == []
    messages, _ = run_action(ActionOutOfScope(), make_tracker("今天天气", "out_of_scope"))
    years = sorted(d["year"] for d in kb().documents())
    assert f"{years[0]}—{years[-1]}" in text_of(messages)


@pytest.mark.parametrize("text,intent,clause,steps", [
    ("社会化职称评审的流程是怎样的", "ask_procedure", "bt-2021:附件2/三", ["1、个人申请", "5、证书打印"]),
    ("绿色通道申报程序是什么", "ask_green_channel", "bt-2021:附件1/三", ["1、个人申报", "5、组织评审"]),
])
def test_a_heading_is_answered_with_its_steps(text, intent, clause, steps):
    """An attachment's section that is only a heading ("三、评审流程：") is found through the
    attachment's title, and quoted with the steps under it, in the notice's words."""
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker(text, intent))
    assert clause in citations_of(messages), (citations_of(messages), text_of(messages))
    quote = next(c["quote"] for m in messages for c in (m.get("custom") or {}).get("citations", [])
                 if c["id"] == clause)
    full = re.sub(r"\s+", "", kb().clause(clause)["full_text"])
    for step in steps:
        assert step in quote
    for part in quote.rstrip("。").split("；"):
        assert re.sub(r"\s+", "", part) in full, part
