"""Malformed requests to the three HTTP entry points of the running stack:
Rasa's REST webhook, the web API and the WeChat webhook. Each gets a 4xx with a clear
Chinese message (never a 500, never a hang), and the stack keeps working afterwards."""
from __future__ import annotations

import hashlib
import re
import time

import pytest

from tests.robustness.conftest import WECHAT_TOKEN, http

pytestmark = pytest.mark.stack
CJK = re.compile(r"[\u4e00-\u9fff]")

BAD_REST_BODIES = {
    "empty": b"",
    "not_json": b"hello",
    "truncated_json": b'{"sender": "a", "message": "\xe4\xbd\xa0',
    "json_list": b'[{"sender": "a", "message": "hi"}]',
    "json_string": '"你好"'.encode(),
    "json_number": b"42",
    "message_number": b'{"sender": "robust-x1", "message": 5}',
    "message_null": b'{"sender": "robust-x1", "message": null}',
    "message_object": b'{"sender": "robust-x1", "message": {"text": "hi"}}',
    "message_missing": b'{"sender": "robust-x1"}',
    "sender_object": '{"sender": {"id": 1}, "message": "你好"}'.encode(),
    "sender_missing": '{"message": "你好"}'.encode(),
    "metadata_string": '{"sender": "robust-x1", "message": "你好", "metadata": "x"}'.encode(),
    "not_utf8": b'{"sender": "robust-x1", "message": "\xff\xfe"}',
    "deep_nesting": b"[" * 100_000 + b"]" * 100_000,
}


def _clear_error(reply) -> str:
    """The human-readable message of a JSON or text error reply."""
    if "json" in reply.content_type:
        body = reply.json()
        return str(body.get("error") or body.get("message") or body) if isinstance(body, dict) else str(body)
    return reply.text


@pytest.mark.parametrize("name", list(BAD_REST_BODIES))
def test_rasa_rest_webhook_refuses_bad_bodies_with_4xx(robust_stack, name):
    started = time.time()
    reply = http("POST", robust_stack.rasa_url + "/webhooks/rest/webhook", BAD_REST_BODIES[name])
    assert 400 <= reply.status < 500, (
        f"{name}: HTTP {reply.status} {reply.text[:300]!r} — Rasa's own `rest` channel answers this "
        "with a 500 or an English Sanic page; wire bot.channels.rest_guard.GuardedRestInput "
        "in credentials.yml (see the module docstring)")
    assert CJK.search(_clear_error(reply)), f"{name}: message not clear: {reply.text[:300]!r}"
    assert time.time() - started < 10


def test_rasa_rest_webhook_refuses_a_message_over_the_limit(robust_stack):
    body = ('{"sender": "robust-x2", "message": "%s"}' % ("职" * 20_000)).encode()
    reply = http("POST", robust_stack.rasa_url + "/webhooks/rest/webhook", body)
    assert reply.status == 413, (reply.status, reply.text[:300])
    assert CJK.search(_clear_error(reply))


WEB_API_BODIES = {
    "not_json": (b"{education: \xe6\x9c\xac}", "application/json"),
    "json_list": (b"[]", "application/json"),
    "wrong_type": ('{"years_worked": "很多年"}'.encode(), "application/json"),
    "out_of_range": (b'{"years_worked": 1e999}', "application/json"),
    "unknown_value": ('{"education": "火星大学"}'.encode(), "application/json"),
    "form_encoded": (b"education=%E6%9C%AC%E7%A7%91", "application/x-www-form-urlencoded"),
    "huge": (b'{"series": "' + b"x" * 300_000 + b'"}', "application/json"),
}


@pytest.mark.parametrize("path", ["/api/eligibility", "/api/checklist"])
@pytest.mark.parametrize("name", list(WEB_API_BODIES))
def test_web_api_refuses_bad_bodies_with_4xx(robust_stack, path, name):
    body, content_type = WEB_API_BODIES[name]
    reply = http("POST", robust_stack.web_url + path, body, content_type=content_type)
    assert 400 <= reply.status < 500, f"{path} {name}: HTTP {reply.status} {reply.text[:300]!r}"
    assert "json" in reply.content_type, reply.content_type
    assert CJK.search(_clear_error(reply)), reply.text[:300]


def _wechat_url(stack, token: str = WECHAT_TOKEN, timestamp: str | None = None, nonce: str = "4242") -> str:
    timestamp = timestamp or str(int(time.time()))   # older than 5 minutes: refused
    # WeChat's documented signature: SHA-1 of the sorted token, timestamp and nonce.
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return (f"{stack.rasa_url}/webhooks/wechat/webhook"
            f"?signature={signature}&timestamp={timestamp}&nonce={nonce}")


def text_xml(content: str, sender: str = "oRobust0") -> str:
    return ("<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
            f"<FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{time.time_ns()}</MsgId></xml>")


WECHAT_BODIES = {
    "empty": b"",
    "not_xml": b"hello",
    "broken_xml": b"<xml><ToUserName>gh</ToUserName>",
    "no_msgtype": b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName></xml>",
    "entity_bomb": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                    b"<xml><MsgType>text</MsgType><Content>&c;</Content></xml>"),
    "not_utf8": b"<xml><Content>\xff\xfe</Content></xml>",
    "too_large": b"<xml><Content>" + b"a" * 200_000 + b"</Content></xml>",
}


@pytest.mark.parametrize("name", list(WECHAT_BODIES))
def test_wechat_webhook_refuses_malformed_xml_with_4xx(robust_stack, name):
    reply = http("POST", _wechat_url(robust_stack), WECHAT_BODIES[name], content_type="text/xml")
    assert 400 <= reply.status < 500, f"{name}: HTTP {reply.status} {reply.text[:300]!r}"
    assert CJK.search(reply.text), reply.text[:300]


def test_wechat_webhook_refuses_a_forged_signature(robust_stack):
    reply = http("POST", _wechat_url(robust_stack, token="someone-else"),
                 text_xml("你好").encode(), content_type="text/xml")
    assert reply.status == 403 and CJK.search(reply.text), (reply.status, reply.text[:200])


def test_everything_still_answers_after_the_bad_requests(robust_stack):
    assert robust_stack.send("你好", sender="robust-after-bad")
    ok = http("POST", robust_stack.web_url + "/api/eligibility",
              '{"education": "本科", "target_title": "中级"}'.encode())
    assert ok.status == 200 and "missing" in ok.json(), ok.text[:300]
    wechat = http("POST", _wechat_url(robust_stack), text_xml("你好", sender="oRobust1").encode(),
                  content_type="text/xml")
    assert wechat.status == 200 and "<xml>" in wechat.text and CJK.search(wechat.text), wechat.text[:300]
