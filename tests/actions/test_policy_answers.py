"""Policy answers against the real knowledge base and answer points: the answer first, every
answer cited, the quote the notice's own words, table rows answered from their rows."""
from __future__ import annotations

import re

import pytest

from actions.common import kb
from actions.fallback import ActionFallbackSearch, ActionHumanHandoff, ActionOutOfScope
from actions.kb_answers import ActionAnswerPolicy, ActionShowClause
from tests.actions.conftest import citations_of, make_tracker, run_action, text_of

FIRST_CHARS = 80


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _first_line(messages) -> str:
    return _squash(messages[0]["text"].split("\n")[0])


# (question, clause the answer must rest on, fact that must stand in the first 80 characters)
CASES = [
    ("送审表要交几份", "bt-2020:附件二", "15份"),
    ("评审表用啥纸", "bt-2020:附件二", "A4"),
    ("职称电子证书在哪打印啊", "bt-2024:六/（二）/4", "人才信息库"),
    ("疫情一线的倾斜政策到哪年", "bt-2024:四/（七）", "2026年底"),
    ("在苏木乡镇工作的硕士多久能认定中级", "bt-2024:四/（五）/3", "满1年"),
]


@pytest.mark.parametrize("text,clause,fact", CASES)
def test_answer_first_then_the_clause(text, clause, fact):
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker(text, "faq"))
    cited = citations_of(messages)
    assert cited and cited[0] == clause, (cited, text_of(messages))
    assert fact in _squash(messages[0]["text"])[:FIRST_CHARS], text_of(messages)
    assert "依据" in text_of(messages) and "依据" not in _first_line(messages)
    custom = messages[0]["custom"]
    assert custom["answer"]["short"] and custom["answer"]["point"], custom
    for cite in custom["citations"]:
        stored = kb().clause(cite["id"])
        assert cite["label"] == stored["label"] and cite["title"] == stored["title"]
        # the quote is the notice's own words
        assert _squash(cite["quote"].rstrip("…")) in _squash(stored["text"]), cite


def test_a_scoped_rule_keeps_its_scope():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("在苏木乡镇工作的硕士多久能认定中级", "faq"))
    assert "苏木乡镇" in _first_line(messages)


@pytest.mark.parametrize("question,unit,table", [
    ("市财政局高级职称材料哪天审核", "市财政局", "附件三"),
    ("包头职业技术学院报高级的材料几号审", "包头职业技术学院", "附件三"),
    ("交投集团中级职称几号交材料", "交投集团", "附件四"),
])
def test_a_schedule_question_is_answered_from_its_row(question, unit, table):
    """Dates of the 2020 review schedules come from the unit's own row, never from text that
    runs across rows."""
    row = next(r for r in kb().schedules() if r["table"] == table and unit in r["unit_list"])
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker(question, "faq"))
    first = _first_line(messages)
    assert first.startswith(unit) and row["date"] in first, text_of(messages)
    assert citations_of(messages)[0] == f"bt-2020:{table}"


def test_a_time_question_says_which_notice_answers(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-22")
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("今年高级职称几号截止", "faq"))
    body = text_of(messages)
    assert "2026" in body and "2024" in body
    monkeypatch.setenv("ASSISTANT_TODAY", "2024-06-01")
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("今年高级职称几号截止", "faq"))
    assert "以当年新通知为准" not in text_of(messages)


def test_the_selector_choice_decides_between_close_points():
    """With the NLU's ranking, the point the ResponseSelector chose answers."""
    point = kb().answer_point("materials_review_form_copies") or kb().answer_points("materials")[0]
    tracker = make_tracker("那个表交几份", f"faq/{point['id']}")
    messages, _ = run_action(ActionAnswerPolicy(), tracker)
    assert messages[0]["custom"]["answer"]["point"] == point["id"], text_of(messages)


def test_wechat_gets_one_short_quote_line():
    tracker = make_tracker("送审表要交几份", "faq")
    tracker.events[-1]["input_channel"] = "wechat"
    messages, _ = run_action(ActionAnswerPolicy(), tracker)
    lines = messages[0]["text"].split("\n")
    assert "15份" in lines[0]
    assert any(line.startswith("依据") and "“" in line for line in lines[1:]), lines


def test_contacts_give_hotline_numbers_from_the_notices():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("咨询电话多少", "faq/topic_contacts"))
    numbers = {row["phone"] for row in kb().contacts()}
    assert numbers and all(n in text_of(messages) for n in numbers)


def test_show_clause_button_payload():
    tracker = make_tracker('/show_clause{"clause_id": "bt-2021:七"}', "show_clause",
                           entities=[{"entity": "clause_id", "value": "bt-2021:七"}])
    messages, _ = run_action(ActionShowClause(), tracker)
    assert citations_of(messages) == ["bt-2021:七"]
    assert "高技能人才" in text_of(messages)


