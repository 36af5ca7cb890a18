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
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hotline.triage.text import join_fields

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "default-model"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
FORMAT = 1
_WS = re.compile(r"\s\s+")


def make_doc(title: object, text: object) -> str:
    """The document the model reads: the title twice (it names the matter), then the text."""
    doc = join_fields(title, text)
    t = join_fields(title, "")
    return f"{t}。{doc}" if t else doc


class FastScorer:
    """Scores one document without sklearn's per-call overhead (validation, sparse
    matrix construction): the same char n-gram TF-IDF, computed with a dict and numpy.
    Exactly equivalent to ``TfidfVectorizer(analyzer="char", sublinear_tf=True)``."""

    def __init__(self, vectorizer: Any, coef: np.ndarray):
        # Plain ``str`` keys: a vocabulary that went through numpy has ``np.str_`` keys,
        # and comparing those with ``str`` is a hundred times slower.
        self.vocab: dict[str, int] = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float32)
        self.lo, self.hi = vectorizer.ngram_range
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)

    @staticmethod
    def supports(vectorizer: Any) -> bool:
        return (getattr(vectorizer, "analyzer", None) == "char" and getattr(vectorizer, "use_idf", False)
                and getattr(vectorizer, "norm", None) == "l2" and not getattr(vectorizer, "lowercase", True)
                and hasattr(vectorizer, "idf_"))

    def features(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        doc = _WS.sub(" ", doc)
        counts: Counter[str] = Counter()
        for n in range(self.lo, self.hi + 1):
            counts.update(doc[i : i + n] for i in range(len(doc) - n + 1))
        vocab = self.vocab
        pairs = [(vocab[t], c) for t, c in counts.items() if t in vocab]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        tf = np.fromiter((p[1] for p in pairs), dtype=np.float32, count=len(pairs))
        if self.sublinear:
            tf = 1.0 + np.log(tf)
        vals = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(vals, vals)))
        return idx, (vals / norm if norm else vals)

    def margins(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        return np.asarray(vals @ self.coef_t[idx], dtype=np.float64)


class TextModel:
    def __init__(self, vectorizer: Any, coef: np.ndarray, intercept: np.ndarray, labels: list[str],
                 temperature: float = 3.0, meta: dict[str, Any] | None = None):
        self.vectorizer = vectorizer
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.labels = list(labels)
        self.temperature = float(temperature)
        self.meta = dict(meta or {})
        self._vocab_inv: list[str] | None = None
        self._fast = FastScorer(vectorizer, self.coef) if FastScorer.supports(vectorizer) else None

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "model"))

    # --- prediction -------------------------------------------------------------
    def _margins(self, docs: Sequence[str]) -> np.ndarray:
        if self._fast is not None and len(docs) <= 64:
            fast = self._fast
            rows = [fast.margins(*fast.features(d)) for d in docs]
            m = np.vstack(rows) + self.intercept if rows else np.zeros((0, len(self.intercept)))
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

    def predict(self, docs: Sequence[str]) -> list[str]:
        if not docs:
            return []
        idx = self._margins(docs).argmax(axis=1)
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

    def _terms(self, idx: np.ndarray, contrib: np.ndarray, k: int = 5) -> str:
        if self._vocab_inv is None:
            names = self.vectorizer.get_feature_names_out()
            self._vocab_inv = [str(n).split("__", 1)[-1] for n in names]
        inv = self._vocab_inv
        out: list[str] = []
        for j in np.argsort(-contrib)[:40]:
            if contrib[j] <= 0:
                break
            term = inv[int(idx[j])]
            if len(term.strip()) < 2 or any(ch in term for ch in " 。,，.!?！？"):
                continue
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
        x = self.vectorizer.transform([doc])
        row = self.coef[self.labels.index(label)] if self.coef.shape[0] > 1 else self.coef[0]
        idx = np.asarray(x.indices, dtype=np.int64)
        contrib = np.asarray(x.data, dtype=np.float32) * row[idx]
        return self._terms(idx, contrib, k)

    # --- persistence ------------------------------------------------------------
    def save(self, directory: Path) -> None:
        import joblib

        directory.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "vectorizer": self.vectorizer, "coef": self.coef.astype(np.float16),
                   "intercept": self.intercept, "labels": self.labels, "temperature": self.temperature}
        joblib.dump(payload, directory / MODEL_FILE, compress=3)
        meta = dict(self.meta, labels=self.labels, format=FORMAT)
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> TextModel:
        import joblib

        payload = joblib.load(directory / MODEL_FILE)
        meta: dict[str, Any] = {}
        if (directory / META_FILE).exists():
            meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls(payload["vectorizer"], np.asarray(payload["coef"], dtype=np.float32), payload["intercept"],
                   payload["labels"], payload.get("temperature", 3.0), meta)


