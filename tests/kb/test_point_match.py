"""The one ranking of answer points (policy_kb/point_match.py, weights in ranking.yml)."""
from __future__ import annotations

import datetime as dt

import pytest

from policy_kb.kb import KB
from policy_kb.point_match import PointIndex, settings

POINTS = [
    {"id": "materials_copies", "questions": ["送审表要交几份", "送审表一式几份", "送审表交多少份"]},
    {"id": "materials_paper", "questions": ["评审表用什么纸", "评审表用A4还是A3", "评审表纸张多大"]},
    {"id": "fees_amount", "questions": ["评审费多少钱", "评职称收费吗", "评审要交钱吗"]},
]


def test_a_paraphrase_is_decided_by_overlap_alone():
    # the knowledge base's own points: the weight of each word comes from all of them
    best, _ = PointIndex.of_kb(KB()).decide("送审表到底要交几份啊", None)
    assert best and "送审表" in best.point["answer"] and "15份" in best.point["answer"]


def test_telling_words_weigh_more_than_common_ones():
    index = PointIndex(POINTS)
    # "送审表" (one point) outweighs "评审" (also in fees) and the question words
    assert index.lexical("送审表的评审")["materials_copies"] > index.lexical("送审表的评审")["fees_amount"]
    assert index.weight({"送审"}) > index.weight({"审表"})


def test_synonyms_widen_the_overlap():
    plain = PointIndex(POINTS).lexical("评职称花钱吗")["fees_amount"]
    wide = PointIndex(POINTS, {"花钱": ["收费"]}).lexical("评职称花钱吗")["fees_amount"]
    assert wide > plain


def test_the_selector_decides_between_points_the_words_cannot_tell_apart():
    points = [{"id": "copies_submission", "questions": ["送审表要交几份", "送审表交多少份"]},
              {"id": "copies_review", "questions": ["评审表要交几份", "评审表交多少份"]}]
    for chosen in ("copies_submission", "copies_review"):
        other = next(p["id"] for p in points if p["id"] != chosen)
        ranking = [{"point": chosen, "confidence": 0.3}, {"point": other, "confidence": 0.05}]
        best, _ = PointIndex(points).decide("那个表要交几份", ranking)
        assert best and best.point["id"] == chosen


def test_nothing_close_decides_nothing_and_offers_little():
    best, offers = PointIndex(POINTS).decide("火星的天气", [])
    assert best is None
    assert all(m.score >= settings()["point"]["offer"] for m in offers)


def test_two_close_points_are_offered_not_guessed():
    ranking = [{"point": "materials_copies", "confidence": 0.45}, {"point": "materials_paper", "confidence": 0.44}]
    best, offers = PointIndex(POINTS).decide("审表的事", ranking)
    assert best is None
    assert {m.point["id"] for m in offers} >= {"materials_copies", "materials_paper"}


def test_a_near_tie_on_the_same_clause_answers_a_tie_on_different_clauses_offers(monkeypatch):
    # the tie rule alone: without the classifier, whose one question per point breaks the tie
    monkeypatch.setitem(settings()["point"], "learned_weight", 0.0)
    same = [{"id": "fee_basis", "questions": ["评审费按标准收取的吗"], "cites": ["bt-2024:七/（三）"]},
            {"id": "fee_when", "questions": ["评审费按时间收取的吗"], "cites": ["bt-2024:七/（三）"]}]
    ranking = [{"point": "fee_basis", "confidence": 0.3}, {"point": "fee_when", "confidence": 0.3}]
    index = PointIndex(same)
    ranked = index.rank("评审费按什么收", ranking)
    assert ranked[0].score - ranked[1].score < settings()["point"]["margin"]   # a near tie
    best, _ = index.decide("评审费按什么收", ranking)
    assert best and best.point["id"] in {"fee_basis", "fee_when"}
    apart = [same[0], dict(same[1], cites=["bt-2020:二/（十一）"])]
    best, offers = PointIndex(apart).decide("评审费按什么收", ranking)
    assert best is None and {m.point["id"] for m in offers} == {"fee_basis", "fee_when"}


CLASSES = [
    {"id": "cert_valid", "questions": ["电子证书和纸质证书一样吗", "电子证书管用吗", "电子证书有效吗"]},
    {"id": "cert_print", "questions": ["电子版职称证书在哪打印", "证书从哪下载", "评上了证书去哪打印"]},
    {"id": "fees_amount", "questions": ["评审费多少钱", "评职称收费吗", "评审要交钱吗"]},
]