def test_fallback_offers_questions_as_buttons_without_citation():
    messages, _ = run_action(ActionFallbackSearch(), make_tracker("表格", "nlu_fallback"))
    buttons = messages[0].get("buttons") or []
    assert buttons, messages
    questions = {q for p in kb().answer_points() for q in p["questions"]}
    for button in buttons:
        assert button["title"].endswith("？") and button["payload"].rstrip("？") in questions, button
    assert citations_of(messages) == []


@pytest.mark.parametrize("action,intent", [(ActionAnswerPolicy(), "faq"), (ActionFallbackSearch(), "nlu_fallback")])
def test_one_word_gets_the_closest_questions_not_a_guess(action, intent):
    messages, _ = run_action(action, make_tracker("证书", intent))
    assert messages[0].get("buttons") and citations_of(messages) == [], text_of(messages)
    assert "没有找到" not in text_of(messages) and "哪个问题" in text_of(messages)


def test_fallback_answers_a_clear_match_with_its_citation():
    messages, _ = run_action(ActionFallbackSearch(), make_tracker("非全日制学历在评职称时吃亏吗", "nlu_fallback"))
    assert "bt-2024:四/（一）/2" in citations_of(messages), text_of(messages)
    assert "同等" in text_of(messages)


@pytest.mark.parametrize("text", ["", "😀😀", "\"*NEAR( AND", "x" * 5000])
def test_fallback_survives_bad_input(text):
    messages, _ = run_action(ActionFallbackSearch(), make_tracker(text, "nlu_fallback"))
    assert text_of(messages)


def test_an_unclear_message_with_nothing_close_says_so_with_the_hotline():
    messages, _ = run_action(ActionFallbackSearch(), make_tracker("火星的天气怎么样呀", "nlu_fallback"))
    body = text_of(messages)
    assert "没能理解" in body and "0472" in body and citations_of(messages) == [], body


def test_no_point_no_clause_is_an_honest_not_found():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("火星上评职称要带氧气瓶吗", "faq"))
    body = text_of(messages)
    assert ("没有找到" in body and "0472" in body) or messages[0].get("buttons"), body


@pytest.mark.parametrize("action,intent", [(ActionAnswerPolicy(), "faq"), (ActionFallbackSearch(), "nlu_fallback")])
@pytest.mark.parametrize("text", ["评完高级职称退休金能涨吗", "职称证书遗失了能补办吗", "评审结果不满意能申诉不", "材料能快递过去吗",
                                  "评上正高能推迟退休吗", "高级经济师考试成绩有效期是几年", "初级会计的教材在哪买"])
def test_a_subject_no_notice_covers_is_not_answered_with_a_clause(action, intent, text):
    """Pay, pensions, lost certificates, appeals, posting: the notices do not say; the answer
    says so with the hotline instead of citing the nearest clause."""
    messages, _ = run_action(action, make_tracker(text, intent))
    body = text_of(messages)
    assert "没有找到" in body and "0472" in body, body
    assert citations_of(messages) == []


def test_a_pay_question_opens_no_eligibility_check():
    from actions.eligibility_form import ActionCheckEligibility
    messages, events = run_action(ActionCheckEligibility(), make_tracker("我是本科，评上中级以后工资能涨多少", "check_eligibility"))
    assert "没有找到" in text_of(messages) and citations_of(messages) == []
    assert not [e for e in events if e.get("event") == "slot"], events


def test_a_point_that_speaks_of_the_subject_still_answers():
    from actions.kb_answers import not_covered
    assert not_covered("毕业证丢了还要交吗", {"questions": ["报职称要交毕业证吗"], "answer": "要交复印件。"})
    assert not not_covered("毕业证丢了还要交吗", {"questions": ["毕业证丢了报职称还要交吗"], "answer": "要交复印件。"})
    assert not not_covered("送审表交几份", None)
    # every not-covered subject of the question must be spoken of: the lost diploma is, the
    # re-issue of a lost title certificate is not
    assert not_covered("职称证丢了咋补办", {"questions": ["毕业证丢了报职称还要交吗"], "answer": "要交复印件。"})


@pytest.mark.parametrize("question,covered", [
    ("二级建造师考试在哪报名", False),   # "建造师…报名": apart in the question, still the cue
    ("初级会计考试啥时候报名", False),
    ("中级经济师考试几月份报名", False),
    ("会计高级要先考试再报名评审吗", True),  # the exam before the review: the notices say so
    ("评委会备案有效期几年", True),            # a validity the notices do state (bt-2020: 3年)
])
def test_an_exam_registration_is_not_covered_but_the_exam_rule_is(question, covered):
    from actions.kb_answers import answer_question
    answer, _ = answer_question(question, None, None, 0.0)
    assert (answer is not None) == covered
    if answer:
        assert answer.clauses


