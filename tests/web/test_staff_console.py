"""The hotline staff console in Debian's Chromium at 360 px and 1366 px (issue 16, staff half):
search (current rules first, honest "没有找到", the year filter, search-as-you-type, keyboard
shortcuts), the ready answer, the change view (character-level diff, thresholds year by year),
eligibility (headline first, ruled-out routes folded), the review queue (filters, CSV, handled,
linked, the phrasing patch applied to a copy of the data and the KB rebuilt), accessibility
(axe-core) and the screenshots of the README."""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from bot.web import search_rank
from bot.web.app import create_app
from bot.web.review_measure import apply_patch, best_points, build_kb, copy_package
from bot.web.settings import Settings
from policy_kb.eligibility import evaluate
from policy_kb.rule_data import load_rules
from tests.web.axe import axe_violations, describe
from tests.web.conftest import Http

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
WIDTHS = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 900}}


def open_console(browser, servers, tracker_db, tmp_path, width: str, bypass_csp: bool = False):
    """A logged-in console page on a web app of its own (a copy of the tracker database).
    The page runs under the app's Content-Security-Policy unless ``bypass_csp`` (needed only
    to inject axe-core)."""
    db = tmp_path / "tracker.db"
    shutil.copy(tracker_db, db)
    token = secrets.token_urlsafe(12)
    settings = Settings(host="127.0.0.1", port=0, rasa_url="http://127.0.0.1:9", staff_token=token, tracker_db=db)
    url = f"http://127.0.0.1:{servers.serve(create_app(settings))}"
    context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN", accept_downloads=True, bypass_csp=bypass_csp)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/staff/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff(#.*)?$"))
    return type("Console", (), {"page": page, "url": url, "token": token, "db": db, "width": int(width),
                                "http": Http(url), "context": context})


@pytest.fixture(params=list(WIDTHS))
def console(request, browser, servers, tracker_db, tmp_path):
    c = open_console(browser, servers, tracker_db, tmp_path, request.param)
    yield c
    c.context.close()


@pytest.fixture(params=list(WIDTHS))
def console_axe(request, browser, servers, tracker_db, tmp_path):
    c = open_console(browser, servers, tracker_db, tmp_path, request.param, bypass_csp=True)
    yield c
    c.context.close()


def no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def type_query(page, text: str) -> None:
    """Types like a person (no Enter): the console searches once typing pauses."""
    page.fill("#q", "")
    with page.expect_response(lambda r: "/staff/api/search" in r.url and quote(text[-1]) in r.url):
        page.type("#q", text, delay=20)


# ---------------------------------------------------------------- search
def test_search_as_you_type_current_rules_first_and_honest_no_results(console, kb):
    page = console.page
    years = [o for o in page.locator("#f-year option").all_inner_texts() if o != "全部年份"]
    assert years == [f"{d['year']}年" for d in sorted(kb.documents(), key=lambda d: d["year"])]
    assert len(years) == 4                                     # 2020 and 2022 included

    type_query(page, "非公 直接申报中级")
    page.locator(".result").first.wait_for()
    ids = page.locator(".result-open").evaluate_all("els => els.map(e => e.dataset.id)")
    badges = page.locator(".result .badge").all_inner_texts()
    expected = [search_rank.status_of(kb, i)["status_label"] for i in ids]
    assert badges == expected and "现行" in badges and "已被新通知替代" in badges
    first_old = badges.index("已被新通知替代")
    assert all(b == "已被新通知替代" for b in badges[first_old:])  # rules in force first
    assert "现行" in page.locator("#search-status").inner_text()

    with page.expect_response(lambda r: "/staff/api/search" in r.url and "year=2022" in r.url):
        page.select_option("#f-year", "2022")                 # the filter re-runs the search
    expect(page.locator(".result-meta").first).to_contain_text("2022年")
    metas = page.locator(".result-meta").all_inner_texts()
    assert metas and all("2022年" in m for m in metas)
    with page.expect_response(lambda r: "/staff/api/search" in r.url):
        page.select_option("#f-year", "")

    type_query(page, "xyz不存在的词")
    page.locator("#search-status.empty").wait_for()
    assert "没有找到" in page.locator("#search-status").inner_text()
    assert page.locator(".result").count() == 0 and page.locator("#ready").is_hidden()
    no_horizontal_scroll(page, console.width)