def test_the_classifier_joins_words_spread_over_a_points_questions():
    # "纸质" and "管用" stand in two different questions of cert_valid; the best single
    # question of cert_print shares more characters ("电子版职称证书")
    question = "电子版职称证书跟纸质的一样管用吗"
    index = PointIndex(CLASSES)
    probabilities = index.classifier().probabilities(index.expand(question))
    assert max(probabilities, key=probabilities.get) == "cert_valid"
    assert index.rank(question)[0].point["id"] == "cert_valid"


def test_the_classifier_is_fitted_once_for_the_same_points():
    assert PointIndex(CLASSES).classifier() is PointIndex([dict(p) for p in CLASSES]).classifier()
    changed = CLASSES[:2] + [dict(CLASSES[2], questions=CLASSES[2]["questions"] + ["评审费谁出"])]
    assert PointIndex(changed).classifier() is not PointIndex(CLASSES).classifier()


def test_words_no_point_knows_weaken_the_classifier():
    index = PointIndex(CLASSES)
    known = index.lexical("证书管用吗")["cert_valid"]
    # same words plus words no question holds: the classifier's share shrinks with what it saw
    unknown = index.lexical("证书管用吗考研报名火车票")["cert_valid"]
    assert unknown < known


def test_follow_ups_are_close_points_of_the_answered_topic_first():
    points = [dict(p, topic=t) for p, t in zip(CLASSES, ("certificates", "certificates", "fees"))]
    index = PointIndex(points)
    best, others = index.decide("电子证书和纸质证书一样管用吗", [])
    assert best and best.point["id"] == "cert_valid"
    follow = index.follow_ups(best.point, others)
    assert [p["id"] for p in follow][:1] == ["cert_print"]          # same topic, though far
    assert all(p["id"] != "cert_valid" for p in follow)              # never the answer itself
    assert "fees_amount" not in [p["id"] for p in follow]            # another topic, not close


@pytest.mark.parametrize("question,years", [
    ("2020年那会非公的怎么报", {2020}), ("22年全区正高级教师评多少人", {2022}), ("20年申报时间", {2020}),
    ("在苏木乡镇干了20年能破格吗", set()), ("工作20年以上", set()), ("满30年", set()), ("干了20多年", set()),
    ("2022 评审公示 核准备案 截止时间", {2022}), ("内人社发〔2021〕16号", set()), ("2024职称申报情况报告", {2024}),
])
def test_a_length_of_service_is_not_a_notice_year(question, years):
    from policy_kb.question_kind import years_named
    assert years_named(question) == years


@pytest.mark.parametrize("question,years", [
    ("2022年自治区通知里学历算到哪天", {2022}),
    ("学历资历算到哪天？2020年是算到上一年12月31号，现在还这样吗", {2024}),
    ("2022年是6月底前交材料，今年包头高级还是6月30号吗", {2024}),
    ("公务员调到国企，以前说5年内初次申报不受限，现在呢", {2024}),  # an earlier rule, no year
    ("我原来是公务员，调到国企了", set()),                          # a past, not a question of now
    ("今年事业单位超岗还是按比例卡吗", {2024}),                     # this year: the newest notice
    ("超岗申报有比例限制吗", set()),                                # no time named: all notices
])
def test_a_question_about_now_or_this_year_asks_about_the_newest_notice(question, years):
    from policy_kb.question_kind import years_asked
    assert years_asked(question, 2024) == years


def test_a_named_year_favours_a_point_that_cites_that_notice_anywhere():
    """A point resting first on the 2024 notice and also on the 2022 one counts as a 2022 point
    for "2022年…"; a point of neither notice gets no bonus."""
    points = [{"id": "both", "questions": ["电子证书谁制发"], "cites": ["bt-2024:六", "nm-2022:六"]},
              {"id": "older", "questions": ["电子证书谁制发"], "cites": ["bt-2020:二"]}]
    index = PointIndex(points, None, {"bt-2024": 2024, "nm-2022": 2022, "bt-2020": 2020})
    for year, first in (("2022", "both"), ("2020", "older"), ("2024", "both")):
        ranked = index.rank(f"{year}年电子证书谁制发", None)
        assert ranked[0].point["id"] == first, (year, [(m.point["id"], m.score) for m in ranked])


