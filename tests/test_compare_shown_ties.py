"""The compare screen (`c`) ranks runs whose bests are equal to the precision they were logged with
as tied (tester 15: the same run in five formats showed 0.1829 / 0.948 on every row, yet its print
log, which keeps 4 decimals, was ranked #5 and the four full-precision copies #1).

The run: numpy's diverging MLP (tests/numpy_diverge.py), written as a JSONL log at full precision
and as a training loop's print with 4 decimals, plus a second seed that is truly different."""

from __future__ import annotations

from pathlib import Path

from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.app.screens.compare import places, precisions, ranking
from lossacc_tui.app.tracker import RunState


def _print_log(path: Path, rows: list[dict[str, float]]) -> Path:
    """What `print(f"epoch {e} loss {loss:.4f} ... val_accuracy {acc:.4f}")` writes."""
    lines = [
        f"epoch {r['epoch']} loss {r['loss']:.4f} accuracy {r['accuracy']:.4f} "
        f"val_loss {r['val_loss']:.4f} val_accuracy {r['val_accuracy']:.4f}\n"
        for r in rows
    ]
    path.write_text("".join(lines))
    return path


def test_the_same_run_in_two_precisions_shares_its_rank(tmp_path: Path) -> None:
    runs = []
    for seed in (0, 1):
        rows, _ = diverging_run(epochs=10, growth=1.3, seed=seed)
        d = tmp_path / f"s{seed}"
        d.mkdir()
        runs += read_runs(write_jsonl(d / "metrics.jsonl", rows))
        runs += read_runs(_print_log(d / "train.log", rows))
    states = [RunState(r) for r in runs]
    for rs in states:
        for s in rs.run.series.values():
            rs.cache(s, 0.0)
    names = [r.name for r in runs]
    for role, high in (("val_loss", False), ("val_acc", True)):
        ranked = ranking(states, names, role, high)
        assert len(ranked) == 4
        at = places(ranked, high, precisions(states, role))
        by_run = {k: best for k, _, best, _ in ranked}
        for seed in (0, 1):
            full, printed = by_run[2 * seed], by_run[2 * seed + 1]
            # the premise: the printed best is the full one to 4 decimals (and for the loss not equal)
            assert round(full, 4) == printed and (high or full != printed)
            assert at[2 * seed] == at[2 * seed + 1], (role, ranked)  # one run, one rank
        assert sorted(at.values()) in ([1, 1, 3, 3], [1, 1, 1, 1]), ranked
