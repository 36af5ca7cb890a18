"""mySociety's extension of GeoReport v2: ``GET servicerequestupdates`` lists the public
events of the requests that came in through Open311, each with the richer status
FixMyStreet reads (``status`` after the event, upper case) and the citizen's own wording
of it (the timeline the citizen sees with the query code: ``tickets.timeline``)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from hotline.audit.models import Event
from hotline.open311.requests import MAX_LISTED, span, w3c
from hotline.tickets.models import State, Ticket
from hotline.tickets.timeline import PUBLIC_ACTIONS, public_timeline

# Our states in mySociety's extended statuses (an archived ticket the citizen called
# resolved is FIXED; one archived without that is CLOSED).
EXTENDED_STATUS: dict[str, str] = {
    State.ACCEPTED: "OPEN",
    State.DISPATCHED: "ACTION_SCHEDULED",
    State.RETURNED: "INVESTIGATING",
    State.HANDLING: "IN_PROGRESS",
    State.SUSPENDED: "IN_PROGRESS",
    State.REPORTED: "IN_PROGRESS",
    State.AWAITING_CALLBACK: "FIXED",
    State.ARCHIVED: "CLOSED",
    State.REJECTED: "NO_FURTHER_ACTION",
    State.TRANSFERRED: "INTERNAL_REFERRAL",
    State.MERGED: "DUPLICATE",
}


def status_after(event: Event, ticket: Ticket) -> str:
    state = event.to_state or ticket.state
    if state == State.ARCHIVED and ticket.resolved:
        return "FIXED"
    return EXTENDED_STATUS.get(state, "OPEN")


def updates(data: QueryDict) -> list[dict[str, Any]]:
    start, end = span(data)
    events = list(
        Event.objects.filter(
            ticket__open311__isnull=False,
            action__in=PUBLIC_ACTIONS,
            created_at__gte=start,
            created_at__lte=end,
        )
        .select_related("ticket")
        .order_by("seq")[:MAX_LISTED]
    )
    found = []
    for event in events:
        ticket = event.ticket
        if ticket is None:  # the filter asked for a ticket's events: none comes without one
            continue
        (said,) = public_timeline(ticket, shown=[event])
        found.append(
            {
                "update_id": str(event.seq),
                "service_request_id": ticket.number,
                "status": status_after(event, ticket),
                "updated_datetime": w3c(event.created_at),
                "description": said["message"],
                "media_url": None,
            }
        )
    return found
