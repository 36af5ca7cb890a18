"""GET /api/v1/search/tickets: the staff search (``tickets.search``) as JSON.

The same parse, scope and keyset as the page (/search/); each hit with its earliest
running deadline and its light, as the page lists them. ``next`` is the ``after`` of the
following page (null on the last). A bad field is a 422 naming every one in ``detail``.
A search by phone or name is an audit event (``tickets.privacy.record_search``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from hotline import clock
from hotline.openapi import one_of
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.org.scope import DataScope
from hotline.tickets import search
from hotline.tickets.lifecycle import STATE_LABELS
from hotline.tickets.models import Channel, State
from hotline.tickets.privacy import record_search
from hotline.tickets.schemas import UnitRef
from hotline.web.consoles.lights import earliest_deadline, light_of

router = Router(tags=["工单"])


class SearchHit(Schema):
    number: str
    title: str
    excerpt: str
    address: str
    channel: Annotated[str, one_of(Channel.values)]
    state: Annotated[str, one_of(State.values)]
    state_label: str
    lead_unit: UnitRef | None
    created_at: datetime
    deadline: datetime | None
    light: Annotated[str, one_of(["green", "yellow", "red"], "正常 / 临期 / 超期")]
    version: int


class SearchPage(Schema):
    items: list[SearchHit]
    next: str | None


@router.get("/search/tickets", response=SearchPage, summary="找工单(数据范围内,按受理时间倒序)")
def search_tickets(
    request: HttpRequest,
    number: str = Query("", description="工单编号,或其前几位"),  # type: ignore[assignment]
    phone: str = Query("", description="完整电话号码,或后四位"),  # type: ignore[assignment]
    name: str = Query("", description="市民姓名的开头(姓或全名)"),  # type: ignore[assignment]
    address: str = Query("", description="地址中的字词(至少 2 个字)"),  # type: ignore[assignment]
    text: str = Query("", description="标题或内容中的字词(至少 2 个字)"),  # type: ignore[assignment]
    unit: str = Query("", description="主办单位编码或名称"),  # type: ignore[assignment]
    state: list[Annotated[str, one_of(State.values)]] = Query([], description="状态(可多选)"),  # type: ignore[assignment]  # noqa: B008
    channel: Annotated[str, one_of(["", *Channel.values], "渠道(空:全部)")] = "",
    date_from: str = Query("", alias="from", description="受理日期起(年-月-日,北京时间)"),  # type: ignore[assignment]
    date_to: str = Query("", alias="to", description="受理日期止(含当日)"),  # type: ignore[assignment]
    after: str = Query("", description="上一页答复的 next"),  # type: ignore[assignment]
) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    params = {
        "number": number,
        "phone": phone,
        "name": name,
        "address": address,
        "text": text,
        "unit": unit,
        "state": state,
        "channel": channel,
        "from": date_from,
        "to": date_to,
    }
    criteria = search.parse(params)
    result = search.search(DataScope.of(user), criteria, after=search.parse_cursor(after))
    record_search(
        Actor.of(user),
        source="search_api",
        phone=criteria.phone,
        name=criteria.name,
        found=len(result.items),
        more=result.next is not None,
    )
    now = clock.now()
    return {
        "items": [
            {
                "number": t.number,
                "title": t.title,
                "excerpt": search.excerpt(t),
                "address": t.address,
                "channel": t.channel,
                "state": t.state,
                "state_label": STATE_LABELS.get(t.state, t.state),
                "lead_unit": t.lead_unit,
                "created_at": t.created_at,
                "deadline": earliest_deadline(t),
                "light": light_of(t, now),
                "version": t.version,
            }
            for t in result.items
        ],
        "next": result.next.token() if result.next else None,
    }
