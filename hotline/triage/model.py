"""The statistical text classifier: character n-gram TF-IDF + a linear SVM.

One model predicts one label column (the topic by default: a level-1 name or a full
"L1 / L2 / L3" path). Scores become probabilities by a softmax over the SVM margins
(temperature fitted on training margins, cheap and monotone). Saved as one joblib file
plus ``meta.json`` in a directory.

Which model serves ``analyse``: ``$HOTLINE_TRIAGE_MODEL`` if set, else the retrained
model in ``<data dir>/triage-model`` if present, else the shipped default in
``hotline/triage/data/default-model``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from hotline.cache import Cached
from hotline.triage.datafiles import DATA_DIR
from hotline.triage.text import join_fields

log = logging.getLogger(__name__)

DEFAULT_DIR = DATA_DIR / "default-model"
MODEL_FILE = "model.npz"  # compact, numpy only (char n-gram models)
JOBLIB_FILE = "model.joblib"  # any sklearn vectorizer (e.g. with jieba words)
META_FILE = "meta.json"
FORMAT = 1
_WS = re.compile(r"\s\s+")
_NOT_EXPLAIN = " 。,，.!?！？"


def make_doc(title: object, text: object) -> str:
    """The document the model reads: the title twice (it names the matter), then the text."""
    doc = join_fields(title, text)
    t = join_fields(title, "")
    return f"{t}。{doc}" if t else doc


class CharTfidf:
    """What serving needs of a fitted char ``TfidfVectorizer``, loadable without sklearn."""

    analyzer = "char"
    use_idf = True
    norm = "l2"
    lowercase = False

    def __init__(self, terms: list[str], idf: np.ndarray, ngram_range: tuple[int, int], sublinear_tf: bool):
        self.terms = terms
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.idf_ = np.asarray(idf, dtype=np.float32)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.sublinear_tf = bool(sublinear_tf)

    @classmethod
    def of(cls, vectorizer: Any) -> CharTfidf:
        vocab = vectorizer.vocabulary_
        terms = [""] * len(vocab)
        for t, i in vocab.items():
            terms[i] = str(t)
        return cls(terms, vectorizer.idf_, vectorizer.ngram_range, vectorizer.sublinear_tf)

    def get_feature_names_out(self) -> list[str]:
        return self.terms


class FastScorer:
    """Scores one document without sklearn's per-call overhead, fully vectorised: every
    character n-gram (n ≤ 3) is packed into one integer (21 bits per code point), looked
    up in the sorted packed vocabulary with ``searchsorted`` and counted with ``unique``.
    Exactly equivalent to ``TfidfVectorizer(analyzer="char", sublinear_tf=True)``."""

    BITS = 21

    def __init__(self, vectorizer: Any, coef: np.ndarray):
        vocab = vectorizer.vocabulary_
        self.lo, self.hi = vectorizer.ngram_range
        if self.hi > 3:
            raise ValueError("FastScorer packs at most 3 characters per n-gram")
        keys = np.fromiter((self.pack(str(t)) for t in vocab), dtype=np.uint64, count=len(vocab))
        cols = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
        order = np.argsort(keys)
        self.keys, self.cols = keys[order], cols[order]
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float32)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)

    @classmethod
    def pack(cls, term: str) -> int:
        key = 0
        for ch in term:
            key = (key << cls.BITS) | ord(ch)
        return key

    @staticmethod
    def supports(vectorizer: Any) -> bool:
        return (
            getattr(vectorizer, "analyzer", None) == "char"
            and getattr(vectorizer, "use_idf", False)
            and getattr(vectorizer, "norm", None) == "l2"
            and not getattr(vectorizer, "lowercase", True)
            and hasattr(vectorizer, "idf_")
            and tuple(vectorizer.ngram_range)[1] <= 3
        )

    def features(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        doc = _WS.sub(" ", doc)
        cps = np.frombuffer(doc.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        parts = []
        for n in range(self.lo, self.hi + 1):
            if len(cps) < n:
                break
            key = cps[: len(cps) - n + 1].copy()
            for k in range(1, n):
                key = (key << np.uint64(self.BITS)) | cps[k : len(cps) - n + 1 + k]
            parts.append(key)
        if not parts or not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # Distinct n-grams first (sorted, so the look-up walks the vocabulary in order);
        # distinct n-grams are distinct columns, so their counts are the term counts.
        grams, counts = np.unique(np.concatenate(parts), return_counts=True)
        pos = np.searchsorted(self.keys, grams)
        pos[pos >= len(self.keys)] = 0
        hit = self.keys[pos] == grams
        idx, counts = self.cols[pos[hit]], counts[hit]
        if not len(idx):
            return idx, np.zeros(0, dtype=np.float32)
        tf = counts.astype(np.float32)
        if self.sublinear:
            tf = (1.0 + np.log(tf)).astype(np.float32)
        vals = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(vals, vals)))
        return idx, (vals / norm if norm else vals)

    def margins(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        return np.asarray(vals @ self.coef_t[idx], dtype=np.float64)


class TextModel:
    def __init__(
        self,
        vectorizer: Any,
        coef: np.ndarray,
        intercept: np.ndarray,
        labels: list[str],
        temperature: float = 3.0,
        meta: dict[str, Any] | None = None,
    ):
        self.vectorizer = vectorizer
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.labels = list(labels)
        self.temperature = float(temperature)
        self.meta = dict(meta or {})
        self._vocab_inv: list[str] | None = None
        self._explainable: np.ndarray | None = None
        self._fast = FastScorer(vectorizer, self.coef) if FastScorer.supports(vectorizer) else None

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "model"))

    # --- prediction -------------------------------------------------------------
    def _margins(self, docs: Sequence[str]) -> np.ndarray:
        if self._fast is not None and (len(docs) <= 64 or isinstance(self.vectorizer, CharTfidf)):
            fast = self._fast
            rows = [fast.margins(*fast.features(d)) for d in docs]
            m: np.ndarray = np.vstack(rows) + self.intercept if rows else np.zeros((0, len(self.intercept)))
            if len(self.labels) == 2 and m.shape[1] == 1:
                m = np.hstack([-m, m])
            return m
        X = self.vectorizer.transform(docs)
        m = np.asarray(X @ self.coef.T, dtype=np.float64) + self.intercept
        if len(self.labels) == 2 and m.shape[1] == 1:
            m = np.hstack([-m, m])
        return m

    def proba(self, docs: Sequence[str]) -> np.ndarray:
        m = self._margins(docs) * self.temperature
        m -= m.max(axis=1, keepdims=True)
        e = np.exp(m)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, docs: Sequence[str], allowed: set[str] | None = None) -> list[str]:
        """Top label per document; with ``allowed``, the best among those labels only
        (mapping a finer label set onto a coarser evaluation set)."""
        if not docs:
            return []
        m = self._margins(docs)
        if allowed:
            mask = np.array([lab not in allowed for lab in self.labels])
            if not mask.all():
                m[:, mask] = -np.inf
        idx = m.argmax(axis=1)
        return [self.labels[i] for i in idx]

    def rank(self, doc: str, k: int = 3) -> list[tuple[str, float]]:
        return self.rank_explain(doc, k, explain=False)[0]

    def rank_explain(self, doc: str, k: int = 3, explain: bool = True) -> tuple[list[tuple[str, float]], str]:
        """Top-k (label, probability) and the n-grams behind the top label, in one pass."""
        if self._fast is None or len(self.labels) < 3:
            p = self.proba([doc])[0]
            order = np.argsort(-p)[:k]
            ranked = [(self.labels[i], float(p[i])) for i in order]
            return ranked, (self.explain(doc, ranked[0][0]) if explain else "")
        idx, vals = self._fast.features(doc)
        m = (self._fast.margins(idx, vals) + self.intercept) * self.temperature
        m -= m.max()
        e = np.exp(m)
        p = e / e.sum()
        order = np.argsort(-p)[:k]
        ranked = [(self.labels[i], float(p[i])) for i in order]
        if not explain:
            return ranked, ""
        contrib = vals * self._fast.coef_t[idx, order[0]]
        return ranked, self._terms(idx, contrib)

    def _readable(self) -> tuple[list[str], np.ndarray]:
        """Feature names and, per feature, whether it can explain a decision (two or more
        characters, no spaces or punctuation); computed once per model."""
        if self._vocab_inv is None or self._explainable is None:
            names = self.vectorizer.get_feature_names_out()
            inv = [str(n).split("__", 1)[-1] for n in names]
            self._explainable = np.fromiter(
                (len(t.strip()) >= 2 and not any(ch in t for ch in _NOT_EXPLAIN) for t in inv),
                dtype=bool,
                count=len(inv),
            )
            self._vocab_inv = inv
        return self._vocab_inv, self._explainable

    def _terms(self, idx: np.ndarray, contrib: np.ndarray, k: int = 5) -> str:
        inv, ok = self._readable()
        keep = ok[idx] & (contrib > 0)
        idx, contrib = idx[keep], contrib[keep]
        out: list[str] = []
        top = np.argpartition(-contrib, 40)[:40] if len(contrib) > 40 else np.arange(len(contrib))
        for j in top[np.argsort(-contrib[top], kind="stable")]:
            term = inv[int(idx[j])]
            if any(term in o or o in term for o in out):
                continue
            out.append(term)
            if len(out) >= k:
                break
        return "、".join(out)

    def explain(self, doc: str, label: str, k: int = 5) -> str:
        """The n-grams of ``doc`` that pushed hardest towards ``label``."""
        if label not in self.labels:
            return ""
        if self._fast is not None:
            idx, vals = self._fast.features(doc)
            return self._terms(idx, vals * self._fast.coef_t[idx, self.labels.index(label)], k)
        x = self.vectorizer.transform([doc])
        row = self.coef[self.labels.index(label)] if self.coef.shape[0] > 1 else self.coef[0]
        idx = np.asarray(x.indices, dtype=np.int64)
        contrib = np.asarray(x.data, dtype=np.float32) * row[idx]
        return self._terms(idx, contrib, k)

    # --- persistence ------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in (MODEL_FILE, JOBLIB_FILE):
            (directory / stale).unlink(missing_ok=True)
        vec = self.vectorizer
        if FastScorer.supports(vec):
            cv = vec if isinstance(vec, CharTfidf) else CharTfidf.of(vec)
            with open(directory / MODEL_FILE, "wb") as fh:
                np.savez_compressed(
                    fh,
                    format=np.array(FORMAT),
                    terms=np.array("\x00".join(cv.terms)),
                    idf=cv.idf_,
                    ngram=np.array(cv.ngram_range),
                    sublinear=np.array(cv.sublinear_tf),
                    coef=self.coef.astype(np.float16),
                    intercept=self.intercept.astype(np.float32),
                    labels=np.array("\x00".join(self.labels)),
                    temperature=np.array(self.temperature),
                )
        else:
            import joblib

            payload = {
                "format": FORMAT,
                "vectorizer": vec,
                "coef": self.coef.astype(np.float16),
                "intercept": self.intercept,
                "labels": self.labels,
                "temperature": self.temperature,
            }
            joblib.dump(payload, directory / JOBLIB_FILE, compress=3)
        meta = dict(self.meta, labels=self.labels, format=FORMAT)
        (directory / META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> TextModel:
        meta: dict[str, Any] = {}
        if (directory / META_FILE).exists():
            meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if (directory / MODEL_FILE).exists():
            with np.load(directory / MODEL_FILE, allow_pickle=False) as z:
                vec = CharTfidf(
                    str(z["terms"]).split("\x00"), z["idf"], tuple(z["ngram"].tolist()), bool(z["sublinear"])
                )
                return cls(
                    vec,
                    z["coef"].astype(np.float32),
                    z["intercept"],
                    str(z["labels"]).split("\x00"),
                    float(z["temperature"]),
                    meta,
                )
        import joblib

        payload = joblib.load(directory / JOBLIB_FILE)
        return cls(
            payload["vectorizer"],
            np.asarray(payload["coef"], dtype=np.float32),
            payload["intercept"],
            payload["labels"],
            payload.get("temperature", 3.0),
            meta,
        )


def model_file(directory: Path) -> Path | None:
    for name in (MODEL_FILE, JOBLIB_FILE):
        if (directory / name).exists():
            return directory / name
    return None


# --- training -----------------------------------------------------------------------
_word_memo: dict[str, list[str]] | None = None


def jieba_words(doc: str) -> list[str]:
    """jieba words of two or more characters (module level: the model pickles it by name)."""
    if _word_memo is not None and doc in _word_memo:
        return _word_memo[doc]
    import jieba

    jieba.setLogLevel(60)
    words = [w for w in jieba.lcut(doc) if len(w) > 1 and not w.isspace()]
    if _word_memo is not None:
        _word_memo[doc] = words
    return words


@contextmanager
def remembered_words() -> Iterator[None]:
    """Segment each document once while the block runs (cross-validation fits the same
    documents fold after fold; segmentation is most of its time)."""
    global _word_memo
    outer = _word_memo
    _word_memo = {} if outer is None else outer
    try:
        yield
    finally:
        _word_memo = outer


def fit(
    docs: Sequence[str],
    labels: Sequence[str],
    *,
    weights: Sequence[float] | None = None,
    C: float = 1.0,
    ngram: tuple[int, int] = (1, 3),
    min_df: int = 1,
    max_features: int | None = 300_000,
    meta: dict[str, Any] | None = None,
    words: bool = False,
) -> TextModel:
    """Train on already-built documents (see ``make_doc``). ``words`` adds jieba word
    features next to the character n-grams (more accurate on real text, slower)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("至少需要两个不同的标签才能训练")
    vec: Any = TfidfVectorizer(
        analyzer="char",
        ngram_range=ngram,
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
        lowercase=False,
    )
    if words:
        from sklearn.pipeline import FeatureUnion

        word_vec = TfidfVectorizer(analyzer=jieba_words, sublinear_tf=True, min_df=min_df, dtype=np.float32)
        vec = FeatureUnion([("char", vec), ("word", word_vec)])
    X = vec.fit_transform(docs)
    clf = LinearSVC(C=C, class_weight="balanced", random_state=0, max_iter=5000)
    clf.fit(X, list(labels), sample_weight=None if weights is None else np.asarray(weights, dtype=np.float64))
    coef = clf.coef_
    intercept = clf.intercept_
    model_labels = [str(c) for c in clf.classes_]
    # Temperature: margins of the training set scaled so that the mean top probability
    # is about 0.85 (SVM margins are not probabilities; this keeps them readable).
    margins = np.asarray(X @ coef.T) + intercept
    if margins.shape[1] == 1:
        margins = np.hstack([-margins, margins])
    temperature = _fit_temperature(margins)
    info = dict(meta or {})
    info.update(
        n_train=len(docs),
        n_features=int(X.shape[1]),
        C=C,
        ngram=list(ngram),
        words=words,
        trained_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    return TextModel(vec, coef, intercept, model_labels, temperature, info)


def _fit_temperature(margins: np.ndarray, target: float = 0.85) -> float:
    lo, hi = 0.1, 50.0
    for _ in range(40):
        mid = (lo + hi) / 2
        m = margins * mid
        m = m - m.max(axis=1, keepdims=True)
        p = np.exp(m)
        top = float((p.max(axis=1) / p.sum(axis=1)).mean())
        if top < target:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 4)


