"""ID-card and mobile numbers typed by users never reach the logs, the staff console or any
file the stack writes besides the tracker database (which stores the conversation itself)."""
from __future__ import annotations

import hashlib
import time
import uuid

import pytest

from policy_kb.privacy import mask_pii
from tests.conftest import ROOT
from tests.robustness.conftest import WECHAT_TOKEN, http

pytestmark = pytest.mark.stack

ID_CARD = "11010519900307123X"
ID_CARD_2 = "150203198511224216"
MOBILE = "13812345678"
MOBILE_2 = "15947261234"
MOBILE_3 = "18604721234"
RAW = [ID_CARD, ID_CARD_2, MOBILE, MOBILE_2, MOBILE_3, "138 1234 5678", "138-1234-5678"]

MESSAGES = [
    f"我的身份证号是{ID_CARD}，电话{MOBILE}，本科毕业在民企干了6年能报中级吗",
    f"asdf {MOBILE_2} qwer {ID_CARD_2} zxcv",
    f"qq 138 1234 5678 zz {ID_CARD}",
    f"联系我 138-1234-5678 或者 {MOBILE_3}",
]


def _stored_files(stack, since: float) -> list:
    """Files the stack wrote: its own folder (logs, databases) and anything new under var/."""
    files = [p for p in stack.tmp.rglob("*") if p.is_file()]
    files += [p for p in (ROOT / "var").rglob("*") if p.is_file() and p.stat().st_mtime >= since]
    return files


def _is_tracker(path, stack) -> bool:
    return path.name.startswith(stack.tracker_db.name)   # tracker.db and its -wal/-journal


def _wechat_send(stack, text: str) -> None:
    ts, nonce = str(int(time.time())), "9191"
    sig = hashlib.sha1("".join(sorted([WECHAT_TOKEN, ts, nonce])).encode()).hexdigest()
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[oPrivacy1]]></FromUserName>"
           f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{text}]]></Content><MsgId>{time.time_ns()}</MsgId></xml>")
    url = f"{stack.rasa_url}/webhooks/wechat/webhook?signature={sig}&timestamp={ts}&nonce={nonce}"
    reply = http("POST", url, xml.encode(), content_type="text/xml")
    assert reply.status == 200, reply.text[:300]


def test_personal_numbers_are_masked_outside_the_tracker(robust_stack):
    started = time.time() - 1
    sender = "privacy-" + uuid.uuid4().hex[:8]
    for message in MESSAGES:
        assert robust_stack.send(message, sender=sender)
    # The same numbers through the web chat proxy, the eligibility form and WeChat.
    http("POST", robust_stack.web_url + "/api/chat",
         ('{"sender": "privacyweb1", "message": "%s"}' % MESSAGES[1]).encode())
    form_sender = "privacy-" + uuid.uuid4().hex[:8]
    robust_stack.send("我想问问我能不能申报中级职称", sender=form_sender)
    robust_stack.send(f"我手机{MOBILE}，身份证{ID_CARD}", sender=form_sender)
    _wechat_send(robust_stack, MESSAGES[0])
    time.sleep(1)   # let the processes flush their logs

    # The numbers did reach the stack: the tracker holds the conversation as typed.
    import sqlite3

    conn = sqlite3.connect(f"file:{robust_stack.tracker_db}?mode=ro", uri=True)
    try:
        stored = "".join(row[0] or "" for row in conn.execute("SELECT data FROM events"))
    finally:
        conn.close()
    assert ID_CARD in stored, "the test messages did not reach the tracker"

    leaks = []
    for path in _stored_files(robust_stack, started):
        if _is_tracker(path, robust_stack):
            continue
        content = path.read_bytes().decode("utf-8", "replace")
        leaks += [f"{path.name}: {raw}" for raw in RAW if raw in content]
    assert not leaks, f"personal numbers stored in clear: {leaks}"

    console = http("GET", robust_stack.web_url + "/staff/api/unanswered",
                   headers={"Authorization": f"Bearer {robust_stack.staff_token}"})
    assert console.status == 200, console.text[:300]
    text = console.text
    assert not [raw for raw in RAW if raw in text], text[:1000]
    # At least one of the messages the assistant could not place (which ones depends on the
    # trained model) is listed as unanswered, with its numbers masked.
    assert any(mask_pii(m) in text for m in MESSAGES[1:]), text[:1500]


# ---------------------------------------------------------------- action failures (issue 15)
from tests.robustness.conftest import make_stack, need_model  # noqa: E402

FAILING_PORTS = {"RASA_PORT": 19505, "ACTION_PORT": 19555, "WEB_PORT": 19580}
SPELLINGS = {   # as typed -> the digits that must never appear in clear
    "110101-19900307-8515": "110101199003078515",
    "138.1234.5678": "13812345678",
    "138－1234－5678": "13812345678",
    "１３９ ２２２２ ３３３３": "13922223333",
    "1502031985\u200b11224216": "150203198511224216",
    "13612\u200b345678": "13612345678",
    ID_CARD: ID_CARD,
    MOBILE_2: MOBILE_2,
}


@pytest.fixture(scope="module")
def failing_stack(tmp_path_factory):
    """The real stack whose action server (the real program) runs actions that all raise."""
    need_model()
    running = make_stack(tmp_path_factory.mktemp("failing-actions"), FAILING_PORTS,
                         ACTIONS_PACKAGE="tests.robustness.failing_actions", RASA_WORKERS="1").start()
    yield running
    running.stop()


def _leaks(text: str) -> list[str]:
    from policy_kb.privacy import normalised_digits

    found = [typed for typed in SPELLINGS if typed in text]
    for line in text.splitlines():
        digits = normalised_digits(line)
        found += [f"{raw} in {line[:200]!r}" for raw in SPELLINGS.values() if raw in digits]
    return found


def test_no_raw_number_in_any_log_after_an_action_failure(failing_stack):
    sender = "privacy-fail-" + uuid.uuid4().hex[:6]
    for typed in SPELLINGS:
        replies = failing_stack.send(f"送审表要几份？我的号码是 {typed}", sender=sender)
        assert "抱歉" in "".join(m.get("text", "") for m in replies)   # the action did fail
    failing_stack.send(f"我想问问我能不能申报中级职称，电话 {MOBILE}", sender=sender + "f")
    _wechat_send(failing_stack, "送审表要几份？我的身份证 110101-19900307-8515")
    time.sleep(1.5)
    log = failing_stack.log.read_text(encoding="utf-8", errors="replace")
    # The failure path was taken: Rasa logged the action server's error body with the tracker.
    assert "injected failure" in log, log[-3000:]
    assert "request_body" in log or "Failed to execute custom action" in log or "non 200" in log, log[-3000:]
    assert "****" in log     # the numbers were there, masked
    assert not _leaks(log), _leaks(log)[:5]


def test_var_files_are_private(failing_stack):
    import stat

    for folder in (ROOT / "var", failing_stack.tracker_db.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in [failing_stack.tracker_db, *(ROOT / "var").iterdir()]:
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, (path, oct(path.stat().st_mode))
