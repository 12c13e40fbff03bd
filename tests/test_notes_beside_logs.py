"""A run folder's documents beside its log (tester h19k item 3): README.md, notes.txt, config.yaml,
args.json, requirements.txt. A person's notes that quote the log's numbers as a loop prints them
(`epoch 3: val_loss 0.736 val_acc 0.900`) were read as a second run of the experiment, joining the
comparison; a README named on its own was read as a run of made-up metrics (`trained_with_lr` at
step 32). By its name such a file is no log: in a folder it is passed over, said once when a reader
would have taken its lines; named on its own it is one plain line (exit 2), and `--format` reads it
as asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from numpy_training import softmax_regression

from lossacc_tui.cli import main


def _run_folder(root: Path) -> Path:
    """A numpy training's log and the documents a person keeps beside it."""
    run = root / "run1"
    run.mkdir(parents=True)
    recs = softmax_regression(epochs=12, seed=4)
    with (run / "metrics.jsonl").open("w") as f:
        for e, r in enumerate(recs):
            f.write(json.dumps({"epoch": e, **r}) + "\n")
    table = "".join(f"| {e} | {r['val_loss']:.4f} | {r['val_acc']:.3f} |\n" for e, r in enumerate(recs))
    (run / "README.md").write_text(
        "# run1\n\nTrained with lr=0.1, batch 32, 12 epochs.\n\n"
        "| epoch | val_loss | val_acc |\n|---|---|---|\n"
        + table
        + f"\n- epoch 3: loss={recs[3]['train_loss']:.2f} acc={recs[3]['train_acc']:.2f} (looked fine)\n"
    )
    (run / "notes.txt").write_text(
        "".join(
            f"epoch {e}: val_loss {r['val_loss']:.3f} val_acc {r['val_acc']:.3f}\n"
            for e, r in enumerate(recs)
        )
    )
    (run / "config.yaml").write_text("lr: 0.1\nepochs: 12\nbatch_size: 32\nseed: 4\n")
    (run / "args.json").write_text(json.dumps({"lr": 0.1, "epochs": 12, "batch_size": 32, "seed": 4}))
    (run / "requirements.txt").write_text("numpy==2.1.0\nscikit-learn>=1.5\n")
    return run


def test_a_folders_notes_are_no_run_and_hide_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_folder(tmp_path / "runs")
    code = main(["check", "--json", str(tmp_path / "runs")])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert [r["name"] for r in doc["runs"]] == ["runs/run1/metrics.jsonl"]
    assert doc["runs"][0]["metrics"]["val_loss"]["count"] == 12
    lines = err.strip().splitlines()  # said once, plainly: the notes a reader would have taken
    assert len(lines) == 1 and "notes.txt: skipped: not a training log: notes by its name" in lines[0], err


@pytest.mark.parametrize(
    "name, said",
    [
        ("README.md", "a README by its name (README.md)"),
        ("notes.txt", "notes by its name (notes.txt); --format text-kv reads it as one"),
        ("requirements.txt", "a list of packages by its name"),
        ("config.yaml", "a settings file by its name"),
    ],
)
def test_a_document_named_on_its_own_is_one_plain_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, said: str
) -> None:
    run = _run_folder(tmp_path)
    code = main(["check", str(run / name)])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert err.count("\n") == 1 and f"not a training log: {said}" in err and "expected one of" not in err, err


def test_format_reads_notes_as_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_folder(tmp_path)
    assert main(["check", "--json", "--format", "text-kv", str(run / "notes.txt")]) == 0
    (read,) = json.loads(capsys.readouterr().out)["runs"]
    assert read["metrics"]["val_acc"]["count"] == 12
