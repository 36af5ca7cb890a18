"""Training with more than labelled rows (a taxonomy's names, the synthetic corpus) and
cross-validating it, through the CLI a centre uses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.triage.corpus import generate
from hotline.triage.model import TextModel, make_doc
from hotline.triage.taxonomy import DEFAULT_FILE
from hotline.triage.training import taxonomy_rows


@pytest.fixture
def files(tmp_path: Path, topic_csv) -> dict[str, Path]:
    rows = [r for r in generate(900, seed=11) if r["valid"] and r["topic"]]
    common = ("城乡建设", "劳动和社会保障", "教育文体", "交通运输", "环境保护", "卫生计生")
    labelled = [r for r in rows if str(r["topic"]).startswith(common)][:250]
    return {"labelled": topic_csv(tmp_path / "labelled.csv", labelled)}


def test_taxonomy_rows_take_the_names_of_the_trained_labels(tmp_path: Path):
    path = tmp_path / "tax.csv"
    path.write_text(
        "level1,level2,level3\n城乡建设,市政管理,路灯\n城乡建设,其他,其他\n交通运输,出租车,网约车\n",
        encoding="utf-8",
    )
    assert taxonomy_rows(path, {"城乡建设"}) == (["市政管理，路灯"], ["城乡建设"])
    assert taxonomy_rows(path, {"交通运输 / 出租车 / 网约车"}) == (
        ["出租车，网约车"],
        ["交通运输 / 出租车 / 网约车"],
    )
    docs, labels = taxonomy_rows(DEFAULT_FILE, {"环境保护"})
    assert docs and set(labels) == {"环境保护"}
    assert any("噪音" in d for d in docs)  # the shipped file's keywords join the names
    bad = tmp_path / "bad.csv"
    bad.write_text("一级,二级\n城乡建设,路灯\n", encoding="utf-8")
    with pytest.raises(ValueError, match="level1"):
        taxonomy_rows(bad, {"城乡建设"})


def test_train_with_a_taxonomy_and_the_synthetic_corpus(files: dict[str, Path], tmp_path: Path):
    out = tmp_path / "model"
    buf = io.StringIO()
    call_command(
        "triage",
        "train",
        "--data",
        str(files["labelled"]),
        "--words",
        "--taxonomy",
        str(DEFAULT_FILE),
        "--corpus",
        "400",
        "--corpus-weight",
        "0.05",
        "--out",
        str(out),
        stdout=buf,
    )
    assert "已训练" in buf.getvalue()
    model = TextModel.load(out)
    notes = model.meta["extra"]
    assert any(n.startswith("taxonomy:taxonomy.csv") for n in notes)
    assert any(n.startswith("synthetic") for n in notes)
    # Only the labels of the labelled file: extra rows of other topics are left out.
    assert set(model.labels) <= {"城乡建设", "劳动和社会保障", "教育文体", "交通运输", "环境保护", "卫生计生"}
    ranked, why = model.rank_explain(make_doc("拖欠工资", "公司已经三个月没有发工资了，老板一直拖着不给"))
    assert ranked[0][0] == "劳动和社会保障" and why
    assert model.predict([make_doc("", "")])  # an empty request still gets an answer


def test_cross_validation_folds_follow_the_seed(files: dict[str, Path]):
    def run(seed: str) -> dict:
        buf = io.StringIO()
        call_command(
            "triage",
            "cv",
            "--data",
            str(files["labelled"]),
            "--folds",
            "3",
            "--seed",
            seed,
            "--taxonomy",
            str(DEFAULT_FILE),
            "--corpus",
            "300",
            "--json",
            stdout=buf,
        )
        return json.loads(buf.getvalue())

    a, b = run("0"), run("0")
    assert a == b and a["n"] == 250 and a["macro_f1"] > 0.7
    assert run("5")["n"] == 250


def test_taxonomy_file_without_level1_is_refused(files: dict[str, Path], tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("一级,二级\n城乡建设,路灯\n", encoding="utf-8")
    with pytest.raises(CommandError, match="level1"):
        call_command(
            "triage",
            "train",
            "--data",
            str(files["labelled"]),
            "--taxonomy",
            str(bad),
            "--out",
            str(tmp_path / "m"),
            stdout=io.StringIO(),
        )
    assert not (tmp_path / "m").exists()
