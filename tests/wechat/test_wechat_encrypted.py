"""安全模式 (AES) and the customer-service push for slow or long answers."""

import time

import pytest
import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.channels import wechat
from bot.channels.wechat import WeChatInput
from wechat_helpers import CRYPTO_VECTOR, WEBHOOK, now_stamp, sha1_signature, signed_params, text_xml

V = CRYPTO_VECTOR


def platform_post(url, crypto, inner_xml, token, timestamp=None, nonce="77", **override):
    timestamp = timestamp or now_stamp()
    """Encrypt a push the way the WeChat platform does and POST it."""
    outer = xmltodict.parse(crypto.encrypt_message(inner_xml, nonce, timestamp))["xml"]
    body = f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><Encrypt><![CDATA[{outer['Encrypt']}]]></Encrypt></xml>"
    params = {**signed_params(token, timestamp, nonce), "encrypt_type": "aes",
              "msg_signature": outer["MsgSignature"], "openid": "oSecure"}
    params.update(override)
    return requests.post(url + WEBHOOK, params=params, data=body.encode(), timeout=15)


def decrypt_reply(crypto, resp):
    assert resp.status_code == 200, resp.text
    outer = xmltodict.parse(resp.text)["xml"]
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    plain = crypto.decrypt_message(resp.text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
    return xmltodict.parse(plain)["xml"]


@pytest.fixture
def secure(serve):
    channel = WeChatInput(token=V["token"], appid=V["appid"], aes_key=V["aes_key"], reply_timeout=0.3)
    url, agent = serve(channel)
    return url, agent, WeChatCrypto(V["token"], V["aes_key"], V["appid"])


def test_encrypted_text_round_trip(secure):
    url, agent, crypto = secure
    resp = platform_post(url, crypto, text_xml("加密的问题", sender="oSecure"), V["token"])
    reply = decrypt_reply(crypto, resp)
    assert (reply["Content"], reply["ToUserName"]) == ("收到：加密的问题", "oSecure")
    assert "加密的问题" not in resp.text
    assert agent.received[0].sender_id == "wechat:oSecure"


def test_fixed_encrypted_vector_from_wechatpy(serve):
    # The vector was signed in 2014: the timestamp window is turned off for it (max_age=0).
    channel = WeChatInput(token=V["token"], appid=V["appid"], aes_key=V["aes_key"], reply_timeout=0.3, max_age=0)
    url, agent = serve(channel)
    crypto = WeChatCrypto(V["token"], V["aes_key"], V["appid"])
    params = {"encrypt_type": "aes", "msg_signature": V["msg_signature"],
              "timestamp": V["timestamp"], "nonce": V["nonce"],
              "signature": sha1_signature(V["token"], V["timestamp"], V["nonce"])}
    resp = requests.post(url + WEBHOOK, params=params, data=V["xml"].encode(), timeout=15)
    reply = decrypt_reply(crypto, resp)
    assert (reply["Content"], reply["ToUserName"]) == ("收到：test", "messense")
    assert [(m.text, m.sender_id) for m in agent.received] == [("test", "wechat:messense")]


def test_encrypted_subscribe_and_image(secure):
    url, agent, crypto = secure
    sub = ("<xml><ToUserName>gh_account</ToUserName><FromUserName>oS</FromUserName>"
           "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>")
    assert decrypt_reply(crypto, platform_post(url, crypto, sub, V["token"]))["Content"] == wechat.TEXT_WELCOME
    img = ("<xml><ToUserName>gh_account</ToUserName><FromUserName>oS</FromUserName>"
           "<CreateTime>1</CreateTime><MsgType>image</MsgType><PicUrl>u</PicUrl><MsgId>1</MsgId></xml>")
    assert decrypt_reply(crypto, platform_post(url, crypto, img, V["token"]))["Content"] == wechat.TEXT_SEND_TEXT
    assert agent.received == []


def test_encrypted_forgeries_are_403(secure):
    url, agent, crypto = secure
    forged_msg_sig = platform_post(url, crypto, text_xml("x"), V["token"], msg_signature="0" * 40)
    forged_sig = platform_post(url, crypto, text_xml("x"), V["token"], signature="0" * 40)
    no_msg_sig = platform_post(url, crypto, text_xml("x"), V["token"], msg_signature="")
    other_app = WeChatCrypto(V["token"], V["aes_key"], "wx_other_app_id")
    wrong_app = platform_post(url, other_app, text_xml("x"), V["token"])
    for resp in (forged_msg_sig, forged_sig, no_msg_sig, wrong_app):
        assert resp.status_code == 403
    assert "AppID" in wrong_app.text
    assert agent.received == []


def test_encrypted_garbage_is_400(secure):
    url, agent, _ = secure
    timestamp, nonce, cipher = now_stamp(), "77", "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    params = {**signed_params(V["token"], timestamp, nonce), "encrypt_type": "aes",
              "msg_signature": sha1_signature(V["token"], timestamp, nonce, cipher)}
    bad_cipher = requests.post(url + WEBHOOK, params=params,
                               data=f"<xml><Encrypt>{cipher}</Encrypt></xml>".encode(), timeout=10)
    no_encrypt = requests.post(url + WEBHOOK, params=params, data=b"<xml><A>1</A></xml>", timeout=10)
    broken = requests.post(url + WEBHOOK, params=params, data=b"<xml><Encrypt>", timeout=10)
    assert bad_cipher.status_code == 400 and "解密" in bad_cipher.text
    assert no_encrypt.status_code == 400 and broken.status_code == 400
    assert agent.received == []


