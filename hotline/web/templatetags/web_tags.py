"""Template tags of the pages: the role navigation with the unread count."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.org.models import Role
from hotline.sla.models import Notification

register = template.Library()

# (path, label, roles allowed — None for everyone signed in, accesskey)
NAV: tuple[tuple[str, str, frozenset[str] | None, str], ...] = (
    ("/", "首页", None, "h"),
    ("/inbox/", "消息", None, "m"),
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
