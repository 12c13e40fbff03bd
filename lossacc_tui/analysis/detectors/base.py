"""What every detector shares: the analysis context, latching, alert bookkeeping."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Event, Latch, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.confirm import FactsAt, decide
from lossacc_tui.analysis.detectors import one_class
from lossacc_tui.analysis.detectors.holdback import Holdback
from lossacc_tui.analysis.detectors.series_at import (  # noqa: F401 (the detectors import them from here)
    level,
    lookup,
    lookup_level,
    noise,
    span_noise,
    span_noise_counts,
    value,
    value_at_x,
)
from lossacc_tui.analysis.detectors.span_extremes import (  # noqa: F401 (the detectors import them from here)
    RUNNERS,
    end_extremes,
    extreme_so_far,
    span_extreme,
)
from lossacc_tui.analysis.evidence import mistakes_change
from lossacc_tui.analysis.kind import KindSpec
from lossacc_tui.analysis.mean_ce import mean_ce_claims
from lossacc_tui.analysis.merging import merged_explanation, merged_title, reopen, reopenable
from lossacc_tui.analysis.own_count import OwnCount
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.quantities import Classes
from lossacc_tui.analysis.resolution import GridEstimate
from lossacc_tui.analysis.smoothing_config import ConfigSmoothing
from lossacc_tui.analysis.track import Feats, x_column
from lossacc_tui.model import Series

#: whether a kind may answer at once a chunk where its first rule holds nowhere (nothing can open
#: there and every point releases: `AccStuck`, `ValFrozen`, `LossDownAccDown`; the same arrays), or,
#: while none of its alerts is open, where nothing can open (`ValDegrading`: its release rule is then
#: never read, as a latch that is not open resets its release run at the point it opens), skipping
#: the rest of its rules; and whether it may keep such a chunk back unjudged (`Detector.holds`,
#: `holdback`). False runs every rule on every chunk (the tests compare the two).
QUIET_CHUNKS = True

#: claims that reason from cross-entropy bounds (dropped once a run's loss is found not to be one)
CE_CLAIMS = ("mistakes-carry-loss", "right-answers-carry-loss", "confident-mistakes")


@dataclass
class Ctx:
    """What detectors know about the run: parameters, axis, classes, and the series analysed."""

    params: Params
    axis: str
    classes: Classes
    loss: Series | None  # primary loss: validation, or training when there is no validation
    acc: Series | None  # the accuracy of the same split
    train: Series | None  # training loss when the primary loss is validation
    train_acc: Series | None
    split: str  # 'validation' or 'training'
    lr: Series | None = None
    #: set once an evaluation's loss and accuracy are found not to be cross-entropy and accuracy of
    #: the same predictions: no explanation of the run reasons about cross-entropy after that
    not_ce: bool = False
    #: whether a class count guessed from 1/accuracy may decide the chance rule of not-cross-entropy
    #: (K known, a training-only run, or the training pair inconsistent too: `consistency.corroborates`)
    chance_guess_ok: bool = True
    #: x of the evaluation where `val-unlike-train`'s never-tracked rule found that validation accuracy
    #: sat far below training accuracy from the first evaluation on (with one value below chance for
    #: small class counts), while that still holds; None otherwise (then no epoch had a validation
    #: score worth stopping at: the overfitting text says so instead of early stopping)
    val_never_tracked: float | None = None
    #: per-sample facts of this split at or before an x (a probe sidecar), or None
    facts: FactsAt | None = None
    #: points per evaluation of the training loss (`density.points_per_eval`; 1: per epoch): a
    #: per-step training loss is judged on the mean of that many points, about an epoch's worth
    train_window: int = 1
    #: the same for the primary loss (a run with no validation, logged per step)
    loss_window: int = 1
    #: the same for the training accuracy (Lightning's `train_acc_step` beside `train_loss_epoch`):
    #: a per-step training accuracy is read as its mean over that many points (`train_acc`)
    train_acc_window: int = 1
    #: size of the evaluation set the accuracy's values reveal (`resolution.GridEstimate`), or None
    acc_grid: GridEstimate | None = None
    #: n as the accuracy's values up to a point index revealed it, at full precision
    #: (`Track.n_likely_at`, `GridEstimate.n_likely`: the sample-flip rule); None: no accuracy
    acc_n_likely: Callable[[int], int | None] | None = None
    _xcols: dict[int, np.ndarray | None] = field(default_factory=dict, repr=False, compare=False)
    #: what the detectors built on this context share (one analysis: `Analyzer._start` builds them
    #: on a fresh context), e.g. `repeat_chance.shared_chance_runs`; keys name their owner first
    shared: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    #: the label-smoothing factor the run's configuration names (`smoothing_config`), or None
    smoothing_config: ConfigSmoothing | None = None
    #: the framework's own count of the epochs where it differs from the log's (`own_count`: Keras'
    #: 1-based epochs beside its CSV's 0-based column), or None
    own_count: OwnCount | None = None
    #: decimals the log's format prints every value with (`printed.printed_decimals`: Keras'
    #: console, 4), or None: each value is read at the decimals it shows
    printed_digits: int | None = None
    #: an objective other than a plain mean cross-entropy that the run's configuration or metric names
    #: name ("focal loss (named in config.json)": `mean_ce.objective_of`), or ""
    objective: str = ""
    #: what the metric in the accuracy role is when its name says it is not the share of samples
    #: predicted right ("an F-score": `acc_nature.not_share`, a `--map val_acc=eval_f1`), or "": then
    #: only its trend beside the loss is read (no cross-entropy bound, chance or sample count)
    acc_not_share: str = ""

    @property
    def acc_n(self) -> int | None:
        """n of the accuracy's evaluation set as its values revealed so far, or None."""
        return None if self.acc_grid is None else self.acc_grid.n

    @property
    def acc_n_near(self) -> int | None:
        """Another grid the accuracy's values fit as well as acc_n (`GridEstimate.n_near`), or None."""
        return None if self.acc_grid is None else self.acc_grid.n_near

    @property
    def unit(self) -> str:
        return self.axis

    def clear_cache(self) -> None:
        self._xcols.clear()

    def x(self, series: Series | None, i: int) -> float:
        """x of point i of a series (its index where x is unknown)."""
        if series is None:
            return float(i)
        key = id(series)
        if key not in self._xcols:
            self._xcols[key] = x_column(series, self.axis)
        col = self._xcols[key]
        j = i - series.base
        if col is None or i < 0 or j >= len(col):
            return float(i)
        v = float(col[j]) if j >= 0 else series.x_at(self.axis, i)
        return v if math.isfinite(v) else float(i)