# --- training -----------------------------------------------------------------------
def jieba_words(doc: str) -> list[str]:
    """jieba words of two or more characters (module level: the model pickles it by name)."""
    import jieba

    jieba.setLogLevel(60)
    return [w for w in jieba.lcut(doc) if len(w) > 1 and not w.isspace()]


def fit(docs: Sequence[str], labels: Sequence[str], *, weights: Sequence[float] | None = None, C: float = 1.0,
        ngram: tuple[int, int] = (1, 3), min_df: int = 1, max_features: int | None = 300_000,
        meta: dict[str, Any] | None = None, words: bool = False) -> TextModel:
    """Train on already-built documents (see ``make_doc``). ``words`` adds jieba word
    features next to the character n-grams (more accurate on real text, slower)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("至少需要两个不同的标签才能训练")
    vec: Any = TfidfVectorizer(analyzer="char", ngram_range=ngram, sublinear_tf=True, min_df=min_df,
                               max_features=max_features, dtype=np.float32, lowercase=False)
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
    info.update(n_train=len(docs), n_features=int(X.shape[1]), C=C, ngram=list(ngram), words=words,
                trained_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
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
_lock = threading.Lock()
_state: dict[str, Any] = {"model": None, "path": None, "checked": 0.0, "mtime": None}
CHECK_EVERY = 60.0


def data_dir() -> Path:
    try:
        from django.conf import settings

        if settings.configured and getattr(settings, "DATA_DIR", None):
            return Path(settings.DATA_DIR)
    except Exception:
        pass
    return Path(os.environ.get("HOTLINE_DATA_DIR", Path.cwd()))


def retrained_dir() -> Path:
    return data_dir() / "triage-model"


def serving_dir() -> Path | None:
    env = os.environ.get("HOTLINE_TRIAGE_MODEL")
    candidates = [Path(env)] if env else []
    candidates += [retrained_dir(), DEFAULT_DIR]
    for c in candidates:
        if (c / MODEL_FILE).exists():
            return c
    return None


def get_model(loader: Callable[[Path], TextModel] = TextModel.load) -> TextModel | None:
    """The serving model, loaded once; a retrained model replaces it within a minute."""
    now = time.monotonic()
    if _state["model"] is not None and now - _state["checked"] < CHECK_EVERY:
        return _state["model"]  # type: ignore[no-any-return]
    with _lock:
        _state["checked"] = now
        path = serving_dir()
        if path is None:
            _state.update(model=None, path=None, mtime=None)
            return None
        mtime = (path / MODEL_FILE).stat().st_mtime
        if _state["model"] is not None and _state["path"] == path and _state["mtime"] == mtime:
            return _state["model"]  # type: ignore[no-any-return]
        try:
            model = loader(path)
        except Exception:
            return _state["model"]  # type: ignore[no-any-return]
        _state.update(model=model, path=path, mtime=mtime)
        return model


def set_model(model: TextModel | None) -> None:
    """Serve ``model`` in this process (tests, CLI ``predict --model``)."""
    _state.update(model=model, path=None, mtime=None, checked=time.monotonic() + 10**9)


def reset_model() -> None:
    _state.update(model=None, path=None, mtime=None, checked=0.0)
