"""runs-disagree: runs watched together whose losses agree while their accuracies do not, or whose
loss ranking and accuracy ranking disagree.

Which runs are compared: only runs that are plausibly ONE task. `cohorts.cohorts` groups them by
folder group, family of log names (a sweep's sibling run folders or number-only-different names,
not a folder of unrelated projects), x axis and metric names; here a run is left out when what is
known of it says another task: its number of classes K (a configuration file) differs from the
others', or the size of its evaluation set (read off its accuracy values, `resolution.GridEstimate`)
differs. The alert says what made the runs comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.classes import classes_from_files
from lossacc_tui.analysis.cohorts import Kinship, kinship, reach
from lossacc_tui.analysis.consistency import inconsistent
from lossacc_tui.analysis.kind import KindSpec
from lossacc_tui.analysis.mdtext import md_names
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.quantities import LN2, Classes, fmt, span
from lossacc_tui.analysis.range_noise import noise_words, range_quantile, within_chance
from lossacc_tui.analysis.resolution import GridEstimate
from lossacc_tui.analysis.track import x_at, x_column
from lossacc_tui.model import Run, Series


@dataclass
class RunPoint:
    name: str
    final_loss: float
    final_acc: float
    best_loss: float
    acc_at_best: float
    last_x: float
    acc_noise: float  # std of the accuracy over its last 5 evaluations
    ended_nonfinite: bool = False  # the run's latest loss is NaN or inf (its numbers are the last finite)
    k: int | None = None  # its number of classes, where a configuration file says
    n_eval: int | None = None  # its evaluation set's size, where its accuracy values reveal it


def _pair(run: Run, split: str) -> tuple[Series, Series] | None:
    loss, acc = run.by_role(f"{split}_loss"), run.by_role(f"{split}_acc")  # type: ignore[arg-type]
    return None if loss is None or acc is None else (loss, acc)


#: What comparing runs again needs to cost only the new points: per run (by id, with the run itself
#: to tell a new run at a reused id), per (loss, accuracy) pair: points seen, best loss, its index,
#: the accuracy there. The caller owns it (the feed, or a screen), for as long as it keeps comparing
#: the same runs.
Bests = dict[int, tuple[Run, dict[str, tuple[int, float, int, float]]]]


def _best(run: Run, loss: Series, acc: Series, n: int, bests: Bests | None) -> tuple[int, float, float]:
    """(index, loss, accuracy) of the lowest loss where both are finite among the first n points
    (kept here as values: the oldest points may be folded away since, `Series.fold`)."""
    entry = None if bests is None else bests.get(id(run))
    if entry is None or entry[0] is not run:
        entry = (run, {})
        if bests is not None:
            bests[id(run)] = entry
    cache = entry[1]
    key = f"{loss.name}\x00{acc.name}"
    seen, best, idx, at = cache.get(key, (0, math.inf, -1, math.nan))
    if n < seen:  # the run was read again from its start
        seen, best, idx, at = 0, math.inf, -1, math.nan
    seen = max(seen, loss.base, acc.base)
    if n > seen:
        lv, av = loss.raw[seen - loss.base : n - loss.base], acc.raw[seen - acc.base : n - acc.base]
        cand = np.where(np.isfinite(lv) & np.isfinite(av), lv, np.inf)
        k = int(np.argmin(cand))
        if cand[k] < best:
            best, idx, at = float(cand[k]), seen + k, float(av[k])
        cache[key] = (n, best, idx, at)
    return idx, best, at


def _last_ok(lv: np.ndarray, av: np.ndarray, n: int) -> int:
    """The last index where both are finite, scanning back in growing blocks (usually O(1))."""
    j, step = n, 8
    while j > 0:
        lo = max(0, j - step)
        ok = np.isfinite(lv[lo:j]) & np.isfinite(av[lo:j])
        if ok.any():
            return lo + int(np.flatnonzero(ok)[-1])
        j, step = lo, step * 2
    return -1


def _point(run: Run, loss: Series, acc: Series, bests: Bests | None) -> RunPoint | None:
    n = min(len(loss), len(acc))
    b = max(loss.base, acc.base)  # (0 unless the oldest points were folded: `Series.fold`)
    lv, av = loss.raw[b - loss.base :], acc.raw[b - acc.base :]
    last = _last_ok(lv, av, n - b)
    if last < 0:
        return None
    _, best_loss, best_acc = _best(run, loss, acc, n, bests)
    tail = av[max(0, n - b - 5) : n - b]
    tail = tail[np.isfinite(tail)]
    axis = "epoch" if x_column(loss, "epoch") is not None else "step"
    return RunPoint(
        run.name,
        float(lv[last]),
        float(av[last]),
        best_loss,
        best_acc,
        x_at(loss, axis, b + last),
        float(tail.std()) if len(tail) > 1 else math.nan,
        bool(len(loss) and not math.isfinite(float(loss.raw[-1]))),
    )


def compare_runs(runs: list[Run], params: Params | None = None, bests: Bests | None = None) -> list[Alert]:
    """runs-disagree alerts for runs watched together (validation metrics, or training metrics
    when not every run has validation ones). Empty with fewer than two comparable runs.

    With `bests` (a dict the caller keeps, empty at first), calling it again after new points costs
    only the new points; without, each call scans every run's history."""
    p = params or Params()
    for split in ("val", "train"):
        pairs = [(r, pr) for r in runs if (pr := _pair(r, split)) is not None]
        pts = [_point(r, *pr, bests) for r, pr in pairs]
        points = _comparable([(r, q) for (r, _), q in zip(pairs, pts, strict=True) if q is not None], split)
        if len(points) >= 2:
            break
    else:
        return []
    kept = {id(q) for q in points}
    runs_kept = [r for (r, _), q in zip(pairs, pts, strict=True) if id(q) in kept]
    kin = _kinship(runs_kept, split, points)
    if kin.strength is None:  # unrelated experiments laid out like a sweep: never ranked
        return []
    alerts: list[Alert] = []
    for which in ("final", "best"):
        losses = np.array([q.final_loss if which == "final" else q.best_loss for q in points])
        accs = np.array([q.final_acc if which == "final" else q.acc_at_best for q in points])
        spread = losses.max() / losses.min() - 1 if losses.min() > 0 else math.inf
        gap = accs.max() - accs.min()
        if spread <= p.runs_loss_tol and gap >= p.runs_acc_gap:
            alerts.append(_alert(p, points, which, losses, accs, spread, gap, split))
            break
    else:
        disc = _discordant(points, p)
        if disc is not None:
            losses = np.array([q.final_loss for q in points])
            accs = np.array([q.final_acc for q in points])
            a, b = disc
            # the numbers of the pair the alert is about
            spread = b.final_loss / a.final_loss - 1 if a.final_loss > 0 else math.inf
            alerts.append(
                _alert(p, points, "final", losses, accs, spread, b.final_acc - a.final_acc, split, disc)
            )
    axes = {r.x_axis for r in runs}
    said = f"the runs compared are runs of one experiment: {'; '.join(kin.shown)}"
    others = f"Assumed: {kin.assumed}" if kin.assumed else ""
    for alert in alerts:  # the x the runs share (a cohort has one), for "epoch 9" rather than "x 9"
        alert.data["axis"] = axes.pop() if len(axes) == 1 else "x"
        if kin.strength != "likely":  # a guess that the runs are one experiment's: never a warning
            alert.severity = "info"
        claim = Claim("one-experiment", kin.strength, alert.start, alert.start, said, others=others)  # type: ignore[arg-type]
        alert.claims = [claim]
        alert.explanation = alert.explanation.rstrip("\n") + f" {claim.sentence()}\n"
    return alerts


