"""The CLI contract: train, predict, evaluate, cv, build-default."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.triage.corpus import generate
from hotline.triage.model import TextModel


@pytest.fixture
def labelled_csv(tmp_path: Path, topic_csv) -> Path:
    return topic_csv(tmp_path / "train.csv", [r for r in generate(600, seed=7) if r["valid"] and r["topic"]])


def test_train_then_evaluate(labelled_csv: Path, tmp_path: Path):
    out = tmp_path / "model"
    call_command(
        "triage",
        "train",
        "--data",
        str(labelled_csv),
        "--text-columns",
        "title,text",
        "--label-column",
        "label",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    model = TextModel.load(out)
    assert "城乡建设" in model.labels and len(model.labels) >= 10
    # By default the project's synthetic requests of the same labels join the training.
    assert any(note.startswith("synthetic") for note in model.meta["extra"])
    buf = io.StringIO()
    call_command("triage", "evaluate", "--model", str(out), "--data", str(labelled_csv), "--json", stdout=buf)
    m = json.loads(buf.getvalue())
    assert m["accuracy"] > 0.9  # on its own training data
    assert set(m["per_label"]) == set(model.labels)
    assert len(m["confusion"]) == len(m["labels"])
    text = io.StringIO()
    call_command("triage", "evaluate", "--model", str(out), "--data", str(labelled_csv), stdout=text)
    assert "macro-F1" in text.getvalue() and "混淆矩阵" in text.getvalue()


def test_train_on_any_label_column(tmp_path: Path):
    path = tmp_path / "types.csv"
    rows = [r for r in generate(300, seed=3) if r["valid"]]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["content", "kind"])
        w.writeheader()
        for r in rows:
            w.writerow({"content": r["text"], "kind": r["type"]})
    out = tmp_path / "m"
    call_command(
        "triage",
        "train",
        "--data",
        str(path),
        "--text-columns",
        "content",
        "--label-column",
        "kind",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    assert set(TextModel.load(out).labels) <= {"政务类", "警务类", "咨询类", "意见建议类", "投诉类", "综治类"}


def test_train_reports_missing_columns(labelled_csv: Path, tmp_path: Path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="缺少列"):
        call_command(
            "triage",
            "train",
            "--data",
            str(labelled_csv),
            "--label-column",
            "nope",
            "--out",
            str(tmp_path / "x"),
            stdout=io.StringIO(),
        )


def test_predict_reads_json_lines(labelled_csv: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "model"
    call_command(
        "triage",
        "train",
        "--data",
        str(labelled_csv),
        "--corpus",
        "0",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    lines = [
        {"id": 1, "title": "拖欠工资", "text": "公司拖欠我们三个月工资，老板不给"},
        {"id": "b", "title": "", "text": ""},
        {"id": 3, "text": "😀" * 10},
    ]
    stdin = io.StringIO("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    buf = io.StringIO()
    call_command("triage", "predict", "--model", str(out), stdout=buf)
    results = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [r["id"] for r in results] == [1, "b", 3, None]
    for r in results:
        assert {
            "id",
            "label",
            "type",
            "topic",
            "urgency",
            "emotion",
            "valid",
            "invalid_reason",
            "police",
            "places",
            "confidence",
            "explain",
        } <= set(r)
    assert results[0]["label"] == "劳动和社会保障"
    assert results[1]["valid"] is False and results[2]["valid"] is False


def test_predict_via_the_hotline_command():
    # The external evaluation runs the CLI as a process, with the shipped default model.
    proc = subprocess.run(
        [sys.executable, "-m", "hotline", "triage", "predict"],
        input=json.dumps(
            {"id": 9, "title": "噪音扰民", "text": "楼下广场舞音响声音太大，每天晚上跳到十点"},
            ensure_ascii=False,
        ),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["id"] == 9 and r["label"] == "环境保护"


def test_build_default_is_deterministic(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    call_command("triage", "build-default", "--out", str(a), "--n", "800", stdout=io.StringIO())
    call_command("triage", "build-default", "--out", str(b), "--n", "800", stdout=io.StringIO())
    ma, mb = TextModel.load(a), TextModel.load(b)
    assert ma.labels == mb.labels
    assert (ma.coef == mb.coef).all()
    assert (a / "meta.json").read_text() == (b / "meta.json").read_text()


def test_shipped_default_model_is_small_and_loads():
    from hotline.triage.model import DEFAULT_DIR

    size = sum(p.stat().st_size for p in DEFAULT_DIR.iterdir())
    assert size < 50 * 1024 * 1024
    model = TextModel.load(DEFAULT_DIR)
    assert model.meta["name"] == "default"
    assert model.predict([" 公交车班次太少，等车要半小时"]) == ["交通运输"]
