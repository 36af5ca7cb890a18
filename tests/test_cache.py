"""The per-process cache (hotline/cache.py): when a value is served, checked and rebuilt."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import cache
from hotline.cache import Cached


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(cache.time, "monotonic", c)
    return c


def counter(values: list[Any]) -> Any:
    """A build that returns the next value and counts its calls."""

    def build() -> Any:
        build.calls += 1  # type: ignore[attr-defined]
        return values[min(build.calls, len(values)) - 1]  # type: ignore[attr-defined]

    build.calls = 0  # type: ignore[attr-defined]
    return build


def test_a_stamp_is_read_every_check_and_a_new_one_rebuilds(clock: Clock) -> None:
    stamp = {"v": 1, "reads": 0}

    def read_stamp() -> int:
        stamp["reads"] += 1
        return stamp["v"]

    build = counter(["a", "b"])
    c = Cached("t", build, stamp=read_stamp, check_every=5.0)
    assert c.get() == "a" and c.get() == "a" and stamp["reads"] == 1
    clock.now += 5
    assert c.get() == "a" and build.calls == 1 and stamp["reads"] == 2  # same stamp: kept
    stamp["v"] = 2
    assert c.get() == "a"  # not checked again yet
    clock.now += 5
    assert c.get() == "b" and build.calls == 2


def test_without_a_stamp_the_value_lives_check_every(clock: Clock) -> None:
    build = counter([["x"], ["y"]])
    c = Cached("t", build, check_every=5.0)
    assert c.get() == ["x"]
    clock.now += 4.9
    assert c.get() == ["x"]
    clock.now += 0.2
    assert c.get() == ["y"]


def test_max_age_rebuilds_even_when_the_stamp_is_the_same(clock: Clock) -> None:
    build = counter(["a", "b"])
    c = Cached("t", build, stamp=lambda: 1, check_every=5.0, max_age=60.0)
    c.get()
    clock.now += 30
    assert c.get() == "a"
    clock.now += 30
    assert c.get() == "b"


def test_invalidate_pin_and_reset_all(clock: Clock) -> None:
    build = counter(["a", "b", "c"])
    c = Cached("t", build, stamp=lambda: 1, check_every=5.0)
    assert c.get() == "a"
    c.invalidate()
    assert c.get() == "b"
    c.pin("pinned")
    clock.now += 10**6
    assert c.get() == "pinned" and build.calls == 2
    cache.reset_all()
    assert c.get() == "c"


def test_none_is_not_kept(clock: Clock) -> None:
    build = counter([None, "late"])
    c = Cached("t", build, stamp=lambda: 1, check_every=60.0)
    assert c.get() is None
    assert c.get() == "late"  # checked again at once


def test_keep_on_error_serves_the_previous_value_and_tries_again(clock: Clock) -> None:
    stamp = {"v": 1}
    outcomes: list[Any] = ["good", RuntimeError("half-written"), "better"]

    def build() -> Any:
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    c = Cached("t", build, stamp=lambda: stamp["v"], check_every=5.0, keep_on_error=True)
    assert c.get() == "good"
    stamp["v"] = 2
    clock.now += 5
    assert c.get() == "good"
    clock.now += 5
    assert c.get() == "better"  # the stamp was not taken: the next check retried
    strict = Cached("t", lambda: 1 / 0, check_every=5.0)
    with pytest.raises(ZeroDivisionError):
        strict.get()