def test_aes_request_without_aes_configuration_is_503(serve):
    url, agent = serve(WeChatInput(token=V["token"], appid=V["appid"], aes_key="too-short"))
    crypto = WeChatCrypto(V["token"], V["aes_key"], V["appid"])
    resp = platform_post(url, crypto, text_xml("x"), V["token"])
    assert resp.status_code == 503 and "WECHAT_AES_KEY" in resp.text
    # plain mode keeps working on the same channel
    ok = requests.post(url + WEBHOOK, params=signed_params(V["token"]), data=text_xml("明文").encode(), timeout=10)
    assert xmltodict.parse(ok.text)["xml"]["Content"] == "收到：明文"


# -- customer-service API (appsecret configured) ------------------------------------


@pytest.fixture
def pushing(serve, wechat_api):
    channel = WeChatInput(token=V["token"], appid=V["appid"], aes_key=V["aes_key"],
                          appsecret="test-secret", reply_timeout=0.3, api_base_url=wechat_api.base_url)
    url, agent = serve(channel)
    return url, agent, WeChatCrypto(V["token"], V["aes_key"], V["appid"]), wechat_api


def test_slow_answer_is_pushed_through_customer_service_api(pushing):
    url, agent, crypto, api = pushing
    resp = platform_post(url, crypto, text_xml("慢慢查", sender="oPush"), V["token"])
    assert (resp.status_code, resp.text) == (200, "success")
    # WeChat retrying the same push meanwhile starts no second Rasa turn
    retry = platform_post(url, crypto, text_xml("慢慢查", sender="oPush"), V["token"], nonce="78")
    assert (retry.status_code, retry.text) == (200, "success")
    sent = api.wait_for(1)
    time.sleep(0.5)
    assert sent == [{"touser": "oPush", "msgtype": "text", "text": {"content": "慢速答复：慢慢查"}}]
    assert api.token_requests == 1
    assert [m.text for m in agent.received] == ["慢慢查"]


def test_long_answer_is_split_passive_first_then_pushed(pushing):
    url, _, crypto, api = pushing
    first = decrypt_reply(crypto, platform_post(url, crypto, text_xml("长答复", sender="oLong"), V["token"]))
    assert first["Content"].endswith(wechat.TEXT_CONTINUED)
    assert wechat.TEXT_TRUNCATED not in first["Content"]
    sent = api.wait_for(1)
    time.sleep(0.3)  # all parts are sent in one background task
    parts = [first["Content"]] + [m["text"]["content"] for m in api.sent]
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts) and len(parts) >= 2
    assert all(m["touser"] == "oLong" for m in sent)
    joined = "\n".join(parts)
    assert "第39行：" in joined and parts[-1].endswith("依据《示例文件甲》第一部分。")


def test_retry_on_another_process_during_a_late_push_is_not_answered_twice(serve, wechat_api, tmp_path):
    """Two processes share the SQLite lock store: WeChat's retry of a slow message reaches
    the second while the first is still working; the first pushes the answer once, the
    second answers "success" and runs no turn."""
    from bot.lock_store import SQLiteLockStore
    from wechat_helpers import ScriptedAgent, next_msg_id

    urls, agents = [], []
    for _ in range(2):
        agent = ScriptedAgent()
        agent.lock_store = SQLiteLockStore(db=str(tmp_path / "locks.db"))
        channel = WeChatInput(token=V["token"], appid=V["appid"], aes_key=V["aes_key"], appsecret="test-secret",
                              reply_timeout=0.3, api_base_url=wechat_api.base_url)
        url, _ = serve(channel, agent)
        urls.append(url)
        agents.append(agent)
    crypto = WeChatCrypto(V["token"], V["aes_key"], V["appid"])
    msg_id = next_msg_id()
    first = platform_post(urls[0], crypto, text_xml("慢慢查", sender="oTwice", msg_id=msg_id), V["token"])
    retry = platform_post(urls[1], crypto, text_xml("慢慢查", sender="oTwice", msg_id=msg_id), V["token"], nonce="79")
    assert (first.text, retry.text) == ("success", "success")
    sent = wechat_api.wait_for(1)
    time.sleep(1.5)
    assert sent == [{"touser": "oTwice", "msgtype": "text", "text": {"content": "慢速答复：慢慢查"}}]
    assert [m.text for m in agents[0].received] == ["慢慢查"] and agents[1].received == []
