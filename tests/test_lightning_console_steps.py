"""Lightning's TQDM console with evaluations inside an epoch and gradients accumulated over two
batches (tester h19k item 4; real output: tests/data/lightning_console_accum/make.py). Every
evaluation lands at its epoch, in order, with the values metrics.csv holds for it; the run goes on
the step axis counted in batches as the bar counts them, which metrics.csv's step (one per two
batches here) is not: the console cannot tell, so a problem line says what the step counts, and
never lets the step pass for metrics.csv's or the checkpoint names' own."""

from __future__ import annotations

import numpy as np
from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot

DATA = REPO / "tests" / "data" / "lightning_console_accum"


def test_evaluations_land_at_their_epoch_with_the_csvs_values() -> None:
    (console,) = read_runs(DATA / "console.log")
    (csv,) = read_runs(DATA / "metrics.csv")
    assert console.x_axis == "step"
    for name in ("val_loss", "val_acc"):
        got, want = console.series[name], csv.series[name]
        assert len(got) == len(want) == 12  # two evaluations in each of 6 epochs
        assert list(got.epochs) == list(want.epochs) == [e for e in range(6) for _ in (0, 1)]
        assert np.allclose(got.values, want.values, atol=5e-3)  # (the bar prints 3 significant digits)
    # the console's step counts batches: twice metrics.csv's optimizer steps here, 12 batches an epoch
    assert [float(x) for x in console.series["val_loss"].steps] == [
        float(e * 12 + n - 1) for e in range(6) for n in (6, 12)
    ]
    assert snapshot(feed_in_chunks(DATA / "console.log", [3, 200, 4096])) == snapshot([console])


def test_the_step_counted_in_batches_is_said() -> None:
    (src,) = read_sources(DATA / "console.log")
    said = [p.message for p in src.problems(src.runs[0])]
    (note,) = [m for m in said if "counted in batches" in m]
    assert "accumulate_grad_batches" in note


def test_the_rich_bars_last_state_does_not_pass_an_older_evaluation_for_its_epochs() -> None:
    """Lightning's default bar with `rich` installed, redirected to a file, validating every second
    epoch of 5 (tests/data/lightning_rich_every2/make.py): its last state shows epoch 4 beside the
    values of the evaluation after epoch 3. The state cannot say when they were computed, so the
    line that says what the file lacks says so too."""
    path = REPO / "tests" / "data" / "lightning_rich_every2" / "console.log"
    (src,) = read_sources(path)
    (run,) = src.runs
    (csv,) = read_runs(path.with_name("metrics.csv"))
    assert list(csv.series["val_loss"].epochs) == [1.0, 3.0]
    assert np.allclose(run.series["val_loss"].values, csv.series["val_loss"].values[-1:], atol=5e-4)
    (said,) = [p.message for p in src.problems(run)]
    assert "validation values are the last evaluation's" in said and "check_val_every_n_epoch" in said
