"""``hotline demo``: the org tree, the demo logins, the history and the refusals."""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.demo.orgtree import DEMO_PASSWORD, FULL_EXECUTING, FULL_FUNCTIONAL, FULL_USERS
from hotline.demo.report import LOGINS
from hotline.org.models import Level, Role, Unit, UnitKind, User
from hotline.tickets import commitment
from hotline.tickets.models import Assignment, State, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return Unit.objects.count(), User.objects.count(), Ticket.objects.count(), Event.objects.count()


def test_small_demo_builds_org_logins_and_history() -> None:
    notify_before = os.environ.get("HOTLINE_NOTIFY")
    output = run_demo("--history", "60", "--seed", "7")
    assert os.environ.get("HOTLINE_NOTIFY") == notify_before
    assert "未能执行" not in output, output

    centre = Unit.objects.get(code="CENTRE")
    assert (centre.level, centre.kind) == (Level.CENTRE, UnitKind.CENTRE)
    for level in Level.values:
        assert Unit.objects.filter(level=level).exists(), level
    for kind in UnitKind.values:
        assert Unit.objects.filter(kind=kind).exists(), kind

    # A proper tree: every path is the parent's path plus the unit's own id.
    for unit in Unit.objects.select_related("parent"):
        expected = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
        assert unit.path == expected, unit.code
        assert unit.duties and unit.name
    # The id sequence was moved past the bulk-inserted ids.
    extra = Unit.objects.create(code="NEW", name="新单位", level=Level.COUNTY, kind=UnitKind.FUNCTIONAL,
                                parent=Unit.objects.get(code="Q"))  # fmt: skip
    assert extra.path == f"{Unit.objects.get(code='Q').path}{extra.pk}/"

    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    for name in LOGINS:
        user = User.objects.get(username=name)
        assert name in output
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.unit is not None and admin.unit.code == "CENTRE"
    station = User.objects.get(username="h_q03-gaj-02").unit
    assert station is not None and station.name.endswith("派出所")
    assert 200 <= User.objects.count() <= 600

    assert Ticket.objects.count() == 60
    states = set(Ticket.objects.values_list("state", flat=True))
    for state in (
        (S := State).ACCEPTED,
        S.DISPATCHED,
        S.HANDLING,
        S.SUSPENDED,
        S.REPORTED,
        S.AWAITING_CALLBACK,
    ):
        assert state in states, (state, states)
    assert State.ARCHIVED in states and len(states) >= 8, states
    assert not Ticket.objects.filter(events__isnull=True).exists()
    # Subdispatched and returned tickets leave their trace in the assignments.
    assert Assignment.objects.filter(status="passed_down").exists()
    archived = Ticket.objects.filter(state=State.ARCHIVED).first()
    assert archived is not None
    actions = list(archived.events.order_by("seq").values_list("action", flat=True))
    assert actions[0] == "create" and actions[-1] in ("callback", "archive")
    times = list(Event.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times), "the history is replayed in time order"
    assert verify().ok
    # Every ticket's rows match the state its last event committed to.
    states = commitment.check()
    assert states.ok and states.checked == 60, states.problems()
    # The analytics rollups, rebuilt once after the replay, agree with the tickets.
    from hotline.analytics import rollups

    checked, differences = rollups.check()
    assert checked == 60 and differences == []


def test_if_empty_is_idempotent_and_a_second_run_refuses() -> None:
    run_demo("--history", "5")
    before = counts()
    again = run_demo("--if-empty", "--history", "5")
    assert "跳过" in again and "operator" in again
    assert counts() == before
    with pytest.raises(CommandError, match="空数据库"):
        run_demo("--history", "5")
    assert counts() == before
    assert verify().ok


def test_refuses_a_database_that_holds_other_units() -> None:
    Unit.objects.create(code="X", name="某单位", level=Level.PREFECTURE, kind=UnitKind.GOVERNMENT)
    with pytest.raises(CommandError, match="已有 1 个单位"):
        run_demo()
    assert counts() == (1, 0, 0, 0)
    assert "跳过" in run_demo("--if-empty")
    assert counts() == (1, 0, 0, 0)


@pytest.mark.skipif(
    os.environ.get("HOTLINE_SKIP_FULL_DEMO_TEST") == "1", reason="HOTLINE_SKIP_FULL_DEMO_TEST=1"
)
def test_full_scale_has_the_study_figures() -> None:
    output = run_demo("--scale", "full", "--history", "0")
    assert Unit.objects.filter(kind=UnitKind.FUNCTIONAL).count() == FULL_FUNCTIONAL == 755
    assert Unit.objects.filter(kind=UnitKind.EXECUTING).count() == FULL_EXECUTING == 10_520
    assert User.objects.count() == FULL_USERS == 23_219
    assert "10,520" in output
    village = Unit.objects.filter(level=Level.VILLAGE).order_by("-path").first()
    assert village is not None and village.path.count("/") >= 5
