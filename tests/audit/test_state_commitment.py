"""Each ticket event commits to the state it leaves behind: ``hotline audit verify``
names a ticket, assignment or contact row changed behind the platform's back, and
stays quiet after real work (a whole lifecycle, merges, the sweep and the worker)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hotline.audit.chain import event_hash, verify
from hotline.audit.models import ChainHead, Event
from hotline.org.actor import Actor
from hotline.sla.calendar import BEIJING
from hotline.sla.notify import deliver_pending
from hotline.sla.sweep import sweep_all
from hotline.tickets import actions, commitment
from hotline.tickets.intake import take_in
from hotline.tickets.models import Assignment, AssignmentRole, Contact, Ticket

pytestmark = pytest.mark.django_db

ROW, UNITS, CONTACTS = commitment.PART_LABELS


def new_ticket(org: Any, text: str = "城关镇河西村路口的路灯坏了一个多月", phone: str = "13812345678") -> str:
    contact = actions.NewContact(
        channel="phone", text=text, phone=phone, citizen_name="张三", lat=30, lng=120
    )
    return take_in(Actor.of(org.operator), contact).ticket.number


def dispatched(org: Any) -> str:
    """A ticket dispatched to 滨江县住建局 (A-ZJ), with 城关镇 (A-CG) assisting, signed."""
    number = new_ticket(org)
    actions.dispatch(Actor.of(org.dispatcher), number, lead_unit="A-ZJ", assist_units=["A-CG"])
    actions.sign(Actor.of(org.a_housing_handler), number)
    return number


def run_cli() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def failure(number: str, *parts: str) -> str:
    """What ``check`` and the CLI say of ``number`` when exactly ``parts`` differ."""
    result = commitment.check()
    assert not result.ok and result.found == 1, result
    [mismatch] = result.mismatches
    assert mismatch.number == number and mismatch.parts == parts, mismatch
    last = Event.objects.filter(ticket__number=number).order_by("-seq").first()
    assert last is not None and mismatch.seq == last.seq
    with pytest.raises(CommandError) as raised:
        run_cli()
    assert mismatch.message in str(raised.value)
    assert verify().ok, "the chain itself is intact: only the rows were changed"
    return mismatch.message


def test_a_whole_lifecycle_verifies_clean(org: Any) -> None:
    operator, dispatcher = Actor.of(org.operator), Actor.of(org.dispatcher)
    county, town = Actor.of(org.a_county_handler), Actor.of(org.a_town_handler)
    housing, reviewer, callback = (
        Actor.of(org.a_housing_handler),
        Actor.of(org.reviewer),
        Actor.of(org.callback),
    )

    number = new_ticket(org)
    actions.dispatch(dispatcher, number, lead_unit="A", assist_units=["A-ZJ"], urgency="紧急")
    actions.sign(county, number)
    actions.subdispatch(county, number, unit="A-CG", note="请城关镇核实处理")
    actions.sign(town, number)
    actions.sign(housing, number)
    actions.report(housing, number, result="已配合排查线路")
    actions.request_extension(town, number, days=1, reason="需协调供电公司")
    actions.decide_extension(dispatcher, number, approve=True)
    actions.suspend(dispatcher, number, reason="等待配件")
    actions.resume(town, number)
    actions.urge(Actor.of(org.supervisor), number, note="请加快办理")
    actions.progress(town, number, note="配件已到")
    actions.report(town, number, result="已更换路灯灯头")
    actions.review(reviewer, number, passed=True)
    actions.callback(callback, number, satisfaction="dissatisfied", resolved=False, note="仍不亮")
    actions.report(town, number, result="更换整套灯具")
    actions.review(reviewer, number, passed=True)
    actions.callback(callback, number, reached=False)
    actions.archive(callback, number, reason="unreachable")
    actions.complain(Actor.of(org.supervisor), number, unit="A-CG", content="答复敷衍")
    actions.rate(Actor.citizen(own_ticket=number), number, rating="satisfied")

    # The intake's other ways out, a return overruled and a merge (the master gains a contact).
    returned = new_ticket(org, text="石门县龙潭镇垃圾没人清运")
    actions.dispatch(dispatcher, returned, lead_unit="B-ZJ")
    actions.return_ticket(Actor.of(org.b_housing_handler), returned, reason="属镇街管理")
    actions.rule_return(dispatcher, returned, decision="redispatch", lead_unit="B-LT")
    master, repeat = new_ticket(org), new_ticket(org, phone="13900001111")
    actions.merge(operator, repeat, into=master)
    actions.answer(operator, new_ticket(org, text="社保卡怎么补办"), answer="到社保网点补办")
    actions.reject(operator, new_ticket(org, text="喂喂喂"), reason="无实质内容", category="nonsense")
    actions.transfer_police(operator, new_ticket(org, text="小区门口有人打架"), reason="治安案件")

    result = commitment.check()
    assert result.ok, result.problems()
    assert result.checked == Ticket.objects.count() == 7 and result.unsealed == 0
    assert Contact.objects.filter(ticket__number=master).count() == 2
    out = run_cli()
    assert "工单记录与留痕相符:7 张工单已核对" in out
    # Every event that changed a ticket committed to a state; the chain hashes it.
    assert not Event.objects.filter(ticket__isnull=False, state_digest__isnull=True).exists()


def test_the_sweep_and_the_worker_leave_no_false_alarm(org: Any, committed: Any) -> None:
    def bj(*args: int) -> datetime:
        return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]

    with time_machine.travel(bj(2026, 11, 2, 9), tick=False), committed():  # a Monday
        numbers = [dispatched(org), new_ticket(org)]
        actions.dispatch(Actor.of(org.dispatcher), numbers[1], lead_unit="B-ZJ")
    # A stale next_due_at (a step done by hand meanwhile): the sweep finds nothing due
    # and stores the next time afresh without an event — a field left out on purpose.
    Ticket.objects.filter(number=numbers[0]).update(next_due_at=bj(2026, 11, 2, 9, 30))
    for moment in (
        bj(2026, 11, 2, 9, 45),
        bj(2026, 11, 2, 10, 50),
        bj(2026, 11, 3, 9, 5),
        bj(2026, 11, 9, 9, 5),
    ):
        with time_machine.travel(moment, tick=False), committed():
            sweep_all()
            deliver_pending()
    swept = Event.objects.filter(action__in=["warn", "urge", "supervise"]).count()
    assert swept >= 3, "the sweep acted"
    result = commitment.check()
    assert result.ok and result.checked == 2, result.problems()
    assert "2 张工单已核对" in run_cli()


def test_a_ticket_row_changed_by_raw_sql_is_named(org: Any) -> None:
    number = dispatched(org)
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET state = %s WHERE number = %s", ["archived", number])  # noqa: S608
    message = failure(number, ROW)
    assert message.startswith(f"工单 {number} 的工单记录") and "与其最后一条事件 #" in message


def test_a_ticket_moved_to_another_lead_unit_is_named(org: Any) -> None:
    number = dispatched(org)
    Ticket.objects.filter(number=number).update(lead_unit=org.b_housing)
    failure(number, ROW)


def test_a_citizens_text_rewritten_on_the_ticket_is_named(org: Any) -> None:
    number = dispatched(org)
    Ticket.objects.filter(number=number).update(text="诉求已自行解决")
    failure(number, ROW)


def test_an_assignment_moved_into_another_units_scope_is_named(org: Any) -> None:
    number = dispatched(org)
    assist = Assignment.objects.get(ticket__number=number, role=AssignmentRole.ASSIST)
    Assignment.objects.filter(pk=assist.pk).update(unit=org.b_town, unit_path=org.b_town.path)
    message = failure(number, UNITS)
    assert message.startswith(f"工单 {number} 的承办单位记录与其最后一条事件 #")


def test_a_change_a_later_action_seals_stays_in_the_trace(org: Any) -> None:
    """The unit goes on working on a ticket moved into another unit's scope behind the
    platform's back: its action records what it found before its event seals the rows,
    so verify still names the change afterwards, and the work is not held up."""
    number = dispatched(org)
    sealed = Event.objects.filter(ticket__number=number).order_by("-seq").first()
    assert sealed is not None
    assist = Assignment.objects.get(ticket__number=number, role=AssignmentRole.ASSIST)
    Assignment.objects.filter(pk=assist.pk).update(unit=org.b_town, unit_path=org.b_town.path)
    actions.progress(Actor.of(org.a_housing_handler), number, note="已联系供电所")
    actions.urge(Actor.of(org.supervisor), number, note="请加快办理")

    drift, progress, urge = Event.objects.filter(ticket__number=number).order_by("-seq")[:3][::-1]
    assert (drift.action, progress.action, urge.action) == ("state_drift", "progress", "urge")
    assert drift.payload == {"since": sealed.seq, "parts": [UNITS]}
    assert drift.actor == org.a_housing_handler
    result = commitment.check()
    assert result.found == 0, "the rows are sealed again by the later events"
    expected = f"工单 {number} 的承办单位记录在事件 #{sealed.seq} 之后被改动(事件 #{drift.seq} 办理时发现)"
    assert result.problems() == [expected] and not result.ok
    with pytest.raises(CommandError) as raised:
        run_cli()
    assert expected in str(raised.value)
    # One finding, not one per action: the second action found the rows as sealed.
    assert Event.objects.filter(action="state_drift").count() == 1


def test_an_assignment_row_added_is_named(org: Any) -> None:
    number = dispatched(org)
    Assignment.objects.create(
        ticket=Ticket.objects.get(number=number),
        unit=org.b_housing,
        unit_path=org.b_housing.path,
        role=AssignmentRole.ASSIST,
        assigned_at=datetime.now(tz=BEIJING),
    )
    failure(number, UNITS)


def test_an_assignment_status_changed_is_named(org: Any) -> None:
    number = dispatched(org)
    Assignment.objects.filter(ticket__number=number, role=AssignmentRole.LEAD).update(status="reported")
    failure(number, UNITS)


@pytest.mark.parametrize("change", [{"text": "我没打过这个电话"}, {"phone": "13700000000"}])
def test_a_contacts_text_or_phone_changed_is_named(org: Any, change: dict[str, str]) -> None:
    number = dispatched(org)
    Contact.objects.filter(ticket__number=number).update(**change)
    message = failure(number, CONTACTS)
    assert message.startswith(f"工单 {number} 的来电来信记录与其最后一条事件 #")


def test_a_contact_deleted_is_named(org: Any) -> None:
    master, repeat = new_ticket(org), new_ticket(org, phone="13900001111")
    actions.merge(Actor.of(org.operator), repeat, into=master)
    Contact.objects.filter(ticket__number=master).order_by("-id").first().delete()  # type: ignore[union-attr]
    failure(master, CONTACTS)


def test_several_rows_changed_are_each_named(org: Any) -> None:
    first, second = dispatched(org), dispatched(org)
    Ticket.objects.filter(number=first).update(state="archived")
    Contact.objects.filter(ticket__number=first).update(phone="")
    Assignment.objects.filter(ticket__number=second).update(active=False)
    result = commitment.check()
    assert result.found == 2
    assert {(m.number, m.parts) for m in result.mismatches} == {(first, (ROW, CONTACTS)), (second, (UNITS,))}
    with pytest.raises(CommandError) as raised:
        run_cli()
    assert all(m.message in str(raised.value) for m in result.mismatches)


def test_a_ticket_row_inserted_without_any_event_is_named(org: Any) -> None:
    real = Ticket.objects.get(number=dispatched(org))
    Ticket.objects.create(
        number="2099010100001", text="凭空出现的工单", channel="phone", created_at=real.created_at,
        updated_at=real.created_at,
    )  # fmt: skip
    result = commitment.check()
    assert [m.message for m in result.mismatches] == [
        "工单 2099010100001 没有任何留痕事件(该工单记录未经受理写入)"
    ]


def test_the_next_action_commits_again_and_a_read_commits_nothing(org: Any) -> None:
    """The commitment is that of the last event that changed the ticket: a read of the
    citizen's personal data after it neither refreshes nor hides it."""
    from hotline.tickets.privacy import reveal

    number = dispatched(org)
    ticket = Ticket.objects.get(number=number)
    reveal(Actor.of(org.operator), ticket, purpose="回访")
    assert Event.objects.filter(ticket=ticket).order_by("-seq").first().state_digest is None  # type: ignore[union-attr]
    assert commitment.check().ok
    Contact.objects.filter(ticket=ticket).update(text="改过的诉求")
    assert [m.parts for m in commitment.check().mismatches] == [(CONTACTS,)]


