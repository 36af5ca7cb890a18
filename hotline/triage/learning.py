"""Learning from people: corrections of triage suggestions and the editable taxonomy."""

from __future__ import annotations

from django.db import transaction

from hotline.triage.models import Correction, Topic
from hotline.triage.taxonomy import read_csv, reset_cache

FIELDS = ("type", "topic", "urgency", "emotion", "valid", "police", "place")


def record_correction(
    *,
    field: str,
    chosen: object,
    suggested: object = "",
    ticket_number: str = "",
    title: str = "",
    text: str = "",
    user_id: int | None = None,
) -> Correction | None:
    """Store an operator's or dispatcher's decision on one triage field.

    Returns ``None`` when the decision equals the suggestion (nothing to learn). The
    ticket's text is kept so the correction remains usable if the ticket goes away.
    """
    if field not in FIELDS:
        raise ValueError(f"未知字段：{field}")
    chosen_s, suggested_s = (
        str(chosen if chosen is not None else ""),
        str(suggested if suggested is not None else ""),
    )
    if chosen_s == suggested_s:
        return None
    return Correction.objects.create(
        ticket_number=ticket_number[:32],
        title=title[:200],
        text=text,
        field=field,
        suggested=suggested_s[:200],
        chosen=chosen_s[:200],
        user_id=user_id,
    )


@transaction.atomic
def seed_taxonomy() -> int:
    """Copy the shipped taxonomy into ``triage.Topic`` (existing paths are kept as they
    are, so admins' edits survive). Returns the number of topics created."""
    created = 0
    for node in read_csv():
        _obj, was_created = Topic.objects.get_or_create(
            level1=node.level1,
            level2=node.level2,
            level3=node.level3,
            defaults={"keywords": " ".join(node.keywords)},
        )
        created += int(was_created)
    reset_cache()
    return created
