"""The eligibility conversation's actions with real trackers and the real evaluator."""
from __future__ import annotations

import asyncio

import pytest
import yaml

from actions.eligibility_form import ActionCheckEligibility, ActionEligibilityResult, ValidateEligibilityForm
from actions.fact_form import ASK_ACTIONS
from actions.kb_answers import ActionAnswerPolicy
from policy_kb.facts import FACTS
from tests.actions.conftest import citations_of, make_tracker, run_action, text_of

DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))


def _slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_one_turn_question_is_answered_with_verdict_and_citation():
    messages, events = run_action(ActionAnswerPolicy(), make_tracker("本科毕业在民企干了6年能直接报中级吗", "ask_non_public"))
    payload = next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))
    assert payload["eligible"] is True and payload["target_title"] == "中级"
    assert "bt-2024:四/（六）" in citations_of(messages)
    assert _slots(events)["education"] == "本科"


def test_below_threshold_is_not_eligible():
    messages, _ = run_action(ActionAnswerPolicy(), make_tracker("大专毕业在私企干了7年能报中级吗", "check_eligibility"))
    payload = next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))
    assert payload["eligible"] is not True


def test_form_asks_next_missing_fact_then_accepts_correction():
    validate = ValidateEligibilityForm()
    tracker = make_tracker("本科", "inform", slots={"target_title": "中级", "employer_type": "非公",
                                                  "requested_slot": "education"}, active_loop="eligibility_form")
    _, events = run_action(validate, tracker)
    slots = _slots(events)
    assert slots["education"] == "本科"
    assert slots["requested_slot"] not in (None, "education")
    # correction while the form runs
    tracker = make_tracker("不对，我是大专", "inform", slots={"target_title": "中级", "employer_type": "非公",
                                                       "education": "本科", "requested_slot": "years_worked"},
                           active_loop="eligibility_form")
    _, events = run_action(validate, tracker)
    assert _slots(events)["education"] == "大专"


def test_bare_number_answers_the_question_asked():
    tracker = make_tracker("8", "inform", slots={"target_title": "中级", "employer_type": "非公", "education": "大专",
                                                "requested_slot": "years_worked"}, active_loop="eligibility_form")
    _, events = run_action(ValidateEligibilityForm(), tracker)
    assert _slots(events)["years_worked"] == 8


def test_unknown_answer_is_skipped_not_asked_again():
    tracker = make_tracker("不知道", "inform", slots={"target_title": "中级", "requested_slot": "employer_type"},
                           active_loop="eligibility_form")
    _, events = run_action(ValidateEligibilityForm(), tracker)
    slots = _slots(events)
    assert "employer_type" in slots["pending_facts"]
    assert slots["requested_slot"] != "employer_type"


def test_result_and_start_actions():
    _, events = run_action(ActionCheckEligibility(), make_tracker("我是本科想评中级", "check_eligibility"))
    assert _slots(events)["target_title"] == "中级"
    tracker = make_tracker("", "inform", slots={"target_title": "中级", "employer_type": "非公", "education": "本科",
                                               "years_worked": 5, "status": "在职"})
    messages, _ = run_action(ActionEligibilityResult(), tracker)
    assert "结论" in text_of(messages) and citations_of(messages)


def test_every_fact_has_slot_ask_action_and_question():
    for fact, spec in FACTS.items():
        assert fact in DOMAIN["slots"], fact
        assert f"action_ask_{fact}" in DOMAIN["actions"], fact
        assert spec.get("question")
    messages = []
    from rasa_sdk.executor import CollectingDispatcher
    dispatcher = CollectingDispatcher()
    asyncio.run(ASK_ACTIONS["education"]().run(dispatcher, make_tracker("", "inform"), {}))
    assert dispatcher.messages[0]["buttons"][0]["title"] == FACTS["education"]["values"][0]
    del messages


def test_full_question_that_needs_more_facts_gets_interim_verdict_then_questions():
    from policy_kb.extract import extract_facts
    text = "我是护士，在乡镇卫生院干了20年了，能评副高吗"
    found = extract_facts(text)
    messages, events = run_action(ValidateEligibilityForm(), make_tracker(text, "check_eligibility", slots=found,
                                                                          active_loop="eligibility_form"))
    payload = next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))
    assert payload["eligible"] is None and payload["missing"]
    assert _slots(events)["requested_slot"] == payload["missing"][0]


def test_full_question_that_decides_asks_nothing():
    from policy_kb.extract import extract_facts
    text = "本科毕业在民企干了6年能直接报中级吗"
    messages, events = run_action(ValidateEligibilityForm(), make_tracker(text, "check_eligibility",
                                                                          slots=extract_facts(text),
                                                                          active_loop="eligibility_form"))
    assert _slots(events)["requested_slot"] is None
    assert messages == []  # the verdict comes from action_eligibility_result once the form ends


