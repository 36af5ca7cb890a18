"""The files the triage package ships in ``data/``: cue words, the synthetic corpus's
material, the default taxonomy and the default model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_json(name: str) -> Any:
    """The parsed JSON file ``data/<name>`` (UTF-8; the Chinese is kept as written)."""
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)
