"""Rule layer: urgency, emotion, validity, police matters and the request type.

Rules decide what must never depend on a statistical model's mood: a caller who says
they want to end their life is 特急 whatever the classifier thinks. Every decision
carries the cue words that made it, so an operator can see *why*.

The cue words and their weights are data (``data/cues.json``), read on first use; the
values decided (type, urgency, emotion) are the ticket's own choices in
``hotline.tickets.models``. This module holds only how cues become decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from hotline.tickets.models import Emotion, TicketType, Urgency
from hotline.triage.datafiles import load_json
from hotline.triage.lexicon import Hit, Lexicon
from hotline.triage.text import cjk_count, letter_count

# The emergency service each life-safety group of cues.json calls for. Self-harm and
# violence are a person's intent: a police matter, which outranks fire (119), which
# outranks an ambulance (120) when several groups fire at once.
EMERGENCY_SERVICE = {
    "自伤自杀": "110",
    "暴力威胁": "110",
    "火灾": "119",
    "燃气爆炸": "119",
    "人员被困": "119",
    "水淹内涝": "119",
    "溺水": "119",
    "人身危险": "120",
}
INTENT_GROUPS = ("自伤自杀", "暴力威胁")
_SERVICE_RANK = ("110", "119", "120")
# An emotion counts from this cue score on; the order breaks ties (anger first).
EMOTION_THRESHOLDS = {Emotion.ANGRY.value: 2.5, Emotion.DISSATISFIED.value: 1.5, Emotion.ANXIOUS.value: 1.5}

_REPEAT = re.compile(r"(.)\1{5,}")
_EXCLAIM = re.compile(r"[!！]{2,}|[?？]{3,}")


@dataclass(frozen=True)
class Cues:
    """``data/cues.json`` compiled: one lexicon of every cue group, and the two patterns
    that read the words around a life-safety or urgent cue."""

    lexicon: Lexicon
    negated: re.Pattern[str]  # a negation just before the cue ("没有起火")
    risk_after: re.Pattern[str]  # a risk or facility just after it ("火灾隐患", "跳楼机")


@cache
def cues() -> Cues:
    """The cue words, read and compiled once per process on first use (the file never
    changes while the process runs)."""
    data = load_json("cues.json")
    _check_names(data)
    groups: dict[str, dict[str, float] | list[str]] = {}
    for name, words in data["life_safety"].items():
        groups[f"life:{name}"] = words
    groups["urgent"] = data["urgent"]
    for emotion, words in data["emotion"].items():
        groups[f"emo:{emotion}"] = words
    for kind, words in data["invalid"].items():
        groups[f"invalid:{kind}"] = words
    groups["police"] = data["police"]
    groups["police_damp"] = data["police_dampers"]
    for ticket_type, words in data["type"].items():
        groups[f"type:{ticket_type}"] = words
    negations = "|".join(re.escape(w) for w in data["negations"])
    return Cues(
        lexicon=Lexicon.from_groups(groups),
        negated=re.compile(f"(?:{negations})(?:人|有人|发生|出现)?$"),
        risk_after=re.compile("(?:" + "|".join(re.escape(w) for w in data["risk_after"]) + ")"),
    )


def _check_names(data: dict[str, dict[str, object]]) -> None:
    """The group names the code reads must be the ones the file has: an edit that renames
    one fails here rather than silently switching a rule off."""
    expected = {
        "life_safety": set(EMERGENCY_SERVICE),
        "emotion": set(EMOTION_THRESHOLDS),
        "invalid": {"harass", "test", "remit"},
    }
    for key, names in expected.items():
        if set(data[key]) != names:
            raise ValueError(f"cues.json {key}: {sorted(data[key])} ≠ {sorted(names)}")
    if not set(data["type"]) <= set(TicketType.values):
        raise ValueError(f"cues.json type: {sorted(set(data['type']) - set(TicketType.values))} 不是诉求类型")


@dataclass
class Decision:
    value: str
    confidence: float
    explain: str
    cues: list[str] = field(default_factory=list)


@dataclass
class RuleOutcome:
    urgency: Decision
    emotion: Decision
    extreme_emotion: bool
    life_safety: list[str]
    valid: bool
    invalid_reason: str
    validity_confidence: float
    police: bool
    police_confidence: float
    police_explain: str
    emergency: str
    type_scores: dict[str, float]
    type_cues: dict[str, list[str]]


def _uniq(words: list[str], n: int = 4) -> list[str]:
    out: list[str] = []
    for w in words:
        if w not in out:
            out.append(w)
        if len(out) >= n:
            break
    return out


@dataclass
class _Scan:
    """What the cue words of one document add up to."""

    scores: dict[str, float] = field(default_factory=dict)
    cues: dict[str, list[str]] = field(default_factory=dict)
    # (group, word) of each life-safety cue that is neither negated nor a risk's name.
    life: list[tuple[str, str]] = field(default_factory=list)

    def score(self, group: str) -> float:
        return self.scores.get(group, 0.0)

    def words(self, group: str, n: int = 4) -> list[str]:
        return _uniq(self.cues.get(group, []), n)

    def life_labels(self, n: int = 4) -> list[str]:
        return _uniq([f"{group}「{word}」" for group, word in self.life], n)

    @property
    def intent(self) -> bool:
        """Self-harm or violence is named."""
        return any(group in INTENT_GROUPS for group, _ in self.life)

    def add(self, group: str, weight: float, word: str) -> None:
        self.scores[group] = self.scores.get(group, 0.0) + weight
        self.cues.setdefault(group, []).append(word)


def _scan(doc: str, title_len: int) -> _Scan:
    """Score every cue group (cues in the title weigh double). A negated life-safety or
    urgent cue does not count; a life-safety cue naming a risk counts as urgent."""
    compiled = cues()
    scan = _Scan()
    for hit in compiled.lexicon.scan(doc):
        boost = 2.0 if hit.start < title_len else 1.0
        for group, weight in hit.tags:
            is_life = group.startswith("life:")
            if is_life or group == "urgent":
                if _negated(compiled, doc, hit):
                    continue
                if is_life and compiled.risk_after.match(doc, hit.end):
                    group, weight = "urgent", 1.5
                elif is_life:
                    scan.life.append((group[5:], hit.word))
            scan.add(group, weight * boost, hit.word)
    return scan


def _negated(compiled: Cues, doc: str, hit: Hit) -> bool:
    return compiled.negated.search(doc[max(0, hit.start - 4) : hit.start]) is not None


def _validity(doc: str, scan: _Scan) -> tuple[bool, str, float]:
    """(valid, reason, confidence). Life-safety cues always keep a request valid."""
    n_cjk = cjk_count(doc)
    n_letters = letter_count(doc)
    content = n_cjk + n_letters
    if content == 0:
        return False, "无有效内容（空白、静默或仅含符号/表情）", 0.97
    if _REPEAT.search(doc) and len(set(doc)) <= 6:
        return False, "无意义内容（重复字符）", 0.9
    if scan.score("invalid:harass") > 0 and not scan.life:
        return False, f"骚扰来电：「{'、'.join(scan.words('invalid:harass'))}」", 0.85
    if scan.score("invalid:test") > 0 and content <= 20 and not scan.life:
        return False, f"测试或误拨来电：「{'、'.join(scan.words('invalid:test'))}」", 0.85
    if scan.score("invalid:remit") > 0 and not scan.life and scan.score("police") == 0:
        return False, f"超出政府职能范围：「{'、'.join(scan.words('invalid:remit'))}」", 0.75
    if n_cjk == 0 and n_letters < 3:
        return False, "无意义内容（不足以构成诉求）", 0.8
    if n_cjk == 0:
        return True, "", 0.5  # foreign-language text: keep it, a person must read it
    return True, "", 0.9


def _urgency(scan: _Scan) -> Decision:
    if scan.life:
        life = scan.life_labels()
        return Decision(Urgency.CRITICAL.value, 0.97, "涉及生命安全：" + "、".join(life), life)
    u = scan.score("urgent")
    words = scan.words("urgent")
    if u >= 2.0:
        return Decision(
            Urgency.URGENT.value, min(0.95, 0.55 + 0.08 * u), "紧急信号：" + "、".join(words), words
        )
    weak = f"（弱信号：{'、'.join(words)}）" if words else ""
    return Decision(Urgency.NORMAL.value, 0.8 - 0.1 * u, "未发现紧急信号" + weak, words)


def _emotion(doc: str, scan: _Scan) -> tuple[Decision, float]:
    """The emotion and the anger score (repeated !! count as anger)."""
    exclaim = _EXCLAIM.search(doc) is not None
    angry = scan.score(f"emo:{Emotion.ANGRY.value}") + (1.5 if exclaim else 0.0)
    emo_scores = {}
    for emotion, threshold in EMOTION_THRESHOLDS.items():
        s = angry if emotion == Emotion.ANGRY else scan.score(f"emo:{emotion}")
        emo_scores[emotion] = s if s >= threshold else 0.0
    best = max(emo_scores, key=lambda k: emo_scores[k])
    if emo_scores[best] > 0:
        marks = ["连续感叹号"] if best == Emotion.ANGRY and exclaim else []
        words = _uniq(scan.cues.get(f"emo:{best}", []) + marks)
        conf = min(0.95, 0.5 + 0.06 * emo_scores[best])
        return Decision(best, conf, "情绪词：" + "、".join(words), words), angry
    if scan.intent:
        life = scan.life_labels()
        return Decision(Emotion.ANXIOUS.value, 0.7, "表达轻生或极端意图：" + "、".join(life), life), angry
    return Decision(Emotion.CALM.value, 0.75, "未发现明显情绪词"), angry


def _police(scan: _Scan, valid: bool) -> tuple[bool, float, str]:
    """(police matter, confidence, explanation): police cues, damped by administrative
    police business (户口, 驾驶证 …), or self-harm/violence; never for invalid requests."""
    p = scan.score("police") - 1.5 * scan.score("police_damp")
    police = (p >= 2.0 or scan.intent) and valid
    if not police:
        return False, round(max(0.5, 0.9 - 0.15 * max(p, 0.0)), 3), "未发现需转110的警情"
    words = _uniq(scan.cues.get("police", []) + [w for g, w in scan.life if g in INTENT_GROUPS])
    conf = round(min(0.97, 0.55 + 0.1 * max(p, 0.0)), 3)
    return True, conf, "涉及公安管辖事项（" + "、".join(words) + "），建议转110处理"


def _emergency(scan: _Scan) -> str:
    services = {EMERGENCY_SERVICE[group] for group, _ in scan.life}
    return next((s for s in _SERVICE_RANK if s in services), "")


def apply(doc: str, title_len: int = 0) -> RuleOutcome:
    """Run every rule over the normalised document ``doc`` (title first, ``title_len``
    characters long: cues in the title weigh double)."""
    scan = _scan(doc, title_len)
    valid, reason, validity_confidence = _validity(doc, scan)
    emotion, anger = _emotion(doc, scan)
    police, police_confidence, police_explain = _police(scan, valid)
    return RuleOutcome(
        urgency=_urgency(scan),
        emotion=emotion,
        extreme_emotion=scan.intent or anger >= 6.0,
        life_safety=scan.life_labels(8),
        valid=valid,
        invalid_reason=reason,
        validity_confidence=validity_confidence,
        police=police,
        police_confidence=police_confidence,
        police_explain=police_explain,
        emergency=_emergency(scan),
        type_scores={t: scan.score(f"type:{t}") for t in TicketType.values},
        type_cues={t: scan.words(f"type:{t}") for t in TicketType.values},
    )


def decide_type(outcome: RuleOutcome, police_by_rules: bool) -> Decision:
    """The request type from the cue scores (警务类 when the police rule fired)."""
    if police_by_rules:
        return Decision(TicketType.POLICE.value, outcome.police_confidence, outcome.police_explain)
    scores = dict(outcome.type_scores)
    scores[TicketType.POLICE.value] = 0.0
    # 政务类 is the default: a plain request for a public service.
    default = TicketType.GOVERNMENT.value
    scores[default] = scores.get(default, 0.0) + 1.0
    best = max(TicketType.values, key=lambda t: (scores.get(t, 0.0), t == default))
    total = sum(scores.values()) or 1.0
    conf = round(min(0.95, 0.35 + 0.6 * scores[best] / total), 3)
    words = outcome.type_cues.get(best, [])
    explain = f"{best}：" + ("、".join(words) if words else "未见其他类型特征，按一般政务诉求处理")
    return Decision(best, conf, explain, words)
