"""Analysis at scale: alerts that flap on a noisy per-step run merge into one, and reading the state
band after an update costs the new segments, not the history (counted, never timed).

The runs are real numpy trainings (`benchmarks.bench_analysis.train`: logistic regression by
minibatch SGD, validation metrics on a random 64-sample batch at every step).
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

import lossacc_tui.analysis.detectors.base as detector_base
from benchmarks.bench_analysis import feed, rows, train
from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alerts import STATES, StateSegment
from lossacc_tui.analysis.gridfeed import GridFeeder
from lossacc_tui.analysis.resolution import GridEstimate, step_floor
from lossacc_tui.analysis.states import (
    _PARTS,
    ACC_WORSE_KINDS,
    LOSS_WORSE_KINDS,
    _state_of,
    agree_with_alerts,
)
from lossacc_tui.model import Run

N = 6_000


@pytest.fixture(scope="module")
def noisy() -> dict[str, np.ndarray]:
    return rows(N, train(N, val_batch=64, lr=0.2))


def _analyse(cols: dict[str, np.ndarray], n: int) -> Analyzer:
    run = Run("sgd", "-", "csv")
    feed(run, cols, 0, n)
    a = Analyzer(run)
    a.update()
    return a


def test_flapping_alerts_merge_into_one_that_spans_its_episodes(
    noisy: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    merged = _analyse(noisy, N).alerts
    with monkeypatch.context() as m:
        m.setattr(detector_base, "reopenable", lambda *args: False)
        apart = _analyse(noisy, N).alerts
    assert len(merged) < len(apart)
    big = max(merged, key=lambda a: a.data.get("episodes", 1))
    k = big.data["episodes"]
    assert k >= 3
    # the merged alert is exactly the episodes it stands for: same kind, from the first one's start
    # to the last one's end
    inside = [
        a
        for a in apart
        if a.kind == big.kind
        and a.start >= big.start
        and (big.end is None or (a.end is not None and a.end <= big.end))
    ]
    assert len(inside) == k
    assert min(a.start for a in inside) == big.start
    last = max(inside, key=lambda a: a.start)
    assert (last.end is None) == (big.end is None) and (big.end is None or last.end == big.end)
    text = big.explanation
    assert f"held again {k} times" in text and "one alert here" in text
    # alerts that stayed apart are not noise at one place: a longer pause than the alert before
    for kind in {a.kind for a in merged}:
        same = sorted((a for a in merged if a.kind == kind), key=lambda a: a.start)
        for prev, nxt in itertools.pairwise(same):
            assert prev.end is not None and nxt.start > prev.end


def test_reading_the_band_costs_the_new_segments_and_equals_a_fresh_analysis(
    noisy: dict[str, np.ndarray],
) -> None:
    start = N - 300
    run = Run("sgd", "-", "csv")
    feed(run, noisy, 0, start)
    live = Analyzer(run)
    live.update()
    _ = live.states
    before = live._agreed.segments_agreed
    for k in range(30):  # a log growing 10 rows at a time, the band read after each update
        feed(run, noisy, start + 10 * k, start + 10 * (k + 1))
        live.update()
        _ = live.states
    redone = live._agreed.segments_agreed - before
    segments = len(live._timeline.segments)  # type: ignore[union-attr]
    # re-agreeing the whole band at each read would be 30 x segments; all 30 reads cost less than one
    # (the band of this healthy run no longer changes state by noise in its last 300 points: h9n's
    # trends in a pooled noise, so the reads may redo nothing at all)
    assert redone < segments
    fresh = _analyse(noisy, N)
    assert [(s.state, s.start, s.end) for s in live.states] == [
        (s.state, s.start, s.end) for s in fresh.states
    ]
    assert [(a.kind, a.start, a.end) for a in live.alerts] == [(a.kind, a.start, a.end) for a in fresh.alerts]


def test_grid_feeder_equals_feeding_every_point_and_calls_once_per_value(
    noisy: dict[str, np.ndarray],
) -> None:
    acc = noisy["val_acc"]
    one = GridEstimate()
    want_n = np.array([math.nan if (n := one.feed(float(v))) is None else float(n) for v in acc])
    many = GridEstimate()
    feeder = GridFeeder(many)
    got_n, got_step = [], []
    for lo in range(0, len(acc), 777):  # in chunks, as a growing log arrives
        n, step = feeder.feed_many(acc[lo : lo + 777])
        got_n.append(n)
        got_step.append(step)
    np.testing.assert_array_equal(np.concatenate(got_n), want_n)
    assert (many.n, many.n_fit) == (one.n, one.n_fit)
    assert np.concatenate(got_step)[-1] == step_floor(one.n_fit) or math.isnan(step_floor(one.n_fit))
    assert feeder.calls <= len(np.unique(acc)) < len(acc) // 10


def _brute_force(
    segments: list[StateSegment], spans: list[tuple[str, float, float]], prev: object, nxt: object
) -> list[tuple[str, float, float]]:
    """The band's agreement with the alerts, checking every piece against every span."""
    worse = [(a, b, k in LOSS_WORSE_KINDS, k in ACC_WORSE_KINDS) for k, a, b in spans]
    worse = [w for w in worse if w[2] or w[3]]
    if not worse:
        return [(s.state, s.start, s.end) for s in segments]
    cuts = sorted({w[0] for w in worse} | {math.nextafter(w[1], math.inf) for w in worse})
    out: list[list] = []
    for seg in segments:
        pieces = [seg.start] + [c for c in cuts if seg.start < c <= seg.end] + [math.inf]
        for j in range(len(pieces) - 1):
            lo = pieces[j] if j == 0 else nxt(pieces[j])  # type: ignore[operator]
            hi = seg.end if j == len(pieces) - 2 else prev(pieces[j + 1])  # type: ignore[operator]
            if hi < lo:
                continue
            state = seg.state
            if state in _PARTS or state == "warming-up":
                loss, acc = _PARTS.get(state, (0, 0))
                covered = state != "warming-up"  # (a warm-up reads an alert's state only inside its span)
                for a, b, lw, aw in worse:
                    if a <= lo and hi <= b:
                        loss, acc = (-1 if lw else loss), (-1 if aw else acc)
                        covered = True
                if covered:
                    state = _state_of(loss, acc)
            if out and out[-1][0] == state:
                out[-1][2] = hi
            else:
                out.append([state, lo, hi])
    return [tuple(o) for o in out]  # type: ignore[misc]


