"""The duty catalogue (职责清单): loading the default, deriving rules from units' duties,
and the compiled, cached form the suggestion engine reads.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Max

from hotline.cache import Cached
from hotline.org.models import Level, Unit, UnitKind
from hotline.routing.models import DutyRule, RuleSource, ShareRole, TargetLevel, Territory

DATA_FILE = Path(__file__).resolve().parent / "data" / "duty_catalogue.csv"
SEP = " / "
DERIVED_PRIORITY = 78


def split_topic(topic: str) -> list[str]:
    return [p.strip() for p in (topic or "").split("/") if p.strip()]


def norm_topic(topic: str) -> str:
    return SEP.join(split_topic(topic))


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    topic: str
    depth: int  # number of topic segments (0: keyword- or type-only rule)
    ticket_type: str
    keywords: tuple[str, ...]
    level: str
    unit_keywords: tuple[str, ...]
    unit_id: int | None
    territory: str
    role: str
    priority: int
    note: str

    @property
    def label(self) -> str:
        what = self.topic or ("、".join(self.keywords[:3]) if self.keywords else self.ticket_type)
        return f"职责清单:{what}"


@dataclass
class Catalogue:
    rules: list[Rule]
    by_topic: dict[str, list[Rule]]
    keyword_rules: list[Rule]
    type_rules: dict[str, list[Rule]]

    def __len__(self) -> int:
        return len(self.rules)

    def for_topic(self, topic: str) -> list[tuple[Rule, int]]:
        """Rules whose topic covers ``topic``, each with the depth it matched at."""
        parts = split_topic(topic)
        out: list[tuple[Rule, int]] = []
        seen: set[int] = set()
        for i in range(len(parts), 0, -1):
            for rule in self.by_topic.get(SEP.join(parts[:i]), ()):
                if rule.id not in seen:
                    seen.add(rule.id)
                    out.append((rule, i))
        # A one-segment rule ("城市管理") also matches that name deeper in the path.
        for i, part in enumerate(parts[1:], start=2):
            for rule in self.by_topic.get(part, ()):
                if rule.depth == 1 and rule.id not in seen:
                    seen.add(rule.id)
                    out.append((rule, i))
        return out


def _compile() -> Catalogue:
    rules = []
    for r in DutyRule.objects.filter(active=True).order_by("-priority", "id"):
        topic = norm_topic(r.topic)
        rules.append(
            Rule(
                id=r.pk,
                topic=topic,
                depth=len(split_topic(topic)),
                ticket_type=r.ticket_type.strip(),
                keywords=tuple(k for k in r.keywords.replace(",", " ").replace("、", " ").split() if k),
                level=r.level,
                unit_keywords=tuple(k.strip() for k in r.unit_keywords.split("|") if k.strip()),
                unit_id=r.unit_id,
                territory=r.territory,
                role=r.role,
                priority=min(100, r.priority),
                note=r.note,
            )
        )
    by_topic: dict[str, list[Rule]] = {}
    type_rules: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.topic:
            by_topic.setdefault(rule.topic, []).append(rule)
        elif not rule.keywords and rule.ticket_type:
            type_rules.setdefault(rule.ticket_type, []).append(rule)
    keyword_rules = [r for r in rules if r.keywords]
    return Catalogue(rules, by_topic, keyword_rules, type_rules)


def _stamp() -> object:
    return tuple(DutyRule.objects.aggregate(n=Count("id"), m=Max("id"), t=Max("updated_at")).values())


CATALOGUE: Cached[Catalogue] = Cached(
    "routing.catalogue", _compile, stamp=_stamp, check_every=5.0, max_age=300.0
)


def catalogue() -> Catalogue:
    return CATALOGUE.get()


# --- seeding -------------------------------------------------------------------------

_LEVELS = set(TargetLevel.values)


def read_default(path: Path = DATA_FILE) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            level = (row.get("level") or "").strip()
            if level not in _LEVELS:
                continue
            rows.append(
                {
                    "topic": norm_topic(row.get("topic") or ""),
                    "ticket_type": (row.get("type") or "").strip(),
                    "keywords": " ".join((row.get("keywords") or "").split()),
                    "level": level,
                    "unit_keywords": (row.get("unit_keywords") or "").strip(),
                    "territory": (row.get("territory") or Territory.PLACE).strip() or Territory.PLACE,
                    "role": (row.get("role") or ShareRole.LEAD).strip() or ShareRole.LEAD,
                    "priority": int(row.get("priority") or 70),
                    "note": (row.get("note") or "").strip(),
                }
            )
    return rows


def _topic_names() -> list[str]:
    """Topic paths to look for in duties: the triage taxonomy if present, else the catalogue's."""
    paths: list[str] = []
    try:
        from django.apps import apps

        topic_model = apps.get_model("triage", "Topic")
        paths = [t.path for t in topic_model.objects.filter(active=True)]
    except Exception:  # noqa: S110 - the triage tables are optional here
        pass
    if not paths:
        try:
            from hotline.triage.taxonomy import read_csv

            paths = [n.path for n in read_csv()]
        except Exception:
            paths = []
    paths += [r["topic"] for r in read_default() if r["topic"]]
    return sorted(set(paths))