def test_a_rule_that_held_only_in_the_past_yields_when_no_year_is_named():
    """Twin points, one of an older notice (`holds` until a past day): with no year named the
    rule in force answers; naming the older year brings the older rule back."""
    points = [{"id": "now", "questions": ["离岗创业的在哪报职称"], "cites": ["bt-2024:四"]},
              {"id": "then", "questions": ["离岗创业的在哪报职称"], "cites": ["bt-2020:一"],
               "holds": {"from": "2020-01-01", "until": "2020-12-31"}}]
    index = PointIndex(points, None, {"bt-2024": 2024, "bt-2020": 2020})
    assert index.rank("离岗创业的在哪报职称", None)[0].point["id"] == "now"
    assert index.rank("2020年离岗创业的在哪报职称", None)[0].point["id"] == "then"
    # the day of the answer decides, not the day the index was built: on a day the older rule
    # still held, it does not lose the penalty; the day after it ended, it does
    on_day = {m.point["id"]: m.score for m in index.rank("离岗创业的在哪报职称", None, dt.date(2020, 12, 31))}
    later = {m.point["id"]: m.score for m in index.rank("离岗创业的在哪报职称", None, dt.date(2021, 1, 1))}
    assert later["now"] == pytest.approx(on_day["now"])
    assert later["then"] == pytest.approx(on_day["then"] - settings()["point"]["ended_penalty"])


@pytest.mark.parametrize("question,point", [
    ("2020年那会儿离岗创业的人职称在哪申报", "posts_leave_business_2020"),  # 在原单位
    ("离岗创业了职称在哪报", "posts_leave_business"),                        # 在所创办企业
])
def test_an_older_rule_that_differs_is_its_own_point(question, point):
    best, _ = PointIndex.of_kb(KB()).decide(question, None)
    assert best and best.point["id"] == point


def test_the_index_of_a_kb_is_built_once_per_version_of_the_file(tmp_path):
    """The actions and the staff console ask for the index on every message: it is built once
    per version of the KB file, and again when the file is rebuilt."""
    import os
    import shutil

    from policy_kb import paths

    copy = tmp_path / "kb.sqlite"
    shutil.copy(paths.db_path(), copy)
    kb = KB(copy)
    first = PointIndex.for_kb(kb)
    assert PointIndex.for_kb(kb) is first
    os.utime(copy, ns=(1, 1))  # "rebuilt": the file's state changes
    kb._checked = float("-inf")  # look at the file now, not after the reopen interval
    assert PointIndex.for_kb(kb) is not first


def test_one_word_is_offered_choices_not_answered():
    index = PointIndex(POINTS)
    best, offers = index.decide("送审", None)
    assert best is None and offers and offers[0].point["id"] == "materials_copies"
    best, _ = index.decide("送审表交几份", None)
    assert best and best.point["id"] == "materials_copies"


def test_a_named_year_puts_that_notices_clause_first():
    # a point resting on the 2022 and the 2020 clause: asked about 2020, the 2020 clause leads

    from policy_kb.point_answer import point_answer

    kb = KB()
    point = next(p for p in kb.answer_points()
                 if p["cites"][0].startswith("nm-2022") and any(c.startswith("bt-2020:一") for c in p["cites"]))
    plain = point_answer(kb, point, "哪些系列是以考代评", dt.date(2026, 12, 1))
    named = point_answer(kb, point, "2020年哪些系列是以考代评", dt.date(2026, 12, 1))
    assert plain.clauses[0]["id"] == point["cites"][0]
    assert named.clauses[0]["id"].startswith("bt-2020")


def test_a_notice_year_is_one_token_so_other_years_share_nothing():
    from policy_kb.point_match import grams
    shared = grams("2024年核准备案截止") & grams("2020年核准备案截止日期")
    assert "核准" in shared and not any(ch.isdigit() for g in shared for ch in g)
    assert "<2022>" in grams("22年全区正高级教师名额")
    assert "20" in grams("干了20年了")  # a length of service stays as it is written


def test_a_rule_that_ended_does_not_answer_for_a_later_notice_it_cites():
    """A 2022 rule that cites the 2024 clause only to say what changed: asked about this year,
    the 2024 rule answers; asked about 2022, the 2022 one."""
    points = [{"id": "now", "questions": ["超岗申报还按比例控制吗"], "cites": ["bt-2024:四"]},
              {"id": "then", "questions": ["超岗申报还按比例控制吗"], "cites": ["nm-2022:四", "bt-2024:四"],
               "holds": {"from": "2022-01-01", "until": "2022-12-31"}}]
    index = PointIndex(points, None, {"bt-2024": 2024, "nm-2022": 2022})
    assert index.cited_years == {"now": {2024}, "then": {2022}}
    assert index.rank("今年超岗申报还按比例控制吗", None)[0].point["id"] == "now"
    assert index.rank("2022年超岗申报还按比例控制吗", None)[0].point["id"] == "then"


