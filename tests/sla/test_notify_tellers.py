"""Who hears of what: every action of one long history, and the messages it leaves."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.sla.models import Notification
from tests.tickets.test_events import drive

pytestmark = pytest.mark.django_db


def test_each_action_tells_the_people_who_act_next(
    org: Any, api_as: Any, committed: Any, settings: Any
) -> None:
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = "off"
    numbers, _ = drive(api_as, committed)
    names = {number: name for name, number in numbers.items()}
    told = [
        (n.user.username, n.kind, _named(n.title, names), n.body, names[n.ticket.number])
        for n in Notification.objects.select_related("user", "ticket").order_by("id")
    ]
    # Sorted: the handlers of one step are told in whatever order the database lists them.
    assert sorted(told) == sorted(EXPECTED)


def _named(title: str, names: dict[str, str]) -> str:
    for number, name in names.items():
        title = title.replace(number, f"<{name}>")
    return title


# (user, kind, title, body, ticket): each teller and each of its branches appears, and
# the steps that tell nobody (signing, a dispatcher's own suspension, an assisting
# unit's report, a satisfied callback …) leave nothing.
EXPECTED: list[tuple[str, str, str, str, str]] = [
    ("a_gov", "new_ticket", "新工单待签收:<main>", "城关镇河西村路口的路灯坏了一个多月,晚上很黑", "main"),
    ("a_zj", "new_ticket", "新工单待签收:<main>", "城关镇河西村路口的路灯坏了一个多月,晚上很黑", "main"),
    ("a_zj", "new_ticket", "新工单待签收:<main>", "城关镇河西村路口的路灯坏了一个多月,晚上很黑", "main"),
    ("a_cg", "new_ticket", "新工单待签收:<main>", "城关镇河西村路口的路灯坏了一个多月,晚上很黑", "main"),
    ("a_gov", "returned", "工单 <main> 被下级退回", "不属本镇职责", "main"),
    ("dispatcher", "request", "工单 <main> 申请延期,待审批", "需采购灯具", "main"),
    ("a_gov", "decision", "工单 <main> 延期申请已批准", "同意", "main"),
    ("dispatcher", "request", "工单 <main> 申请延期,待审批", "再等一天", "main"),
    ("a_gov", "decision", "工单 <main> 延期申请未批准", "", "main"),
    ("dispatcher", "request", "工单 <main> 申请挂起,待审批", "等待供电公司", "main"),
    ("a_gov", "decision", "工单 <main> 挂起申请已批准", "同意挂起", "main"),
    ("a_gov", "warn", "【临期预警】工单 <main>", "即将到期", "main"),
    ("a_gov", "urge", "【催办】工单 <main>", "请加快", "main"),
    ("a_gov", "supervise", "【督办】工单 <main>", "督办", "main"),
    ("supervisor", "supervise", "【督办】工单 <main>", "督办", "main"),
    ("reviewer", "review", "工单 <main> 已办结,待审核", "", "main"),
    ("a_gov", "rehandle", "工单 <main> 退回重办", "缺少照片", "main"),
    ("reviewer", "review", "工单 <main> 已办结,待审核", "", "main"),
    ("a_gov", "rehandle", "工单 <main> 退回重办", "仍不亮", "main"),
    ("reviewer", "review", "工单 <main> 已办结,待审核", "", "main"),
    ("a_gov", "new_ticket", "新工单待签收:<ruled>", "石门县龙潭镇自来水停水三天了", "ruled"),
    ("dispatcher", "returned", "工单 <ruled> 被退回,待审核", "不属本县", "ruled"),
    ("b_zj", "new_ticket", "新工单待签收:<ruled>", "石门县龙潭镇自来水停水三天了", "ruled"),
    ("b_lt", "new_ticket", "新工单待签收:<ruled>", "石门县龙潭镇自来水停水三天了", "ruled"),
    ("dispatcher", "returned", "工单 <ruled> 被退回,待审核", "应由住建局办理", "ruled"),
    ("b_lt", "overruled", "工单 <ruled> 退单未获批准,请继续办理", "属镇级职责", "ruled"),
]