def derive_from_duties() -> int:
    """Rules ``topic → this unit`` for each topic name (二级/三级分类) a unit's duties text names.

    Derived rules carry the explicit unit and the 属地 rule, so a county department's
    duties apply only to places in its county. Re-running replaces the derived set.
    """
    names: dict[str, str] = {}
    for path in _topic_names():
        parts = split_topic(path)
        for depth in (2, 3):
            if len(parts) >= depth and len(parts[depth - 1]) >= 2 and parts[depth - 1] != "其他":
                names.setdefault(parts[depth - 1], SEP.join(parts[:depth]))
    wanted: dict[tuple[int, str], dict[str, Any]] = {}
    # Villages (and their grids, clinics, schools) are reached through their township:
    # deriving rules for thousands of them would only slow every suggestion down.
    units = (
        Unit.objects.filter(active=True).exclude(duties="").exclude(level__in=[Level.CENTRE, Level.VILLAGE])
    )
    for unit in units.only("id", "level", "kind", "duties"):
        if unit.kind == UnitKind.CENTRE:
            continue
        for name, topic in names.items():
            if name in unit.duties:
                wanted[(unit.pk, topic)] = {
                    "level": unit.level if unit.level in _LEVELS else Level.COUNTY,
                    # A squad or station shares its bureau's duties; the bureau leads.
                    "priority": DERIVED_PRIORITY - (8 if unit.kind == UnitKind.EXECUTING else 0),
                    "note": f"由单位职能推导:含「{name}」",
                }
    existing = {(r.unit_id, r.topic): r for r in DutyRule.objects.filter(source=RuleSource.DUTIES)}
    for key, row in existing.items():
        if key not in wanted:
            row.delete()
    created = 0
    for (unit_id, topic), fields in wanted.items():
        if (unit_id, topic) in existing:
            continue
        DutyRule.objects.create(unit_id=unit_id, topic=topic, source=RuleSource.DUTIES, **fields)
        created += 1
    return created


def seed_duty_catalogue(*, from_duties: bool = True) -> dict[str, int]:
    """Load the default catalogue (idempotent) and derive rules from units' duties.

    Rows already present (same topic, type, keywords, level, unit keywords, role) are
    left as they are, so an admin's edits (priority, deactivation) survive a re-seed.
    """
    created = 0
    with transaction.atomic():
        for row in read_default():
            key = {k: row[k] for k in ("topic", "ticket_type", "keywords", "level", "unit_keywords", "role")}
            _, made = DutyRule.objects.get_or_create(
                **key,
                unit=None,
                defaults={
                    "territory": row["territory"],
                    "priority": row["priority"],
                    "note": row["note"],
                    "source": RuleSource.DEFAULT,
                },
            )
            created += int(made)
        derived = derive_from_duties() if from_duties else 0
    CATALOGUE.invalidate()
    return {"default_created": created, "derived_created": derived, "total": DutyRule.objects.count()}
