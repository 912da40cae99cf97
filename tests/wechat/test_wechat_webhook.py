"""The WeChat webhook served by a real Rasa-built Sanic app (plain mode)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import xmltodict

from bot.channels import wechat
from bot.channels.rest_guard import apology_text
from bot.channels.wechat import WeChatInput
from wechat_helpers import UTILS_VECTOR, WEBHOOK, ScriptedAgent, now_stamp, signed_params, text_xml

TOKEN = "plain-token"


def post(url, body, params=None, token=TOKEN):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(url + WEBHOOK, params=signed_params(token) if params is None else params, data=data, timeout=15)


def reply_of(resp):
    assert resp.status_code == 200, resp.text
    return xmltodict.parse(resp.text)["xml"]


@pytest.fixture
def plain(serve):
    return serve(WeChatInput(token=TOKEN, reply_timeout=0.3))


# -- server verification (GET) -------------------------------------------------


def test_get_echoes_echostr_for_computed_signature(plain):
    url, _ = plain
    resp = requests.get(url + WEBHOOK, params={**signed_params(TOKEN), "echostr": "abc123"}, timeout=10)
    assert resp.status_code == 200 and resp.text == "abc123"
    assert resp.headers["content-type"].startswith("text/plain")


def test_get_accepts_fixed_vector_from_wechatpy(serve):
    url, _ = serve(WeChatInput(token=UTILS_VECTOR["token"]))
    params = {k: UTILS_VECTOR[k] for k in ("signature", "timestamp", "nonce")}
    resp = requests.get(url + WEBHOOK, params={**params, "echostr": "5837397749"}, timeout=10)
    assert (resp.status_code, resp.text) == (200, "5837397749")


@pytest.mark.parametrize("mutate", [
    lambda p: {**p, "signature": p["signature"][:-1] + ("0" if p["signature"][-1] != "0" else "1")},
    lambda p: {**p, "nonce": "99999"},
    lambda p: {k: v for k, v in p.items() if k != "signature"},
    lambda p: {**p, "signature": "x" * 5000},
])
def test_get_with_forged_signature_is_403(plain, mutate):
    url, _ = plain
    params = mutate({**signed_params(TOKEN), "echostr": "abc"})
    resp = requests.get(url + WEBHOOK, params=params, timeout=10)
    assert resp.status_code == 403 and "签名" in resp.text and "abc" not in resp.text


def test_get_signed_with_another_token_is_403(plain):
    url, _ = plain
    resp = requests.get(url + WEBHOOK, params={**signed_params("other"), "echostr": "abc"}, timeout=10)
    assert resp.status_code == 403


def test_get_without_echostr_is_400(plain):
    url, _ = plain
    resp = requests.get(url + WEBHOOK, params=signed_params(TOKEN), timeout=10)
    assert resp.status_code == 400 and "echostr" in resp.text


def test_not_configured_channel_answers_503(serve):
    url, agent = serve(WeChatInput(token="", appid="", aes_key="", appsecret=""))
    get = requests.get(url + WEBHOOK, params={**signed_params(""), "echostr": "x"}, timeout=10)
    posted = post(url, text_xml("你好"), token="")
    for resp in (get, posted):
        assert resp.status_code == 503 and "未配置" in resp.text and "not configured" in resp.text
    assert agent.received == []
    health = requests.get(url + "/webhooks/wechat/", timeout=10).json()
    assert health == {"status": "ok", "configured": False}


# -- messages (POST) --------------------------------------------------------------


def test_text_message_reaches_rasa_and_gets_passive_reply(plain):
    url, agent = plain
    reply = reply_of(post(url, text_xml("你好", sender="oOpenID_1", msg_id="42")))
    assert reply["MsgType"] == "text" and reply["Content"] == "收到：你好"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("oOpenID_1", "gh_account")
    [message] = agent.received
    # Namespaced conversation id: no REST sender can name it (bot/channels/namespace.py).
    assert (message.text, message.sender_id, message.input_channel) == ("你好", "wechat:oOpenID_1", "wechat")
    assert message.metadata == {"wechat_msg_id": "42"}


def test_post_with_forged_signature_is_403_and_not_processed(plain):
    url, agent = plain
    resp = post(url, text_xml("你好"), params=signed_params("wrong-token"))
    assert resp.status_code == 403
    resp = post(url, text_xml("你好"), params={})
    assert resp.status_code == 403
    assert agent.received == []


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>",
    "not xml at all",
    "<root><MsgType>text</MsgType></root>",
    "<xml><MsgType><a>1</a></MsgType><FromUserName>u</FromUserName></xml>",
    "<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><Content>hi</Content></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName><a>u</a></FromUserName>"
    "<MsgType>text</MsgType><Content>hi</Content></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName>"
    "<MsgType>text</MsgType><Content><b>1</b></Content></xml>",
    '<!DOCTYPE xml [<!ENTITY x "boom">]><xml><ToUserName>gh</ToUserName>'
    "<FromUserName>u</FromUserName><MsgType>text</MsgType><Content>&x;</Content></xml>",
])
def test_malformed_xml_is_400_with_clear_message(plain, body):
    url, agent = plain
    resp = post(url, body)
    assert resp.status_code == 400 and "XML" in resp.text
    assert agent.received == []


def test_empty_non_utf8_and_huge_bodies_are_refused(plain):
    url, agent = plain
    empty = post(url, b"")
    blank = post(url, b"   \n")
    latin = post(url, text_xml("caf\xe9").encode("latin-1"))
    huge = post(url, text_xml("长" * 40000))
    assert (empty.status_code, blank.status_code) == (400, 400) and "为空" in empty.text
    assert latin.status_code == 400 and "UTF-8" in latin.text
    assert huge.status_code == 413
    assert agent.received == []


def test_subscribe_event_gets_welcome_and_unsubscribe_success(plain):
    url, agent = plain
    event = ("<xml><ToUserName>gh_account</ToUserName><FromUserName>oNew</FromUserName>"
             "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>{}</Event>{}</xml>")
    welcome = reply_of(post(url, event.format("subscribe", "")))
    assert welcome["Content"] == wechat.TEXT_WELCOME and welcome["ToUserName"] == "oNew"
    scan = reply_of(post(url, event.format("subscribe", "<EventKey>qrscene_7</EventKey>")))
    assert scan["Content"] == wechat.TEXT_WELCOME
    gone = post(url, event.format("unsubscribe", ""))
    assert (gone.status_code, gone.text) == (200, "success")
    assert agent.received == []


@pytest.mark.parametrize("msg_type,extra", [
    ("image", "<PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId>"),
    ("voice", "<MediaId>m</MediaId><Format>amr</Format>"),
    ("location", "<Location_X>40.6</Location_X><Location_Y>109.8</Location_Y>"),
    ("brand_new_type", ""),
])
def test_non_text_messages_ask_for_text(plain, msg_type, extra):
    url, agent = plain
    body = (f"<xml><ToUserName>gh_account</ToUserName><FromUserName>oU</FromUserName>"
            f"<CreateTime>1</CreateTime><MsgType>{msg_type}</MsgType>{extra}<MsgId>9</MsgId></xml>")
    reply = reply_of(post(url, body))
    assert reply["Content"] == wechat.TEXT_SEND_TEXT and "文字" in reply["Content"]
    assert agent.received == []


def test_citations_render_as_basis_lines(plain):
    url, _ = plain
    content = reply_of(post(url, text_xml("引用")))["Content"]
    assert content.splitlines() == [
        "答复正文。", "第二段。",
        "依据《示例文件甲》第一部分第（二）项。",
        "依据《示例文件乙》第3条。",
    ]


def test_buttons_become_numbers_and_a_number_picks_the_payload(plain):
    url, agent = plain
    content = reply_of(post(url, text_xml("选项", sender="oBtn")))["Content"]
    assert "1. 申报条件" in content and "2. 申报材料" in content
    reply_of(post(url, text_xml("２", sender="oBtn", msg_id="2")))
    assert agent.received[-1].text == "/request_checklist"
    reply_of(post(url, text_xml("7", sender="oBtn", msg_id="3")))  # out of range: plain text
    assert agent.received[-1].text == "7"
    reply_of(post(url, text_xml("1", sender="oOther", msg_id="4")))  # other user: no buttons
    assert agent.received[-1].text == "1"


def test_long_answer_fits_wechat_limit_and_keeps_citation(plain):
    url, _ = plain
    resp = post(url, text_xml("长答复"))
    content = reply_of(resp)["Content"]
    assert len(content.encode("utf-8")) <= 2048
    assert content.startswith("第0行：") and wechat.TEXT_TRUNCATED in content
    assert content.endswith("依据《示例文件甲》第一部分。")


def test_hostile_bot_text_still_gives_valid_xml(plain):
    url, _ = plain
    content = reply_of(post(url, text_xml("危险")))["Content"]
    assert content == "含有]]>结束符和控制符"


def test_bot_failure_silence_empty_and_too_long_inputs(plain):
    url, agent = plain
    # Both a failed turn and a turn without a reply get the REST channel's apology with the hotline.
    apology = apology_text()
    assert apology.startswith("抱歉") and ("热线" in apology or "人力资源和社会保障部门" in apology)
    assert reply_of(post(url, text_xml("出错")))["Content"] == apology
    assert reply_of(post(url, text_xml("沉默")))["Content"] == apology
    assert reply_of(post(url, text_xml("   ")))["Content"] == wechat.TEXT_EMPTY
    too_long = reply_of(post(url, text_xml("问" * 1500)))["Content"]
    assert "太长" in too_long and str(wechat.MAX_INPUT_CHARS) in too_long
    assert [m.text for m in agent.received] == ["出错", "沉默"]


def test_slow_answer_without_appsecret_is_returned_when_user_asks_again(plain):
    url, agent = plain
    with ThreadPoolExecutor(2) as pool:  # a double send / WeChat retry in flight
        firsts = list(pool.map(lambda i: reply_of(post(url, text_xml("慢问题", sender="oSlow", msg_id=str(i)))),
                               range(2)))
    assert [r["Content"] for r in firsts] == [wechat.TEXT_PROCESSING] * 2
    time.sleep(1.5)
    again = reply_of(post(url, text_xml("慢问题", sender="oSlow", msg_id="2")))
    assert again["Content"] == "慢速答复：慢问题"
    assert [m.text for m in agent.received] == ["慢问题"]  # one Rasa turn, not two
    third = reply_of(post(url, text_xml("慢问题", sender="oSlow", msg_id="3")))
    assert third["Content"] == wechat.TEXT_PROCESSING  # a new question, a new turn
    assert len(agent.received) == 2


# -- retries and replays (issue 15) ----------------------------------------------


def test_sequential_duplicate_msgid_is_answered_once(plain):
    url, agent = plain
    first = reply_of(post(url, text_xml("你好", sender="oDup", msg_id="555")))
    again = reply_of(post(url, text_xml("你好", sender="oDup", msg_id="555")))
    assert first["Content"] == "收到：你好"
    assert again["Content"] == first["Content"]          # the stored answer, not a new turn
    assert [m.text for m in agent.received] == ["你好"]


def test_retry_of_a_numbered_choice_is_not_matched_against_the_next_list(plain):
    url, agent = plain
    reply_of(post(url, text_xml("选项", sender="oPick", msg_id="700")))
    reply_of(post(url, text_xml("1", sender="oPick", msg_id="701")))
    reply_of(post(url, text_xml("1", sender="oPick", msg_id="701")))   # WeChat's retry
    assert [m.text for m in agent.received] == ["选项", "/check_eligibility"]


@pytest.mark.parametrize("age", [301, 30 * 24 * 3600, -400])
def test_stale_or_future_timestamp_is_refused(plain, age):
    url, agent = plain
    stamp = str(int(time.time()) - age)
    resp = post(url, text_xml("你好", sender="oOld"), params=signed_params(TOKEN, timestamp=stamp))
    assert resp.status_code == 403 and "timestamp" in resp.text
    assert agent.received == []


def test_timestamp_window_is_configurable(serve):
    url, agent = serve(WeChatInput(token=TOKEN, reply_timeout=0.3, max_age=3600))
    stamp = str(int(time.time()) - 1800)
    assert reply_of(post(url, text_xml("你好", sender="oHalfHour"), params=signed_params(TOKEN, timestamp=stamp)))
    assert [m.text for m in agent.received] == ["你好"]


def test_duplicate_reaching_another_process_is_not_run_again(serve, tmp_path):
    """Two channels (two Rasa processes) sharing the SQLite lock store file: a MsgId
    answered by one is recognised by the other."""
    from bot.lock_store import SQLiteLockStore

    db = str(tmp_path / "locks.db")
    agents = []
    urls = []
    for _ in range(2):
        agent = ScriptedAgent()
        agent.lock_store = SQLiteLockStore(db=db)     # each process opens the file itself
        url, _ = serve(WeChatInput(token=TOKEN, reply_timeout=0.3), agent)
        agents.append(agent)
        urls.append(url)
    assert reply_of(post(urls[0], text_xml("你好", sender="oTwo", msg_id="900")))["Content"] == "收到：你好"
    post(urls[1], text_xml("你好", sender="oTwo", msg_id="900"))
    assert [m.text for m in agents[0].received] == ["你好"] and agents[1].received == []


def test_claim_once_on_the_sqlite_lock_store(tmp_path):
    from bot.lock_store import SQLiteLockStore, claim_once

    one, two = SQLiteLockStore(db=str(tmp_path / "l.db")), SQLiteLockStore(db=str(tmp_path / "l.db"))
    assert claim_once(one, "k", 60) is True
    assert claim_once(two, "k", 60) is False
    assert claim_once(two, "short", 0.01) is True
    time.sleep(0.05)
    assert claim_once(one, "short", 60) is True      # expired: a new claim


def test_numbered_choice_is_read_from_the_tracker_store(serve):
    """The buttons come from the last bot messages stored in the tracker (Rasa's own
    in-memory tracker store here), not from the channel's memory: a fresh channel, as after
    a restart or in another process, resolves the number."""
    import asyncio

    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("wechat:oStored", slots=[])
    for event in (ActionExecuted("action_listen"), UserUttered("我想报中级"),
                  BotUttered("您所在单位属于哪一类？", data={"buttons": [
                      {"title": "非公", "payload": "非公"}, {"title": "事业单位", "payload": "事业单位"}]}),
                  ActionExecuted("action_listen")):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    agent = ScriptedAgent()
    agent.tracker_store = store
    url, _ = serve(WeChatInput(token=TOKEN, reply_timeout=0.3), agent)
    reply_of(post(url, text_xml("2", sender="oStored")))
    assert agent.received[-1].text == "事业单位"
