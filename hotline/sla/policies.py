"""The default time-limit policies (configuration seeded once; admins edit them after).

Typical local limits from practice (docs/domain.md): sign on within 1–2 working hours
(urgent: 30 minutes); result within 5–15 working days (urgent: first feedback 2 hours,
result 24 hours); consultations 72 hours; callback the next working day.
"""

from __future__ import annotations

from typing import Any

from hotline.sla.models import Policy

WH, WD, CH = "working_hours", "working_days", "calendar_hours"

DEFAULT_POLICIES: list[dict[str, Any]] = [
    {
        "name": "一般诉求",
        "type": "",
        "urgency": "",
        "sign": (2, WH),
        "feedback": (1, WD),
        "resolve": (5, WD),
        "callback": (1, WD),
    },
    {
        "name": "政务类",
        "type": "政务类",
        "urgency": "",
        "sign": (2, WH),
        "feedback": (2, WD),
        "resolve": (10, WD),
        "callback": (1, WD),
    },
    {
        "name": "意见建议类",
        "type": "意见建议类",
        "urgency": "",
        "sign": (2, WH),
        "feedback": (3, WD),
        "resolve": (15, WD),
        "callback": (1, WD),
    },
    {
        "name": "咨询类(未能即时答复)",
        "type": "咨询类",
        "urgency": "",
        "sign": (1, WH),
        "feedback": None,
        "resolve": (72, CH),
        "callback": (1, WD),
    },
    {
        "name": "紧急诉求",
        "type": "",
        "urgency": "紧急",
        "sign": (0.5, CH),
        "feedback": (2, CH),
        "resolve": (24, CH),
        "callback": (1, WD),
        "max_extension_days": 2,
        "supervise_after_days": 1,
    },
    {
        "name": "特急诉求",
        "type": "",
        "urgency": "特急",
        "sign": (0.25, CH),
        "feedback": (1, CH),
        "resolve": (12, CH),
        "callback": (1, WD),
        "max_extension_days": 1,
        "supervise_after_days": 1,
    },
]


def policy_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """A ``DEFAULT_POLICIES`` entry as model field values."""
    fields: dict[str, Any] = {"name": spec["name"]}
    for kind in ("sign", "feedback", "resolve", "callback"):
        limit = spec[kind]
        fields[f"{kind}_limit"] = limit[0] if limit else None
        fields[f"{kind}_unit"] = limit[1] if limit else WD
    for extra in ("max_extension_days", "supervise_after_days"):
        if extra in spec:
            fields[extra] = spec[extra]
    return fields


def seed_default_policies(policy_model: Any = Policy) -> int:
    """Create the default policies that are missing (admins' edits are kept)."""
    created = 0
    for spec in DEFAULT_POLICIES:
        _, was_created = policy_model.objects.get_or_create(
            type=spec["type"], urgency=spec["urgency"], defaults=policy_fields(spec)
        )
        created += was_created
    return created
