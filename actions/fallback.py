"""Low confidence, out of scope and hand-over to a person."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import coverage_text, hotline_text, kb, send

MAX_QUERY = 500


class ActionFallbackSearch(Action):
    """Not sure what was meant: offer the best-matching clauses as buttons."""

    def name(self) -> str:
        return "action_fallback_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()[:MAX_QUERY]
        hits = kb().search(text, limit=3) if text else []
        if hits:
            buttons = []
            for hit in hits:
                heading = (hit.get("heading") or hit.get("text") or "")[:24]
                title = f"{hit.get('label', hit['id'])}：{heading}" if heading else hit.get("label", hit["id"])
                payload = '/show_clause{"clause_id": "%s"}' % hit["id"]
                buttons.append({"title": title, "payload": payload})
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