def test_keyboard_shortcuts_and_the_ready_answer_with_its_numbers(console, kb):
    page = console.page
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("本科 民企 直接申报中级")
    page.locator(".ready-item").first.wait_for()
    page.locator(".result").first.wait_for()
    ready = page.locator(".ready-text").first.inner_text()
    data = console.http.request("GET", "/staff/api/search?q=" + quote("本科 民企 直接申报中级"),
                                headers={"Authorization": f"Bearer {console.token}"}).json()
    point = kb.answer_point(data["points"][0]["id"])
    for number in re.findall(r"\d+", point["answer"]):       # the decisive numbers are kept
        assert number in ready
    assert ready.startswith(point["answer"][:10]) and "依据《" in ready

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(".result-open").nth(1)
    assert page.evaluate("document.activeElement.dataset.id") == second.get_attribute("data-id")
    page.keyboard.press("Enter")
    label = kb.clause(second.get_attribute("data-id"))["label"]
    page.locator(".clause-label", has_text=label).wait_for()

    page.keyboard.press("c")
    page.locator(".copy-status", has_text="已复制").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == ready
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator(".result-open").first.focus()
    page.keyboard.press("Control+c")
    for _ in range(50):
        if page.evaluate("navigator.clipboard.readText()"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("navigator.clipboard.readText()") == ready


# ---------------------------------------------------------------- changes between notices
def _visible_text(locator) -> str:
    return locator.evaluate("""n => { const c = n.cloneNode(true);
        c.querySelectorAll('.sr-only').forEach(s => s.remove()); return c.textContent; }""")


def test_change_view_marks_differences_and_tables_thresholds(console, kb):
    page = console.page
    type_query(page, "非公有制 直接申报中级")
    page.locator('.result-open[data-id="bt-2021:二"]').click()
    page.locator(".diffs .diff-pair").first.wait_for()
    related = kb.related("bt-2021:二")
    pairs = page.locator(".diffs .diff-pair")
    assert pairs.count() == len(related)
    me = kb.clause("bt-2021:二")
    for i, r in enumerate(related):
        older, newer = (r["text"], me["full_text"]) if r["relation"] == "earlier" else (me["full_text"], r["text"])
        cols = pairs.nth(i).locator(".diff-text")
        assert _visible_text(cols.nth(0)) == older[:6000] and _visible_text(cols.nth(1)) == newer[:6000]
        if older != newer:
            assert pairs.nth(i).locator("del, ins").count() > 0
            inserted = "".join(_visible_text(n) for n in pairs.nth(i).locator("ins").all())
            assert all(ch in newer for ch in inserted)
    assert page.locator(".diffs ins .sr-only").first.inner_text() == "［新增："

    rules = load_rules()
    citing = [p["name"] for p in rules.params.values()
              if any(e["clause"] in {"bt-2021:二", *(r["id"] for r in related)} for e in p["by_date"])]
    rows = page.locator(".thresholds .threshold-table tbody th").all_inner_texts()
    assert rows == citing and citing
    page.click('a[data-tab="thresholds"]')
    table = page.locator("#thresholds-box .threshold-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == len(rules.params)
    heads = table.locator("thead th").all_inner_texts()[1:]
    assert heads == [f"{d.year}年" for d in sorted(n["date"] for n in rules.notices.values())]
    row = table.locator("tbody tr", has_text=rules.params["np_mid_years_bachelor"]["name"])
    assert row.locator("td strong").all_inner_texts() == [
        f"{e['value']}年" for e in rules.params["np_mid_years_bachelor"]["by_date"]]
    no_horizontal_scroll(page, console.width)


# ---------------------------------------------------------------- eligibility
def test_eligibility_headline_first_and_ruled_out_routes_folded(console):
    page = console.page
    page.click('a[data-tab="eligibility"]')
    facts = {"target_title": "中级", "employer_type": "非公", "education": "本科"}
    for name, value in facts.items():
        page.select_option(f"#el-{name}", value)
    page.fill("#el-years_worked", "6")
    page.click("#eligibility-form button[type=submit]")
    page.locator("#eligibility-result .elig-head").wait_for()
    expected = evaluate({**facts, "years_worked": 6})
    box = page.locator("#eligibility-result")
    assert box.locator(".elig-verdict").inner_text() == expected["headline"]
    first_route = box.locator(".route").first
    assert "headline-route" in first_route.get_attribute("class")
    assert expected["route_name"] in first_route.locator("h3").inner_text()
    fold = box.locator("details.ruled-out")
    assert fold.get_attribute("open") is None
    assert fold.locator(".route").count() == len(expected["ruled_out"]) > 0
    assert not fold.locator(".route").first.is_visible()
    fold.locator("summary").click()
    assert fold.locator(".route").first.is_visible()
    no_horizontal_scroll(page, console.width)


# ---------------------------------------------------------------- review queue
QUESTION = "职称证书丢了 怎么补办？"
POINT = "certificates_print"


def test_review_queue_filter_export_handle_link_and_the_rebuilt_kb_answers(console, tmp_path):
    page, http = console.page, console.http
    rated = http.request("POST", "/api/feedback", {"sender": "visitor-r", "rating": "useless", "point": None,
                                                   "question": "评职称要交党费吗", "reply": "……"})
    assert rated.status == 200
    page.click('a[data-tab="review"]')
    rows = page.locator("#review-table tbody tr.review-row")
    rows.first.wait_for()
    table = page.locator("#review-table").inner_text()
    assert "评职称要交党费吗" in table and "评为没用" in table
    assert "不知道" not in [t.strip() for t in page.locator("#review-table .q-text").all_inner_texts()]
    assert "138****5678" in table and "13812345678" not in page.content()

    page.select_option("#rv-kind", "useless")
    page.click("#review-filters button[type=submit]")
    expect(page.locator("#review-table tbody tr.review-row")).to_have_count(1)
    with page.expect_download() as dl:
        page.click("#rv-csv")
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "评职称要交党费吗" in raw.decode("utf-8-sig")
    assert "发票" not in raw.decode("utf-8-sig")                  # the filter applies to the export
    page.select_option("#rv-kind", "")
    page.click("#review-filters button[type=submit]")

    fee = page.locator("#review-table tr.review-row", has_text="评审费可以开发票吗")
    fee.locator(".mark-handled").click()
    page.locator("#review-table tr.review-row.status-handled", has_text="评审费可以开发票吗").wait_for()

    lost = page.locator("#review-table tr.review-row", has_text="证书丢了")
    lost.locator(".open-link").click()
    select = page.locator(".link-row select.link-point")
    select.locator("option").nth(100).wait_for(state="attached")
    select.select_option(POINT)
    page.locator(".link-row .save-link").click()
    page.locator("#review-table tr.review-row.status-linked", has_text="证书丢了").wait_for()
    assert POINT in page.locator("#review-table tr.status-linked .link-target").inner_text()
    no_horizontal_scroll(page, console.width)

    with page.expect_download() as dl:
        page.click("#rv-patch")
    diff = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "+++ b/policy_kb/answers/certificates.yml" in diff

    # The patch applied to a copy of the data, the KB rebuilt from it: the question now gets its point.
    linked_text = next(t for t in page.locator("#review-table .q-text").all_inner_texts() if "证书丢了" in t)
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        before = copy_package(Path(tmp) / "before")
        after = copy_package(Path(tmp) / "after")
        apply_patch(after, diff)
        was = best_points(build_kb(before), [linked_text])[0]
        now = best_points(build_kb(after), [linked_text])[0]
    assert not (was["answers"] and was["point"] == POINT)        # not answered with it before
    assert now["answers"] and now["point"] == POINT, now


# ---------------------------------------------------------------- accessibility and screenshots
def test_console_and_login_pass_axe_and_screenshots(console_axe):
    console = console_axe
    page = console.page
    type_query(page, "非公有制 直接申报中级")
    page.locator('.result-open[data-id="bt-2021:二"]').click()
    page.locator(".diffs .diff-pair").first.wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"staff-{console.width}.png"), full_page=False)
    found = axe_violations(page)
    assert not found, describe(found)
    for tab in ("eligibility", "thresholds", "review"):
        page.click(f'a[data-tab="{tab}"]')
        page.wait_for_load_state("networkidle")
        found = axe_violations(page)
        assert not found, f"{tab}: " + describe(found)
    login = console.context.new_page()
    login.goto(console.url + "/staff/login")
    login.context.clear_cookies()
    login.goto(console.url + "/staff/login?next=/staff")
    found = axe_violations(login)
    assert not found, "login: " + describe(found)