class Detector(KindSpec):
    """One alert kind over one stream of features: subclasses declare the kind (name, meaning,
    general explanation: `KindSpec`) and give the conditions, severity, title, evidence, claims
    and explanation; this class latches and keeps the alerts."""

    n_open: int | None = None  # None: params.open_after
    n_close: int | None = None

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        self.ctx = ctx
        self.p = ctx.params
        self.series = series  # whose x values the alert uses
        self.subject = subject
        self.latch = Latch(
            self.p.open_after if self.n_open is None else self.n_open,
            self.p.close_after if self.n_close is None else self.n_close,
        )
        self.alerts: list[Alert] = []
        self.current: Alert | None = None
        self.last = -1  # last point index seen
        self._kept = Holdback()  # chunks kept back unjudged (`holds`)

    # --- to override -------------------------------------------------------------------------
    def kind_at(self, i: int) -> str:
        """The kind of an alert opening at point i (a detector may tell two kinds apart)."""
        return self.kind

    # The hooks get the features of the stream the detector latches on first, and the paired
    # stream second (or None): `(loss, acc)` for a loss detector, `(acc, loss)` for an accuracy one.
    def conditions(self, main: Feats, other: Feats | None) -> tuple[np.ndarray, np.ndarray]:
        """(open, close) per point of the chunk: where the alert's condition holds, and where its
        release condition holds."""
        raise NotImplementedError

    def holds(self, main: Feats, other: Feats | None) -> bool:
        """True only where no rule of the kind can open at any point of the chunk, whatever the
        detector carried from earlier points: a function of the chunk's features alone (a necessary
        condition of every opening rule that fails everywhere). Asked while none of its alerts is
        open; such a chunk is kept back and judged with a later one (`holdback`)."""
        return False

    def breaks(self, main: Feats, other: Feats | None) -> np.ndarray | None:
        """Per point of the chunk: True where the alert's premise no longer holds (it closes there at
        once, whatever `close_after` says, and its span ends at its last point that still held), or
        None. Called after `conditions`."""
        return None

    def gate(self, main: Feats, other: Feats | None) -> np.ndarray | None:
        """Per point of the chunk: False where an alert whose condition has held long enough must
        still not open (what it would say of that point does not hold there), or None. Called after
        `conditions`; see `Latch.feed`."""
        return None

    def began(self, i: int, j: int, local: int) -> int:
        """Where the condition of an alert confirmed at point i (chunk point `local`) began: the
        latch's j, unless the detector dates the start back itself (its `on_open` must agree). The
        merge rule (`merging.reopenable`) measures the pause to this point."""
        return j

    def on_open(self, alert: Alert, i: int, local: int, main: Feats, other: Feats | None) -> None:
        """Store what the evidence needs (values at the opening point are at [local])."""

    def on_span(self, alert: Alert, lo: int, hi: int, main: Feats, other: Feats | None) -> None:
        """Update running aggregates over the alert's points [lo:hi] of this chunk."""

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        return self.kind

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        return {}

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        """What the alert claims at point i (the latest point, or the last point of a closed span)."""
        return []

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.explain import explain_alert

        return explain_alert(alert, self.ctx)

    # --- machinery ---------------------------------------------------------------------------
    def step(self, main: Feats, other: Feats | None, sink: list[Event]) -> None:
        """Latch this chunk's conditions on `main` (the stream this detector follows), with the
        paired stream `other`; append opened/closed events to `sink`."""
        held = self._kept
        if QUIET_CHUNKS and not self.latch.active and held.room(len(main.idx)) and self.holds(main, other):
            held.keep(main, other)  # (nothing opens in it, and with nothing open nothing closes)
            return
        main, other = held.release(main, other)
        k0 = int(main.idx[0])
        m = len(main.idx)
        open_, close = self.conditions(main, other)
        close = close & ~open_
        force = self.breaks(main, other)
        if force is not None:
            force = force & ~open_
        lo = 0
        for what, i, j in self.latch.feed(open_, close, k0, force, self.gate(main, other)):
            if what == "open":
                kind = self.kind_at(i)
                last = self.alerts[-1] if self.alerts else None
                began = self.began(i, j, i - k0)
                if last is not None and reopenable(last, kind, began, _best_at(main, i - k0)):  # (`merging`)
                    reopen(last)
                    self.current = last
                    self._render(last, i)
                    # (the point that decided it: `decided_x` of its latest change, `open_x` of its opening)
                    last.data["decided_x"] = last.data["open_x"] = self.ctx.x(self.series, i)
                    sink.append(("reopened", last.snapshot()))
                    lo = i - k0
                    continue
                alert = Alert(kind, "warning", kind, self.ctx.x(self.series, j))
                # (decided_x: the x of the point whose reading opened it, as a stream tells it)
                at = self.ctx.x(self.series, i)
                alert.data.update(
                    start_idx=j,
                    open_idx=i,
                    subject=self.subject,
                    decided_x=at,
                    open_x=at,
                    extreme_keep=self.latch.n_close + 2,
                )
                explain = merged_explanation(self.explain, self.ctx.unit)
                alert.set_renderers(self._title_now, explain, self._evidence_now, self._claims_now)
                self.on_open(alert, i, i - k0, main, other)
                self.current = alert
                self.alerts.append(alert)
                self._render(alert, i)
                sink.append(("opened", alert.snapshot()))
                lo = i - k0
            else:
                alert = self.current
                assert alert is not None
                # (the close_after points that confirmed the close are fed too: a live log sees them
                # before it knows the alert closes, and one-shot must equal incremental; the span's
                # extremes then drop them, `end_extremes`)
                self.on_span(alert, lo, i - k0 + 1, main, other)
                end_extremes(alert, j)
                alert.active = False
                alert.end = self.ctx.x(self.series, j)
                alert.data["end_idx"] = j
                alert.data["decided_x"] = self.ctx.x(self.series, i)
                # a closed alert describes its own span: its numbers are those of its last point
                self._render(alert, max(j, int(alert.data.get("start_idx", j))))
                sink.append(("closed", alert.snapshot()))
                self.current = None
        if self.current is not None:
            self.on_span(self.current, lo, m, main, other)
        self.last = k0 + m - 1

    def refresh(self) -> None:
        """Bring the active alert's evidence and explanation up to the latest point."""
        if self.current is not None and self.last >= 0:
            self._render(self.current, self.last)

    def _render(self, alert: Alert, i: int) -> None:
        alert.data["at_idx"] = i
        alert.invalidate()
        alert.severity = self.severity(alert)

    def _title_now(self, alert: Alert) -> str:
        return merged_title(alert, self.title, self.evidence, self.ctx.unit)

    def _evidence_now(self, alert: Alert) -> dict[str, float]:
        return self.evidence(alert, alert.data["at_idx"])

    def _claims_now(self, alert: Alert) -> list[Claim]:
        claims = self.claims(alert, alert.data["at_idx"])
        if self.ctx.not_ce and alert.kind != "not-cross-entropy":
            claims = [c for c in claims if c.id not in CE_CLAIMS]
        claims = mean_ce_claims(self.ctx, claims)  # (a loss likely not a mean cross-entropy: hedged)
        if self.ctx.acc is not None and any(c.id == "one-class-predictor" for c in claims):
            # (what a one-class reading needs of the class shares, or that --majority rules it out)
            acc = self.ctx.acc
            at = next(c for c in claims if c.id == "one-class-predictor")
            a = at.value if at.value is not None else value_at_x(acc, self.ctx.axis, at.end)
            claims = one_class.settle(claims, a, acc.name, self.p.majority_rate)
        return decide(claims, self.ctx.facts, self.ctx.split, self.ctx.unit)


