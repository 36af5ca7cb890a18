"""The ticket lifecycle: which action is allowed in which state, by which role.

This table is the single source of the state machine. Actions whose target depends
on their input (``review`` pass/fail, ``callback`` satisfied/dissatisfied,
``rule_return`` re-dispatch/overrule) list every state they may lead to; the action
function picks one of them and ``check_target`` keeps it honest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.org.actor import CITIZEN_ROLE
from hotline.org.models import Role
from hotline.tickets.models import State

S = State
OPEN_HANDLING = (S.DISPATCHED, S.RETURNED, S.HANDLING, S.SUSPENDED)
# Deadline steps also apply while a ticket waits for its callback.
SWEEP_STATES = (*OPEN_HANDLING, S.AWAITING_CALLBACK)


@dataclass(frozen=True)
class Transition:
    label: str  # zh-CN name shown to people
    sources: tuple[str, ...]
    targets: tuple[str, ...]  # empty: the state does not change
    roles: frozenset[str]
    public: bool = False  # shown on the citizen's timeline
    # A remark records what someone said of the ticket and leaves its row untouched (no
    # version bump): a citizen's rating does not make a clerk's open form stale.
    remark: bool = False


def _t(
    label: str, sources: tuple[str, ...], targets: tuple[str, ...], roles: Iterable[str], **kw: bool
) -> Transition:
    return Transition(label, tuple(sources), tuple(targets), frozenset(roles), **kw)


CENTRE_INTAKE = {Role.OPERATOR, Role.DISPATCHER}

TRANSITIONS: dict[str, Transition] = {
    "answer": _t("即时答复", (S.ACCEPTED,), (S.AWAITING_CALLBACK,), CENTRE_INTAKE, public=True),
    "reject": _t("不予受理", (S.ACCEPTED,), (S.REJECTED,), CENTRE_INTAKE, public=True),
    "transfer_police": _t("转110", (S.ACCEPTED, S.RETURNED), (S.TRANSFERRED,), CENTRE_INTAKE, public=True),
    # The citizen again, about a ticket still open: the contact joins it (any channel).
    "add_contact": _t(
        "追加来电来信",
        (S.ACCEPTED, *OPEN_HANDLING, S.REPORTED, S.AWAITING_CALLBACK),
        (),
        {*CENTRE_INTAKE, CITIZEN_ROLE},
        public=True,
    ),
    "merge": _t("合并", (S.ACCEPTED, S.RETURNED), (S.MERGED,), CENTRE_INTAKE, public=True),
    # What 110 says of a transferred ticket, recorded by the 110 link (channels.police)
    # as the platform itself: no person's role may say it for 110.
    "police_ack": _t("110确认接警", (S.TRANSFERRED,), (), (), remark=True),
    "police_result": _t("110处置结果", (S.TRANSFERRED,), (), (), remark=True),
    "dispatch": _t("派单", (S.ACCEPTED,), (S.DISPATCHED,), {Role.DISPATCHER}, public=True),
    # An assisting unit may sign or return its share while the lead already handles.
    "sign": _t(
        "签收",
        (S.DISPATCHED, S.HANDLING),
        (S.HANDLING, S.DISPATCHED),
        {Role.HANDLER},
        public=True,
    ),
    # A sub-dispatched unit's return goes back to the unit above it (handling there);
    # a directly dispatched unit's return goes to the centre (returned).
    "return": _t(
        "退单",
        (S.DISPATCHED, S.HANDLING),
        (S.RETURNED, S.HANDLING, S.DISPATCHED),
        {Role.HANDLER},
    ),
    "rule_return": _t("退单审核", (S.RETURNED,), (S.DISPATCHED, S.HANDLING), {Role.DISPATCHER}, public=False),
    "subdispatch": _t("下派", (S.DISPATCHED, S.HANDLING), (S.DISPATCHED,), {Role.HANDLER}, public=True),
    "request_extension": _t("申请延期", (S.HANDLING,), (), {Role.HANDLER}),
    "decide_extension": _t("延期审批", (S.HANDLING, S.SUSPENDED), (), {Role.DISPATCHER}),
    # A handler's suspend is a request (state unchanged until the centre approves);
    # a dispatcher's is direct.
    "suspend": _t("挂起", (S.HANDLING,), (S.SUSPENDED, S.HANDLING), {Role.HANDLER, Role.DISPATCHER}),
    "decide_suspension": _t("挂起审批", (S.HANDLING,), (S.HANDLING, S.SUSPENDED), {Role.DISPATCHER}),
    "resume": _t(
        "恢复办理",
        (S.SUSPENDED,),
        (S.HANDLING,),
        {Role.HANDLER, Role.DISPATCHER},
        public=True,
    ),
    "warn": _t("临期预警", SWEEP_STATES, (), {Role.SUPERVISOR}),
    "urge": _t("催办", SWEEP_STATES, (), {Role.SUPERVISOR}),
    "supervise": _t("督办", SWEEP_STATES, (), {Role.SUPERVISOR}),
    "progress": _t("阶段反馈", (S.HANDLING,), (), {Role.HANDLER}, public=True),
    # The centre lets the lead close without an assisting unit that never signed.
    "release_assist": _t("解除协办", (S.DISPATCHED, S.HANDLING), (), {Role.DISPATCHER}),
    "report": _t("办结反馈", (S.HANDLING,), (S.HANDLING, S.REPORTED), {Role.HANDLER}, public=True),
    "review": _t("审核", (S.REPORTED,), (S.AWAITING_CALLBACK, S.HANDLING), {Role.REVIEWER}),
    "callback": _t(
        "回访",
        (S.AWAITING_CALLBACK,),
        (S.AWAITING_CALLBACK, S.ARCHIVED, S.HANDLING, S.ACCEPTED),
        {Role.CALLBACK},
        public=True,
    ),
    "archive": _t("归档", (S.AWAITING_CALLBACK,), (S.ARCHIVED,), {Role.CALLBACK}, public=True),
    # What people say of the handling; the state stays. The names are those the audit
    # chain has always stored.
    "citizen_rating": _t("市民评价", (S.AWAITING_CALLBACK, S.ARCHIVED), (), {CITIZEN_ROLE}, remark=True),
    "unit_complaint": _t("督办投诉", tuple(S.values), (), {Role.SUPERVISOR}, remark=True),
}

STATE_LABELS = dict(State.choices)

# Recorded facts about a ticket that are not lifecycle actions (the state stays).
RECORDED_LABELS = {
    "create": "受理",
    "view_personal_data": "查看市民完整信息",
    "merged_in": "并入重复件",
    "advice_skipped": "智能建议未执行",
    "state_drift": "发现记录被改动",
    # Events of no one ticket, named in the audit pages and exports.
    "history_import": "导入历史工单",
    "search_personal_data": "按号码或姓名查询市民",
    "lockout": "多次失败被锁定",
    "login_locked": "登录多次失败被锁定",  # lock-outs as recorded before ``lockout``
}


def action_label(action: str) -> str:
    """The zh-CN name of any event's action, for timelines and exports."""
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return RECORDED_LABELS.get(action, action)


END_STATES = frozenset({S.ARCHIVED, S.REJECTED, S.TRANSFERRED, S.MERGED})


def allowed_actions(state: str) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if state in t.sources]


def check_target(action: str, target: str, source: str) -> None:
    transition = TRANSITIONS[action]
    if transition.targets and target not in transition.targets:
        raise AssertionError(f"{action}: {source} → {target} is not in the transition table")
    if not transition.targets and target != source:
        raise AssertionError(f"{action} must not change the state ({source} → {target})")
