"""The deadline sweep: warn, urge and supervise what is due — and only what is due.

It reads tickets through the ``next_due_at`` index (never the open ones wholesale),
claims a batch with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL so that several
workers share the work, and performs each step through the action functions. Each
step's marker is written by the action in the action's own transaction (sla.deadlines), so
a crash between steps never repeats one: a restart sees what was done.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from hotline import clock
from hotline.channels.police import deliver_due as deliver_to_police
from hotline.db import write_transaction
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.sla import deadlines
from hotline.sla.notify import deliver_pending
from hotline.tickets.actions import ACTIONS
from hotline.tickets.models import Ticket

log = logging.getLogger(__name__)
NOTES = {
    "warn": "{kind}时限即将届满,请抓紧办理",
    "urge": "{kind}已超时限,请立即办理",
    "supervise": "{kind}超时限后仍未办理,列入督办",
}


@dataclass
class SweepResult:
    claimed: int = 0
    steps: dict[str, int] = field(default_factory=lambda: {"warn": 0, "urge": 0, "supervise": 0})
    skipped: int = 0


def _claim(now: datetime, batch: int) -> list[int]:
    qs = Ticket.objects.filter(next_due_at__lte=now).order_by("next_due_at")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.values_list("id", flat=True)[:batch])


def sweep_once(now: datetime | None = None, batch: int = 200) -> SweepResult:
    """Handle one batch of due tickets. Returns what was done."""
    now = now or clock.now()
    result = SweepResult()
    system = Actor.system()
    with write_transaction():
        ids = _claim(now, batch)
        result.claimed = len(ids)
        for ticket in Ticket.objects.filter(id__in=ids).order_by("next_due_at"):
            steps = deadlines.due_steps(ticket, now)
            for step, kind in steps:
                try:
                    with transaction.atomic():
                        ACTIONS[step](
                            system,
                            ticket.number,
                            deadline=kind,
                            note=NOTES[step].format(kind=deadlines.KIND_LABELS[kind]),
                        )
                    result.steps[step] += 1
                except ActionError as exc:  # the ticket moved on meanwhile: nothing to do
                    log.info("sweep: %s %s skipped: %s", step, ticket.number, exc.message)
                    result.skipped += 1
            if not steps:
                # Nothing due after all (e.g. a step was done by hand).
                deadlines.rearm(ticket)
    return result


def sweep_all(now: datetime | None = None, batch: int = 200, max_batches: int = 10_000) -> SweepResult:
    total = SweepResult()
    for _ in range(max_batches):
        result = sweep_once(now, batch)
        total.claimed += result.claimed
        total.skipped += result.skipped
        for step, n in result.steps.items():
            total.steps[step] += n
        if result.claimed < batch:
            break
    return total


def run_forever(interval: float = 30.0, batch: int = 200) -> None:  # pragma: no cover - a loop
    import threading

    from hotline.audit.checkpoints import Schedule
    from hotline.db import run_checkpoints

    audit_checkpoints = Schedule()
    log.warning("deadline sweep worker started (every %.0f s)", interval)
    threading.Thread(target=run_checkpoints, name="wal-checkpoint", daemon=True).start()
    while True:
        started = time.monotonic()
        try:
            result = sweep_all(batch=batch)
            if result.claimed:
                log.warning("sweep: claimed %d, steps %s", result.claimed, result.steps)
            deliver_pending()
        except Exception:
            log.exception("sweep failed; retrying next round")
        try:
            # The 110 link's outbox: hand-offs and results 110 has not acknowledged yet.
            deliver_to_police()
        except Exception:
            log.exception("110 delivery failed; retrying next round")
        try:
            # The audit log's signed tree head, every few minutes when it grew (docs/audit.md).
            audit_checkpoints.run_if_due()
        except Exception:
            log.exception("audit checkpoint failed; retrying next round")
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