def _best_at(f: Feats, local: int) -> int:
    """Where the series' level (its mean over the last few evaluations: a single noisy point is
    not a recovery) had its best as of chunk point `local`; -1 when not known."""
    best = f.lbest_idx
    return int(best[local]) if best is not None and 0 <= local < len(best) else -1


def fin(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def names(ctx: Ctx) -> tuple[str, str, str]:
    """(loss name, accuracy name, x unit) as explanations print them."""
    return (
        ctx.loss.name if ctx.loss is not None else "the loss",
        ctx.acc.name if ctx.acc is not None else "accuracy",
        ctx.unit,
    )


def classes_claim(ctx: Ctx, x0: float, x1: float) -> list[Claim]:
    """The `classes` claim when K is known (nothing when it is not: no sentence then uses K)."""
    k = ctx.classes
    if k.k is None:
        return []
    strength = "follows" if k.source in ("given", "config", "probe") else "likely"
    return [Claim("classes", strength, x0, x1, k.describe(), value=float(k.k))]


def span_mistakes(ctx: Ctx, acc_from: float, acc_to: float, x0: float, x1: float) -> list[Claim]:
    """`fewer-mistakes` / `more-mistakes` for the accuracy going acc_from -> acc_to between x0 and
    x1, judged against the accuracy's own noise over that span (`evidence.mistakes_change`)."""
    nm = names(ctx)
    noise_then = span_noise(ctx.acc, ctx.axis, x0, x1)
    counts = span_noise_counts(ctx.acc, ctx.axis, x0, x1)
    return mistakes_change(
        acc_from, acc_to, x0, x1, noise_then, nm[1], nm[2], ctx.acc_n, counts, n_near=ctx.acc_n_near
    )
