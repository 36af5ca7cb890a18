"""Every change to a ticket is one of these functions (see ``lifecycle.TRANSITIONS``)."""

from collections.abc import Callable

from hotline.tickets.actions.base import perform
from hotline.tickets.actions.closing import archive, callback
from hotline.tickets.actions.dispatch import dispatch, return_ticket, rule_return, sign, subdispatch
from hotline.tickets.actions.feedback import complain, rate
from hotline.tickets.actions.handling import (
    decide_extension,
    decide_suspension,
    progress,
    release_assist,
    report,
    request_extension,
    resume,
    review,
    supervise,
    suspend,
    urge,
    warn,
)
from hotline.tickets.actions.intake import (
    NewContact,
    add_contact,
    add_contact_from,
    answer,
    create_ticket,
    merge,
    reject,
    transfer_police,
)
from hotline.tickets.actions.police import police_ack, police_result
from hotline.tickets.models import Ticket

# Action name (as in the API path and the transition table) → function.
ACTIONS: dict[str, Callable[..., Ticket]] = {
    "answer": answer,
    "reject": reject,
    "transfer_police": transfer_police,
    "merge": merge,
    "police_ack": police_ack,
    "police_result": police_result,
    "add_contact": add_contact,
    "dispatch": dispatch,
    "sign": sign,
    "return": return_ticket,
    "rule_return": rule_return,
    "subdispatch": subdispatch,
    "request_extension": request_extension,
    "decide_extension": decide_extension,
    "suspend": suspend,
    "decide_suspension": decide_suspension,
    "resume": resume,
    "warn": warn,
    "urge": urge,
    "progress": progress,
    "supervise": supervise,
    "report": report,
    "release_assist": release_assist,
    "review": review,
    "callback": callback,
    "archive": archive,
    "citizen_rating": rate,
    "unit_complaint": complain,
}

__all__ = [
    "ACTIONS",
    "NewContact",
    "add_contact",
    "add_contact_from",
    "answer",
    "archive",
    "callback",
    "complain",
    "rate",
    "create_ticket",
    "decide_extension",
    "decide_suspension",
    "dispatch",
    "merge",
    "perform",
    "police_ack",
    "police_result",
    "reject",
    "release_assist",
    "report",
    "request_extension",
    "resume",
    "return_ticket",
    "review",
    "rule_return",
    "sign",
    "subdispatch",
    "supervise",
    "suspend",
    "transfer_police",
    "urge",
    "warn",
    "progress",
]
