"""Signature and crypto vectors: the documented algorithm and fixed published vectors."""

import xmltodict
import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from wechat_helpers import CRYPTO_VECTOR, UTILS_VECTOR, sha1_signature


def test_documented_algorithm_reproduces_fixed_vector():
    v = UTILS_VECTOR
    assert sha1_signature(v["token"], v["timestamp"], v["nonce"]) == v["signature"]
    check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"])


def test_one_changed_input_breaks_the_signature():
    v = UTILS_VECTOR
    with pytest.raises(InvalidSignatureException):
        check_signature(v["token"], v["signature"], v["timestamp"], "tesu")
    assert sha1_signature("other", v["timestamp"], v["nonce"]) != v["signature"]


def test_msg_signature_covers_the_ciphertext():
    v = CRYPTO_VECTOR
    encrypt = xmltodict.parse(v["xml"])["xml"]["Encrypt"]
    assert sha1_signature(v["token"], v["timestamp"], v["nonce"], encrypt) == v["msg_signature"]
    crypto = WeChatCrypto(v["token"], v["aes_key"], v["appid"])
    plain = xmltodict.parse(
        crypto.decrypt_message(v["xml"], v["msg_signature"], v["timestamp"], v["nonce"])
    )["xml"]
    assert (plain["FromUserName"], plain["MsgType"], plain["Content"]) == ("messense", "text", "test")
