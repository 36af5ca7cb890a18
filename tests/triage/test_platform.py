"""Triage inside the platform: gazetteer, duplicates, corrections, retraining, taxonomy."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hotline.tickets.models import Ticket
from hotline.triage import analyse
from hotline.triage.corpus import generate
from hotline.triage.duplicates import find_duplicates
from hotline.triage.learning import record_correction, seed_taxonomy
from hotline.triage.model import TextModel, reset_model
from hotline.triage.models import Correction, Place, Topic
from hotline.triage.taxonomy import get_taxonomy

pytestmark = pytest.mark.django_db

_n = iter(range(1, 10**6))


def make_ticket(
    title: str,
    text: str,
    *,
    state: str = "accepted",
    place=None,
    address: str = "",
    age_days: float = 0,
    topic: str = "",
) -> Ticket:
    now = timezone.now() - timedelta(days=age_days)
    return Ticket.objects.create(
        number=f"T{next(_n):08d}",
        title=title,
        text=text,
        channel="phone",
        state=state,
        place=place,
        address=address,
        topic=topic,
        created_at=now,
        updated_at=now,
    )


# --- gazetteer -------------------------------------------------------------------------
def test_places_come_from_the_unit_tree_with_positions(org):
    text = "滨江县城关镇河西村的路灯不亮了"
    r = analyse("", text)
    names = {p["name"]: p for p in r.places}
    assert {"滨江县", "城关镇", "河西村"} <= set(names)
    village = names["河西村"]
    assert village["unit_id"] == org.a_village.id and village["kind"] == "village"
    assert text[village["start"] : village["end"]] == "河西村" and village["field"] == "text"
    # Most specific place first: the intake uses the first one with a unit.
    assert r.places[0]["kind"] in ("village", "township")


def test_short_names_and_admin_places(org):
    Place.objects.create(name="人民广场", aliases="市民广场 中心广场", kind="landmark", unit=org.a_town)
    r = analyse("石门龙潭镇", "中心广场旁边噪音扰民")
    names = {p["name"] for p in r.places}
    assert {"石门县", "龙潭镇"} <= names and "人民广场" not in names
    # The admin's landmark is a landmark, pointing to the place it lies in.
    (plaza,) = r.landmarks
    assert (
        plaza["name"] == "人民广场" and plaza["matched"] == "中心广场" and plaza["unit_id"] == org.a_town.id
    )
    town = next(p for p in r.places if p["name"] == "城关镇")
    assert town["via"] == "人民广场"


def test_inactive_units_are_not_places(org):
    from hotline.org.models import Unit

    Unit.objects.filter(pk=org.b_town.pk).update(active=False)
    assert all(p["name"] != "龙潭镇" for p in analyse("", "龙潭镇的路灯坏了").places)


def test_intake_stores_suggestion_and_place(org):
    from hotline.org.actor import Actor
    from hotline.tickets.actions.intake import NewContact, create_ticket

    ticket, _ = create_ticket(
        Actor.of(org.operator), NewContact(channel="phone", title="", text="河西村有人落水了，快来救人")
    )
    assert ticket.triage["urgency"] == "特急"
    assert ticket.urgency == "特急"
    assert ticket.place_id == org.a_village.id


# --- duplicates ------------------------------------------------------------------------
def test_find_duplicates_ranks_same_matter_first(org):
    same = make_ticket("人民路路灯不亮", "滨江县人民路中段的路灯一个月都不亮了，晚上很黑", place=org.county_a)
    make_ticket("公交班次", "18路公交车班次太少，等车半小时")
    make_ticket("人民路路灯", "人民路路灯不亮一个月了，晚上很黑", state="archived")
    make_ticket("人民路路灯", "人民路路灯不亮一个月了，晚上很黑", age_days=45)
    found = find_duplicates(
        "人民路中段路灯一个月不亮，晚上一片漆黑", title="路灯不亮", place_unit_id=org.county_a.id
    )
    assert [d["number"] for d in found] == [same.number]
    d = found[0]
    assert set(d) == {"number", "score", "reasons", "title", "state", "created_at"}
    assert 0.35 <= d["score"] <= 1 and "属地相同" in d["reasons"]


def test_find_duplicates_respects_scope_and_limit(org):
    for i in range(8):
        make_ticket(
            "小区停水", f"阳光花园小区停水两天了，第{i}次反映", place=org.county_b if i % 2 else org.county_a
        )
    scoped = Ticket.objects.filter(place=org.county_a)
    found = find_duplicates("阳光花园小区停水两天了", scope_queryset=scoped, limit=3)
    assert len(found) == 3
    numbers = set(scoped.values_list("number", flat=True))
    assert all(d["number"] in numbers for d in found)
    assert find_duplicates("") == []
    assert find_duplicates("😀") == []


# --- taxonomy --------------------------------------------------------------------------
def test_seeded_taxonomy_is_editable(org):
    assert seed_taxonomy() > 50
    assert seed_taxonomy() == 0  # idempotent
    Topic.objects.create(
        level1="城乡建设", level2="市政设施", level3="共享单车", keywords="共享单车 单车乱停"
    )
    from hotline.triage.taxonomy import reset_cache

    reset_cache()
    tax = get_taxonomy()
    assert "城乡建设 / 市政设施 / 共享单车" in tax.by_path
    r = analyse("单车乱停", "路口共享单车乱停乱放，堵住了人行道")
    assert r.topic.startswith("城乡建设")


# --- corrections and retraining ---------------------------------------------------------
def test_record_correction():
    assert record_correction(field="topic", suggested="城乡建设", chosen="城乡建设") is None
    c = record_correction(
        field="topic",
        suggested="城乡建设 / 市政设施 / 路灯",
        chosen="交通运输 / 交通设施 / 交通设施与停车",
        ticket_number="T1",
        title="红绿灯",
        text="路口红绿灯坏了",
        user_id=5,
    )
    assert c is not None and Correction.objects.count() == 1
    with pytest.raises(ValueError):
        record_correction(field="nonsense", chosen="x")


def test_retrain_from_history_prefers_the_new_model(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    for r in generate(300, seed=11):
        if r["valid"] and r["topic"]:
            make_ticket(str(r["title"]), str(r["text"]), topic=str(r["topic"]), state="archived")
    # A correction overrides the ticket's stored topic.
    t = make_ticket("垃圾分类", "垃圾分类咨询", topic="城乡建设 / 城市管理 / 市容环卫")
    record_correction(
        field="topic", ticket_number=t.number, suggested=t.topic, chosen="环境保护 / 环境污染 / 固废与土壤"
    )
    buf = io.StringIO()
    call_command("triage", "retrain", "--with-corpus", "200", stdout=buf)
    assert "已重新训练" in buf.getvalue()
    model = TextModel.load(tmp_path / "triage-model")
    assert model.meta["name"] == "retrained" and model.meta["history_rows"] > 200
    reset_model()
    try:
        assert analyse("公交", "公交车班次太少").model == "retrained"
    finally:
        reset_model()


def test_retrain_needs_history(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="历史数据不足"):
        call_command("triage", "retrain", stdout=io.StringIO())
