"""Intelligent triage of citizens' requests (智能分析): type, topic, urgency, emotion,
validity, police matters, places and duplicates.

Importing this package is cheap: the model loads lazily on the first ``analyse``.
"""

from __future__ import annotations

from hotline.triage.engine import TriageResult, analyse

__all__ = ["TriageResult", "analyse"]
