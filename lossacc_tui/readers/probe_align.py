"""Where the probe's evaluations meet the log's: a probe called with the loop's 0-based `epoch=ep`
beside a console that prints `Epoch {ep+1}/{N}` (Keras, most hand-written loops) writes every
evaluation one epoch below the log's. The probe's own loss and accuracy are the log's validation
(or training) loss and accuracy of the same evaluation, so a constant x offset between the two is
found by them: `align` returns it when the probe's (loss, accuracy) equal the log's at x + d for every
overlapping evaluation, and not at d = 0.

>>> log = {1.0: (0.78, 0.7775), 2.0: (0.66, 0.8175), 3.0: (0.65, 0.8263)}
>>> probe = [(0.0, 0.78, 0.7775), (1.0, 0.66, 0.8175), (2.0, 0.65, 0.8263)]
>>> align(probe, log, "epoch").state, align(probe, log, "epoch").shift
('shifted', 1.0)
>>> align([(x + 1, l, a) for x, l, a in probe], log, "epoch").state
'same'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossacc_tui.model import Run
    from lossacc_tui.readers.probe_sidecar import ProbeSidecar

#: values read as equal: a log prints 4 or more digits, a probe writes them all
LOSS_REL, LOSS_ABS, ACC_ABS = 1e-3, 6e-4, 1.2e-3
#: overlapping evaluations a shift needs (every one of them must match)
MIN_MATCHED = 3


@dataclass(frozen=True, slots=True)
class Alignment:
    """How the probe's x meets the log's. `shift`: add it to the probe's x to get the log's x.
    `state`: "same" (the probe's loss and accuracy are the log's at the same x), "shifted" (they are
    the log's at x + shift at every overlapping evaluation, and not at x), "x" (the x values meet
    but the numbers differ: taken at the same x), "unmatched" (no probe evaluation meets one of the
    log's, at any offset), "none" (nothing to compare yet). `matched`: evaluations that agree."""

    state: str
    shift: float = 0.0
    matched: int = 0
    why: str = ""

    def note(self, axis: str) -> str:
        """What the explanation says of it ("" when nothing needs saying)."""
        if self.state == "shifted":
            d = self.shift
            words = {1.0: "one", 2.0: "two", 3.0: "three"}.get(abs(d), f"{abs(d):g}")
            rel = "less" if d > 0 else "more"
            return (
                f"The probe's {axis}s are {words} {rel} than the log's: its loss and accuracy at each"
                f" {axis} e equal the log's at {axis} e{d:+g} at all {self.matched} evaluations they share,"
                " so its facts are aligned by them."
            )
        if self.state == "unmatched":
            why = self.why or (
                f"no {axis} of the sidecar meets one of the log's, and its loss and accuracy equal the"
                " log's at no constant offset"
            )
            return f"The probe's facts could not be matched to the log's evaluations: {why}."
        return ""


def _same(p_loss: float, p_acc: float, log: tuple[float | None, float | None]) -> bool | None:
    """Whether one probe evaluation's numbers are the log's (None: the log has neither)."""
    loss, acc = log
    if loss is None and acc is None:
        return None
    if loss is not None and abs(p_loss - loss) > max(LOSS_ABS, LOSS_REL * abs(loss)):
        return False
    return not (acc is not None and abs(p_acc - acc) > ACC_ABS)


def _key(x: float, axis: str) -> float:
    return round(x, 2) if axis == "epoch" else float(round(x))


def align(
    probe: list[tuple[float, float, float]],
    log: dict[float, tuple[float | None, float | None]],
    axis: str,
) -> Alignment:
    """`probe`: (x, loss, accuracy) of each of its evaluations; `log`: the log's x -> (loss,
    accuracy) of the same split (fractions, None where it logged none). Returns the Alignment."""
    table = {_key(x, axis): v for x, v in log.items() if math.isfinite(x)}
    if not probe or not table:
        return Alignment("none")

    def score(d: float) -> tuple[int, int]:  # (overlapping, matched)
        over = hit = 0
        for x, loss, acc in probe:
            got = table.get(_key(x + d, axis))
            same = None if got is None else _same(loss, acc, got)
            if same is not None:
                over += 1
                hit += same
        return over, hit

    over0, hit0 = score(0.0)
    if over0 and hit0 == over0:
        return Alignment("same", 0.0, hit0)
    # candidate offsets: where the log holds the numbers of one of the probe's first evaluations
    cands: set[float] = set()
    for x, loss, acc in probe[:3]:
        cands.update(lx - x for lx, v in table.items() if _same(loss, acc, v))
    cands.discard(0.0)
    best: list[tuple[float, int]] = []
    for d in sorted(cands, key=abs)[:20]:
        over, hit = score(d)
        if hit == over >= min(MIN_MATCHED, len(probe)):
            best.append((d, hit))
    if len(best) == 1 or (best and best[0][1] > best[1][1]):
        d, hit = max(best, key=lambda b: b[1])
        return Alignment("shifted", d, hit)
    return Alignment("x", 0.0, hit0) if over0 else Alignment("unmatched")


#: the log's roles of each probe split's loss and accuracy
ROLES = {"val": ("val_loss", "val_acc"), "train": ("train_loss", "train_acc")}
_cache: dict[tuple[object, ...], Alignment] = {}


def run_alignment(run: Run, split: str) -> Alignment:
    """The Alignment of the run's probe sidecar's `split` ("val", "train") with the run's own loss
    and accuracy of that split, on the run's x axis (cached per lengths: a followed log and sidecar
    are aligned again as they grow)."""
    sc = getattr(run, "probe", None)
    series = None if sc is None else sc.splits.get(split)
    roles = ROLES.get(split)
    if series is None or roles is None:
        return Alignment("none")
    axis = run.x_axis
    loss, acc = (run.by_role(r) for r in roles)  # type: ignore[arg-type]
    lens = ((id(s), len(s)) if s is not None else (0, 0) for s in (loss, acc))
    key = (id(series), split, axis, len(series), *lens)
    got = _cache.get(key)
    if got is not None:
        return got
    log: dict[float, list[float | None]] = {}
    for i, s in enumerate((loss, acc)):
        if s is None or not len(s):
            continue
        for x, v in zip(s.x(axis).tolist(), s.values.tolist(), strict=False):
            if math.isfinite(x) and math.isfinite(v):
                log.setdefault(float(x), [None, None])[i] = float(v)
    probe = [(x, r.loss, r.accuracy) for r in series.records if (x := r.x(axis)) is not None]
    if not probe and len(series) and log:  # (a probe given epoch= beside a log counted in steps)
        got = Alignment("unmatched", why=f"its evaluations carry no {axis}, the log's x")
    else:
        got = align(probe, {x: (v[0], v[1]) for x, v in log.items()}, axis)
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = got
    return got


class FactsLookup:
    """`facts_lookup`'s function: x -> the probe record at x (its x moved onto the log's by
    `probe_align` when the probe numbers its evaluations otherwise), or None; `note()` says how the
    probe's evaluations meet the log's ("" when they simply do)."""

    def __init__(self, run: Run, sc: ProbeSidecar, split: str, exact: bool) -> None:
        self.run, self.sc, self.split, self.exact = run, sc, split, exact

    def __call__(self, x: float) -> dict[str, Any] | None:
        series = self.sc.splits.get(self.split)
        if series is None:
            return None
        axis = self.run.x_axis
        d = run_alignment(self.run, self.split).shift
        got = series.at(x - d, axis) if self.exact else series.at_or_before(x - d, axis)
        if got is None:
            return None
        out = got.to_dict()
        if d and isinstance(out.get(axis), (int, float)):
            out[f"probe_{axis}"], out[axis] = out[axis], out[axis] + d
        return out

    def note(self) -> str:
        return run_alignment(self.run, self.split).note(self.run.x_axis)

    def ce_confirmed(self) -> bool:
        """Whether the probe's loss (a single-label mean cross-entropy of the evaluated samples, by
        construction) is the log's loss of this split at every evaluation they share."""
        roles = ROLES.get(self.split)
        al = run_alignment(self.run, self.split)
        logged = roles is not None and self.run.by_role(roles[0]) is not None  # type: ignore[arg-type]
        return logged and al.state in ("same", "shifted")


def probe_classes(run: Run) -> int | None:
    """K as the probe wrote it (`k`, the width of the logits it was given) when every one of its
    evaluations of every split says the same K >= 2; None otherwise or without a probe."""
    sc = getattr(run, "probe", None)
    ks = {r.k for s in (sc.splits.values() if sc else ()) for r in s.records}
    return ks.pop() if len(ks) == 1 and min(ks) >= 2 else None
