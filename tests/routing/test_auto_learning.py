"""Auto-dispatch above/below the threshold; learning from overrides and accepted returns."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.routing.auto import auto_dispatch_threshold, maybe_auto_dispatch
from hotline.routing.models import FeedbackKind, RoutingFeedback
from hotline.routing.suggest import Suggestion, record_suggestion, suggest
from hotline.tickets.actions import dispatch, return_ticket, rule_return
from tests.routing.conftest import PROPERTY, make_ticket, triage

pytestmark = pytest.mark.django_db

TEXT = "城关镇幸福小区物业不作为,电梯坏了没人修"


def property_ticket(**extra: Any) -> Any:
    return make_ticket(text=TEXT, topic=PROPERTY, type="投诉类", triage=triage(), **extra)


def shown(ticket: Any) -> Suggestion:
    """A suggestion recorded as the suggestions API and auto-dispatch record it."""
    s = suggest(ticket)
    record_suggestion(ticket, s)
    return s


def test_threshold_setting(settings: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("HOTLINE_AUTO_DISPATCH_CONFIDENCE", raising=False)
    assert auto_dispatch_threshold() == 0.85
    monkeypatch.setenv("HOTLINE_AUTO_DISPATCH_CONFIDENCE", "off")
    assert auto_dispatch_threshold() is None
    monkeypatch.setenv("HOTLINE_AUTO_DISPATCH_CONFIDENCE", "0")
    assert auto_dispatch_threshold() is None
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.5
    assert auto_dispatch_threshold() == 0.5


def test_auto_dispatch_above_threshold(rorg: Any, settings: Any, committed: Any) -> None:
    ticket = property_ticket()
    confidence = suggest(ticket).confidence
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = confidence - 0.01
    with committed():
        done = maybe_auto_dispatch(ticket)
    assert done is not None and done.state == "dispatched" and done.lead_unit_id == rorg.a_housing.pk
    event = Event.objects.get(ticket=ticket, action="dispatch")
    assert event.actor_role == "system" and event.payload["lead_unit"] == "A-ZJ"
    assert event.payload["note"].startswith("智能派单")
    assert not RoutingFeedback.objects.exists()  # our own dispatch teaches nothing


def test_no_auto_dispatch_below_threshold_or_when_not_eligible(rorg: Any, settings: Any) -> None:
    ticket = property_ticket()
    confidence = suggest(ticket).confidence
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = confidence + 0.01
    assert maybe_auto_dispatch(ticket) is None
    ticket.refresh_from_db()
    assert ticket.state == "accepted" and not Event.objects.filter(ticket=ticket).exists()
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.01
    police = make_ticket(text=TEXT, topic=PROPERTY, triage=triage(police=True))
    invalid = make_ticket(text=TEXT, topic=PROPERTY, triage=triage(valid=False))
    no_triage = make_ticket(text=TEXT, topic=PROPERTY)
    for t in (police, invalid, no_triage):
        assert maybe_auto_dispatch(t) is None
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = "off"
    assert maybe_auto_dispatch(ticket) is None


def test_an_override_changes_the_next_suggestion(rorg: Any, committed: Any) -> None:
    first = property_ticket()
    assert shown(first).lead.unit.code == "A-ZJ"  # type: ignore[union-attr]
    with committed():
        dispatch(Actor.of(rorg.dispatcher), first.number, lead_unit="A-CG")
    lessons = {(f.unit_id, f.weight, f.kind) for f in RoutingFeedback.objects.all()}
    assert lessons == {
        (rorg.a_town.pk, 1.0, FeedbackKind.OVERRIDE),
        (rorg.a_housing.pk, -1.0, FeedbackKind.OVERRIDE),
    }
    nxt = shown(property_ticket())
    assert nxt.lead.unit.code == "A-CG"  # type: ignore[union-attr]
    assert any(r["kind"] == "learned" and "历史改派经验" in r["text"] for r in nxt.lead.reasons)  # type: ignore[union-attr]
    # Elsewhere (county B) the lesson learned in 城关镇 does not apply.
    other = suggest({"text": "龙潭镇小区物业不作为", "topic": PROPERTY})
    assert other.lead.unit.code == "B-ZJ"  # type: ignore[union-attr]


def test_accepting_the_suggestion_teaches_nothing(rorg: Any, committed: Any) -> None:
    ticket = property_ticket()
    shown(ticket)
    with committed():
        dispatch(Actor.of(rorg.dispatcher), ticket.number, lead_unit="A-ZJ")
    assert not RoutingFeedback.objects.exists()


def test_an_accepted_return_changes_the_next_suggestion(rorg: Any, committed: Any) -> None:
    ticket = property_ticket()
    shown(ticket)
    with committed():
        dispatch(Actor.of(rorg.dispatcher), ticket.number, lead_unit="A-ZJ")
        return_ticket(Actor.of(rorg.a_housing_handler), ticket.number, reason="属于社区物业协调,应由镇里处理")
        rule_return(Actor.of(rorg.dispatcher), ticket.number, decision="redispatch", lead_unit="A-CG")
    kinds = set(RoutingFeedback.objects.values_list("kind", flat=True))
    assert kinds == {FeedbackKind.RETURN}
    nxt = shown(property_ticket())
    assert nxt.lead.unit.code == "A-CG"  # type: ignore[union-attr]


def test_an_overruled_return_teaches_nothing(rorg: Any, committed: Any) -> None:
    ticket = property_ticket()
    shown(ticket)
    with committed():
        dispatch(Actor.of(rorg.dispatcher), ticket.number, lead_unit="A-ZJ")
        return_ticket(Actor.of(rorg.a_housing_handler), ticket.number, reason="不归我管")
        rule_return(Actor.of(rorg.dispatcher), ticket.number, decision="overrule", reason="属于住建职责")
    assert not RoutingFeedback.objects.exists()
    assert shown(property_ticket()).lead.unit.code == "A-ZJ"  # type: ignore[union-attr]