# --- the serving model (lazy, once per process) ----------------------------------------
CHECK_EVERY = 60.0


def data_dir() -> Path:
    if settings.configured and getattr(settings, "DATA_DIR", None):
        return Path(settings.DATA_DIR)
    return Path(os.environ.get("HOTLINE_DATA_DIR", Path.cwd()))


def retrained_dir() -> Path:
    return data_dir() / "triage-model"


def serving_dir() -> Path | None:
    env = os.environ.get("HOTLINE_TRIAGE_MODEL")
    candidates = [Path(env)] if env else []
    candidates += [retrained_dir(), DEFAULT_DIR]
    for c in candidates:
        if model_file(c) is not None:
            return c
    return None


def _serving_file() -> tuple[Path, float] | None:
    """Which model file serves, and when it was written: a retrained model changes it."""
    path = serving_dir()
    return None if path is None else (path, model_file(path).stat().st_mtime)  # type: ignore[union-attr]


def _load_serving() -> TextModel | None:
    path = serving_dir()
    return TextModel.load(path) if path is not None else None


# A broken or half-written file keeps the model we have serving (keep_on_error).
MODEL: Cached[TextModel | None] = Cached(
    "triage.model", _load_serving, stamp=_serving_file, check_every=CHECK_EVERY, keep_on_error=True
)


def get_model() -> TextModel | None:
    """The serving model, loaded once; a retrained model replaces it within a minute."""
    return MODEL.get()


def set_model(model: TextModel | None) -> None:
    """Serve ``model`` in this process (tests, CLI ``predict --model``)."""
    MODEL.pin(model)


def reset_model() -> None:
    MODEL.invalidate()
