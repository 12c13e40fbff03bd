"""A log whose epochs start again from 0 (a training restarted from scratch, or resumed with its
epoch count reset) is read as a second run, `log#2`: the split is said in a problem line at the line
where it begins, never silent (tester 18 N7). A new header or a new `fit` that the reader marks as
a start is no problem and says nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import read_sources
from numpy_formats import write_formats


def test_epochs_starting_again_read_as_a_new_run_and_say_so(tmp_path: Path) -> None:
    first, _ = write_formats(tmp_path / "a", epochs=8, seed=1)
    again, _ = write_formats(tmp_path / "b", epochs=6, seed=2)
    lines_a = first["print"].read_text().splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_text("".join(lines_a) + "Resuming from checkpoint ckpt.pt\n" + again["print"].read_text())
    (src,) = read_sources(log)
    runs = src.runs
    assert [r.name.rsplit("/", 1)[-1] for r in runs] == ["train.log", "train.log#2"]
    said = [p for p in src.problems(runs[1]) if "a new run begins here" in p.message]
    assert len(said) == 1 and said[0].line == len(lines_a) + 2, said
    assert not [p for p in src.problems(runs[0]) if "a new run begins here" in p.message]
