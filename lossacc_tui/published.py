"""What one run's analysis hands over to a view: copies of its alerts, states and summary, made on
the analysis' thread when an update ends, so a view reads them without waiting for the analysis
(which runs without the feed's lock, on a snapshot of the run: `feed_passes.py`) and never sees an
analyzer half way through an update.

Textual-free. The copies cost the run's active alerts and its changed ones, not its history: a
closed alert that did not change keeps the copy made before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from lossacc_tui.live_best import Rule, best_now
from lossacc_tui.unread import unread_of

if TYPE_CHECKING:
    from lossacc_tui.analysis import Alert, Analyzer
    from lossacc_tui.analysis.alerts import StateSegment
    from lossacc_tui.model import Run


@dataclass(frozen=True)
class Published:
    """One run's analysis as of its last update.

    `alerts`: snapshots of every alert, in `Alert.sort_key` order (never changed afterwards).
    `states`: the joint-state timeline (copies). `axis`: "epoch" or "step", the axis alerts and
    states are on. `summary`: Markdown, where the run stands (`Analyzer.summary`).
    `loss_best`: (the loss series' name, the absolute index of its best point as the analysis sees
    it), or None. `points`: the run's points the analysis had read."""

    alerts: tuple[Alert, ...] = ()
    states: tuple[StateSegment, ...] = ()
    axis: str = "epoch"
    summary: str = ""
    loss_best: tuple[str, int] | None = None
    points: int = 0
    _kept: dict[int, tuple[object, Alert]] = field(default_factory=dict, repr=False, compare=False)
    #: what `summary_of` writes the summary from: (the analysis' context, its state now, its active
    #: alerts, the best loss and accuracy indices), or None
    _parts: Any = field(default=None, repr=False, compare=False)  # (ctx, state, active, bests)
    #: (loss points, accuracy points) the analysis had read, and its consistency rule for the loss:
    #: what `best_now` needs to count the points read since (`live_best.py`)
    _seen: tuple[int, int, Rule] = field(default=(0, 0, None), repr=False, compare=False)

    def loss_best_now(self, run: Run) -> tuple[str, int] | None:
        """`loss_best` with the points read since the analysis counted (a new best shows as the
        best at once, not at the next analysis: `live_best.best_now`); lock held."""
        if self.loss_best is None or self._parts is None:
            return self.loss_best
        ctx = self._parts[0]
        name, i = self.loss_best
        s, acc = run.series.get(name), run.series.get(ctx.acc.name) if ctx.acc is not None else None
        if s is None or len(s) < self._seen[0]:
            return self.loss_best
        return name, best_now(s, i, self._seen[0], False, acc, self._seen[2])

    def summary_of(self, run: Run) -> str:
        """The summary written again with the run's points as they are now (the latest values, as
        the plots' legends show them), from what the analysis found when it last ran (the state,
        the alerts, the bests); call it with the feed's lock held. The analysis' own text when the
        run no longer has the series it analysed. About 0.3 ms on a 200,000-point run."""
        if self._parts is None:
            return self.summary
        from lossacc_tui.analysis.summary import run_summary

        ctx, state, active, best = self._parts
        live: dict[str, Any] = {}
        for key in ("loss", "acc", "train", "train_acc", "lr"):
            s = getattr(ctx, key)
            if s is not None:
                got = run.series.get(s.name)
                if got is None or len(got) < len(s):
                    return self.summary  # (read again from its start meanwhile)
                live[key] = got
        bests = (  # (the points read since the analysis counted: a new best is the best at once)
            best_now(live["loss"], best[0], self._seen[0], False, live.get("acc"), self._seen[2])
            if "loss" in live
            else best[0],
            best_now(live["acc"], best[1], self._seen[1], True) if "acc" in live else best[1],
        )
        return run_summary(run.name, replace(ctx, **live, _xcols={}), state, active, bests, unread_of(run))


def publish(an: Analyzer, points: int, before: Published | None = None) -> Published:
    """The analyzer's results now, as copies (call it on the analysis' thread, after `update`).
    `before`: the last copies of this analyzer, whose closed alerts that did not change are reused.
    Texts the view shows at once (titles) are written here, off the view's thread."""
    from lossacc_tui.analysis.alerts import StateSegment

    kept = before._kept if before is not None else {}
    out: list[Alert] = []
    now: dict[int, tuple[object, Alert]] = {}
    for a in an.alerts:
        key = (a.active, a.end, a.start, a.severity)
        got = kept.get(id(a))
        if got is None or a.active or got[0] != key:
            snap = a.snapshot()
            _ = snap.title  # (written now: the alert list shows every title)
            got = (key, snap)
        now[id(a)] = got
        out.append(got[1])
    states = tuple(StateSegment(s.state, s.start, s.end) for s in an.states)
    text = an.summary()
    ctx = an.ctx
    axis = str(ctx.axis) if ctx is not None else "epoch"
    track = getattr(an, "_tracks", {}).get("loss")  # (the analyzer's loss track: its running best)
    loss = getattr(ctx, "loss", None)
    best = None
    if track is not None and loss is not None and int(track.best_idx) >= 0:
        best = (str(loss.name), int(track.best_idx))
    parts, seen = None, (0, 0, None)
    if ctx is not None:  # (as `Analyzer.summary` writes it: its bests are kept by the analyzer)
        acc_run = getattr(an, "_acc_best", None)
        acc_idx = getattr(acc_run, "idx", -1)
        acc_best = ctx.acc.absolute(acc_idx) if ctx.acc is not None and acc_idx >= 0 else -1
        active = [a for a in out if a.active]
        parts = (ctx, states[-1] if states else None, active, (best[1] if best else -1, acc_best))
        consistent = getattr(an, "_consistent", None)  # (its rule: what it keeps out of the loss' best)
        seen = (
            len(ctx.loss) if ctx.loss is not None else 0,
            len(ctx.acc) if ctx.acc is not None else 0,
            consistent.rule if consistent is not None else None,
        )
    return Published(tuple(out), states, axis, text, best, points, now, parts, seen)


__all__ = ["Published", "publish"]