def _after(previous: str, bot_payload: dict, text: str, intent: str = "inform"):
    """A tracker whose conversation had `previous` answered with `bot_payload` just before."""
    events = [{"event": "user", "text": previous, "parse_data": {"text": previous, "intent": {"name": "faq"}}},
              {"event": "bot", "text": "…", "data": {"custom": bot_payload}}]
    return make_tracker(text, intent, events=events)


@pytest.mark.parametrize("previous,text,clause,fact", [
    ("今年高级职称几号截止", "那中级呢", "bt-2024:二/（一）/4", "7月26日"),
    ("送审表要交几份", "评审表呢", "bt-2020:附件二", "A4"),
])
@pytest.mark.parametrize("action,intent", [(ActionAnswerPolicy(), "inform"), (ActionFallbackSearch(), "nlu_fallback")])
def test_a_follow_up_continues_the_previous_policy_question(previous, text, clause, fact, action, intent):
    messages, events = run_action(action, _after(previous, {"answer": {"kind": "answer"}}, text, intent))
    assert citations_of(messages)[:1] == [clause], text_of(messages)
    assert fact in _squash(messages[0]["text"])[:FIRST_CHARS], text_of(messages)
    assert not [e for e in events if e.get("name") == "eligibility_form"], events  # no eligibility form


def test_a_follow_up_classified_as_eligibility_still_continues_the_question():
    from actions.eligibility_form import ActionCheckEligibility
    tracker = _after("今年高级职称几号截止", {"answer": {"kind": "answer"}}, "那中级呢", "check_eligibility")
    messages, events = run_action(ActionCheckEligibility(), tracker)
    assert "7月26日" in text_of(messages) and not [e for e in events if e.get("event") == "slot"], events


def test_a_new_personal_question_after_an_answer_is_not_a_follow_up():
    tracker = _after("送审表要交几份", {"answer": {"kind": "answer"}}, "那我本科干了6年能报中级吗")
    messages, events = run_action(ActionAnswerPolicy(), tracker)
    # the eligibility check takes the facts (and asks what it still needs), not the materials point
    assert [e for e in events if e.get("name") == "eligibility_form"], text_of(messages)
    assert {"education": "本科", "years_worked": 6}.items() <= {e["name"]: e["value"] for e in events if e.get("event") == "slot"}.items()


def test_a_personal_question_that_needs_more_facts_hears_the_rule_first():
    """"我本科毕业在苏木乡镇干了3年能参加中级评审吗": the rule for the situation described leads
    (answer first), then the form asks what the decision still needs (事业单位?)."""
    messages, events = run_action(ActionAnswerPolicy(), make_tracker("我本科毕业在苏木乡镇干了3年能参加中级评审吗", "faq"))
    assert citations_of(messages)[:1] == ["bt-2024:四/（五）/4"], text_of(messages)
    first = messages[0]["text"]
    assert "满2年" in _squash(first)[:FIRST_CHARS] and first.index("依据") < first.index("请再回答几个问题"), first
    assert [e for e in events if e.get("name") == "eligibility_form"], events


def test_only_a_policy_answer_is_continued():
    """After a verdict or a "没有找到", a short message is not read as the question before."""
    from actions.kb_answers import in_context
    for payload in ({"eligibility": {"eligible": True}}, {"answer": {"kind": "none"}}):
        tracker = _after("今年高级职称几号截止", payload, "那中级呢")
        assert in_context(tracker, "那中级呢")[0] == "那中级呢"


def test_out_of_scope_and_handoff_give_hotline_and_coverage():
    for action in (ActionOutOfScope(), ActionHumanHandoff()):
        messages, _ = run_action(action, make_tracker("今天天气", "out_of_scope"))
        assert "0472-6169341" in text_of(messages)
        assert citations_of(messages) == []
    messages, _ = run_action(ActionOutOfScope(), make_tracker("今天天气", "out_of_scope"))
    years = sorted(d["year"] for d in kb().documents())
    assert f"{years[0]}—{years[-1]}" in text_of(messages)


@pytest.mark.parametrize("text,clause,steps", [
    ("社会化职称评审分哪几个步骤", "bt-2021:附件2/三", ["1、个人申请", "5、证书打印"]),
    ("绿色通道申报程序是什么", "bt-2021:附件1/三", ["1、个人申报", "5、组织评审"]),
])
def test_a_heading_found_by_search_is_answered_with_its_steps(text, clause, steps):
    """Without a point, an attachment's section that is only a heading ("三、评审流程：") is
    found through the attachment's title and quoted with the steps under it."""
    from actions.clause_answer import clause_answer

    answer = clause_answer(text, None)
    assert answer.clauses[0]["id"] == clause, answer.clauses[0]["id"]
    for step in steps:
        assert step in answer.short
    full = _squash(kb().clause(clause)["full_text"])
    for part in answer.quotes[0].rstrip("。").split("；"):
        assert _squash(part) in full, part
