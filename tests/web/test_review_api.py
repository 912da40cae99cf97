"""The rating store (/api/feedback) and the staff review queue API, on the real web app with
the real KB and a Rasa tracker database written by Rasa's own store (tests/web/conftest.py)."""
from __future__ import annotations

import csv
import io
import secrets
import shutil
import sqlite3

import pytest
import yaml

from bot.web.app import create_app
from bot.web.review_patch import build_patch
from bot.web.settings import Settings
from policy_kb import paths
from tests.web.conftest import Http


@pytest.fixture(scope="module")
def review(servers, tracker_db, tmp_path_factory):
    """A web app of its own on a copy of the tracker database (ratings and decisions are written)."""
    db = tmp_path_factory.mktemp("review") / "tracker.db"
    shutil.copy(tracker_db, db)
    token = secrets.token_urlsafe(12)
    settings = Settings(host="127.0.0.1", port=0, rasa_url="http://127.0.0.1:9", staff_token=token, tracker_db=db)
    http = Http(f"http://127.0.0.1:{servers.serve(create_app(settings))}")
    http.token, http.db = token, db
    return http


def staff(http) -> dict:
    return {"Authorization": f"Bearer {http.token}"}


def rate(http, **body):
    data = {"sender": "visitor-x", "rating": "useless", "point": None, "question": "q", "reply": "r"}
    data.update(body)
    return http.request("POST", "/api/feedback", data)


# ---------------------------------------------------------------- ratings
def test_feedback_is_stored_masked_with_the_conversation(review):
    resp = rate(review, sender="visitor-a", rating="useless", point="certificates_print",
                question="我手机13812345678，证书丢了能补吗", reply="评审通过后登录内蒙古人才信息库……")
    assert resp.status == 200 and resp.json() == {"ok": True}
    assert rate(review, rating="useful", question="送审表要几份？", reply="一式15份。").status == 200
    conn = sqlite3.connect(review.db)
    rows = conn.execute("SELECT sender_id, rating, point, question FROM answer_feedback ORDER BY id").fetchall()
    conn.close()
    assert ("visitor-a", "useless", "certificates_print", "我手机138****5678，证书丢了能补吗") in rows
    assert all("13812345678" not in r[3] for r in rows)


@pytest.mark.parametrize("body, words", [
    ({"rating": "great"}, "rating"),
    ({"sender": ""}, "sender"),
    ({"sender": "x" * 500}, "sender"),
    ({"question": ""}, "question"),
    ({"question": 5}, "question"),
    ({"reply": None}, "reply"),
    ({"point": ["a"]}, "point"),
])
def test_feedback_bad_input_gets_a_clear_400(review, body, words):
    resp = rate(review, **body)
    assert resp.status == 400 and words in resp.json()["error"], resp.text


def test_feedback_refuses_non_json_and_cross_site_and_caps_sizes(review):
    assert review.request("POST", "/api/feedback", "sender=a", {"Content-Type": "text/plain"}).status == 415
    cross = review.request("POST", "/api/feedback", {"sender": "a", "rating": "useful", "question": "q", "reply": "r"},
                           {"Origin": "https://evil.example"})
    assert cross.status == 403
    assert rate(review, question="长" * 5000, reply="答" * 8000).status == 200
    conn = sqlite3.connect(review.db)
    q, r = conn.execute("SELECT question, reply FROM answer_feedback ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert len(q) == 1000 and len(r) == 4000
    big = review.request("POST", "/api/feedback", b'{"sender":"' + b"a" * 70000 + b'"}',
                         {"Content-Type": "application/json"})
    assert big.status == 413


# ---------------------------------------------------------------- the queue
def queue(http, **params):
    from urllib.parse import urlencode

    resp = http.request("GET", "/staff/api/review?" + urlencode(params), headers=staff(http))
    assert resp.status == 200, resp.text
    return resp.json()


def test_queue_has_the_three_kinds_and_not_form_answers(review):
    rate(review, question="职称证书丢了，怎么补办", reply="……", point="certificates_print")
    rate(review, question="评职称要交党费吗", reply="……")
    items = {i["text"]: i for i in queue(review)["items"]}
    assert "不知道" not in items                                  # a form answer
    assert items["同时评两个系列可以吗"]["kinds"] == ["low_confidence"]  # after the form closed
    lost = next(i for i in items.values() if i["key"] == "职称证书丢了怎么补办")
    assert set(lost["kinds"]) == {"low_confidence", "useless"} and lost["count"] == 3
    assert items["评职称要交党费吗"]["kinds"] == ["useless"]
    assert "unanswered" in items["评审费可以开发票吗"]["kinds"]
    only_useless = queue(review, kind="useless")["items"]
    assert only_useless and all("useless" in i["kinds"] for i in only_useless)
    assert [i["text"] for i in queue(review, q="发票")["items"]] == ["评审费可以开发票吗"]
    assert queue(review, **{"from": "2999-01-01"})["items"] == []
    assert queue(review, to="1999-01-01")["message"] == "没有符合筛选条件的问题。"


@pytest.mark.parametrize("params, words", [({"kind": "bad"}, "类型"), ({"status": "x"}, "状态"),
                                           ({"from": "2024-13-45"}, "日期")])
def test_queue_filters_reject_bad_values(review, params, words):
    from urllib.parse import urlencode

    resp = review.request("GET", "/staff/api/review?" + urlencode(params), headers=staff(review))
    assert resp.status == 400 and words in resp.json()["error"]


def test_queue_csv_opens_in_excel(review):
    resp = review.request("GET", "/staff/api/review.csv?kind=unanswered", headers=staff(review))
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.body.decode("utf-8-sig"))))
    assert rows[0][0] == "问题" and len(rows) > 2
    texts = [r[0] for r in rows[1:]]
    assert any("138****5678" in t for t in texts) and not any("13812345678" in t for t in texts)
    assert all("未能解答" in r[2] for r in rows[1:])


