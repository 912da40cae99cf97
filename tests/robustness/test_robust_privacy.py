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
