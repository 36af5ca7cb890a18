from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TEDDY = SHARED_DATA / "teddy2020"


@pytest.fixture(autouse=True)
def _fresh_caches():
    from hotline.triage import gazetteer, taxonomy

    gazetteer.reset_cache()
    taxonomy.reset_cache()
    yield
    gazetteer.reset_cache()
    taxonomy.reset_cache()


@pytest.fixture
def teddy() -> Path:
    if not (TEDDY / "messages_labeled_dev.csv").exists():
        pytest.skip("real data (../shared/data/teddy2020) not available")
    return TEDDY


@pytest.fixture(autouse=True)
def _serve_default_after():
    yield
    from hotline.triage.model import reset_model

    reset_model()


def write_topic_csv(path: Path, rows: Iterable[dict[str, object]]) -> Path:
    """Synthetic requests as a labelled CSV (id, title, text, label = level-1 topic)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "text", "label"])
        for i, r in enumerate(rows):
            w.writerow([i, r["title"], r["text"], str(r["topic"]).split(" / ")[0]])
    return path


@pytest.fixture
def topic_csv() -> Callable[[Path, Iterable[dict[str, object]]], Path]:
    return write_topic_csv
