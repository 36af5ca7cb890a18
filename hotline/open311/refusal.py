"""The one refusal of the Open311 endpoints, answered as the spec's error list."""

from __future__ import annotations


class Refusal(Exception):
    """A request the spec refuses: ``status`` (400, 403, 404) and a zh-CN description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
