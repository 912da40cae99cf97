"""Rendering Rasa messages as WeChat text and keeping within the byte limit."""

from bot.channels.wechat import (
    REPLY_LIMIT_BYTES,
    TEXT_CONTINUED,
    TEXT_TRUNCATED,
    RenderedReply,
    citation_line,
    fit_reply,
    push_parts,
    render_messages,
    split_text,
    utf8_len,
    xml_safe,
)


def test_citations_buttons_and_text_render_in_order():
    rendered = render_messages([
        {"recipient_id": "u", "text": "第一段"},
        {"recipient_id": "u", "text": "请选择", "buttons": [
            {"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]},
        {"recipient_id": "u", "text": "再选", "buttons": [{"title": "人工", "payload": "/human_handoff"}]},
        {"recipient_id": "u", "custom": {"citations": [
            {"id": "x:一", "title": "甲文件", "label": "《甲文件》第一部分", "quote": "q"},
            {"id": "x:一", "title": "甲文件", "label": "《甲文件》第一部分", "quote": "q"},
        ]}},
        {"recipient_id": "u", "custom": {"eligibility": {"eligible": True}}},
    ])
    assert rendered.body.splitlines() == [
        "第一段", "请选择", "请回复数字选择：", "1. 是", "2. 否", "再选", "请回复数字选择：", "3. 人工"]
    assert rendered.choices == ["/affirm", "/deny", "/human_handoff"]
    assert rendered.citations == ["依据《甲文件》第一部分。"]


def test_citation_line_builds_a_label_from_what_is_there():
    assert citation_line({"title": "乙文件", "label": "第（六）项"}) == "依据《乙文件》第（六）项。"
    assert citation_line({"title": "乙文件"}) == "依据《乙文件》。"
    assert citation_line({"id": "bt-2020:一"}) == "依据bt-2020:一。"
    assert citation_line({}) is None and citation_line("garbage") is None


def test_render_ignores_malformed_messages():
    rendered = render_messages([None, "x", {"custom": {"citations": "not a list"}}, {"buttons": ["x"]}])
    assert (rendered.body, rendered.citations, rendered.choices) == ("", [], [])


def test_render_drops_characters_utf8_and_xml_cannot_carry():
    rendered = render_messages([{"text": "甲\ud800乙\x00丙", "custom": {"citations": [{"label": "《丁\x07》"}]}}])
    assert (rendered.body, rendered.citations) == ("甲乙丙", ["依据《丁》。"])
    assert fit_reply(rendered, REPLY_LIMIT_BYTES, can_continue=False)[0] == "甲乙丙\n依据《丁》。"


def test_split_text_respects_byte_limit_and_keeps_all_characters():
    text = "\n".join(["短行", "长" * 1500, "", "尾行😀" * 50])
    parts = split_text(text, 500)
    assert all(utf8_len(p) <= 500 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_fit_reply_truncates_body_but_keeps_citations():
    rendered = RenderedReply(body="\n".join("第%d行" % i + "内容" * 60 for i in range(30)),
                             citations=["依据《甲文件》第一部分。"])
    first, rest = fit_reply(rendered, REPLY_LIMIT_BYTES, can_continue=False)
    assert rest == [] and utf8_len(first) <= REPLY_LIMIT_BYTES
    assert first.startswith("第0行") and TEXT_TRUNCATED in first
    assert first.endswith("依据《甲文件》第一部分。")


def test_fit_reply_continues_when_push_is_possible():
    rendered = RenderedReply(body="\n".join("第%d行" % i + "内容" * 60 for i in range(30)),
                             citations=["依据《甲文件》第一部分。"])
    first, rest = fit_reply(rendered, REPLY_LIMIT_BYTES, can_continue=True)
    assert first.endswith(TEXT_CONTINUED) and rest
    assert all(utf8_len(p) <= REPLY_LIMIT_BYTES for p in [first, *rest])
    assert rest[-1].endswith("依据《甲文件》第一部分。")
    assert push_parts(rendered, REPLY_LIMIT_BYTES)[0].startswith("第0行")


def test_short_reply_is_unchanged():
    rendered = RenderedReply(body="答复", citations=["依据：《甲》"])
    assert fit_reply(rendered, REPLY_LIMIT_BYTES, can_continue=False) == ("答复\n依据：《甲》", [])


def test_xml_safe_neutralises_cdata_end_and_control_chars():
    assert xml_safe("a]]>b\x00\x07c") == "a]]]]><![CDATA[>bc"


def test_a_structured_answer_is_not_cited_twice():
    """A policy answer (policy_kb.answer.Answer) renders its own citation line with a short
    quote for WeChat; the channel adds no second one."""
    from policy_kb.answer import Answer

    clause = {"id": "x:一", "title": "甲文件", "label": "第一部分", "text": "送审表一式15份。"}
    answer = Answer(short="送审表一式15份。", clauses=[clause], quotes=["送审表一式15份。"])
    rendered = render_messages([{"recipient_id": "u", "text": answer.text("wechat"), "custom": answer.payload()}])
    assert rendered.citations == []
    lines = rendered.body.splitlines()
    assert lines[0] == "送审表一式15份。"
    assert lines[1].startswith("依据《甲文件》第一部分") and "“送审表一式15份。”" in lines[1]