def _as_before_the_commitment() -> None:
    """Make the log look like one recorded before state digests existed: no digest on
    any event, the chain hashed as it was then."""
    prev = "0" * 64
    for event in Event.objects.order_by("seq"):
        event.state_digest = None
        event.prev_hash, event.hash = prev, event_hash(event, prev)
        Event.objects.filter(pk=event.pk).update(
            state_digest=None, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    ChainHead.objects.filter(id=1).update(last_hash=prev)


def test_tickets_from_before_the_commitment_are_unsealed_until_their_next_action(org: Any) -> None:
    old, untouched = dispatched(org), dispatched(org)
    _as_before_the_commitment()
    assert verify().ok, "old events hash exactly as before"
    Ticket.objects.filter(number=untouched).update(text="无从核对")
    result = commitment.check()
    assert result.ok and (result.checked, result.unsealed) == (0, 2)
    assert "2 张工单的事件均早于状态承诺,未核对" in run_cli()

    actions.progress(Actor.of(org.a_housing_handler), old, note="已到现场")
    result = commitment.check()
    assert result.ok and (result.checked, result.unsealed) == (1, 1)
    Assignment.objects.filter(ticket__number=old, role=AssignmentRole.LEAD).update(
        unit_path=org.b_housing.path
    )
    assert [(m.number, m.parts) for m in commitment.check().mismatches] == [(old, (UNITS,))]
    assert verify().ok


def test_the_check_reads_in_batches(org: Any) -> None:
    numbers = [new_ticket(org, text=f"第{i}件 路面坑洼") for i in range(5)]
    Contact.objects.filter(ticket__number=numbers[3]).update(text="改")
    seen: list[int] = []
    result = commitment.check(batch=2, progress=seen.append)
    assert seen == [2, 4, 5] and result.checked == 4
    assert [m.number for m in result.mismatches] == [numbers[3]]


def test_a_digest_that_is_not_v1_is_a_mismatch_not_a_crash(org: Any) -> None:
    number = dispatched(org)
    last = Event.objects.filter(ticket__number=number).order_by("-seq").first()
    assert last is not None
    Event.objects.filter(pk=last.pk).update(state_digest="garbage")
    assert [m.parts for m in commitment.check().mismatches] == [commitment.PART_LABELS]
    assert not verify().ok, "and the chain says the event itself was altered"


def test_every_field_is_committed_or_left_out_on_purpose() -> None:
    """A new model field must be decided on: listed in a new version, or left out."""
    for model, listed, left_out in (
        (Ticket, commitment.TICKET_FIELDS, set(commitment.UNCOMMITTED)),
        (Assignment, commitment.ASSIGNMENT_FIELDS, {"ticket_id"}),
        (Contact, commitment.CONTACT_FIELDS, {"ticket_id"}),
    ):
        fields = {f.attname for f in model._meta.concrete_fields}
        assert fields - set(listed) <= left_out, (model, fields - set(listed) - left_out)
        assert set(listed) <= fields and not set(listed) & left_out, model


def test_an_intake_through_the_api_commits_with_its_first_contact(org: Any, api_as: Any) -> None:
    response = api_as("operator").post(
        "/tickets", {"channel": "web", "text": "噪音扰民", "lat": 30, "lng": 120.5}
    )
    assert response.status_code in (200, 201), response.content
    number = response.json()["number"]
    assert commitment.check().ok
    create = Event.objects.get(ticket__number=number, action="create")
    assert create.state_digest is not None and create.state_digest.startswith("v1:")
    Ticket.objects.filter(number=number).update(created_at=create.created_at - timedelta(days=1))
    failure(number, ROW)
