"""Low confidence, out of scope and hand-over to a person."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bigrams, coverage_text, hotline_text, kb, send
from actions.eligibility_answer import answer_eligibility_if_asked
from actions.kb_answers import ranked_hits
from actions.kb_answers import compose_topic_answer

MAX_QUERY = 500
# Share of the question's characters and character pairs a clause must contain to be
# answered directly when the intent was unclear.
DIRECT_ANSWER_COVERAGE = 0.6


def _button(hit: dict) -> dict:
    heading = (hit.get("heading") or hit.get("text") or "")[:24]
    title = f"{hit.get('label', hit['id'])}：{heading}" if heading else hit.get("label", hit["id"])
    return {"title": title, "payload": '/show_clause{"clause_id": "%s"}' % hit["id"]}


def clearly_matches(text: str, hit: dict) -> bool:
    wanted = bigrams(text)
    if len(wanted) < 6:
        return False
    clause = kb().clause(hit["id"]) or hit
    return len(wanted & bigrams(clause.get("text", ""))) / len(wanted) >= DIRECT_ANSWER_COVERAGE


class ActionFallbackSearch(Action):
    """Not sure what was meant: offer the best-matching clauses as buttons."""

    def name(self) -> str:
        return "action_fallback_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()[:MAX_QUERY]
        # "不对，我是本科" after a verdict: the eligibility answer is re-decided, whatever the intent
        events = answer_eligibility_if_asked(dispatcher, tracker, text) if text else None
        if events is not None:
            return events
        hits = ranked_hits(text, None) if text else []
        if hits and clearly_matches(text, hits[0]):
            # The words match one clause well: answer it, and offer the other candidates.
            answer, cites = compose_topic_answer(text, None)
            buttons = [_button(h) for h in hits[1:3]]
            send(dispatcher, "您是想问这个吧：\n" + answer, cites, buttons=buttons or None)
            return []
        if hits:
            buttons = [_button(h) for h in hits[:3]]
            send(dispatcher, "没太明白您的意思。您是想问下面哪一条？点一下就能看到原文。", buttons=buttons)
            return []
        if not text:
            send(dispatcher, "您好像发了一条空消息。请直接输入您的职称问题，比如“送审表要几份”。")
            return []
        send(dispatcher, "抱歉，没能理解您的问题。" + coverage_text() + "可以换个说法再问，或者" + hotline_text())
        return []


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        send(dispatcher, "这个问题不在我的范围内。" + coverage_text()
             + "比如申报条件、材料、时间、流程、考核认定、非公企业和基层人员政策等。其他问题" + hotline_text())
        return []


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        send(dispatcher, "我是机器人，暂时不能直接转接人工。需要人工解答请拨打电话咨询：" + hotline_text()
             + "也可以咨询所在单位人事部门或当地人力资源和社会保障部门。")
        return []
