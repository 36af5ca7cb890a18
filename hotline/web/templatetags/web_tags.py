"""Template tags of the pages: the role navigation with the unread count, stored values
as people read them, a list row's light and next deadline."""

from __future__ import annotations

from typing import Any

from django import template

from hotline import clock
from hotline.org.models import Role
from hotline.sla.deadlines import KIND_LABELS, LIGHT_LABELS, open_kinds, traffic_light
from hotline.sla.models import Notification
from hotline.web.views.present import label_of

register = template.Library()

# (path, label, roles allowed — None for everyone signed in, accesskey)
NAV: tuple[tuple[str, str, frozenset[str] | None, str], ...] = (
    ("/", "首页", None, "h"),
    ("/inbox/", "消息", None, "m"),
    ("/search/", "找工单", None, "f"),
    ("/intake/", "受理", frozenset({Role.OPERATOR, Role.DISPATCHER}), "i"),
    ("/dispatch/", "派单", frozenset({Role.DISPATCHER}), "d"),
    ("/unit/", "承办", frozenset({Role.HANDLER}), "u"),
    ("/supervise/", "督办", frozenset({Role.SUPERVISOR}), "s"),
    ("/review/", "审核", frozenset({Role.REVIEWER}), "r"),
    ("/callback/", "回访", frozenset({Role.CALLBACK}), "c"),
    ("/kb/", "知识库", None, "k"),
    ("/leader/", "领导驾驶舱", frozenset({Role.LEADER, Role.ADMIN}), "l"),
    ("/analytics/report/", "月度报告", frozenset({Role.LEADER, Role.ADMIN}), "b"),
    ("/admin/", "管理后台", frozenset({Role.ADMIN}), "a"),
)


def nav_links(user: Any, path: str) -> list[dict[str, Any]]:
    links = []
    for href, label, roles, key in NAV:
        if roles is not None and user.role not in roles and not (href == "/admin/" and user.is_superuser):
            continue
        current = path == href if href == "/" else path.startswith(href)
        links.append({"href": href, "label": label, "current": current, "key": key})
    return links


@register.inclusion_tag("web/_nav_links.html", takes_context=True)
def role_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"links": [], "unread": 0}
    # One indexed count (user, read_at) per page.
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"links": nav_links(user, request.path if request else ""), "unread": unread}


@register.filter
def field_value(form: Any, name: str) -> Any:
    return form[name].value()


@register.filter
def value_label(value: Any, key: str) -> str:
    """A stored value as people read it (``satisfaction`` "satisfied" → 满意), the way the
    timeline labels the same value in an event."""
    return label_of(key, value)


@register.inclusion_tag("web/consoles/_clock.html")
def ticket_clock(ticket: Any) -> dict[str, Any]:
    """A list row's light and the next deadline it must meet (the kind and the time); a
    ticket no deadline runs for says why (awaiting dispatch, suspended …)."""
    running = [(getattr(ticket, f"{k}_deadline"), k) for k in open_kinds(ticket)]
    due, kind = min(running) if running else (None, "")
    light = traffic_light(ticket, clock.now())
    return {
        "light": light,
        "light_label": LIGHT_LABELS[light],
        "due": due,
        "kind": KIND_LABELS.get(kind, ""),
        "state": ticket.get_state_display(),
        "running": bool(running),
    }


@register.filter
def starts_with(text: Any, prefix: Any) -> bool:
    """Whether a ticket's text begins with its title (a title cut from the text says
    nothing the text does not)."""
    return str(text or "").startswith(str(prefix or "").rstrip("…."))