def test_question_that_decides_is_answered_at_once_without_opening_the_form():
    text = "本科毕业在民企干了6年能直接报中级吗"
    messages, events = run_action(ActionCheckEligibility(), make_tracker(text, "check_eligibility"))
    payload = next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))
    assert payload["eligible"] is True and "bt-2024:四/（六）" in citations_of(messages)
    assert _slots(events)["education"] == "本科"
    # The conversation waits for the user instead of running the form, which would only close.
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_listen"


def test_question_that_needs_more_facts_goes_on_to_the_form():
    text = "我是护士，在乡镇卫生院干了20年了，能评副高吗"
    messages, events = run_action(ActionCheckEligibility(), make_tracker(text, "check_eligibility"))
    assert not any(e["event"] == "followup" for e in events)
    assert messages == []  # the interim verdict and the first question come from the form
    assert _slots(events)["target_title"] == "副高级"


def test_earlier_facts_count_in_a_one_turn_answer():
    """Facts given earlier in the conversation are used with the new question's facts."""
    tracker = make_tracker("本科毕业干了6年能直接报中级吗", "check_eligibility", slots={"employer_type": "非公"})
    messages, events = run_action(ActionCheckEligibility(), tracker)
    payload = next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))
    assert payload["eligible"] is True and payload["route_id"] == "non_public_direct"


def test_form_says_what_it_took_from_an_answer_to_another_question():
    tracker = make_tracker("本科", "inform", slots={"target_title": "中级", "requested_slot": "employer_type"},
                           active_loop="eligibility_form")
    messages, events = run_action(ValidateEligibilityForm(), tracker)
    assert _slots(events)["education"] == "本科"
    assert "已记下" in text_of(messages) and "学历为本科" in text_of(messages)
    # A plain answer to the question asked is taken without comment.
    tracker = make_tracker("民营企业", "inform", slots={"target_title": "中级", "requested_slot": "employer_type"},
                           active_loop="eligibility_form")
    messages, events = run_action(ValidateEligibilityForm(), tracker)
    assert _slots(events)["employer_type"] == "非公" and messages == []


@pytest.mark.parametrize("text, facts", [
    ("本科", {"education": "本科"}),
    ("我是本科", {"education": "本科"}),
    ("干了6年", {"years_worked": 6}),
    ("大专，干了8年", {"education": "大专", "years_worked": 8}),
    ("民营企业", {"employer_type": "非公"}),
    ("本科毕业在民企干了6年能直接报中级吗", {}),   # a question: answered as one
    ("本科学历有什么要求", {}),
    ("送审表要几份", {}),
])
def test_bare_facts_are_told_from_questions(text, facts):
    from actions.eligibility_answer import bare_facts

    assert bare_facts(text) == facts


def test_bare_fact_outside_a_form_starts_the_eligibility_questions():
    messages, events = run_action(ActionAnswerPolicy(), make_tracker("本科", "inform"))
    assert "已记下学历为本科" in text_of(messages) and not citations_of(messages)
    assert _slots(events)["education"] == "本科"
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "eligibility_form"
    # A question is still answered from the notices.
    messages, events = run_action(ActionAnswerPolicy(), make_tracker("送审表要几份", "ask_materials"))
    assert citations_of(messages) and not any(e["event"] == "followup" for e in events)


def test_a_resumed_form_asks_its_open_question_again():
    from actions.fact_form import ActionAskQuestionsDone

    tracker = make_tracker("今年几号截止", "ask_deadline", slots={"target_title": "中级", "education": "本科",
                                                          "requested_slot": "questions_done"},
                           active_loop="eligibility_form")
    messages, events = run_action(ActionAskQuestionsDone(), tracker)
    asked = _slots(events)["requested_slot"]
    assert asked in FACTS and messages and messages[0]["text"] == FACTS[asked]["question"]


# ---- issue 14: route-scoped headline first, clause second; corrections and follow-ups
_AFTER_VERDICT = {"education": "大专", "employer_type": "非公", "years_worked": 6, "target_title": "中级",
                  "asked_route": ["non_public_direct", "township_direct_intermediate", "civil_servant_transfer"]}


def _payload(messages):
    return next(m["custom"]["eligibility"] for m in messages if m.get("custom", {}).get("eligibility"))


