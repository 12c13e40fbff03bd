"""Invisible characters in metric names (tester h19k item 5): a right-to-left mark (U+200F), an
override (U+202E), an isolate (U+2066/U+2069), a zero-width joiner or space (U+200D, U+200B) or a
byte-order mark (U+FEFF) in a JSON key or a CSV header. A name is cleaned once, where the reader
hands it over: it never shows raw (a zero-width character used to stay in `val\u200b_acc`, which
then took no role), keys that show alike are one metric when no record carries both (a JSONL whose
`val_loss` carried a right-to-left mark in every other record was split into `val_loss` and
`val_loss~2`, 5 points each), and two keys one record carries side by side stay two."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from conftest import feed_in_chunks, read_runs, snapshot
from numpy_training import softmax_regression

RLM, RLO, LRI, PDI, ZWJ, ZWSP, BOM = "\u200f", "\u202e", "\u2066", "\u2069", "\u200d", "\u200b", "\ufeff"


def _invisible(name: str) -> bool:
    return any(unicodedata.category(c) in ("Cf", "Cc") for c in name)


def _marked_jsonl(path: Path) -> list[dict[str, float]]:
    """A numpy training's records, its validation loss key written with a right-to-left mark in
    every other record (as a logger that builds keys from a localized label writes it), its
    accuracy key inside an isolate and its training accuracy key with a zero-width joiner."""
    recs = softmax_regression(epochs=10, seed=3)
    with path.open("w", encoding="utf-8") as f:
        for e, r in enumerate(recs):
            f.write(
                json.dumps(
                    {
                        "epoch": e,
                        "train_loss": r["train_loss"],
                        ("val_loss" + RLM if e % 2 else "val_loss"): r["val_loss"],
                        f"{LRI}val_acc{PDI}": r["val_acc"],
                        f"train{ZWJ}_acc": r["train_acc"],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return recs


def test_a_key_marked_in_some_records_is_one_metric(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    recs = _marked_jsonl(path)
    (run,) = read_runs(path)
    assert sorted(run.series) == ["train_acc", "train_loss", "val_acc", "val_loss"]
    val = run.series["val_loss"]
    assert len(val) == 10 and list(val.values) == [r["val_loss"] for r in recs]
    assert {n: s.role for n, s in run.series.items()} == {
        "train_loss": "train_loss",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
        "train_acc": "train_acc",
    }
    # followed as it grows, a line at a time or cut anywhere: the same one metric
    assert snapshot(feed_in_chunks(path, [1, 7, 300])) == snapshot([run])


def test_zero_width_characters_in_a_csv_header_never_show_and_roles_hold(tmp_path: Path) -> None:
    recs = softmax_regression(epochs=8, seed=1)
    # (written as pandas' to_csv writes it, with the csv module: pandas is not a test dependency)
    header = ["epoch", f"{RLM}train_loss", f"train_acc{BOM}", f"val_loss{RLM}", f"val{ZWSP}_acc"]
    path = tmp_path / "log.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for epoch, r in enumerate(recs):
            w.writerow([epoch, r["train_loss"], r["train_acc"], r["val_loss"], r["val_acc"]])
    (run,) = read_runs(path)
    assert not [n for n in run.series if _invisible(n)], list(run.series)
    assert run.series["val_acc"].role == "val_acc" and run.series["train_acc"].role == "train_acc"
    assert not [p for p in run.problems if _invisible(p.message)]


def test_two_keys_of_one_record_that_differ_by_an_override_stay_two(tmp_path: Path) -> None:
    recs = softmax_regression(epochs=6, seed=2)
    path = tmp_path / "two.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for e, r in enumerate(recs):
            row = {"epoch": e, "loss": r["train_loss"], f"{RLO}loss": r["val_loss"], "acc": r["train_acc"]}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (run,) = read_runs(path)
    assert sorted(run.series) == ["acc", "loss", "loss~2"]
    assert list(run.series["loss"].values) == [r["train_loss"] for r in recs]
    assert list(run.series["loss~2"].values) == [r["val_loss"] for r in recs]


def test_a_problem_names_a_key_as_its_series_shows_it(tmp_path: Path) -> None:
    """A problem line about a key (its numbers written as strings) names it as the table does:
    `val_acc`, not `'val\\u200c_acc'`, and a printed line's name is cleaned alike."""
    from conftest import read_sources

    recs = softmax_regression(epochs=6, seed=5)
    path = tmp_path / "log.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for e, r in enumerate(recs):
            row = {"epoch": e, "train_loss": r["train_loss"], "val\u200c_acc": f"{r['val_acc']:.4f}"}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    printed = tmp_path / "train.log"
    printed.write_text(
        "".join(
            f"epoch {e} train{ZWJ}_loss {r['train_loss']:.4f} val_acc {r['val_acc']:.4f}\n"
            for e, r in enumerate(recs)
        ),
        encoding="utf-8",
    )
    (src,) = read_sources(path)
    (run,) = src.runs
    said = [p.message for p in src.problems(run)]
    assert any(m.startswith("'val_acc': its numbers are written as strings") for m in said), said
    assert not [m for m in said if "\\u" in m or _invisible(m)], said
    (kv,) = read_runs(printed)
    assert sorted(kv.series) == ["train_loss", "val_acc"]