#: id(accuracy series) -> (the series, its grid estimate, values fed): the evaluation set's size is
#: read incrementally, each value once (at most `_GRID_CACHE` series kept)
_grids: dict[int, tuple[Series, GridEstimate, int]] = {}
_GRID_CACHE = 20000


def eval_size(acc: Series) -> int | None:
    """The evaluation set's size n: the one its log printed (`Series.eval_size`), else the one the
    accuracy series' values reveal (`resolution.GridEstimate`), or None."""
    if acc.eval_size:
        return acc.eval_size
    entry = _grids.get(id(acc))
    vals = acc.values
    if entry is None or entry[0] is not acc or entry[2] > len(vals):
        if len(_grids) >= _GRID_CACHE:
            _grids.clear()
        entry = (acc, GridEstimate(), 0)
    grid, fed = entry[1], entry[2]
    for v in vals[fed:]:
        if math.isfinite(v):
            grid.feed(float(v))
    _grids[id(acc)] = (acc, grid, len(vals))
    return grid.n


def _comparable(found: list[tuple[Run, RunPoint]], split: str) -> list[RunPoint]:
    """The runs whose losses can be compared: not those whose last loss/accuracy pair is not
    cross-entropy of the same predictions, and only runs of one task where runs say: one number of
    classes K (cross-entropy of a 10-class run is not on the scale of a 2-class run's), one
    evaluation set size (another size is another data set). Where runs differ, the most common
    value's runs are kept."""
    keep = [
        (r, q)
        for r, q in found
        if not inconsistent(np.array([q.final_loss]), np.array([q.final_acc]), None)[0]
    ]
    for r, q in keep:
        q.k = (classes_from_files(r.path) or Classes(None, None)).k
        acc = r.by_role(f"{split}_acc")  # type: ignore[arg-type]
        q.n_eval = eval_size(acc) if acc is not None else None
    for attr in ("k", "n_eval"):
        known = [getattr(q, attr) for _, q in keep if getattr(q, attr) is not None]
        if len(set(known)) > 1:
            common = max(set(known), key=known.count)
            keep = [(r, q) for r, q in keep if getattr(q, attr) == common]
    return [q for _, q in keep]


