"""Smaller pieces of the web app: settings, redirects, the ready answer, the tracker reader."""
from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.web.answers import key_sentence, ready_answer
from bot.web.auth import safe_next
from bot.web.settings import Settings
from bot.web.unanswered import normalise_text, unanswered


def test_settings_from_env_generates_and_logs_a_token(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.web.settings"):
        s = Settings.from_env({"WEB_PORT": "17001", "RASA_URL": "http://127.0.0.1:5005/"})
    assert s.port == 17001 and s.rasa_url == "http://127.0.0.1:5005"
    assert len(s.staff_token) >= 24 and s.staff_token in caplog.text
    other = Settings.from_env({})
    assert other.staff_token != s.staff_token and other.port == 8000
    assert Settings.from_env({"STAFF_TOKEN": " abc "}).staff_token == "abc"
    with pytest.raises(SystemExit):
        Settings.from_env({"WEB_PORT": "eighty"})


@pytest.mark.parametrize("target, expected", [
    ("/staff#search", "/staff#search"), ("/staff/api/unanswered", "/staff/api/unanswered"),
    ("//evil.example/staff", "/staff"), ("https://evil.example/staff", "/staff"),
    ("/\\evil.example", "/staff"), ("", "/staff"), (None, "/staff"), ("/", "/staff"),
])
def test_login_redirect_stays_in_the_console(target, expected):
    assert safe_next(target) == expected


def test_ready_answer_picks_the_matching_sentence_and_cites_the_label(kb):
    clause = kb.clause("bt-2021:二")
    answer = ready_answer(clause, "本科满12年 副高级")
    sentence, source = answer.split("依据")
    assert "副高级" in sentence and "12年" in sentence
    assert source == clause["label"] + "。"
    # Without a query: not the bare heading, but the first sentence that says something.
    plain = key_sentence(clause["full_text"], "", clause["heading"])
    assert clause["heading"] not in plain.split("。")[0] or len(plain) > len(clause["heading"]) + 5
    assert plain in clause["full_text"]


def test_ready_answer_on_odd_clauses():
    assert ready_answer({"label": "《某通知》第一部分", "text": ""}) == "依据《某通知》第一部分。"
    odd = {"label": "第二部分", "title": "某通知", "text": "二、只有标题"}
    assert ready_answer(odd).endswith("依据《某通知》第二部分。")


def test_normalise_text_groups_spelling_variants():
    assert normalise_text("职称证书丢了 怎么补办？") == normalise_text("职称证书丢了，怎么补办")
    assert normalise_text("ＡＢＣ１２３") == "abc123"


def test_unanswered_without_a_database(tmp_path):
    result = unanswered(tmp_path / "missing.db")
    assert result["available"] is False and result["items"] == [] and "未找到" in result["message"]


def test_unanswered_with_a_foreign_database(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE something (x)").connection.commit()
    result = unanswered(path)
    assert result["available"] is False and "无法读取" in result["message"]


def test_unanswered_survives_broken_event_rows(tmp_path):
    path = tmp_path / "tracker.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                 "timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)")
    rows = [
        ("s", "user", 1.0, "nlu_fallback", None, "{not json"),
        ("s", "user", 2.0, "nlu_fallback", None, '{"text": 5}'),
        ("s", "user", "later", "nlu_fallback", None, '{"text": "电话13900001111怎么办", "parse_data": []}'),
        ("s", "action", 4.0, None, "action_default_fallback", None),
    ]
    conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    result = unanswered(path)
    assert [i["text"] for i in result["items"]] == ["电话139****1111怎么办"]
    assert result["items"][0]["last_seen"] is None


def test_staff_point_answers_are_for_the_pinned_day(kb, monkeypatch):
    """The staff console ranks and answers for the same day as the chat (ASSISTANT_TODAY pins
    it): on a day in 2020 the 2020 rule on leave to start a business has not ended, so it does
    not lose the ended-rule penalty it loses today."""
    from bot.web.answers import point_answers
    from policy_kb.point_match import settings

    query = "离岗创业的人在哪个单位报职称"
    monkeypatch.delenv("ASSISTANT_TODAY", raising=False)
    now = {p["id"]: p["score"] for p in point_answers(kb, query, limit=10)}
    monkeypatch.setenv("ASSISTANT_TODAY", "2020-06-01")
    then = {p["id"]: p["score"] for p in point_answers(kb, query, limit=10)}
    assert "posts_leave_business_2020" in now and "posts_leave_business_2020" in then
    assert then["posts_leave_business_2020"] - now["posts_leave_business_2020"] == pytest.approx(
        settings()["point"]["ended_penalty"], abs=1e-3)
    assert then["posts_leave_business"] == pytest.approx(now["posts_leave_business"], abs=1e-3)


@pytest.mark.parametrize("pinned,expected", [("2020-06-01", "2020-06-01"), ("not a date", None), ("", None)])
def test_the_day_of_the_answer_can_be_pinned(monkeypatch, pinned, expected):
    import datetime as dt

    from policy_kb.clock import today
    monkeypatch.setenv("ASSISTANT_TODAY", pinned)
    assert today() == (dt.date.fromisoformat(expected) if expected else dt.date.today())
