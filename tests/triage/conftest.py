from __future__ import annotations

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
