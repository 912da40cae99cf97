"""The one-time disclosure in the chat: few questions, then the summary and the link."""
from __future__ import annotations

from actions.checklist_actions import MAX_QUESTIONS, ActionChecklistResult, ValidateChecklistForm
from tests.actions.conftest import citations_of, make_tracker, run_action, text_of


def _slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_checklist_form_stops_asking_after_a_few_questions():
    asked = [{"event": "action", "name": "action_start_checklist"}] + [
        {"event": "slot", "name": "requested_slot", "value": name}
        for name in ("target_title", "employer_type", "education")][:MAX_QUESTIONS]
    tracker = make_tracker("本科", "inform", slots={"target_title": "中级", "employer_type": "非公",
                                                  "requested_slot": "education"},
                           active_loop="checklist_form", events=asked)
    _, events = run_action(ValidateChecklistForm(), tracker)
    assert _slots(events)["education"] == "本科"
    assert _slots(events)["requested_slot"] is None


def test_checklist_form_asks_an_unknown_fact_first():
    tracker = make_tracker("我要材料清单", "request_checklist", active_loop="checklist_form",
                           events=[{"event": "action", "name": "action_start_checklist"}])
    _, events = run_action(ValidateChecklistForm(), tracker)
    assert _slots(events)["requested_slot"]


def test_checklist_summary_lists_items_with_copies_link_and_citations(monkeypatch):
    monkeypatch.setenv("PUBLIC_WEB_URL", "http://example.test")
    tracker = make_tracker("", "inform", slots={"target_title": "中级", "employer_type": "非公", "education": "本科"})
    messages, _ = run_action(ActionChecklistResult(), tracker)
    body = text_of(messages)
    assert "送审表" in body and "15份" in body
    assert messages[0]["custom"]["checklist_url"].startswith("http://example.test/checklist?target_title=")
    assert "bt-2020:附件二" in citations_of(messages)
