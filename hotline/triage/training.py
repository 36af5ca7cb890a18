"""Training and evaluation jobs behind ``hotline triage …``: from a CSV, from the
synthetic corpus (the shipped default) and from the platform's own history."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hotline.triage.model import TextModel, fit, make_doc

Progress = Callable[[str], None]

DEFAULT_CORPUS_SIZE = 20000
DEFAULT_SEED = 12345


def read_rows(
    path: Path, text_columns: Sequence[str], label_column: str | None
) -> tuple[list[str], list[str], list[dict]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows:
        missing = [c for c in [*text_columns, *([label_column] if label_column else [])] if c not in rows[0]]
        if missing:
            raise ValueError(f"CSV 缺少列：{', '.join(missing)}")
    docs = []
    for r in rows:
        cols = [r.get(c) or "" for c in text_columns]
        docs.append(
            make_doc(cols[0], "。".join(cols[1:])) if len(cols) > 1 else make_doc("", cols[0] if cols else "")
        )
    labels = [(r.get(label_column) or "").strip() for r in rows] if label_column else []
    return docs, labels, rows


@dataclass
class Extra:
    """Additional, weaker training rows added to every training run (never tested on)."""

    docs: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, docs: Sequence[str], labels: Sequence[str], weight: float, note: str) -> None:
        self.docs += list(docs)
        self.labels += list(labels)
        self.weights += [weight] * len(docs)
        self.notes.append(f"{note}: {len(docs)}")


def build_extra(
    allowed: set[str],
    *,
    weak_data: Path | None = None,
    weak_text_columns: Sequence[str] = ("title", "text"),
    weak_reply_column: str = "reply",
    weak_weight: float = 1.0,
    corpus: int = 0,
    corpus_weight: float = 0.2,
    taxonomy: Path | None = None,
    taxonomy_weight: float = 1.0,
) -> Extra:
    """Weakly labelled rows from replies (the answering department), synthetic rows and
    a taxonomy's own names, restricted to the labels being trained."""
    from hotline.triage.weak import weak_label

    extra = Extra()
    if taxonomy is not None:
        tdocs, tlabels = taxonomy_rows(taxonomy, allowed)
        extra.add(tdocs, tlabels, taxonomy_weight, f"taxonomy:{taxonomy.name}")
    if weak_data is not None:
        docs, _, rows = read_rows(weak_data, weak_text_columns, None)
        if rows and weak_reply_column not in rows[0]:
            raise ValueError(f"CSV 缺少列：{weak_reply_column}")
        pairs = [
            (d, weak_label(r.get(weak_reply_column) or "", allowed)) for d, r in zip(docs, rows, strict=True)
        ]
        kept = [(d, lab) for d, lab in pairs if lab]
        extra.add([d for d, _ in kept], [str(lab) for _, lab in kept], weak_weight, f"weak:{weak_data.name}")
    if corpus:
        cd, cl = corpus_training_set(corpus)
        kept2 = [(d, lab) for d, lab in zip(cd, cl, strict=True) if lab in allowed]
        extra.add([d for d, _ in kept2], [lab for _, lab in kept2], corpus_weight, "synthetic")
    return extra


def taxonomy_rows(path: Path, allowed: set[str]) -> tuple[list[str], list[str]]:
    """One short training row per taxonomy node: its level-2 and level-3 names (and
    keywords, where the file has them), labelled with the level-1 name or the full path,
    whichever the labels being trained use. A taxonomy says where a centre files 公交
    or 路灯, which a couple of hundred examples may not show."""
    from hotline.triage.taxonomy import read_csv

    nodes = read_csv(path)
    if not nodes:
        raise ValueError(f"分类文件没有可用的分类（需要 level1 列）：{path.name}")
    docs, labels = [], []
    for node in nodes:
        label = node.level1 if node.level1 in allowed else node.path if node.path in allowed else ""
        words = [p for p in (node.level2, node.level3) if p and p != "其他"] + list(node.keywords)
        if label and words:
            docs.append("，".join(words))
            labels.append(label)
    return docs, labels


def train_csv(
    path: Path,
    text_columns: Sequence[str],
    label_column: str,
    *,
    C: float = 1.0,
    extra: Extra | None = None,
    words: bool = False,
) -> TextModel:
    docs, labels, _ = read_rows(path, text_columns, label_column)
    pairs = [(d, lab) for d, lab in zip(docs, labels, strict=True) if lab]
    if not pairs:
        raise ValueError("没有带标签的数据行")
    tdocs, tlabels = [d for d, _ in pairs], [lab for _, lab in pairs]
    weights = [1.0] * len(tdocs)
    if extra is not None and extra.docs:
        tdocs, tlabels, weights = tdocs + extra.docs, tlabels + extra.labels, weights + extra.weights
    meta = {
        "name": f"csv:{path.name}",
        "label_column": label_column,
        "text_columns": list(text_columns),
        "extra": extra.notes if extra else [],
    }
    return fit(tdocs, tlabels, weights=weights, C=C, words=words, min_df=1, meta=meta)


