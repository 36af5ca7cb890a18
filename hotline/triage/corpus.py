"""Synthetic citizen requests, written by the project (no real messages involved).

``generate(n, seed, places)`` composes requests from hand-written bodies per topic
(``data/corpus/topics.json``), framed as one of the six request types, with optional
urgency and emotion sentences, plus police matters, disputes and unreasonable calls
(``data/corpus/frames.json``). The labels come from the composition, so the corpus trains
the shipped default model and feeds the demo history. Deterministic for a given
(n, seed, places): the default model is rebuilt from ``generate(20000, seed=12345)``, so
any edit of the files or of the order of the random draws here changes that model.

Slots in braces are filled per request: {estate} residential estate, {road}, {co}
company, {school}, {hosp} hospital, {shop}, {bus} bus line, {dur} duration, {money},
{n} small number, {place} place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from hotline.tickets.models import Emotion, TicketType, Urgency
from hotline.triage.datafiles import load_json

# The type a topic request is framed as, and how often (consultations and suggestions
# need a topic that has questions or suggestions).
KIND_WEIGHTS = {
    TicketType.COMPLAINT.value: 40,
    TicketType.GOVERNMENT.value: 30,
    TicketType.CONSULTATION.value: 18,
    TicketType.SUGGESTION.value: 12,
}
Row = dict[str, object]


@dataclass(frozen=True)
class Topic:
    bodies: list[str]  # what is wrong
    questions: list[str]  # consultations
    suggestions: list[str]


@dataclass(frozen=True)
class Material:
    topics: dict[str, Topic]
    places: dict[str, list[str]]  # counties, towns, villages
    slots: dict[str, list[str]]
    sentences: dict[str, Any]
    titles: dict[str, Any]
    cases: dict[str, Any]


@cache
def material() -> Material:
    """The generator's hand-written text, read once per process on first use."""
    frames = load_json("corpus/frames.json")
    topics = {path: Topic(**parts) for path, parts in load_json("corpus/topics.json").items()}
    return Material(
        topics, frames["places"], frames["slots"], frames["sentences"], frames["titles"], frames["cases"]
    )


def _fill(template: str, slots: dict[str, str]) -> str:
    out = template
    for key, value in slots.items():
        out = out.replace("{" + key + "}", value)
    return out


def _slots(m: Material, rng: random.Random, places: list[str] | None) -> dict[str, str]:
    counties, s = m.places["counties"], m.slots
    if places:
        place = rng.choice(places)
    else:
        towns, villages = m.places["towns"], m.places["villages"]
        place = rng.choice(counties) + rng.choice(
            ["", rng.choice(towns), rng.choice(towns) + rng.choice(villages)]
        )
    return {
        "place": place,
        "estate": rng.choice(s["estate_a"]) + rng.choice(s["estate_b"]),
        "road": rng.choice(s["roads"]),
        "co": rng.choice(s["co_a"]) + rng.choice(s["co_b"]),
        "school": rng.choice(["", rng.choice(counties)[:2]]) + rng.choice(s["schools"]),
        "hosp": rng.choice(["", rng.choice(counties)[:2]]) + rng.choice(s["hospitals"]),
        "shop": rng.choice(s["shops"]),
        "bus": f"{rng.randint(1, 160)}路",
        "dur": rng.choice(s["durations"]),
        "money": rng.choice(s["money"]),
        "n": str(rng.randint(2, 30)),
    }


def _title(m: Material, core: str, rng: random.Random, kind: str, slots: dict[str, str]) -> str:
    core = core.rstrip("。！!，,")
    short = core.split("，")[0][:26]
    p = rng.choice(m.titles["prefixes"].get(kind, [""]))
    suffix = rng.choice(m.titles["suffixes"]) if p in m.titles["prefixes_taking_suffix"] else ""
    loc = slots["place"] if rng.random() < 0.4 and slots["place"] not in short else ""
    return f"{p}{loc}{short}{suffix}"[:60]


def _row(
    title: str,
    text: str,
    kind: str,
    topic: str,
    place: str,
    *,
    urgency: str = Urgency.NORMAL.value,
    emotion: str = Emotion.CALM.value,
    valid: bool = True,
    police: bool = False,
) -> Row:
    return {
        "urgency": urgency,
        "emotion": emotion,
        "valid": valid,
        "police": police,
        "title": title,
        "text": text,
        "type": kind,
        "topic": topic,
        "place": place,
    }


def _invalid(m: Material, rng: random.Random) -> Row:
    case = rng.choice(m.cases["invalid"])
    return _row(case["title"], case["text"], TicketType.GOVERNMENT.value, "", "", valid=False)


def _police(m: Material, rng: random.Random, slots: dict[str, str]) -> Row:
    cases = m.cases["police"]
    case = rng.choice(cases["requests"])
    opening = rng.choice(m.sentences["openings"])
    text = _fill(opening + case["text"] + rng.choice(cases["endings"]), slots)
    urgency = rng.choice([Urgency.URGENT.value, Urgency.URGENT.value, Urgency.NORMAL.value])
    emotion = rng.choice([Emotion.ANXIOUS.value, Emotion.ANGRY.value, Emotion.CALM.value])
    place = slots["place"] if "{place}" in case["text"] else ""
    title = _fill(case["title"], slots)
    if case.get("critical"):
        urgency = Urgency.CRITICAL.value
    return _row(
        title,
        text,
        TicketType.POLICE.value,
        cases["topic"],
        place,
        urgency=urgency,
        emotion=emotion,
        police=True,
    )


