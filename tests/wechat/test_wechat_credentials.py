"""The channel is loaded by Rasa from credentials.yml as the lead writes it."""

import logging

import pytest
from rasa.core.run import create_http_input_channels

from bot.channels.wechat import WeChatInput, WeChatOutput
from wechat_helpers import CRYPTO_VECTOR as V

CREDENTIALS = """\
bot.channels.wechat.WeChatInput:
  token: ${WECHAT_TOKEN}
  appid: ${WECHAT_APPID}
  aes_key: ${WECHAT_AES_KEY}
  appsecret: ${WECHAT_APPSECRET}
"""


# Quoted placeholders are not expanded by Rasa; the channel reads them itself.
QUOTED = CREDENTIALS.replace(": ${", ': "${').replace("}\n", '}"\n')


@pytest.fixture(params=["unquoted", "quoted"])
def credentials_text(request):
    return CREDENTIALS if request.param == "unquoted" else QUOTED


@pytest.fixture
def load(tmp_path, monkeypatch, credentials_text):
    def _load(**env):
        for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY", "WECHAT_APPSECRET"):
            monkeypatch.setenv(name, env.get(name, ""))
        path = tmp_path / "credentials.yml"
        path.write_text(credentials_text, encoding="utf-8")
        [channel] = create_http_input_channels(None, str(path))
        return channel

    return _load


def test_empty_env_gives_an_unconfigured_channel(load):
    channel = load()
    assert isinstance(channel, WeChatInput) and channel.name() == "wechat"
    assert (channel.token, channel.crypto, channel.customer_service) == ("", None, None)
    assert channel.get_output_channel() is None


def test_full_env_enables_encryption_and_push(load):
    channel = load(WECHAT_TOKEN=V["token"], WECHAT_APPID=V["appid"],
                   WECHAT_AES_KEY=V["aes_key"], WECHAT_APPSECRET="secret")
    assert channel.token == V["token"] and channel.crypto is not None
    assert channel.reply_timeout == 4.5
    assert isinstance(channel.get_output_channel(), WeChatOutput)


def test_invalid_aes_key_is_reported_not_fatal(load, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.channels.wechat"):
        channel = load(WECHAT_TOKEN="t", WECHAT_APPID="wx1",
                       WECHAT_AES_KEY="not-a-valid-key")
    assert channel.token == "t" and channel.crypto is None
    assert "WECHAT_AES_KEY" in caplog.text


@pytest.mark.parametrize("credentials", [None, {}, "junk", {"token": None, "reply_timeout": "abc"}])
def test_missing_or_odd_credentials_do_not_crash(credentials):
    channel = WeChatInput.from_credentials(credentials)
    assert channel.token == "" and channel.reply_timeout == 4.5
