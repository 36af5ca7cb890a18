"""Routing fixtures: the shared ``org`` plus the departments a duty catalogue needs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from hotline.cache import reset_all
from hotline.org.models import Level, UnitKind
from hotline.routing.catalogue import seed_duty_catalogue
from hotline.tickets.models import Ticket
from tests.conftest import Org, make_unit

NOW = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    reset_all()
    yield
    reset_all()


@pytest.fixture
def rorg(org: Org) -> Org:
    """The org with environment and urban-management departments, and the catalogue."""
    org.a_env = make_unit("滨江县生态环境分局", Level.COUNTY, UnitKind.FUNCTIONAL, org.county_a, code="A-HB")  # type: ignore[attr-defined]
    org.a_cg_urban = make_unit(  # type: ignore[attr-defined]
        "滨江县城市管理综合执法局", Level.COUNTY, UnitKind.FUNCTIONAL, org.county_a, code="A-CGJ"
    )
    org.pref_env = make_unit(  # type: ignore[attr-defined]
        "州生态环境局", Level.PREFECTURE, UnitKind.FUNCTIONAL, org.prefecture, code="P-HB"
    )
    seed_duty_catalogue()
    return org


_seq = iter(range(1, 10_000_000))


def make_ticket(**fields: Any) -> Ticket:
    """A ticket row as intake leaves it (no triage run unless given)."""
    n = next(_seq)
    defaults: dict[str, Any] = {
        "number": f"20260302{n:05d}",
        "text": fields.pop("text", "诉求内容"),
        "channel": "phone",
        "state": "accepted",
        "created_at": NOW,
        "updated_at": NOW,
    }
    defaults.update(fields)
    return Ticket.objects.create(**defaults)


PROPERTY = "城乡建设 / 物业管理 / 物业服务"


def triage(topic: str = PROPERTY, conf: float = 0.95, **extra: Any) -> dict[str, Any]:
    return {
        "type": "投诉类",
        "topic": topic,
        "valid": True,
        "police": False,
        "places": [],
        "confidence": conf,
        "confidences": {"topic": conf},
        **extra,
    }