def test_first_line_is_the_route_verdict_and_the_second_its_clause():
    messages, _ = run_action(ActionCheckEligibility(), make_tracker("大专在民营企业干了6年能直接报中级吗", "check_eligibility"))
    lines = text_of(messages).split("\n")
    assert lines[0] == "不可以直接申报中级职称：按非公领域直接申报，需大学专科毕业且从事专业技术工作满8年，您6年。"
    assert lines[1].startswith("依据《2024年包头市职称评审工作通知》第四部分第（六）项")
    assert any(line.startswith("另外，如已取得助理级职称") for line in lines[2:4])
    payload = _payload(messages)
    assert payload["eligible"] is False and payload["route_id"] == "non_public_direct" and payload["missing"] == []
    assert payload["routes"][0] == {"id": "non_public_direct", "name": "非公领域直接申报", "eligible": False,
                                    "target_title": "中级", "ruled_out": False}
    assert any(r["ruled_out"] for r in payload["routes"]) and isinstance(payload["assumptions"], list)


def test_a_verdict_that_rests_on_assumptions_says_them():
    messages, _ = run_action(ActionCheckEligibility(), make_tracker("全日制硕士毕业两年了能直接认定中级吗", "check_eligibility"))
    payload = _payload(messages)
    assert payload["eligible"] is True and payload["route_id"] == "recognition"
    assert any("在职" in a for a in payload["assumptions"])
    assert "说明：" in text_of(messages)


@pytest.mark.parametrize("text, intent", [("退休了还能评职称吗", "ask_exclusions"), ("我是公务员能评职称吗", "check_eligibility")])
def test_exclusions_decide_false_with_the_clause(text, intent):
    action = ActionAnswerPolicy() if intent != "check_eligibility" else ActionCheckEligibility()
    messages, _ = run_action(action, make_tracker(text, intent))
    payload = _payload(messages)
    assert payload["eligible"] is False and payload["route_id"] == "applicant_scope"
    assert "nm-2022:一/（四）" in citations_of(messages)


def test_correction_after_a_verdict_re_decides_without_starting_over():
    messages, events = run_action(ActionAnswerPolicy(), make_tracker("不对，我是本科", "inform", slots=_AFTER_VERDICT))
    payload = _payload(messages)
    assert payload["eligible"] is True and payload["route_id"] == "non_public_direct"
    assert text_of(messages).startswith("可以直接申报中级")
    assert _slots(events)["education"] == "本科"


@pytest.mark.parametrize("intent", ["inform", "check_eligibility"])
def test_follow_up_about_another_title_keeps_the_facts(intent):
    action = ActionAnswerPolicy() if intent == "inform" else ActionCheckEligibility()
    slots = dict(_AFTER_VERDICT, education="本科")
    messages, events = run_action(action, make_tracker("如果是副高呢", intent, slots=slots))
    payload = _payload(messages)
    assert payload["target_title"] == "副高级" and payload["eligible"] is False
    assert text_of(messages).split("\n")[0] == ("不可以直接申报副高级职称：按非公领域直接申报，"
                                                "需大学本科毕业且从事专业技术工作满12年，您6年。")


_ACCOUNTANT = {"series": "会计", "education": "本科", "employer_type": "非公", "years_worked": 12, "target_title": "副高级"}


@pytest.mark.parametrize("active", [False, True])
def test_a_whole_new_case_does_not_inherit_the_last_ones_facts(active):
    """A private-sector accountant's case is pending (the form waits for the exam); the next
    message is a whole other case: a college graduate in a 嘎查村 asking about 助理级. The
    会计 series of the first case must not decide it (it would say 以考代评: no recognition)."""
    from actions.eligibility_form import ActionCheckEligibility, ValidateEligibilityForm

    text = "在嘎查村卫生院上班的大专生几年能认定助理"
    slots = dict(_ACCOUNTANT, requested_slot="exam_passed" if active else None)
    action = ValidateEligibilityForm() if active else ActionCheckEligibility()
    tracker = make_tracker(text, "check_eligibility", slots=slots, active_loop="eligibility_form" if active else None)
    messages, events = run_action(action, tracker)
    cleared = {e["name"] for e in events if e.get("event") == "slot" and e.get("value") is None}
    assert {"series", "years_worked"} <= cleared, events  # 卫生院 restates the employer (事业单位)
    assert "会计" not in text_of(messages), text_of(messages)


def test_a_follow_up_keeps_the_case():
    """"如果是大专，干了8年呢" changes two facts of the case, names no title: the rest is kept."""
    from actions.eligibility_form import ActionCheckEligibility

    tracker = make_tracker("如果是大专，干了8年呢", "check_eligibility", slots=_ACCOUNTANT)
    _messages, events = run_action(ActionCheckEligibility(), tracker)
    assert not [e for e in events if e.get("event") == "slot" and e.get("value") is None
                and e.get("name") in _ACCOUNTANT], events