def test_agreement_with_alerts_equals_checking_every_span() -> None:
    kinds = ["loss-up-acc-up", "overfitting", "val-degrading", "loss-down-acc-down", "plateau"]
    for trial in range(400):
        rng = random.Random(trial)
        col = np.array(sorted({float(rng.randint(0, 80)) for _ in range(rng.randint(1, 40))}))

        def prev(x: float, col: np.ndarray = col) -> float:
            k = int(np.searchsorted(col, x, side="left")) - 1
            return float(col[k]) if k >= 0 else x

        def nxt(x: float, col: np.ndarray = col) -> float:
            k = int(np.searchsorted(col, x, side="left"))
            return float(col[k]) if k < len(col) else x

        segments, i = [], 0
        while i < len(col):
            j = min(len(col) - 1, i + rng.randint(0, 5))
            segments.append(StateSegment(rng.choice(STATES), float(col[i]), float(col[j])))
            i = j + 1
        spans = []
        for _ in range(rng.randint(0, 6)):
            a = float(rng.choice(col))
            spans.append((rng.choice(kinds), a, rng.choice([float(x) for x in col if x >= a] + [math.inf])))
        got = agree_with_alerts([StateSegment(s.state, s.start, s.end) for s in segments], spans, prev, nxt)
        assert [(s.state, s.start, s.end) for s in got] == _brute_force(segments, spans, prev, nxt), trial
