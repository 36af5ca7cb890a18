"""Open311 services: the platform's own topic taxonomy (``triage.taxonomy``), one
service per topic path. A service's code is a digest of its path, so it stays the same
across restarts and workers for as long as the topic keeps its name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hotline.open311.attributes import attributes_of
from hotline.triage.taxonomy import TopicNode, get_taxonomy


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    path: str
    keywords: str

    def as_dict(self) -> dict[str, object]:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.path,
            # True: the service asks more than the standard fields (its definition says what).
            "metadata": bool(attributes_of(self.path)),
            "type": "realtime",
            "keywords": self.keywords,
            "group": self.group,
        }


def code_of(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:10]


def _service(node: TopicNode) -> Service:
    return Service(
        code=code_of(node.path),
        name=node.level3 or node.level2 or node.level1,
        group=node.level1,
        path=node.path,
        keywords=",".join(node.keywords),
    )


def all_services() -> list[Service]:
    return [_service(n) for n in get_taxonomy().nodes]


def by_code() -> dict[str, Service]:
    return {s.code: s for s in all_services()}


def code_of_topic(topic: str) -> str:
    """The service code of a ticket's topic (its current one, after any correction)."""
    return code_of(topic) if topic else ""
