"""policy_kb.privacy.mask_pii: ID-card and mobile numbers are masked, other numbers kept."""
import pytest

from policy_kb.privacy import mask_pii


@pytest.mark.parametrize("text, expected", [
    ("身份证110105199001011234", "身份证110*************34"),
    ("身份证号11010519900101123X。", "身份证号110*************3X。"),
    ("身份证号11010519900101123x", "身份证号110*************3x"),
    ("老身份证110105900101123", "老身份证110**********23"),
    ("电话13812345678", "电话138****5678"),
    ("电话138-1234-5678，谢谢", "电话138****5678，谢谢"),
    ("电话 138 1234 5678", "电话 138****5678"),
    ("+86 13812345678", "138****5678"),
    ("全角１３８１２３４５６７８", "全角１３８****５６７８"),
    ("call 19912345678now", "call 199****5678now"),
])
def test_masks_personal_numbers(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "服务热线：0472-6169341 0472-6169343",   # public landlines stay readable
    "2024年6月14日前完成",
    "12812345678",                          # not a mobile prefix (12x)
    "123456789012345678901",                # 21 digits: not an ID card
    "包人社办字〔2021〕82号",
    "",
])
def test_keeps_other_text(text):
    assert mask_pii(text) == text


def test_both_kinds_in_one_message_and_raw_digits_gone():
    text = "我是张三，身份证110105199001011234，手机13812345678，能评副高吗"
    masked = mask_pii(text)
    assert "110105199001011234" not in masked and "13812345678" not in masked
    assert masked.startswith("我是张三，身份证110") and masked.endswith("，能评副高吗")
    assert "138****5678" in masked


@pytest.mark.parametrize("value, expected", [(None, ""), (13812345678, "138****5678"), (5, "5")])
def test_non_string_input(value, expected):
    assert mask_pii(value) == expected


def test_huge_and_hostile_input_is_fast_and_safe():
    text = ("1" * 17 + "X ") * 5000 + "<script>13812345678</script>" + "9" * 100_000
    masked = mask_pii(text)
    assert "<script>138****5678</script>" in masked
    assert masked.count("X") == 5000 and "1" * 17 not in masked


# Spellings from issue 15 that the staff console showed unmasked: spaces, dashes, dots,
# full-width forms and zero-width characters inside the number.
@pytest.mark.parametrize("text, raw", [
    ("身份证 110101-19900307-8515", "110101199003078515"),
    ("身份证110101 1990 0307 8515", "110101199003078515"),
    ("身份证１１０１０１－１９９００３０７－８５１５", "110101199003078515"),
    ("身份证1101011990\u200b03078515", "110101199003078515"),
    ("手机138.1234.5678", "13812345678"),
    ("手机138－1234－5678", "13812345678"),
    ("手机138\u200b1234\u200d5678", "13812345678"),
    ("手机1 3 8 1 2 3 4 5 6 7 8", "13812345678"),
    ("手机138\u30001234\u30005678", "13812345678"),
    ("2024.06.01 13812345678 来电", "13812345678"),
])
def test_masks_numbers_written_with_separators(text, raw):
    from policy_kb.privacy import normalised_digits

    masked = mask_pii(text)
    assert raw not in normalised_digits(masked), masked
    assert "*" in masked


def test_separated_landlines_and_dates_stay_readable():
    for text in ("服务热线：0472-6169341 0472-6169343", "2024.06.01-2024.06.30", "第3.5条 12 份"):
        assert mask_pii(text) == text


def test_staff_unanswered_list_masks_every_spelling(tmp_path):
    """The staff console's unanswered list (read from a tracker written by Rasa's own SQL
    store) shows none of the spellings of issue 15 in clear."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.web.unanswered import unanswered
    from policy_kb.privacy import normalised_digits

    spellings = {"110101-19900307-8515": "110101199003078515", "138.1234.5678": "13812345678",
                 "138－1234－5678": "13812345678", "1391234\u200b5678": "13912345678",
                 "１５９ ４７２６ １２３４": "15947261234"}
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))

    async def save() -> None:
        for n, typed in enumerate(spellings):
            tracker = DialogueStateTracker(f"visitor-{n}", slots=[])
            tracker.update(ActionExecuted("action_listen"))
            intent = {"name": "nlu_fallback", "confidence": 0.2}
            tracker.update(UserUttered(f"问题{n} 我的号码 {typed} 怎么办", intent=intent,
                                       parse_data={"intent": intent, "entities": [], "text": typed}))
            tracker.update(ActionExecuted("action_default_fallback"))
            await store.save(tracker)

    asyncio.run(save())
    items = unanswered(tmp_path / "tracker.db")["items"]
    assert len(items) == len(spellings), items
    for item in items:
        assert not [raw for raw in spellings.values() if raw in normalised_digits(item["text"])], item
        assert "*" in item["text"]
