"""TF-IDF of hashed character 2–3-grams, built with numpy alone.

Hotspot detection compares every ticket of a window with its neighbours; on a window of
a million tickets scikit-learn's character analyser (a Python loop over every n-gram)
took longer than the whole comparison. Here the texts are laid end to end as one array
of code points, every 2- and 3-gram is hashed into ``buckets`` columns in a few vector
operations, and the counts become sublinear TF × smooth IDF rows of unit length — the
same weighting as ``TfidfVectorizer(analyzer="char", ngram_range=(2, 3),
sublinear_tf=True)``, with rare hash collisions instead of a vocabulary.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

BUCKETS = 1 << 21
_SEPARATOR = 0  # code point put between two texts; no n-gram spans it
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xC2B2AE3D27D4EB4F)
_MIX3 = np.uint64(0x165667B19E3779F9)


def _code_points(docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint64 array of code points (separated by 0) and each
    position's document index."""
    joined = "\0".join(d.lower().replace("\0", " ") for d in docs) + "\0"
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(d) + 1 for d in docs), dtype=np.int64, count=len(docs))
    owner = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return points, owner


def _blank(points: np.ndarray) -> np.ndarray:
    """Positions no n-gram may contain: the separator and white space."""
    return (points == _SEPARATOR) | (points == 32) | (points == 9) | (points == 10) | (points == 13)


# Texts hashed at a time: bounds the memory of the n-gram arrays on a large window.
CHUNK = 100_000


def counts(docs: list[str], buckets: int = BUCKETS) -> sparse.csr_matrix:
    """Each text's n-gram counts (float32), ``buckets`` columns."""
    points, owner = _code_points(docs)
    blank = _blank(points)
    with np.errstate(over="ignore"):
        h2 = (points[:-1] * _GOLDEN) ^ (points[1:] * _MIX2)
        ok2 = ~(blank[:-1] | blank[1:])
        h3 = (h2[:-1] * _GOLDEN) ^ (points[2:] * _MIX3)
        ok3 = ok2[:-1] & ~blank[2:]
    mask = np.uint64(buckets - 1)
    cols = np.concatenate([(h2[ok2] >> np.uint64(17)) & mask, (h3[ok3] >> np.uint64(19)) & mask])
    rows = np.concatenate([owner[:-1][ok2], owner[:-2][ok3]])
    counts = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols.astype(np.int64))), shape=(len(docs), buckets)
    )
    counts.sum_duplicates()
    return counts


def tfidf(
    docs: list[str], *, min_df: int = 2, max_df: float | int = 0.5, buckets: int = BUCKETS
) -> sparse.csr_matrix:
    """Rows of unit length (float32), one per document, ``buckets`` columns. Columns
    found in fewer than ``min_df`` documents or in more than ``max_df`` of them are
    dropped (too rare to link two tickets, too common to tell them apart)."""
    n = len(docs)
    if n == 0:
        return sparse.csr_matrix((0, buckets), dtype=np.float32)
    parts = [counts(docs[lo : lo + CHUNK], buckets) for lo in range(0, n, CHUNK)]
    found = parts[0] if len(parts) == 1 else sparse.vstack(parts, format="csr")
    del parts
    df = np.bincount(found.indices, minlength=buckets)
    # As in scikit-learn: a float is a share of the documents, an int a count.
    keep = (df >= min_df) & (df <= (max_df * n if isinstance(max_df, float) else max_df))
    idf = np.where(keep, np.log((1 + n) / (1 + df)) + 1, 0).astype(np.float32)
    found.data = (1 + np.log(found.data)) * idf[found.indices]
    found.eliminate_zeros()
    norms = np.sqrt(np.asarray(found.multiply(found).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    found.data /= np.repeat(norms, np.diff(found.indptr)).astype(np.float32)
    return found