def _kinship(runs: list[Run], split: str, points: list[RunPoint]) -> Kinship:
    """Whether the comparable runs are one experiment's (`cohorts.kinship`), with what else makes
    them comparable in words (their metric names, their K)."""
    axis = runs[0].x_axis
    lengths = [reach(r, f"{split}_loss", axis) for r in runs]
    kin = kinship([r.path for r in runs], lengths, [q.n_eval for q in points], axis)
    loss, acc = runs[0].by_role(f"{split}_loss"), runs[0].by_role(f"{split}_acc")  # type: ignore[arg-type]
    if loss is not None and acc is not None:
        kin.shown.append(f"the same metric names ({loss.name}, {acc.name})")
    ks = {q.k for q in points}
    if len(ks) == 1 and None not in ks:
        kin.shown.append(f"the same number of classes (K = {ks.pop()}, from their configuration)")
    return kin


#: Pairs of runs looked at in one numpy block by `_discordant` (2 MB of float64 scores)
PAIR_BLOCK = 1 << 18


def _discordant(points: list[RunPoint], p: Params) -> tuple[RunPoint, RunPoint] | None:
    """The pair (a, b) with a clearly lower final loss but clearly lower final accuracy than b: of
    the pairs with the largest accuracy gap, the first in the order (a, then b) of `points`.
    Every pair is looked at in numpy blocks of rows (2,000 runs: 4 million pairs, about 1 s of CPU
    as a Python double loop)."""
    n = len(points)
    if n < 2:
        return None
    loss = np.array([q.final_loss for q in points], dtype=np.float64)
    acc = np.array([q.final_acc for q in points], dtype=np.float64)
    loss_bound = loss * (1 - p.runs_loss_tol)  # per b: a's loss must be below this
    acc_bound = acc - p.runs_acc_gap  # per b: a's accuracy at most this
    best: tuple[float, int, int] | None = None
    rows = max(1, PAIR_BLOCK // n)  # (a block of rows x n pairs: bounded memory at any run count)
    for i0 in range(0, n, rows):
        la, aa = loss[i0 : i0 + rows, None], acc[i0 : i0 + rows, None]
        ok = (la < loss_bound[None, :]) & (aa <= acc_bound[None, :])
        if not ok.any():
            continue
        score = np.where(ok, acc[None, :] - aa, -np.inf)
        k = int(np.argmax(score))  # the first largest in row-major order: a, then b
        s = float(score.flat[k])
        if best is None or s > best[0]:  # (a later block's equal gap does not replace it)
            best = (s, i0 + k // n, k % n)
    return None if best is None else (points[best[1]], points[best[2]])


def _alert(
    p: Params,
    points: list[RunPoint],
    which: str,
    losses: np.ndarray,
    accs: np.ndarray,
    spread: float,
    gap: float,
    split: str,
    disc: tuple[RunPoint, RunPoint] | None = None,
) -> Alert:
    noise = np.array([q.acc_noise for q in points])
    noise_med = float(np.nanmedian(noise)) if np.isfinite(noise).any() else math.nan
    ev: dict[str, float] = {
        "runs": float(len(points)),
        "loss_min": float(losses.min()),
        "loss_max": float(losses.max()),
        "loss_spread": float(spread),
        "acc_min": float(accs.min()),
        "acc_max": float(accs.max()),
        "acc_gap": float(gap),
        "acc_noise_within_runs": noise_med,
    }
    for q, lo, ac in zip(points, losses, accs, strict=True):
        ev[f"{q.name}:loss"] = float(lo)
        ev[f"{q.name}:acc"] = float(ac)
    ratio = gap / noise_med if math.isfinite(noise_med) and noise_med > 0 else math.nan
    chance = within_chance(len(points), ratio)  # (the gap is within the range noise gives N runs)
    hi = points[int(np.argmax(accs))]
    low = points[int(np.argmin(accs))]
    if disc is not None:
        low, hi = disc  # the pair the title names
    if disc is None:
        title = (
            f"{len(points)} runs: {which} {split} loss {span(losses.min(), losses.max())} ({spread:.1%} "
            f"apart) but accuracy {span(accs.min(), accs.max(), 3)} ({gap * 100:.1f} points"
            + (", within their evaluation noise)" if chance else ")")
        )
        what = (
            f"Across {len(points)} runs the {which} {split} losses are within {spread:.1%} of each other "
            f"({span(losses.min(), losses.max(), 4, sep=' to ')}) while accuracies span "
            f"{gap * 100:.1f} points, "
            f"from {fmt(accs.min(), 4)} ({low.name}) to {fmt(accs.max(), 4)} ({hi.name})."
        )
    else:
        a, b = disc
        title = (
            f"{a.name} has the lower loss ({fmt(a.final_loss)} < {fmt(b.final_loss)}) but lower accuracy "
            f"than {b.name}" + (", within their evaluation noise" if chance else "")
        )
        what = (
            f"{a.name} ends with {split} loss {fmt(a.final_loss)} and accuracy {fmt(a.final_acc, 4)}; "
            f"{b.name} with loss {fmt(b.final_loss)} and accuracy {fmt(b.final_acc, 4)}: ranking by loss and "
            + (
                "by accuracy differ, within the accuracies' own noise (see Why)."
                if chance
                else "by accuracy disagree."
            )
        )
    if disc is None:
        why = (
            "The loss weighs every sample's confidence; accuracy only counts sides. Samples the models are "
            f"unsure about sit near p = 0.5 and cost about ln 2 = {fmt(LN2)} nats whichever side they land "
            f"on, so runs that put such samples on different sides pay nearly the same loss ({spread:.1%} "
            f"apart here) but score differently."
        )
    else:
        why = (
            f"The run with the lower loss scores {gap * 100:.1f} points lower: the loss weighs confidence, "
            "accuracy counts sides, so a model can pay less loss (cheaper on its mistakes, or surer of its "
            "right answers) while getting more samples wrong. A lower loss alone does not say which, nor "
            "that the model is better calibrated (cross-entropy mixes calibration with how well the "
            "predictions separate the classes); per-sample confidences decide (lossacc_tui.probe). "
            "Losses of runs trained with different "
            "label smoothing, regularisation or class weights are not comparable at all: smoothing raises "
            "the loss of the better model."
        )
    if math.isfinite(ratio):
        why += " " + noise_words(len(points), gap, noise_med)
    broken = [q for q in points if q.ended_nonfinite]
    if broken:
        why += (
            " " + ", ".join(q.name for q in broken) + " ended with a non-finite loss; its numbers here are "
            "its last finite evaluation, not where the run is now."
        )
    run_names = [q.name for q in points]  # (names from paths are data: escaped for Markdown)
    expl = "\n".join(
        [
            f"**{md_names(title, run_names)}**",
            "",
            f"**What happened.** {md_names(what, run_names)}",
            "",
            f"**Why.** {md_names(why, run_names)}",
            "",
            f"**What to check next.** Select on the metric you deploy; don't choose on one {which} accuracy: "
            "average the last few evaluations, or compare a proper scoring rule (the loss, only between runs "
            f"trained with the same loss) or AUC; look at the samples {md_names(hi.name, run_names)} and "
            f"{md_names(low.name, run_names)} classify differently.",
            "",
            f"**How sure.** {len(points)} runs compared on their {which} {split} metrics: losses "
            f"{spread:.1%} apart (nearly equal means within {p.runs_loss_tol:.0%}), accuracies "
            f"{gap * 100:.1f} points apart (the threshold is {p.runs_acc_gap * 100:.0f})"
            + (
                f"; within what evaluation noise gives {len(points)} runs, so this is information, not a "
                "disagreement."
                if chance
                else "."
            ),
        ]
    )
    last_x = max(q.last_x for q in points)
    severity: Severity = "info" if chance else "warning"
    ev["acc_gap_over_noise"] = ratio
    ev["range_q95_over_noise"] = range_quantile(len(points)) if len(points) >= 2 else math.nan
    return Alert("runs-disagree", severity, title, last_x, None, True, ev, expl + "\n", {"subject": "runs"})


class RunsDisagree(KindSpec):
    """Declared here: `compare_runs` emits it across runs."""

    kind = "runs-disagree"
    order = 100
    severity_doc = "warning/info"
    meaning = (
        "runs of one sweep (sibling run folders, or log names that differ only in numbers; one x axis, "
        "the same metric names, the same K and evaluation set size where known; run names that differ by "
        "a setting and similar lengths, else info as a guess): nearly equal losses but accuracies several "
        "points apart, or loss and accuracy rankings that disagree (information when the accuracy gap is "
        "within the range N runs' own evaluation noise gives N draws 19 times in 20)"
    )
    general = (
        "Across runs watched together, final or best losses nearly equal while accuracies differ by "
        "several points, or the loss ranking and the accuracy ranking disagree. Samples near p = 0.5 "
        "cost ln 2 whichever side they fall on, so equal losses can hide different accuracies. "
        "Average the last evaluations or compare a proper scoring rule before picking a run."
    )
