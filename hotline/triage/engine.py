"""``analyse``: one request in, every triage suggestion out, each with a confidence and
an explanation. Total on strings: it never raises.

Order of decisions: normalise → rules (life safety, urgency, emotion, validity,
police) → topic (the trained model if one is loaded, else taxonomy keywords) → type
(rules, nudged by the topic) → places (gazetteer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hotline.tickets.models import Emotion, TicketType, Urgency
from hotline.triage import rules
from hotline.triage.gazetteer import get_gazetteer
from hotline.triage.model import get_model
from hotline.triage.taxonomy import SEP, Taxonomy, get_taxonomy
from hotline.triage.text import normalise, to_str

log = logging.getLogger(__name__)

# Topics that lean towards a request type when the cue words are silent.
TOPIC_TYPE_HINTS = {"政法": TicketType.SOCIAL.value}


@dataclass
class TriageResult:
    type: str = TicketType.GOVERNMENT.value
    topic: str = ""
    urgency: str = Urgency.NORMAL.value
    emotion: str = Emotion.CALM.value
    valid: bool = True
    invalid_reason: str = ""
    police: bool = False
    places: list[dict[str, Any]] = field(default_factory=list)
    # Institutions and admin landmarks named: where something is, never the place itself.
    landmarks: list[dict[str, Any]] = field(default_factory=list)
    # Where the request points without the citizen's own point (``Found.position``).
    position: dict[str, Any] | None = None
    confidence: float = 0.0
    label: str = ""
    extreme_emotion: bool = False
    life_safety: list[str] = field(default_factory=list)
    emergency: str = ""
    confidences: dict[str, float] = field(default_factory=dict)
    explain: dict[str, str] = field(default_factory=dict)
    topic_candidates: list[dict[str, Any]] = field(default_factory=list)
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "type": self.type,
            "topic": self.topic,
            "urgency": self.urgency,
            "emotion": self.emotion,
            "valid": self.valid,
            "invalid_reason": self.invalid_reason,
            "police": self.police,
            "places": [dict(p) for p in self.places],
            "landmarks": [dict(p) for p in self.landmarks],
            "position": dict(self.position) if self.position else None,
            "confidence": round(float(self.confidence), 4),
            "explain": dict(self.explain),
            "confidences": {k: round(float(v), 4) for k, v in self.confidences.items()},
            "extreme_emotion": self.extreme_emotion,
            "life_safety": list(self.life_safety),
            "emergency": self.emergency,
            "topic_candidates": [dict(c) for c in self.topic_candidates],
            "model": self.model,
        }


class TopicGuess(NamedTuple):
    label: str  # the model's label (or the keyword path's level 1)
    path: str  # "L1 / L2 / L3"
    confidence: float
    explain: str
    candidates: list[dict[str, Any]]
    model: str  # the model's name, or "rules"


NO_TOPIC = TopicGuess("", "", 0.0, "无效诉求不分类", [], "rules")
Ranked = list[tuple[str, float]]


def _topic(doc: str, title_len: int, model_doc: str) -> TopicGuess:
    """The topic: the model's, refined (or overridden) by the taxonomy's keywords; the
    keywords alone when no model serves."""
    tax = get_taxonomy()
    kw_scores, kw_words = tax.match(doc, title_len)
    model_out = _model_predict(model_doc)
    if model_out is not None:
        ranked, model_explain, name = model_out
        return _topic_by_model(tax, kw_scores, kw_words, ranked, model_explain)._replace(model=name)
    if not kw_scores:
        return TopicGuess("", "", 0.0, "未匹配到分类关键词，请人工选择分类", [], "rules")
    ranked_paths = sorted(kw_scores.items(), key=lambda kv: -kv[1])
    path, score = ranked_paths[0]
    total = sum(kw_scores.values())
    conf = min(0.9, 0.3 + 0.6 * score / total)
    cands = [{"label": p, "score": round(s / total, 4)} for p, s in ranked_paths[:3]]
    return TopicGuess(
        path.split(SEP)[0], path, conf, "关键词：" + "、".join(kw_words[path][:5]), cands, "rules"
    )


def _topic_by_model(
    tax: Taxonomy, kw_scores: dict[str, float], kw_words: dict[str, list[str]], ranked: Ranked, why: str
) -> TopicGuess:
    label, conf = ranked[0]
    probs = dict(ranked)
    cands = [{"label": lab, "score": round(float(p), 4)} for lab, p in ranked[:3]]
    override = _keyword_override(kw_scores, label, probs)
    if override is not None:
        path, kw_l1 = override
        words = kw_words.get(path, [])
        explain = f"关键词「{'、'.join(words[:4])}」指向「{path}」（模型首选「{label}」）"
        return TopicGuess(kw_l1, path, float(probs.get(kw_l1, conf)), explain, cands, "")
    if SEP in label:
        path = label
        l1 = label.split(SEP)[0]
    else:
        l1 = label
        path = tax.best_under(l1, kw_scores) if l1 in tax.level1 else label
    words = kw_words.get(path, [])
    explain = f"模型判断「{label}」" + (f"，依据：{why}" if why else "")
    if words and path != label:
        explain += f"；细分依据：{'、'.join(words[:4])}"
    return TopicGuess(l1, path, conf, explain, cands, "")


def _keyword_override(
    kw_scores: dict[str, float], label: str, probs: dict[str, float]
) -> tuple[str, str] | None:
    """Strong taxonomy keywords (admins' edits) win over a model that is not sure: the
    best keyword path, when it scores ≥ 3 and the model gives its level 1 ≥ 0.2."""
    if not kw_scores or SEP in label:
        return None
    path, score = max(kw_scores.items(), key=lambda kv: kv[1])
    l1 = path.split(SEP)[0]
    if l1 == label or score < 3.0 or probs.get(l1, 0.0) < 0.2:
        return None
    return path, l1


def _model_predict(doc: str) -> tuple[Ranked, str, str] | None:
    model = get_model()
    if model is None or not doc:
        return None
    try:
        ranked, why = model.rank_explain(doc, k=len(model.labels))
        return ranked, why, model.name
    except Exception:
        log.exception("triage model failed; falling back to keywords")
        return None


def analyse(title: str = "", text: str = "", channel: str = "", address: str = "") -> TriageResult:
    """Triage one request. Never raises on string input."""
    try:
        return _analyse(title, text, channel, address)
    except Exception:  # the last line of defence: intake must go on
        log.exception("triage failed")
        return TriageResult(
            topic="",
            confidence=0.0,
            explain={"error": "智能分析失败，请人工研判"},
            confidences=dict.fromkeys(("type", "topic", "urgency", "emotion", "valid", "police"), 0.0),
        )


def _analyse(title: object, text: object, channel: object, address: object) -> TriageResult:
    title_n = normalise(title, 300)
    body = normalise(text)
    doc = f"{title_n}。{body}" if title_n and body else title_n or body
    title_len = len(title_n) + 1 if title_n else 0
    out = rules.apply(doc, title_len)
    police = out.police or to_str(channel) == "police" and out.police_confidence > 0.6
    # The model reads what it was trained on (``model.make_doc``): the title twice.
    topic = _topic(doc, title_len, f"{title_n}。{doc}" if title_n else doc) if out.valid else NO_TOPIC
    tdec = _type(out, police, topic.label)
    found = get_gazetteer().scan({"title": to_str(title), "text": to_str(text), "address": to_str(address)})
    places = found.places
    return TriageResult(
        type=tdec.value,
        topic=topic.path,
        urgency=out.urgency.value,
        emotion=out.emotion.value,
        valid=out.valid,
        invalid_reason=out.invalid_reason,
        police=police,
        places=places,
        landmarks=found.landmarks,
        position=found.position(),
        confidence=float(topic.confidence) if out.valid else out.validity_confidence,
        label=topic.label,
        extreme_emotion=out.extreme_emotion,
        life_safety=out.life_safety,
        emergency=out.emergency,
        confidences={
            "type": tdec.confidence,
            "topic": float(topic.confidence),
            "urgency": out.urgency.confidence,
            "emotion": out.emotion.confidence,
            "valid": out.validity_confidence,
            "police": out.police_confidence,
        },
        explain=_explain(out, tdec, topic, police, places),
        topic_candidates=topic.candidates,
        model=topic.model,
    )


def _places_note(places: list[dict[str, Any]]) -> str:
    if not places:
        return "未识别到本平台地名"
    first = places[0]
    note = "最具体的地点:" + str(first["name"])
    if first.get("via"):
        note += f"(据「{first['via']}」)"
    if first.get("ambiguous"):
        note += ",有同名地点,请核实"
    return note


def _type(out: rules.RuleOutcome, police: bool, label: str) -> rules.Decision:
    """The rules' type; when no cue word spoke, a topic that leans to a type decides."""
    tdec = rules.decide_type(out, police)
    hint = TOPIC_TYPE_HINTS.get(label)
    if not police and tdec.value == TicketType.GOVERNMENT and not tdec.cues and hint:
        return rules.Decision(hint, 0.45, f"{hint}：分类「{label}」通常属此类")
    return tdec


def _explain(
    out: rules.RuleOutcome,
    tdec: rules.Decision,
    topic: TopicGuess,
    police: bool,
    places: list[dict[str, Any]],
) -> dict[str, str]:
    if out.valid:
        note = "（非中文内容，建议人工确认）" if out.validity_confidence < 0.6 else ""
        validity = "有效诉求" + note
    else:
        validity = out.invalid_reason
    extreme = "；情绪极端，建议优先安抚并上报" if out.extreme_emotion else ""
    explain = {
        "type": tdec.explain,
        "topic": topic.explain,
        "urgency": out.urgency.explain,
        "emotion": out.emotion.explain + extreme,
        "valid": validity,
        "police": out.police_explain if police else "未发现需转110的警情",
        "places": _places_note(places),
    }
    if out.emergency:
        explain["emergency"] = f"涉及生命安全，建议立即联动{out.emergency}"
    return explain