def test_queue_needs_the_staff_token(review):
    assert review.request("GET", "/staff/api/review").status == 401
    assert review.request("GET", "/staff/api/review.csv").status == 401
    assert review.request("POST", "/staff/api/review/decision", {"text": "a", "status": "handled"}).status == 401


def decide(http, **body):
    return http.request("POST", "/staff/api/review/decision", body, headers=staff(http))


def test_handled_and_linked_questions_and_their_patch(review, tmp_path):
    assert decide(review, text="评审费可以开发票吗", status="handled").status == 200
    from urllib.parse import quote

    points = review.request("GET", "/staff/api/points?q=" + quote("证书丢了怎么补办"), headers=staff(review)).json()["points"]
    assert points[0]["close"] is True and points[0]["id"].startswith("certificates")
    assert len(points) > 100 and not points[-1]["close"]   # every point can be chosen
    resp = decide(review, text="职称证书丢了，怎么补办", status="linked", point="certificates_exchange")
    assert resp.status == 200, resp.text
    items = {i["text"]: i for i in queue(review)["items"]}
    assert items["评审费可以开发票吗"]["status"] == "handled"
    lost = next(i for i in items.values() if i["key"] == "职称证书丢了怎么补办")
    assert lost["status"] == "linked" and lost["point"] == "certificates_exchange"
    assert [i["text"] for i in queue(review, status="handled")["items"]] == ["评审费可以开发票吗"]

    diff = review.request("GET", "/staff/api/review/patch", headers=staff(review))
    assert diff.status == 200 and "attachment" in diff.headers["Content-Disposition"]
    assert "+++ b/policy_kb/answers/certificates.yml" in diff.text
    added = [line for line in diff.text.splitlines() if line.startswith("+ ")]
    assert any("证书丢了" in line for line in added)


@pytest.mark.parametrize("body, words", [
    ({"text": "", "status": "handled"}, "问题"),
    ({"text": "a", "status": "done"}, "status"),
    ({"text": "a", "status": "linked"}, "要点"),
    ({"text": "a", "status": "linked", "point": "no_such_point"}, "no_such_point"),
    ({"text": "a", "status": "linked", "clause": "bt-2024:九十九"}, "条款"),
])
def test_decisions_reject_bad_input(review, body, words):
    resp = decide(review, **body)
    assert resp.status == 400 and words in resp.json()["error"], resp.text


# ---------------------------------------------------------------- the patch itself
def test_patch_adds_phrasings_under_the_point_and_still_loads(tmp_path):
    answers = tmp_path / "answers"
    shutil.copytree(paths.answers_dir(), answers)
    first = yaml.safe_load((answers / "certificates.yml").read_text(encoding="utf-8"))["points"][0]
    patch = build_patch([
        {"text": "证书: 丢了 #咋办", "point": "certificates_exchange"},        # YAML-special characters
        {"text": first["questions"][0], "point": first["id"]},                # already there
        {"text": "结果谁核准", "clause": "bt-2024:六/（二）/4"},               # a clause: its point
        {"text": "x", "point": "nope"},
    ], answers)
    assert [a["point"] for a in patch.added][0] == "certificates_exchange"
    assert len(patch.added) == 2 and len(patch.skipped) == 2
    import subprocess

    (tmp_path / "p.diff").write_text(patch.diff.replace("policy_kb/answers/", "answers/"), encoding="utf-8")
    subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True)
    data = yaml.safe_load((answers / "certificates.yml").read_text(encoding="utf-8"))
    exchange = next(p for p in data["points"] if p["id"] == "certificates_exchange")
    assert exchange["questions"][-1] == "证书: 丢了 #咋办"


def test_cli_exports_the_patch_from_the_configured_store(tracker_db, tmp_path):
    import os
    import subprocess
    import sys

    from bot.web import review_store
    from bot.web.unanswered import normalise_text

    db = tmp_path / "tracker.db"
    shutil.copy(tracker_db, db)
    store = review_store.Store(sqlite_path=db)
    review_store.decide(store, normalise_text("评审费可以开发票吗"), "评审费可以开发票吗", "linked", point="fees_basis")
    env = dict(os.environ, TRACKER_DB=str(db))
    env.pop("ENDPOINTS", None)
    out = tmp_path / "phrasings.diff"
    run = subprocess.run([sys.executable, "-m", "bot.web.review", "export-patch", "-o", str(out)],
                         cwd=paths.repo_root(), env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "新增问法 1 条" in run.stderr
    diff = out.read_text(encoding="utf-8")
    assert "+++ b/policy_kb/answers/fees.yml" in diff and "+      - 评审费可以开发票吗" in diff
    csv_out = tmp_path / "queue.csv"
    run = subprocess.run([sys.executable, "-m", "bot.web.review", "csv", "-o", str(csv_out)],
                         cwd=paths.repo_root(), env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    missing = subprocess.run([sys.executable, "-m", "bot.web.review", "export-patch"], cwd=paths.repo_root(),
                             env=dict(env, TRACKER_DB=str(tmp_path / "none.db")), capture_output=True, text=True)
    assert missing.returncode == 2 and "还没有对话记录" in missing.stderr
