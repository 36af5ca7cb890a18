"""Dispatch suggestions (智能派单建议): who should lead, who should assist, how sure we are.

Scoring, for each candidate unit (see docs/routing.md):

* **duty** — the best matching catalogue rule: ``priority/100 × depth factor`` (a rule
  for the full topic path beats a rule for its first level; keyword rules count least),
  times the territorial factor (1 for the unit of the place; less when the place is
  unknown or the matter is lifted to a prefecture department);
* **learned** — the bounded adjustment from dispatchers' overrides and accepted returns;
* **load** — a small penalty (≤ 0.1) for open tickets held as lead and the recent overdue
  rate: it separates equally competent units, it does not overturn the catalogue.

Confidence = top score × margin factor (how far ahead of the second) × place certainty ×
topic certainty. Everything but the one load query (batched for all candidates) comes
from per-process caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hotline import clock
from hotline.db import write_transaction
from hotline.org.models import Level
from hotline.org.scope import DataScope
from hotline.routing.catalogue import Rule, catalogue, norm_topic, split_topic
from hotline.routing.index import UnitIndex, UnitInfo, unit_index
from hotline.routing.locate import PlaceResolution, resolve_place
from hotline.routing.models import ShareRole, SuggestionRecord, Territory
from hotline.routing.preferences import preferences

DEPTH_FACTOR = {0: 0.85, 1: 0.92, 2: 0.98, 3: 1.0}
OPEN_LOAD_STATES = ("dispatched", "handling", "suspended")
LOAD_WINDOW = timedelta(days=30)
MAX_LEADS = 5
MAX_ASSISTS = 3
ASSIST_MIN_PRIORITY = 66  # weaker keyword rules ("学校", "医院") never add an assisting unit
SECOND_TOPIC_MIN = 0.35
KEYWORD_SUPPORT = 0.08


@dataclass
class Candidate:
    unit: UnitInfo
    score: float = 0.0
    duty: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    rule_ids: list[int] = field(default_factory=list)

    def add_reason(self, kind: str, text: str, delta: float | None = None) -> None:
        if delta is None and any(r["kind"] == kind and r["text"] == text for r in self.reasons):
            return
        item: dict[str, Any] = {"kind": kind, "text": text}
        if delta is not None:
            item["delta"] = round(delta, 3)
        self.reasons.append(item)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit.ref(), "score": round(self.score, 3), "reasons": self.reasons}


@dataclass
class Suggestion:
    topic: str
    leads: list[Candidate]
    assists: list[Candidate]
    confidence: float
    place: PlaceResolution
    notes: list[str] = field(default_factory=list)

    @property
    def lead(self) -> Candidate | None:
        return self.leads[0] if self.leads else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "lead": self.lead.to_dict() if self.lead else None,
            "leads": [c.to_dict() for c in self.leads],
            "assists": [c.to_dict() for c in self.assists],
            "confidence": round(self.confidence, 3),
            "place": self.place.to_dict(),
            "notes": list(self.notes),
        }


@dataclass
class Request:
    """The fields a suggestion reads, from a Ticket or a plain dict."""

    title: str = ""
    text: str = ""
    type: str = ""
    topic: str = ""
    place_id: int | None = None
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    triage: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, source: Any) -> Request:
        if isinstance(source, Request):
            return source
        if isinstance(source, dict):
            place = source.get("place_id", source.get("place"))
            return cls(
                title=str(source.get("title") or ""),
                text=str(source.get("text") or ""),
                type=str(source.get("type") or ""),
                topic=str(source.get("topic") or ""),
                place_id=getattr(place, "pk", place) if place else None,
                address=str(source.get("address") or ""),
                lat=source.get("lat"),
                lng=source.get("lng"),
                triage=dict(source.get("triage") or {}) if isinstance(source.get("triage"), dict) else {},
            )
        return cls(
            title=source.title or "",
            text=source.text or "",
            type=source.type or "",
            topic=source.topic or "",
            place_id=source.place_id,
            address=source.address or "",
            lat=source.lat,
            lng=source.lng,
            triage=source.triage if isinstance(source.triage, dict) else {},
        )


def resolve_for(source: Any) -> PlaceResolution:
    req = Request.of(source)
    places = req.triage.get("places")
    return resolve_place(
        place_id=req.place_id,
        lat=req.lat,
        lng=req.lng,
        triage_places=places if isinstance(places, list) else None,
        address=req.address,
        text=f"{req.title} {req.text}",
    )


def _topic_certainty(req: Request) -> float:
    if not req.topic:
        return 0.0
    suggested = str(req.triage.get("topic") or "")
    if norm_topic(suggested) != norm_topic(req.topic):
        return 1.0  # a person chose (or corrected) the topic
    conf = req.triage.get("confidences", {}).get("topic", req.triage.get("confidence", 0.7))
    try:
        return float(conf)
    except (TypeError, ValueError):
        return 0.7


# --- targets of a rule ---------------------------------------------------------------


def _targets(rule: Rule, place: PlaceResolution, idx: UnitIndex) -> list[tuple[UnitInfo, float, str]]:
    """(unit, territorial factor, why) for each unit the rule points at for this place."""
    if rule.unit_id is not None:
        unit = idx.usable(rule.unit_id)
        if unit is None:
            return []
        if rule.territory != Territory.PLACE:
            return [(unit, 1.0, "")]
        if unit.level == Level.PREFECTURE:
            # 属地优先: a prefecture unit yields to the county's own for a local matter.
            local = place.county is not None and not place.cross_county
            return [
                (unit, 0.9 if local else 1.0, "州级部门" if local else "跨县(市)或属地不明,由州级部门办理")
            ]
        if not place.known:
            return [(unit, 0.75, "未识别属地")]
        if unit.county_id is not None and place.county and unit.county_id != place.county.id:
            return []
        if unit.level in (Level.TOWNSHIP, Level.VILLAGE) and (
            place.township is None or unit.township_id != place.township.id
        ):
            return []
        return [(unit, 1.0, f"属地:{place.county.area if place.county else ''}")]
    if rule.territory == Territory.ANY:
        if rule.unit_keywords:
            return [(u, 1.0, "") for u in idx.matching(rule.level, rule.unit_keywords)]
        return []
    if rule.level == Level.VILLAGE:
        return [(place.village, 1.0, f"属地:{place.village.area}")] if place.village else []
    if rule.level == Level.TOWNSHIP:
        town = place.township
        if town is None:
            return []
        if not rule.unit_keywords:
            return [(town, 1.0, f"属地管理:{town.area or town.name}")] if town.active else []
        units = [u for u in idx.matching(Level.TOWNSHIP, rule.unit_keywords) if u.township_id == town.id]
        return [(u, 1.0, f"属地管理:{town.area or town.name}") for u in units]
    if rule.level == Level.COUNTY:
        if place.cross_county:
            return _prefecture(rule, place, idx, 0.95, "跨县(市)事项,由州级部门牵头")
        county = place.county
        if county is None:
            return _prefecture(rule, place, idx, 0.75, "未识别属地,由州级部门统筹")
        if not rule.unit_keywords:
            return [(county, 1.0, f"属地管理:{county.area or county.name}")] if county.active else []
        units = [u for u in idx.matching(Level.COUNTY, rule.unit_keywords) if u.county_id == county.id]
        if units:
            return [(u, 1.0, f"属地管理:{county.area or county.name}") for u in units]
        return _prefecture(rule, place, idx, 0.8, f"{county.area or county.name}无对应部门,由州级部门办理")
    return _prefecture(rule, place, idx, 1.0, "")


def _prefecture(
    rule: Rule, place: PlaceResolution, idx: UnitIndex, factor: float, why: str
) -> list[tuple[UnitInfo, float, str]]:
    if not rule.unit_keywords:
        pref = place.prefecture
        return [(pref, factor * 0.9, why or "州级统筹")] if pref and pref.active else []
    units = idx.matching(Level.PREFECTURE, rule.unit_keywords)
    if place.prefecture is not None:
        units = [u for u in units if u.prefecture_id in (None, place.prefecture.id)]
    return [(u, factor, why) for u in units]


# --- scoring -------------------------------------------------------------------------


def _matched_rules(req: Request, doc: str) -> tuple[list[tuple[Rule, int, str]], list[tuple[Rule, int, str]]]:
    """(topic/type rules, keyword rules) that apply, with match depth and a reason."""
    cat = catalogue()
    primary: list[tuple[Rule, int, str]] = []
    for rule, depth in cat.for_topic(req.topic) if req.topic else []:
        if rule.ticket_type and rule.ticket_type != req.type:
            continue
        primary.append((rule, depth, f"职责清单:「{rule.topic}」→ {_who(rule)}"))
    for rule in cat.type_rules.get(req.type, ()) if req.type else ():
        primary.append((rule, 0, f"职责清单:{rule.ticket_type} → {_who(rule)}"))
    keyword: list[tuple[Rule, int, str]] = []
    for rule in cat.keyword_rules:
        if rule.ticket_type and rule.ticket_type != req.type:
            continue
        hits = [k for k in rule.keywords if k in doc]
        if hits:
            keyword.append((rule, 0, f"诉求含「{'、'.join(hits[:3])}」→ {_who(rule)}"))
    return primary, keyword


def _who(rule: Rule) -> str:
    if rule.unit_id is not None:
        return "指定单位"
    level = {"prefecture": "州级", "county": "县级", "township": "乡镇(街道)", "village": "村(社区)"}
    what = "/".join(rule.unit_keywords[:2]) if rule.unit_keywords else "人民政府"
    return f"{level.get(rule.level, '')}{what}"


def _score_rules(
    matches: list[tuple[Rule, int, str]],
    place: PlaceResolution,
    idx: UnitIndex,
    scope: DataScope | None,
    pool: dict[int, Candidate],
    role: str,
) -> None:
    for rule, depth, why in matches:
        if rule.role != role:
            continue
        base = rule.priority / 100 * DEPTH_FACTOR[min(depth, 3)] + (0.02 if rule.ticket_type else 0.0)
        for unit, factor, where in _targets(rule, place, idx):
            if scope is not None and not scope.everything and not unit.path.startswith(scope.unit_path):
                continue
            score = base * factor
            cand = pool.get(unit.id)
            if cand is None:
                cand = pool[unit.id] = Candidate(unit)
            if score > cand.duty:
                cand.duty = score
            if len(cand.rule_ids) < 3:
                cand.rule_ids.append(rule.id)
                cand.add_reason("duty", why + (f"({rule.note})" if rule.note else ""), score)
                if where:
                    cand.add_reason("place", where)


def _keyword_support(
    keyword: list[tuple[Rule, int, str]],
    place: PlaceResolution,
    idx: UnitIndex,
    scope: DataScope | None,
    pool: dict[int, Candidate],
) -> None:
    """Words of the request that point at a candidate the topic already named («停电» for
    供电局 among the 市政设施 candidates) add KEYWORD_SUPPORT, once per candidate."""
    support: dict[int, Candidate] = {}
    _score_rules(keyword, place, idx, scope, support, ShareRole.LEAD)
    for unit_id, hit in support.items():
        cand = pool.get(unit_id)
        if cand is not None and hit.reasons:
            cand.duty += KEYWORD_SUPPORT
            cand.add_reason("duty", hit.reasons[0]["text"], KEYWORD_SUPPORT)


def unit_loads(unit_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """unit id → (open tickets held as lead, deadlines in the last 30 days, of which missed).

    One query for all candidates, written as SQL once: building it through the ORM
    costs more than running it.
    """
    if not unit_ids:
        return {}
    from django.db import connection

    now = clock.now()
    adapt = connection.ops.adapt_datetimefield_value
    since_v, now_v = adapt(now - LOAD_WINDOW), adapt(now)
    states = list(OPEN_LOAD_STATES)
    ids = ", ".join(["%s"] * len(unit_ids))
    params = [*states, since_v, now_v, since_v, now_v, *unit_ids, *states, since_v, now_v]
    with connection.cursor() as cursor:
        cursor.execute(_load_sql() % {"ids": ids}, params)
        return {row[0]: (int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in cursor.fetchall()}


def _load_sql() -> str:
    from hotline.tickets.models import Ticket

    table = Ticket._meta.db_table
    in_states = ", ".join(["%%s"] * len(OPEN_LOAD_STATES))
    recent = "(resolve_deadline >= %%s AND resolve_deadline <= %%s)"
    # Only placeholders and the model's own table name are interpolated.
    return (
        f"SELECT lead_unit_id, SUM(CASE WHEN state IN ({in_states}) THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN {recent} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {recent} AND (closed_at IS NULL OR closed_at > resolve_deadline) THEN 1 ELSE 0 END) "
        f"FROM {table} WHERE lead_unit_id IN (%(ids)s) AND (state IN ({in_states}) OR {recent}) "
        "GROUP BY lead_unit_id"
    )


def load_penalty(open_count: int, recent: int, missed: int) -> float:
    """≤ 0.1: enough to order equally competent units, too little to overturn a duty rule."""
    overdue_rate = missed / (recent + 2)  # smoothed: two on-time tickets assumed
    return 0.04 * open_count / (open_count + 10) + 0.06 * overdue_rate


def _apply_load(cands: list[Candidate]) -> None:
    loads = unit_loads([c.unit.id for c in cands])
    for cand in cands:
        open_count, recent, missed = loads.get(cand.unit.id, (0, 0, 0))
        penalty = load_penalty(open_count, recent, missed)
        cand.score -= penalty
        rate = f",近30天超期率{missed / recent:.0%}" if recent else ""
        cand.add_reason("load", f"在办工单{open_count}件{rate}", -penalty)


def _apply_learning(
    req: Request,
    place: PlaceResolution,
    idx: UnitIndex,
    scope: DataScope | None,
    pool: dict[int, Candidate],
) -> None:
    adjust = preferences().adjustments(
        norm_topic(req.topic),
        place.township.id if place.township else None,
        place.county.id if place.county else None,
    )
    for unit_id, delta in adjust.items():
        cand = pool.get(unit_id)
        if cand is None:
            unit = idx.usable(unit_id)
            in_scope = unit is not None and (
                scope is None or scope.everything or unit.path.startswith(scope.unit_path)
            )
            if delta <= 0 or unit is None or not in_scope:
                continue
            cand = pool[unit_id] = Candidate(unit, duty=0.5)
        cand.score += delta
        verb = "多次被改派至此" if delta > 0 else "曾被退回或改派他处"
        cand.add_reason("learned", f"历史改派经验:同类诉求{verb}", delta)


def _rank(pool: dict[int, Candidate]) -> list[Candidate]:
    for cand in pool.values():
        cand.score += cand.duty
    return sorted(pool.values(), key=lambda c: (-c.score, c.unit.path))


def _fallback(place: PlaceResolution, scope: DataScope | None) -> list[Candidate]:
    for unit, score in ((place.township, 0.45), (place.county, 0.4)):
        if unit is None or not unit.active:
            continue
        if scope is not None and not scope.everything and not unit.path.startswith(scope.unit_path):
            continue
        cand = Candidate(unit, duty=score)
        cand.add_reason("place", f"职责清单无匹配,按属地管理交「{unit.name}」", score)
        return [cand]
    return []


def _confidence(leads: list[Candidate], place: PlaceResolution, req: Request) -> float:
    if not leads:
        return 0.0
    top = min(1.0, max(0.0, leads[0].score))
    second = leads[1].score if len(leads) > 1 else 0.0
    margin = 0.7 + 0.3 * min(1.0, max(0.0, leads[0].score - second) / 0.1)
    place_certainty = place.certainty if place.known else 0.7
    topic = _topic_certainty(req)
    topic_factor = min(1.0, 0.55 + 0.5 * topic) if req.topic else 0.6
    return round(top * margin * place_certainty * topic_factor, 4)


def _secondary_topics(req: Request) -> list[str]:
    out = []
    main = split_topic(req.topic)[:2]
    for cand in req.triage.get("topic_candidates") or []:
        if not isinstance(cand, dict):
            continue
        label = str(cand.get("label") or "")
        try:
            score = float(cand.get("score") or 0)
        except (TypeError, ValueError):
            continue
        if label and score >= SECOND_TOPIC_MIN and split_topic(label)[:2] != main:
            out.append(norm_topic(label))
    return out[:2]


def _assists(
    req: Request,
    doc: str,
    primary: list[tuple[Rule, int, str]],
    keyword: list[tuple[Rule, int, str]],
    place: PlaceResolution,
    idx: UnitIndex,
    scope: DataScope | None,
    lead: Candidate,
) -> list[Candidate]:
    pool: dict[int, Candidate] = {}
    _score_rules(primary + keyword, place, idx, scope, pool, ShareRole.ASSIST)
    # Other matters in the same request: keyword rules and triage's runner-up topics.
    others = [m for m in keyword if m[0].role == ShareRole.LEAD and m[0].priority >= ASSIST_MIN_PRIORITY]
    cat = catalogue()
    for topic in _secondary_topics(req):
        others += [
            (r, d, f"同时涉及「{topic}」→ {_who(r)}")
            for r, d in cat.for_topic(topic)
            if r.role == ShareRole.LEAD
        ]
    groups: dict[int, dict[int, Candidate]] = {}
    for match in others:
        sub: dict[int, Candidate] = {}
        _score_rules([match], place, idx, scope, sub, ShareRole.LEAD)
        groups[match[0].id] = sub
    for sub in groups.values():
        best = max(sub.values(), key=lambda c: c.duty, default=None)
        if best is None or best.unit.id == lead.unit.id or best.unit.id in pool:
            continue
        if best.duty < 0.5:
            continue
        pool[best.unit.id] = best
    pool.pop(lead.unit.id, None)
    ranked = sorted(pool.values(), key=lambda c: -c.duty)[:MAX_ASSISTS]
    for cand in ranked:
        cand.score = cand.duty
    return ranked


def suggest(source: Any, *, scope: DataScope | None = None) -> Suggestion:
    """Ranked lead candidates and assisting units for a ticket (or a dict of its fields).

    ``scope`` limits the candidates to the caller's units. A pure read: nothing is
    stored — a caller that wants the suggestion remembered (so that a later dispatch to
    another unit is learned from as an override) calls ``record_suggestion``.
    """
    req = Request.of(source)
    idx = unit_index()
    place = resolve_for(req)
    doc = f"{req.title} {req.text}"[:2000]
    primary, keyword = _matched_rules(req, doc)
    # Without a topic, the request's keywords stand in for it.
    lead_rules = primary if primary else keyword
    pool: dict[int, Candidate] = {}
    _score_rules(lead_rules, place, idx, scope, pool, ShareRole.LEAD)
    if primary:
        _keyword_support(keyword, place, idx, scope, pool)
    notes: list[str] = []
    if not pool:
        notes.append("职责清单无匹配" if req.topic else "未确定诉求分类")
    _apply_learning(req, place, idx, scope, pool)
    if not pool:
        pool = {c.unit.id: c for c in _fallback(place, scope)}
    ranked = _rank(pool)[: MAX_LEADS + 3]
    _apply_load(ranked)
    leads = sorted(ranked, key=lambda c: (-c.score, c.unit.path))[:MAX_LEADS]
    assists = (
        _assists(req, doc, primary, keyword if primary else [], place, idx, scope, leads[0]) if leads else []
    )
    if not place.known:
        notes.append("未识别属地,请核实发生地")
    result = Suggestion(
        topic=norm_topic(req.topic),
        leads=leads,
        assists=assists,
        confidence=_confidence(leads, place, req),
        place=place,
        notes=notes,
    )
    return result


def record_suggestion(ticket: Any, s: Suggestion) -> None:
    """Store ``s`` as the suggestion made for ``ticket`` (one per ticket, the latest wins):
    ``routing.learning`` compares a dispatcher's choice with it. Record only suggestions
    made with the full scope: a suggestion limited to some units is not the engine's."""
    with write_transaction():  # SQLite: queue with the other writers, do not poll for the lock
        SuggestionRecord.objects.update_or_create(ticket_id=ticket.pk, defaults=_record_fields(s))


def first_record(s: Suggestion) -> SuggestionRecord:
    """The record of ``s`` for a ticket about to be created, built before its transaction
    (``record_first_suggestion`` sets the ticket and writes it)."""
    return SuggestionRecord(**_record_fields(s))


def record_first_suggestion(ticket: Any, record: SuggestionRecord) -> None:
    """``record_suggestion`` for a ticket created in the current transaction: nothing is
    recorded for it yet, so one insert does (no savepoint, no read first)."""
    record.ticket_id = ticket.pk
    SuggestionRecord.objects.bulk_create([record], ignore_conflicts=True)


def _record_fields(s: Suggestion) -> dict[str, Any]:
    return {
        "topic": s.topic,
        "lead_unit_id_suggested": s.lead.unit.id if s.lead else None,
        "assist_unit_ids": [c.unit.id for c in s.assists],
        "township_id": s.place.township.id if s.place.township else None,
        "county_id": s.place.county.id if s.place.county else None,
        "confidence": s.confidence,
        "detail": s.to_dict(),
        "created_at": clock.now(),
    }