def _dispute(m: Material, rng: random.Random, slots: dict[str, str]) -> Row:
    cases = m.cases["dispute"]
    case = rng.choice(cases["requests"])
    text = _fill(rng.choice(m.sentences["openings"]) + case["text"], slots)
    emotion = rng.choice([Emotion.ANXIOUS.value, Emotion.DISSATISFIED.value, Emotion.CALM.value])
    place = slots["place"] if slots["place"] in text else ""
    return _row(
        _fill(case["title"], slots), text, TicketType.SOCIAL.value, cases["topic"], place, emotion=emotion
    )


def _framed(m: Material, rng: random.Random, topic: Topic, kind: str) -> tuple[list[str], str]:
    """The opening and the body of a topic request framed as ``kind``, and its core
    sentence (the title is made from it)."""
    s = m.sentences
    parts = [rng.choice(s["openings"])]
    if kind == TicketType.CONSULTATION:
        core = rng.choice(topic.questions)
        parts.append(rng.choice(s["consultation_leads"]) + core + rng.choice(s["consultation_ends"]))
        if rng.random() < 0.5:
            parts.insert(1, rng.choice(topic.bodies) + "。")
    elif kind == TicketType.SUGGESTION:
        core = rng.choice(topic.suggestions)
        if rng.random() < 0.6:
            parts.append(rng.choice(topic.bodies) + "。")
        parts.append(core + rng.choice(s["suggestion_ends"]))
    else:
        core = rng.choice(topic.bodies)
        parts.append(core + "。")
        if rng.random() < 0.5:
            parts.append(rng.choice([b for b in topic.bodies if b != core] or topic.bodies) + "。")
        if kind == TicketType.COMPLAINT:
            parts.append(rng.choice(s["complaint"]))
    return parts, core


def _moods(m: Material, rng: random.Random, kind: str, parts: list[str]) -> tuple[str, str]:
    """Add an urgency sentence and an emotion sentence (or none): the (urgency, emotion)."""
    s = m.sentences
    urgency, emotion = Urgency.NORMAL.value, Emotion.CALM.value
    r2 = rng.random()
    if r2 < 0.03:
        parts.append(rng.choice(s["critical"])["text"])
        urgency = Urgency.CRITICAL.value
    elif r2 < 0.15:
        parts.append(rng.choice(s["urgent"]))
        urgency = Urgency.URGENT.value
    r3 = rng.random()
    if r3 < 0.08:
        parts.append(rng.choice(s["angry"]))
        emotion = Emotion.ANGRY.value
    elif r3 < 0.2:
        parts.append(rng.choice(s["unhappy"]))
        emotion = Emotion.DISSATISFIED.value
    elif r3 < 0.3:
        parts.append(rng.choice(s["anxious"]))
        emotion = Emotion.ANXIOUS.value
    elif kind == TicketType.COMPLAINT and r3 < 0.6:
        emotion = Emotion.DISSATISFIED.value
    return urgency, emotion


def _topic_request(m: Material, rng: random.Random, paths: list[str], slots: dict[str, str]) -> Row:
    path = rng.choice(paths)
    topic = m.topics[path]
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    if kind == TicketType.CONSULTATION and not topic.questions:
        kind = TicketType.GOVERNMENT.value
    if kind == TicketType.SUGGESTION and not topic.suggestions:
        kind = TicketType.COMPLAINT.value
    parts, core = _framed(m, rng, topic, kind)
    urgency, emotion = _moods(m, rng, kind, parts)
    parts.append(rng.choice(m.sentences["requests"]))
    text = _fill("".join(parts), slots)
    title = _title(m, _fill(core, slots), rng, kind, slots)
    place = slots["place"] if slots["place"] in text or slots["place"] in title else ""
    return _row(title, text, kind, path, place, urgency=urgency, emotion=emotion)


def _one(m: Material, rng: random.Random, places: list[str] | None, paths: list[str]) -> Row:
    slots = _slots(m, rng, places)
    roll = rng.random()
    if roll < 0.04:
        return _invalid(m, rng)
    if roll < 0.10:
        return _police(m, rng, slots)
    if roll < 0.15:
        return _dispute(m, rng, slots)
    return _topic_request(m, rng, paths, slots)


def generate(n: int, seed: int = 0, places: list[str] | None = None) -> list[Row]:
    """``n`` synthetic requests: dicts with title, text, type, topic, urgency, emotion,
    valid, police and place (the place name used, or "")."""
    m = material()
    rng = random.Random(seed)
    paths = sorted(m.topics)
    places = [p for p in (places or []) if p] or None
    return [_one(m, rng, places, paths) for _ in range(max(0, int(n)))]
