"""Conversation ids per channel: a sender on one channel can never name a conversation of
another.

Rasa keys conversations by ``sender_id`` alone, whatever the channel. Channels other than
REST prefix their users' ids with their own name (``wechat:<OpenID>``); the REST channel
refuses a sender that starts with such a prefix. The REST channel (and the web chat that
goes through it) keeps plain ids.
"""
from __future__ import annotations

WECHAT = "wechat"
RESERVED_PREFIXES = (WECHAT + ":",)


def conversation_id(channel: str, user: str) -> str:
    """The conversation id of `user` on `channel` (e.g. ``wechat:oAbc…``)."""
    return f"{channel}:{user}"


def user_of(channel: str, sender_id: str) -> str:
    """The channel's own user id back from a conversation id (``wechat:oAbc`` -> ``oAbc``)."""
    prefix = channel + ":"
    return sender_id[len(prefix):] if sender_id.startswith(prefix) else sender_id


def is_reserved(sender: str) -> bool:
    """True when a REST sender names another channel's conversation."""
    return sender.strip().lower().startswith(RESERVED_PREFIXES)
