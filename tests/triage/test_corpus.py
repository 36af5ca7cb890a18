from __future__ import annotations

from collections import Counter

from hotline.tickets.models import Emotion, TicketType, Urgency
from hotline.triage.corpus import generate
from hotline.triage.taxonomy import read_csv

# The ticket's own choices: triage suggests nothing else.
TYPES, URGENCIES, EMOTIONS = TicketType.values, Urgency.values, Emotion.values
KEYS = {"title", "text", "type", "topic", "urgency", "emotion", "valid", "police", "place"}


def test_generate_is_deterministic_and_complete():
    a = generate(500, seed=1)
    assert a == generate(500, seed=1)
    assert a != generate(500, seed=2)
    assert len(a) == 500
    paths = {n.path for n in read_csv()}
    for r in a:
        assert set(r) >= KEYS
        assert r["type"] in TYPES and r["urgency"] in URGENCIES and r["emotion"] in EMOTIONS
        if r["valid"]:
            assert r["topic"] in paths
            assert r["text"]
            assert "{" not in r["text"] and "{" not in r["title"]


def test_generate_is_varied():
    rows = generate(3000, seed=0)
    types = Counter(r["type"] for r in rows)
    assert set(types) == set(TYPES)
    assert len({r["topic"] for r in rows}) > 60
    assert len({r["text"] for r in rows}) > 2700
    assert any(not r["valid"] for r in rows) and any(r["police"] for r in rows)
    assert {r["urgency"] for r in rows} == set(URGENCIES)


def test_generate_uses_given_places():
    rows = generate(200, seed=0, places=["龙潭镇", "滨江县"])
    used = {r["place"] for r in rows} - {""}
    assert used and used <= {"龙潭镇", "滨江县"}
    for r in rows:
        if r["place"]:
            assert r["place"] in r["text"] or r["place"] in r["title"]
    assert generate(0) == []
