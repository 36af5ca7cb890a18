"""Intelligent triage of citizens' requests (智能分析): type, topic, urgency, emotion,
validity, police matters, places and duplicates.

Importing this package is cheap: Django imports it while it loads the apps, before any
model may be imported, so the engine (which reads the tickets' choices) is imported on
the first ``analyse``, and the model and the cue words load then too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.triage.engine import TriageResult


def analyse(title: str = "", text: str = "", channel: str = "", address: str = "") -> TriageResult:
    """Triage one request (``engine.analyse``). Never raises on string input."""
    from hotline.triage.engine import analyse as run

    return run(title, text, channel, address)


__all__ = ["analyse"]