def corpus_training_set(
    n: int = DEFAULT_CORPUS_SIZE, seed: int = DEFAULT_SEED
) -> tuple[list[str], list[str]]:
    from hotline.triage.corpus import generate

    docs, labels = [], []
    for r in generate(n, seed=seed):
        if r["valid"] and r["topic"]:
            docs.append(make_doc(r["title"], r["text"]))
            labels.append(str(r["topic"]).split(" / ")[0])
    return docs, labels


def build_default(out: Path, n: int = DEFAULT_CORPUS_SIZE, seed: int = DEFAULT_SEED) -> TextModel:
    """The shipped default model: level-1 topics, trained only on the synthetic corpus.
    Deterministic for a given (n, seed) and library versions."""
    docs, labels = corpus_training_set(n, seed)
    model = fit(
        docs,
        labels,
        C=1.0,
        min_df=2,
        max_features=200_000,
        meta={"name": "default", "source": f"hotline.triage.corpus.generate(n={n}, seed={seed})"},
    )
    model.meta.pop("trained_at", None)  # keep the files byte-stable across rebuilds
    model.save(out)
    return model


# --- metrics ---------------------------------------------------------------------------
def metrics(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    labs = list(labels) if labels else sorted(set(y_true))
    idx = {lab: i for i, lab in enumerate(labs)}
    cm = np.zeros((len(labs), len(labs) + 1), dtype=int)  # last column: predicted outside labs
    for t, p in zip(y_true, y_pred, strict=True):
        if t not in idx:
            continue
        cm[idx[t], idx.get(p, len(labs))] += 1
    per: dict[str, dict[str, float]] = {}
    f1s = []
    for i, lab in enumerate(labs):
        tp = cm[i, i]
        fp = cm[:, i].sum() - tp
        fn = cm[i].sum() - tp
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": int(cm[i].sum()),
        }
        f1s.append(f1)
    total = int(cm.sum())
    acc = float(np.trace(cm[:, : len(labs)]) / total) if total else 0.0
    return {
        "accuracy": round(acc, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "per_label": per,
        "labels": labs,
        "confusion": cm.tolist(),
        "n": total,
    }


def cross_validate(
    docs: Sequence[str],
    labels: Sequence[str],
    folds: int = 10,
    seed: int = 0,
    C: float = 1.0,
    progress: Progress | None = None,
    extra: Extra | None = None,
    words: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Stratified k-fold; ``extra`` rows join every training fold and are never tested."""
    from sklearn.model_selection import StratifiedKFold

    from hotline.triage.model import remembered_words

    y = np.asarray(labels)
    pred = np.empty(len(y), dtype=object)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    ex = extra or Extra()
    with remembered_words():
        for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
            m = fit(
                [docs[i] for i in tr] + ex.docs,
                y[tr].tolist() + ex.labels,
                C=C,
                words=words,
                min_df=1,
                weights=[1.0] * len(tr) + ex.weights,
            )
            pred[te] = m.predict([docs[i] for i in te])
            if progress:
                progress(f"fold {k + 1}/{folds}")
    return metrics(y.tolist(), pred.tolist()), pred.tolist()


# --- retraining from the platform's history ----------------------------------------------
def history_training_set(limit: int = 200_000) -> tuple[list[str], list[str]]:
    """(documents, level-1 topics) from decided tickets, corrections overriding."""
    from hotline.tickets.models import Ticket
    from hotline.triage.models import Correction

    latest: dict[str, str] = {}
    for number, chosen in (
        Correction.objects.filter(field="topic").order_by("created_at").values_list("ticket_number", "chosen")
    ):
        if number:
            latest[number] = chosen
    docs, labels = [], []
    qs = (
        Ticket.objects.exclude(topic="")
        .order_by("-created_at")
        .values_list("number", "title", "text", "topic")
    )
    seen = set()
    for number, title, text, topic in qs[:limit].iterator():
        topic = latest.get(number, topic)
        seen.add(number)
        l1 = topic.split(" / ")[0].strip()
        if l1:
            docs.append(make_doc(title, text))
            labels.append(l1)
    # Corrections about texts that are not (or no longer) tickets.
    for c in Correction.objects.filter(field="topic").exclude(text="").order_by("-created_at")[:limit]:
        if c.ticket_number in seen:
            continue
        docs.append(make_doc(c.title, c.text))
        labels.append(c.chosen.split(" / ")[0].strip())
    return docs, labels


def retrain(out: Path | None = None, *, with_corpus: int = 5000, min_rows: int = 50) -> tuple[TextModel, int]:
    """Train from the platform's history (+ a share of the synthetic corpus so that topics
    the history has not seen yet still work). Returns (model, rows of history used)."""
    from hotline.triage.model import reset_model, retrained_dir

    docs, labels = history_training_set()
    n_hist = len(docs)
    if n_hist < min_rows:
        raise ValueError(f"历史数据不足（{n_hist} 条已分类工单，至少需要 {min_rows} 条）")
    weights = [1.0] * n_hist
    if with_corpus:
        cd, cl = corpus_training_set(with_corpus)
        docs += cd
        labels += cl
        weights += [0.3] * len(cd)
    model = fit(docs, labels, weights=weights, meta={"name": "retrained", "history_rows": n_hist})
    target = out or retrained_dir()
    model.save(target)
    reset_model()
    return model, n_hist