def test_a_rule_that_held_only_in_another_year_yields_to_the_year_named(monkeypatch):
    """"2022年…" asked of a 2020-only rule: it loses `other_year_penalty`; a rule that does not
    end loses nothing."""
    points = [{"id": "old", "questions": ["正高级教师评多少人"], "cites": ["bt-2020:一"],
               "holds": {"from": "2020-01-01", "until": "2020-12-31"}},
              {"id": "current", "questions": ["正高级教师评多少人"], "cites": ["bt-2024:四"]}]
    index = PointIndex(points, None, {"bt-2024": 2024, "bt-2020": 2020})
    question = "2022年正高级教师评多少人"
    with_penalty = {m.point["id"]: m.score for m in index.rank(question, None)}
    penalty = settings()["point"]["other_year_penalty"]
    assert penalty > 0
    monkeypatch.setitem(settings()["point"], "other_year_penalty", 0.0)
    without = {m.point["id"]: m.score for m in index.rank(question, None)}
    assert without["old"] - with_penalty["old"] == pytest.approx(penalty)
    assert without["current"] == pytest.approx(with_penalty["current"])


def test_this_year_favours_every_rule_in_force_not_only_the_newest_notices():
    """"今年…" asks about the rules in force: a 2020 rule that still holds gets the same bonus as a
    2024 one; a rule that ended does not; "2024年…" named outright favours the 2024 notice."""
    points = [{"id": "in_force_2020", "questions": ["评审表交几份"], "cites": ["bt-2020:附件二"]},
              {"id": "newest", "questions": ["评审表交几份"], "cites": ["bt-2024:三"]},
              {"id": "ended", "questions": ["评审表交几份"], "cites": ["bt-2020:二"],
               "holds": {"from": "2020-01-01", "until": "2020-12-31"}}]
    index = PointIndex(points, None, {"bt-2024": 2024, "bt-2020": 2020})
    now = {m.point["id"]: m.score for m in index.rank("今年评审表交几份", None)}
    assert now["in_force_2020"] == pytest.approx(now["newest"], abs=0.01)  # twins: only the classifier differs
    assert now["ended"] < now["newest"]
    named = {m.point["id"]: m.score for m in index.rank("2024年评审表交几份", None)}
    assert named["newest"] > named["in_force_2020"]


def test_a_rule_of_other_notices_yields_when_only_past_years_are_named(monkeypatch):
    """"2020年…": a point citing none of the 2020 notice's clauses loses `past_year_penalty`, even
    one still in force; a question naming this year or none leaves it as it was."""
    points = [{"id": "now", "questions": ["超岗申报最多能超多少"], "cites": ["bt-2024:四", "nm-2022:四"]},
              {"id": "then", "questions": ["超岗申报能超百分之几"], "cites": ["bt-2020:一"],
               "holds": {"from": "2020-01-01", "until": "2020-12-31"}}]
    index = PointIndex(points, None, {"bt-2024": 2024, "nm-2022": 2022, "bt-2020": 2020})
    penalty = settings()["point"]["past_year_penalty"]
    assert penalty > 0
    scores = lambda q: {m.point["id"]: m.score for m in index.rank(q, None)}
    with_penalty = scores("2020年超岗申报最多能超多少")
    monkeypatch.setitem(settings()["point"], "past_year_penalty", 0.0)
    without = scores("2020年超岗申报最多能超多少")
    assert without["now"] - with_penalty["now"] == pytest.approx(penalty)
    assert without["then"] == pytest.approx(with_penalty["then"])
    monkeypatch.setitem(settings()["point"], "past_year_penalty", penalty)
    for question in ("超岗申报最多能超多少", "今年超岗申报最多能超多少", "2022年超岗申报最多能超多少"):
        assert scores(question)["now"] >= scores(question)["then"], question


@pytest.mark.parametrize("question,is_vague", [
    ("证书", True), ("表格", True), ("几份", True),   # one word, or only the ask: choices
    ("热线多少", False), ("送审表几份", False),        # a word and what is asked of it: a question
])
def test_a_word_with_its_ask_is_a_question(question, is_vague):
    from policy_kb.point_match import vague
    assert vague(question) is is_vague
