"""The web app's HTTP API, served for real on a loopback port, with the real KB."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from bot.web.kb_access import hotline_numbers
from policy_kb.checklist import build_checklist
from policy_kb.eligibility import evaluate
from policy_kb.facts import normalise_facts

DOC_IDS = ("bt-2020", "bt-2021", "nm-2022", "bt-2024")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def auth(web_app) -> dict:
    return {"Authorization": f"Bearer {web_app.token}"}


def assert_chinese_error(resp, status):
    assert resp.status == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body["error"], str) and CHINESE.search(body["error"]), body
    return body


# ---------------------------------------------------------------- pages and health
def test_health_and_pages(http):
    health = http.request("GET", "/healthz").json()
    assert health["status"] == "ok" and health["kb"]["ok"], health
    page = http.request("GET", "/")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    assert 'href="/checklist"' in page.text and "/static/chat.js" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert http.request("GET", "/static/chat.js").status == 200
    missing = http.request("GET", "/no-such-page")
    assert missing.status == 404 and "出错了" in missing.text


# ---------------------------------------------------------------- chat proxy
def test_chat_when_rasa_is_down_gives_hotline_from_kb(http, kb):
    numbers = hotline_numbers(kb)
    assert numbers, "the notices print hotline numbers; kb.contacts() should find them"
    resp = http.request("POST", "/api/chat", {"sender": "browser-0001", "message": "什么时候申报"})
    body = assert_chinese_error(resp, 503)
    for number in numbers:
        assert number in body["error"]


@pytest.mark.parametrize("raw, fragment", [
    (b'{"sender": "browser-0001", "message": ', "JSON"),
    (b"[1, 2]", "JSON"),
    (b"", "为空"),
    (b'{"sender": "browser-0001", "message": "   "}', "不能为空"),
    (b'{"sender": "browser-0001", "message": 5}', "message"),
    (b'{"message": "hi"}', "sender"),
    (b'{"sender": "../../etc", "message": "hi"}', "sender"),
    ('{"sender": "browser-0001", "message": "%s"}' % ("问" * 1001), "1000"),
    (b"\xff\xfe\x00garbage", "JSON"),
])
def test_chat_rejects_bad_input(http, raw, fragment):
    resp = http.request("POST", "/api/chat", raw, {"Content-Type": "application/json"})
    body = assert_chinese_error(resp, 400)
    assert fragment in body["error"]


@pytest.mark.parametrize("path", ["/api/chat", "/api/eligibility", "/api/checklist"])
def test_bodies_over_64_kb_get_413(http, path):
    big = json.dumps({"sender": "browser-0001", "message": "x" * (64 * 1024)})
    body = assert_chinese_error(http.request("POST", path, big), 413)
    assert "64 KB" in body["error"]


def test_chat_passes_rasa_replies_through(web_app_replay, kb):
    from tests.web.conftest import Http

    resp = Http(web_app_replay.url).request(
        "POST", "/api/chat", {"sender": "browser-0002", "message": "非公企业怎么申报"})
    assert resp.status == 200, resp.text
    messages = resp.json()["messages"]
    assert messages[0]["text"] and messages[0]["buttons"][0]["payload"] == "/ask_materials"
    assert "recipient_id" not in messages[0]
    cite = messages[1]["custom"]["citations"][0]
    assert kb.clause(cite["id"])["label"] == cite["label"]


def test_wrong_method_is_json_405(http):
    body = assert_chinese_error(http.request("GET", "/api/chat"), 405)
    assert "请求方式" in body["error"]


# ---------------------------------------------------------------- eligibility / checklist
FACTS = {"education": "本科", "years_worked": 6, "employer_type": "民营企业",
         "target_title": "中级", "status": "在职", "series": "工程"}


def test_eligibility_api_returns_the_evaluator_result(http):
    resp = http.request("POST", "/api/eligibility", FACTS)
    assert resp.status == 200, resp.text
    got = resp.json()
    clean, errors = normalise_facts(FACTS)
    assert not errors and clean["employer_type"] == "非公"
    expected = json.loads(json.dumps(evaluate(clean), ensure_ascii=False))
    assert got == expected
    assert got["target_title"] == "中级" and got["routes"]
    for route in got["routes"]:
        for step in route["trace"]:
            assert step["clause"].split(":")[0] in DOC_IDS


def test_eligibility_accepts_wrapped_facts_with_date(http):
    resp = http.request("POST", "/api/eligibility", {"facts": FACTS, "as_of": "2022-06-01"})
    assert resp.status == 200, resp.text
    assert resp.json()["as_of"] == "2022-06-01"


@pytest.mark.parametrize("body, fact", [
    ({"years_worked": "很多很多"}, "years_worked"),
    ({"education": "幼儿园"}, "education"),
    ({"full_time": "也许"}, "full_time"),
    ({"shoe_size": 42}, "shoe_size"),
    ({"years_worked": -3}, "years_worked"),
    ({"education": ["本科"]}, "education"),
])
def test_eligibility_rejects_bad_facts(http, body, fact):
    got = assert_chinese_error(http.request("POST", "/api/eligibility", body), 400)
    assert [e["fact"] for e in got["errors"]] == [fact]
    assert CHINESE.search(got["errors"][0]["message"])


@pytest.mark.parametrize("raw", ["[]", '"本科"', "{bad json", '{"facts": "本科"}',
                                 '{"facts": {}, "as_of": "明天"}'])
def test_eligibility_rejects_malformed_bodies(http, raw):
    assert_chinese_error(http.request("POST", "/api/eligibility", raw), 400)


def test_checklist_api_returns_build_checklist(http, kb):
    resp = http.request("POST", "/api/checklist", {"target_title": "副高级", "employer_type": "非公"})
    assert resp.status == 200, resp.text
    got = resp.json()
    expected = json.loads(json.dumps(build_checklist({"target_title": "副高级", "employer_type": "非公"}, kb=kb),
                                     ensure_ascii=False))
    assert got == expected
    assert got["items"] and all(c["id"].split(":")[0] in DOC_IDS for c in got["citations"])
    assert_chinese_error(http.request("POST", "/api/checklist", {"target_title": "院士"}), 400)


def test_checklist_pages(http):
    form = http.request("GET", "/checklist")
    assert form.status == 200 and 'name="education"' in form.text and "checklist-frame" not in form.text
    query = "show=1&target_title=" + quote("中级") + "&education=" + quote("本科")
    page = http.request("GET", "/checklist?" + query)
    assert 'id="checklist-frame"' in page.text and "/checklist.pdf?" in page.text
    printed = http.request("GET", "/checklist/print?" + query)
    assert printed.status == 200 and "一次性告知" in printed.text
    bad = http.request("GET", "/checklist?years_worked=" + quote("<script>alert(1)</script>"))
    assert bad.status == 200 and "<script>alert(1)" not in bad.text and "&lt;script&gt;" in bad.text
    assert "checklist-frame" not in bad.text


def test_checklist_pdf(http):
    resp = http.request("GET", "/checklist.pdf?target_title=" + quote("中级"))
    assert resp.status == 200, resp.text
    assert resp.headers["Content-Type"] == "application/pdf" and resp.body.startswith(b"%PDF")


# ---------------------------------------------------------------- staff auth
STAFF_APIS = ["/staff/api/search?q=" + quote("申报"), "/staff/api/clause/" + quote("bt-2024:一"),
              "/staff/api/history/deadlines", "/staff/api/unanswered"]


@pytest.mark.parametrize("path", STAFF_APIS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic abc"},
                                     {"Cookie": "staff_token=wrong"}])
def test_staff_api_needs_the_token(http, path, headers):
    assert_chinese_error(http.request("GET", path, headers=headers), 401)


def test_staff_pages_redirect_to_login(http):
    resp = http.request("GET", "/staff")
    assert resp.status == 302 and resp.headers["Location"] == "/staff/login?next=/staff"
    login = http.request("GET", "/staff/login?next=//evil.example/x")
    assert login.status == 200 and 'value="/staff"' in login.text


def test_login_sets_httponly_cookie_that_opens_the_console(http, web_app):
    wrong = http.request("POST", "/staff/login", "token=nope&next=/staff",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong.status == 401 and "令牌不正确" in wrong.text and "Set-Cookie" not in wrong.headers
    ok = http.request("POST", "/staff/login", f"token={web_app.token}&next=/staff%23search",
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert ok.status == 302 and ok.headers["Location"] == "/staff#search"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    jar = {"Cookie": cookie.split(";")[0]}
    assert http.request("GET", "/staff", headers=jar).status == 200
    assert http.request("GET", STAFF_APIS[0], headers=jar).status == 200


def test_console_page_with_bearer(http, web_app):
    page = http.request("GET", "/staff", headers=auth(web_app))
    assert page.status == 200 and 'id="search-form"' in page.text
    for doc in DOC_IDS:
        assert f'value="{doc}"' in page.text


# ---------------------------------------------------------------- staff search / clause / history
def test_search_returns_clause_ids_with_marked_snippets(http, web_app, kb):
    resp = http.request("GET", "/staff/api/search?q=" + quote("非公有制 直接申报中级") + "&limit=5",
                        headers=auth(web_app))
    assert resp.status == 200, resp.text
    results = resp.json()["results"]
    assert 1 <= len(results) <= 5
    for r in results:
        assert kb.clause(r["id"]) is not None
        assert r["id"].split(":")[0] in DOC_IDS
    assert any("<mark>" in r["snippet"] for r in results)
    assert {"bt-2021:二", "bt-2020:一/（九）/2"} & {r["id"] for r in results}


def test_search_filters(http, web_app):
    q = "/staff/api/search?q=" + quote("申报")
    only = http.request("GET", q + "&doc=bt-2021&limit=20", headers=auth(web_app)).json()["results"]
    assert only and {r["doc"] for r in only} == {"bt-2021"}
    year = http.request("GET", q + "&year=2024&limit=20", headers=auth(web_app)).json()["results"]
    assert year and {r["year"] for r in year} == {2024}
    topic = http.request("GET", q + "&topic=deadlines&limit=20", headers=auth(web_app)).json()["results"]
    assert topic and all("deadlines" in r["topics"] for r in topic)


@pytest.mark.parametrize("query, fragment", [
    ("q=", "检索词"), ("q=" + "长" * 201, "太长"), ("q=a&doc=bt-1999", "通知"),
    ("q=a&topic=weather", "主题"), ("q=a&year=20x4", "年份"), ("q=a&limit=0", "limit"),
    ("q=a&limit=abc", "limit"),
])
def test_search_bad_input(http, web_app, query, fragment):
    body = assert_chinese_error(http.request("GET", "/staff/api/search?" + quote(query, safe="=&"),
                                             headers=auth(web_app)), 400)
    assert fragment in body["error"]


@pytest.mark.parametrize("q", ['"AND OR NEAR(', "*", "😀😀", "<script>", "' OR 1=1 --", "申" * 200])
def test_search_survives_hostile_queries(http, web_app, q):
    resp = http.request("GET", "/staff/api/search?q=" + quote(q), headers=auth(web_app))
    assert resp.status == 200 and isinstance(resp.json()["results"], list)


def test_clause_view_with_related_and_ready_answer(http, web_app, kb):
    resp = http.request("GET", "/staff/api/clause/" + quote("bt-2021:二", safe="") + "?q=" + quote("本科 满5年 中级"),
                        headers=auth(web_app))
    assert resp.status == 200, resp.text
    data = resp.json()
    clause = data["clause"]
    assert clause["id"] == "bt-2021:二" and clause["label"].startswith("《")
    assert [r["id"] for r in data["related"]] == [r["id"] for r in kb.related("bt-2021:二")]
    assert data["related"], "this point is in several notices"
    answer = data["answer"]
    sentence, source = answer.split("依据")
    assert "本科" in sentence and sentence.rstrip("。") in clause["full_text"].replace("\n", "")
    assert source == clause["label"] + "。"


def test_clause_ids_with_slashes_and_attachments(http, web_app):
    resp = http.request("GET", "/staff/api/clause/" + quote("bt-2021:附件1/三/5"), headers=auth(web_app))
    assert resp.status == 200 and resp.json()["clause"]["id"] == "bt-2021:附件1/三/5"


@pytest.mark.parametrize("cid", ["bt-2024:九十九", "nothing", "<script>", "x" * 300])
def test_unknown_clause_is_404(http, web_app, cid):
    body = assert_chinese_error(http.request("GET", "/staff/api/clause/" + quote(cid, safe=""),
                                             headers=auth(web_app)), 404)
    assert "没有找到条款" in body["error"]


def test_history(http, web_app, kb):
    data = http.request("GET", "/staff/api/history/non_public", headers=auth(web_app)).json()
    assert data["topic"]["id"] == "non_public" and data["topic"]["name"]
    assert [g["doc"] for g in data["history"]] == [g["doc"] for g in kb.history("non_public")]
    assert_chinese_error(http.request("GET", "/staff/api/history/weather", headers=auth(web_app)), 404)


# ---------------------------------------------------------------- unanswered questions
def test_unanswered_grouped_counted_and_masked(http, web_app):
    resp = http.request("GET", "/staff/api/unanswered", headers=auth(web_app))
    assert resp.status == 200
    data = resp.json()
    assert data["available"] is True
    by_text = {item["text"]: item for item in data["items"]}
    lost = [i for i in data["items"] if "证书丢了" in i["text"]]
    assert len(lost) == 1 and lost[0]["count"] == 2          # two spellings, one group
    assert "识别把握低" in lost[0]["reasons"]
    pii = [i for i in data["items"] if "能评副高吗" in i["text"]][0]
    assert "110*************34" in pii["text"] and "138****5678" in pii["text"]
    assert set(pii["reasons"]) == {"未识别意图", "识别把握低", "转入兜底回答"}
    assert by_text["评审费可以开发票吗"]["reasons"] == ["转入兜底回答"]
    assert "申报时间是什么时候" not in by_text and "/greet" not in by_text
    raw = resp.text
    assert "110105199001011234" not in raw and "13812345678" not in raw
    assert data["total"] == 6 and data["groups"] == 5
    assert "不知道" not in by_text and "同时评两个系列可以吗" in by_text   # a form answer is not unanswered


# ---------------------------------------------------------------- staff auth hardening (issue 15)
def _fresh_app(servers, tracker_db, **settings_kw):
    import secrets

    from bot.web.app import create_app
    from bot.web.settings import Settings
    from tests.web.conftest import Http

    settings = Settings(host="127.0.0.1", port=0, rasa_url="http://127.0.0.1:9",
                        staff_token=secrets.token_urlsafe(12), tracker_db=tracker_db, **settings_kw)
    port = servers.serve(create_app(settings))
    http = Http(f"http://127.0.0.1:{port}")
    http.token = settings.staff_token
    return http


@pytest.mark.parametrize("body, content_type", [
    (b"--xx\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc", "multipart/form-data; boundary=xx"),
    (b"garbage without boundary", "multipart/form-data"),
    (b"\xff\xfe\x00", "multipart/form-data; boundary=zz"),
])
def test_malformed_login_bodies_get_400_not_500(http, body, content_type):
    resp = http.request("POST", "/staff/login", body, {"Content-Type": content_type})
    assert resp.status == 400 and "登录" in resp.text, (resp.status, resp.text[:300])


def test_token_guessing_is_throttled(servers, tracker_db):
    http = _fresh_app(servers, tracker_db, auth_failures_per_minute=5)
    statuses = [http.request("GET", "/staff/api/unanswered", headers={"Authorization": f"Bearer guess{i}"}).status
                for i in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3, statuses
    blocked = http.request("GET", "/staff/api/unanswered", headers={"Authorization": f"Bearer {http.token}"})
    assert blocked.status == 200   # the right token still works: only failures are throttled
    login = http.request("POST", "/staff/login", "token=guess&next=/staff",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert login.status == 429 and login.headers["Retry-After"].isdigit()


def test_cookie_is_a_session_not_the_token_and_logout_revokes_it(servers, tracker_db):
    http = _fresh_app(servers, tracker_db)
    ok = http.request("POST", "/staff/login", f"token={http.token}&next=/staff",
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert ok.status == 302
    cookie = ok.headers["Set-Cookie"].split(";")[0]
    assert http.token not in ok.headers["Set-Cookie"]
    jar = {"Cookie": cookie}
    assert http.request("GET", "/staff/api/unanswered", headers=jar).status == 200
    out = http.request("POST", "/staff/logout", b"", {**jar, "Content-Type": "application/x-www-form-urlencoded"})
    assert out.status == 302
    assert http.request("GET", "/staff/api/unanswered", headers=jar).status == 401   # copied cookie: dead


@pytest.mark.parametrize("headers", [
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "application/json", "Origin": "https://evil.example"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
])
def test_cross_site_chat_posts_are_refused(http, headers):
    body = b'{"sender": "browser-0009", "message": "hi"}'
    resp = http.request("POST", "/api/chat", body, headers)
    assert resp.status in (403, 415), (resp.status, resp.text)
    assert CHINESE.search(resp.json()["error"])


def test_checklist_pdfs_share_one_warm_browser_with_a_bounded_queue(servers, tracker_db):
    """Concurrent /checklist.pdf requests: one Chromium for all, at most workers + queue
    accepted at once, the rest told to retry (503 with Retry-After), never a crash."""
    import concurrent.futures
    import secrets

    from bot.web.app import create_app
    from bot.web.appkeys import PDF
    from bot.web.settings import Settings
    from tests.web.conftest import Http

    settings = Settings(host="127.0.0.1", port=0, rasa_url="http://127.0.0.1:9",
                        staff_token=secrets.token_urlsafe(8), tracker_db=tracker_db, pdf_workers=1, pdf_queue=1)
    app = create_app(settings)
    http = Http(f"http://127.0.0.1:{servers.serve(app)}")
    url = "/checklist.pdf?target_title=" + quote("中级")
    first = http.request("GET", url)
    assert first.status == 200 and first.body.startswith(b"%PDF"), first.text[:300]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: http.request("GET", url), range(6)))
    statuses = sorted(r.status for r in replies)
    assert set(statuses) <= {200, 503} and 200 in statuses and 503 in statuses, statuses
    busy = next(r for r in replies if r.status == 503)
    assert busy.headers["Retry-After"] == "5" and "排队" in busy.json()["error"]
    assert app[PDF].launches == 1, "each PDF started its own browser"
