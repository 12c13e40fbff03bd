"""Work done once where several detectors need it (issue #12, analysis cost), with the same results.

- `acc-stuck` and `val-frozen` judge the same runs of equal accuracies on the same chunk
  (`repeat_chance.ChanceRuns`): they now share one judgement per chunk. A real per-step numpy run
  whose 32-sample accuracy repeats values by chance is analysed in chunks with the judgement shared
  and with each detector judging alone: the same alerts, claims and band, and one judgement a chunk.
- A short run's windows begin with padding before the series start (`stats.rolling_sum`); the
  latch of every detector sees chunks where nothing opens or closes (`alerts.Latch`). Both take
  shortcuts there; the numbers are checked against the plain definitions.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer, stats
from lossacc_tui.analysis.alerts import Latch
from lossacc_tui.analysis.detectors import repeat_chance, stuck, val_frozen
from lossacc_tui.model import Batch, Run


def _analyse(cols: dict[str, np.ndarray], cuts: list[int]) -> tuple[list, list]:
    run = Run("r", "-", "jsonl")
    a = Analyzer(run)
    for lo, hi in itertools.pairwise(cuts):
        batch = {k: v[lo:hi] for k, v in cols.items() if k != "step"}
        run.add_batch(Batch(hi - lo, batch, {}, epoch=cols["step"][lo:hi].astype(np.float64)))
        a.update()
    alerts = [
        (x.kind, x.severity, x.start, x.end, x.title, x.active, [(c.id, c.strength) for c in x.claims])
        for x in a.alerts
    ]
    return alerts, [(s.state, s.start, s.end) for s in a.states]


@pytest.mark.parametrize("cuts", [[0, 3000], [0, 700, 701, 702, 1900, 3000]])
def test_stuck_and_frozen_share_one_chance_judgement_with_the_same_alerts(
    monkeypatch: pytest.MonkeyPatch, cuts: list[int]
) -> None:
    cols = batch_eval_run(3000, seed=3, eval_batch=32)
    cols["step"] = np.arange(3000)
    judged: list[int] = []
    chance_points: list[int] = []
    inner = repeat_chance.ChanceRuns._judge

    def counting(self: repeat_chance.ChanceRuns, *args: object) -> np.ndarray:
        judged.append(id(self))
        out = inner(self, *args)  # type: ignore[arg-type]
        chance_points.append(int(out.sum()))
        return out

    handed: list[bytes] = []  # what each call of `judge` gave its detector, in call order
    outer = repeat_chance.ChanceRuns.judge

    def recording(self: repeat_chance.ChanceRuns, *args: object) -> np.ndarray:
        out = outer(self, *args)  # type: ignore[arg-type]
        handed.append(out.tobytes() + self.starts.tobytes())
        return out

    monkeypatch.setattr(repeat_chance.ChanceRuns, "_judge", counting)
    monkeypatch.setattr(repeat_chance.ChanceRuns, "judge", recording)
    shared = _analyse(cols, cuts)
    shared_handed = list(handed)
    assert sum(chance_points) > 0  # (the premise: runs of equal accuracies judged chance repeats)
    blocks = len(judged)
    # one judgement per chunk of the accuracy's features, by one object, for both detectors
    assert blocks == len(cuts) - 1 and len(set(judged)) == 1, judged

    def alone(ctx: object, series: object, tol: float, window: int) -> repeat_chance.ChanceRuns:
        return repeat_chance.ChanceRuns(tol, window)

    monkeypatch.setattr(stuck, "shared_chance_runs", alone)
    monkeypatch.setattr(val_frozen, "shared_chance_runs", alone)
    judged.clear()
    handed.clear()
    assert _analyse(cols, cuts) == shared
    # both detectors got, chunk by chunk, what each computes alone (val-frozen's alerts may not show it)
    assert handed == shared_handed and len(handed) == 2 * blocks
    assert len(judged) == 2 * blocks  # (each detector judged every chunk itself)


def test_a_shared_judgement_is_handed_to_its_other_user_only(tmp_path: Path) -> None:
    cols = batch_eval_run(400, seed=4, eval_batch=32)
    (log,) = read_runs(write_jsonl(tmp_path / "train.jsonl", cols))
    a = Analyzer(log)
    a.update()
    assert a.ctx is not None
    (runs,) = [v[1] for k, v in a.ctx.shared.items() if k[0] == "chance-runs"]
    assert runs.users == 2
    assert runs._last is None  # (both users took it: nothing of the chunk is kept after the pass)


def _count_finite(buf: np.ndarray, w: int) -> np.ndarray:
    fin = np.isfinite(buf)
    return np.array([fin[max(0, t - w + 1) : t + 1].sum() for t in range(len(buf))])


def test_window_sums_after_padding_count_only_the_series_values() -> None:
    rng = np.random.default_rng(5)
    for n, w, pad in [(1, 1, 1), (3, 5, 2), (60, 5, 40), (200, 17, 16), (30, 10, 30), (8, 3, 7)]:
        buf = (
            np.concatenate([np.full(pad, np.nan), rng.normal(size=n - pad)])
            if pad < n
            else np.full(n, np.nan)
        )
        s, c = stats.rolling_sum(buf, w)
        want_c = _count_finite(buf, w)
        want_s = np.array([np.nansum(buf[max(0, t - w + 1) : t + 1][::-1]) for t in range(n)])
        assert c is not None and c.tolist() == want_c.tolist(), (n, w, pad)
        assert np.allclose(s, want_s, rtol=1e-12, atol=0)
        mean = stats.rolling_mean(buf, w)
        with np.errstate(invalid="ignore"):
            assert np.array_equal(np.isnan(mean), want_c == 0)


def _plain_latch(
    n_open: int, n_close: int, points: list[tuple[bool, bool, bool]]
) -> list[tuple[str, int, int]]:
    out, active, ro, rc = [], False, 0, 0
    for i, (o, c, f) in enumerate(points):
        ro, rc = (ro + 1 if o else 0), (rc + 1 if c else 0)
        if not active and ro >= n_open:
            out.append(("open", i, i - ro + 1))
            active = True
        elif active and (rc >= n_close or f):
            out.append(("close", i, i - max(rc, 1)))
            active = False
    return out


def test_a_latch_fed_in_chunks_opens_and_closes_where_point_by_point_does() -> None:
    rng = np.random.default_rng(6)
    for trial in range(150):
        n_open, n_close = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        # long quiet stretches (nothing can open or close) between busy ones
        sizes = rng.integers(1, 60, 12)
        o_parts, c_parts = [], []
        for m in sizes:
            p_open, p_close = rng.choice([0.0, 0.0, 0.3, 0.9]), rng.choice([0.0, 0.0, 0.3, 0.9])
            o = rng.random(m) < p_open
            o_parts.append(o)
            c_parts.append((rng.random(m) < p_close) & ~o)
        o_all, c_all = np.concatenate(o_parts), np.concatenate(c_parts)
        f_all = (rng.random(len(o_all)) < 0.02) & ~o_all
        latch, got, k0 = Latch(n_open, n_close), [], 0
        for m in sizes:
            sl = slice(k0, k0 + int(m))
            got += latch.feed(o_all[sl], c_all[sl], k0, f_all[sl])
            k0 += int(m)
        want = _plain_latch(n_open, n_close, list(zip(o_all, c_all, f_all, strict=True)))
        assert got == want, (trial, got, want)
