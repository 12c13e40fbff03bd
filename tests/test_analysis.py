"""Analysis building blocks: statistics against plain references, the latch, states, quantities,
parameters, the public API and its Textual-free import."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.analysis import KINDS, STATES, Alert, Analyzer, Params, StateSegment, explain_kind, stats
from lossacc_tui.analysis.alerts import Latch
from lossacc_tui.analysis.quantities import bce, implied_p, infer_classes, loss_floor, loss_per_mistake
from lossacc_tui.analysis.states import Timeline, state_codes
from lossacc_tui.model import Batch, Run

values = st.lists(
    st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(math.nan), st.just(math.inf)),
    min_size=1,
    max_size=60,
)


def ref_window(v: np.ndarray, t: int, w: int) -> np.ndarray:
    win = v[max(0, t - w + 1) : t + 1]
    return win[np.isfinite(win)]


@settings(max_examples=200, deadline=None)
@given(v=values, w=st.integers(1, 9), k0=st.integers(0, 59))
def test_rolling_statistics_match_references_at_every_point(v: list[float], w: int, k0: int) -> None:
    arr = np.array(v)
    k0 = min(k0, len(arr) - 1)
    win = stats.Window(arr, k0, len(arr), pad=w)
    mean = win.chunk(stats.rolling_mean(win.buf, w))
    hi = win.chunk(stats.rolling_extreme(win.buf, w, high=True))
    lo = win.chunk(stats.rolling_extreme(win.buf, w, high=False))
    for k, t in enumerate(range(k0, len(arr))):
        ref = ref_window(arr, t, w)
        if len(ref):
            assert mean[k] == pytest.approx(ref.mean(), rel=1e-9, abs=1e-9)
        else:
            assert math.isnan(mean[k])
        seg = arr[max(0, t - w + 1) : t + 1]
        seg = seg[~np.isnan(seg)]
        assert (hi[k] == seg.max()) if len(seg) else math.isnan(hi[k])
        assert (lo[k] == seg.min()) if len(seg) else math.isnan(lo[k])


@settings(max_examples=200, deadline=None)
@given(v=values, cut=st.integers(1, 59), w=st.integers(2, 9))
def test_features_do_not_depend_on_where_a_chunk_starts(v: list[float], cut: int, w: int) -> None:
    arr = np.array(v)
    cut = min(cut, len(arr))
    pad = w + 2

    def feats(k0: int, k1: int) -> list[np.ndarray]:
        win = stats.Window(arr, k0, k1, pad)
        return [
            win.chunk(stats.rolling_mean(win.buf, w)),
            win.chunk(stats.second_diff_noise(win.buf, w)),
            win.chunk(stats.rolling_extreme(win.buf, w, high=True)),
        ]

    whole = feats(0, len(arr))
    parts = (
        [np.concatenate(p) for p in zip(feats(0, cut), feats(cut, len(arr)), strict=True)]
        if cut < len(arr)
        else feats(0, cut)
    )
    for a, b in zip(whole, parts, strict=True):
        assert np.array_equal(a, b, equal_nan=True)  # bit-identical, not just close


@settings(max_examples=100, deadline=None)
@given(
    v=st.lists(st.one_of(st.floats(-10, 10), st.just(math.nan)), min_size=1, max_size=40),
    cut=st.integers(1, 39),
)
def test_running_best_with_index_continues_across_chunks(v: list[float], cut: int) -> None:
    arr = np.array(v)
    cut = min(cut, len(arr))
    best, idx = stats.running_extreme(arr, math.nan, -1, np.arange(len(arr)), high=False)
    for t in range(len(arr)):
        seen = arr[: t + 1][np.isfinite(arr[: t + 1])]
        if len(seen):
            assert best[t] == seen.min() and arr[idx[t]] == seen.min()
            assert idx[t] == int(np.flatnonzero(arr[: t + 1] == seen.min())[0])
        else:
            assert math.isnan(best[t]) and idx[t] == -1
    b1, i1 = stats.running_extreme(arr[:cut], math.nan, -1, np.arange(cut), high=False)
    b2, i2 = stats.running_extreme(
        arr[cut:], float(b1[-1]), int(i1[-1]), np.arange(cut, len(arr)), high=False
    )
    assert np.array_equal(np.concatenate([b1, b2]), best, equal_nan=True)
    assert np.array_equal(np.concatenate([i1, i2]), idx)


def test_second_difference_noise_estimates_sigma() -> None:
    rng = np.random.default_rng(3)
    x = np.linspace(0, 5, 20000) + rng.normal(0, 0.1, 20000)  # a trend does not count as noise
    sig = stats.second_diff_noise(x, 2000)
    assert sig[-1] == pytest.approx(0.1, rel=0.05)


def test_truncated_ema_weights_match_tensorboard_smoothing() -> None:
    vals = [0.9, 0.7, 0.8, 0.5, 0.6, 0.4]
    w = stats.ema_weights(0.6, tol=1e-12, cap=64)
    ours = stats.smooth(np.array(vals), w)
    assert ours.tolist() == pytest.approx(stats.debiased_ema(vals, 0.6), rel=1e-9)


class RefLatch:
    """The latch written the obvious way, one point at a time."""

    def __init__(self, n_open: int, n_close: int) -> None:
        self.n_open, self.n_close = n_open, n_close
        self.active, self.ro, self.rc = False, 0, 0

    def feed(self, op: np.ndarray, cl: np.ndarray, k0: int) -> list[tuple[str, int, int]]:
        out = []
        for i, (o, c) in enumerate(zip(op, cl, strict=True)):
            self.ro = self.ro + 1 if o else 0
            self.rc = self.rc + 1 if c else 0
            if not self.active and self.ro >= self.n_open:
                out.append(("open", k0 + i, k0 + i - self.ro + 1))
                self.active = True
            elif self.active and self.rc >= self.n_close:
                out.append(("close", k0 + i, k0 + i - self.rc))
                self.active = False
        return out


@settings(max_examples=300, deadline=None)
@given(
    bits=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=80),
    n_open=st.integers(1, 4),
    n_close=st.integers(1, 4),
    cuts=st.lists(st.integers(1, 80), max_size=4),
)
def test_latch_equals_point_by_point_reference(
    bits: list[tuple[bool, bool]], n_open: int, n_close: int, cuts: list[int]
) -> None:
    op = np.array([b[0] for b in bits])
    cl = np.array([b[1] for b in bits]) & ~op
    bounds = sorted({c for c in cuts if c < len(bits)} | {len(bits)})
    fast, ref, lo, a, b = Latch(n_open, n_close), RefLatch(n_open, n_close), 0, [], []
    for hi in bounds:
        a += fast.feed(op[lo:hi], cl[lo:hi], lo)
        b += ref.feed(op[lo:hi], cl[lo:hi], lo)
        lo = hi
    assert a == b


def test_state_codes_and_timeline_switch_after_a_run() -> None:
    warm = np.array([True, False, False, False, False, False])
    loss = np.array([0, -1, -1, 1, -1, -1])  # one noisy point inside an improving stretch
    acc = np.array([0, 1, 1, 1, 1, 1])
    codes = state_codes(warm, loss, acc)
    assert [STATES[c] for c in codes] == [
        "warming-up",
        "both-improving",
        "both-improving",
        "loss-worse-acc-better",
        "both-improving",
        "both-improving",
    ]
    t = Timeline(min_run=2)
    t.feed(codes, 0, np.arange(6.0), float)
    assert [(s.state, s.start, s.end) for s in t.segments] == [
        ("warming-up", 0.0, 0.0),
        ("both-improving", 1.0, 5.0),
    ]


def test_loss_quantities() -> None:
    assert loss_floor(0.7826) == pytest.approx(0.2174 * math.log(2))
    assert implied_p(0.4577, 0.7826) == pytest.approx(0.122, abs=0.001)  # the issue's example
    assert loss_per_mistake(162.0, 0.63) > 400  # no sane probabilities
    assert (round(bce(0.51), 3), round(bce(0.49), 3)) == (0.673, 0.713)
    assert infer_classes([("val", 2.31, 0.098)]).k == 10
    assert infer_classes([("val", 0.3, 0.9)]).k is None
    # a first loss near ln 3 without an accuracy near 1/3 does not name K (issue 9: never guessed)
    assert infer_classes([("val", 0.5742, 0.87), ("train", 1.1821, None)]).k is None
    assert infer_classes([("train", 1.1821, 0.35)]).k == 3


def test_params_from_mapping_file_and_help(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert Params.from_mapping({"open-after": 5}).open_after == 5
    with pytest.raises(ValueError, match="unknown analysis parameter"):
        Params.from_mapping({"no_such": 1})
    with pytest.raises(ValueError, match="majority_rate"):
        Params(majority_rate=1.5)
    (tmp_path / "a.json").write_text(json.dumps({"analysis": {"window": 8, "n_classes": 4}}))
    p = Params.from_file(tmp_path / "a.json")
    assert (p.window, p.n_classes) == (8, 4)
    if sys.version_info >= (3, 11):
        (tmp_path / "a.toml").write_text("[analysis]\nmajority_rate = 0.9\nclose_after = 2\n")
        p = Params.from_file(tmp_path / "a.toml")
        assert (p.majority_rate, p.close_after) == (0.9, 2)
    names = [n for n, _, _ in Params.describe()]
    assert "majority_rate" in names and "n_classes" in names
    assert all(doc for _, _, doc in Params.describe())
    assert "majority-rate" in Params.help_text()


def test_kinds_and_explain_kind() -> None:
    issue_kinds = {
        "loss-up-acc-up",
        "loss-down-acc-down",
        "acc-flat-loss-down",
        "val-loss-unstable",
        "high-loss-good-acc",
        "overfitting",
        "acc-stuck",
        "non-finite",
        "loss-explosion",
        "plateau",
        "runs-disagree",
        "metric-mismatch",
    }
    # the twelve kinds users' --json consumers depend on keep their names; kinds are added, not renamed
    assert issue_kinds <= set(KINDS)
    assert set(KINDS) - issue_kinds == {
        "acc-held-start",
        "not-cross-entropy",
        "eval-non-finite",
        "acc-at-chance",
        "val-unlike-train",
        "val-degrading",
        "val-frozen",
        "val-at-chance",
        "loss-above-chance",
    }
    for kind in KINDS:
        text = explain_kind(kind)
        assert text.startswith(f"# {kind}") and "0.673" in text and "ln K" in text
    with pytest.raises(KeyError):
        explain_kind("nope")


def run_of(**cols: np.ndarray) -> Run:
    n = len(next(iter(cols.values())))
    run = Run("r", "-", "jsonl")
    run.add_batch(Batch(n, dict(cols), {}, epoch=np.arange(float(n))))
    return run


def test_alert_and_segment_records() -> None:
    t = np.arange(40.0)
    loss = np.where(t < 20, 0.7 - 0.01 * t, 0.5 + 0.02 * (t - 20))
    acc = 0.6 + 0.005 * t
    run = run_of(val_loss=loss, val_acc=acc, loss=0.7 - 0.015 * t)
    a = Analyzer(run)
    events = a.update()
    assert {e[0] for e in events} <= {"opened", "closed"}
    alert = next(x for x in a.alerts if x.kind == "loss-up-acc-up")
    d = alert.to_dict()
    assert list(d) == [
        "kind",
        "severity",
        "title",
        "start",
        "end",
        "active",
        "evidence",
        "claims",
        "explanation",
    ]
    assert d["severity"] in ("info", "warning", "critical") and d["active"] is True and d["end"] is None
    assert all(isinstance(v, (float, int)) or v is None for v in d["evidence"].values())
    json.dumps(d)  # plain JSON
    seg = a.states[-1]
    assert isinstance(seg, StateSegment) and set(seg.to_dict()) == {"state", "start", "end"}
    assert seg.end == 39.0
    assert isinstance(alert, Alert) and "loss-up-acc-up" in repr(alert)


def test_events_open_and_close_as_points_arrive() -> None:
    run = run_of(val_loss=np.array([0.5, 0.4, 0.3]), val_acc=np.array([0.7, 0.8, 0.85]))
    a = Analyzer(run)
    a.update()
    run.add_batch(Batch(2, {"val_loss": np.array([np.nan, np.nan]), "val_acc": np.array([0.5, 0.5])}, {}))
    opened = a.update()
    assert [(w, x.kind) for w, x in opened] == [("opened", "non-finite")]
    run.add_batch(Batch(3, {"val_loss": np.array([0.3, 0.3, 0.3]), "val_acc": np.array([0.85] * 3)}, {}))
    closed = a.update()
    assert [(w, x.kind, x.active) for w, x in closed] == [("closed", "non-finite", False)]
    assert opened[0][1].active  # the event kept the alert as it was when it opened


def test_metric_mismatch_on_a_later_test_accuracy() -> None:
    run = run_of(val_loss=np.linspace(0.6, 0.3, 10), val_acc=np.linspace(0.7, 0.9, 10))
    run.add_batch(Batch(1, {"test_accuracy": np.array([81.0])}, {}, epoch=np.array([9.0])))  # percent
    a = Analyzer(run)
    a.update()
    (m,) = [x for x in a.alerts if x.kind == "metric-mismatch"]
    assert m.evidence["later_acc"] == pytest.approx(0.81) and m.evidence["gap"] == pytest.approx(-0.09)
    assert "test_accuracy" in m.title


def test_classes_given_are_used_and_said_to_be_given() -> None:
    run = run_of(val_loss=np.linspace(2.3, 1.0, 12), val_acc=np.linspace(0.1, 0.7, 12))
    a = Analyzer(run, Params(n_classes=10))
    a.update()
    assert "K = 10 classes (given)" in a.summary()
    b = Analyzer(run)
    b.update()
    assert "ln 10" in b.summary() and "inferred" in b.summary()


def test_analysis_does_not_import_textual() -> None:
    code = (
        "import sys, lossacc_tui.analysis as a; "
        "from lossacc_tui.analysis import Analyzer, compare_runs; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "module",
    [
        "stats",
        "quantities",
        "params",
        "alerts",
        "states",
        "analyzer",
        "detectors.run_length",
        "smoothing_config",
        "detectors.loss_floor",
        "detectors.base_rate_claims",
        "evidence",
        "ce_premise",
        "cohorts",
    ],
)
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    mod = importlib.import_module(f"lossacc_tui.analysis.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0


def test_readme_lists_every_kind_and_claim_id() -> None:
    """The README's alert table and claim table name exactly the kinds and claim ids the analyzer
    has, and `explain KIND` knows each kind."""
    import re
    from pathlib import Path

    from lossacc_tui.analysis.claims import CLAIM_IDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Alerts", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)`(?: / `([a-z-]+)`)? \|", section, re.MULTILINE)
    named = {n for row in rows for n in row if n}
    strengths = {"follows", "likely", "possible", "confirmed", "refuted"}
    assert set(KINDS) | set(CLAIM_IDS) | strengths == named | {"refuted"}
    for kind in KINDS:
        assert kind in explain_kind(kind)
    # the table is the kinds' own declarations (one place per kind)
    from lossacc_tui.analysis.kinds import readme_table

    assert readme_table() in readme
