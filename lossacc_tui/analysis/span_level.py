"""The level tests of a rise, on top of a span's fit (`span_trend.SpanFit`): the newest third of the
span since the best against the best level (`level_rise`), and the noise a mean loss over n
evaluation samples has by the luck of which samples it holds (`sample_noise`, `sample_noise_at`),
used where the series' own noise cannot yet be measured."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.span_trend import SpanFit


def level_rise(
    fit: SpanFit,
    lbest: np.ndarray,
    sig: np.ndarray,
    idx: np.ndarray,
    half: int,
    z: float,
    rel: float,
    m: np.ndarray | None = None,
) -> np.ndarray:
    """True where the mean of the newest third of the span since the best (`SpanFit.recent`, k
    points) stands `rel` above the best level `lbest` (a mean of `half` points, the lowest of about
    (idx + 1) / half of them) and `z` standard errors beyond that best's depth (`rise.min_depth`).
    The standard error of the difference of the two means is sqrt(s^2 / k + s^2 / half + 2 e^2),
    s the noise `sig` (nats) and e the wander beyond it (`SpanFit.wander`): a wandering loss's
    means are no steadier than the wander, however many points they average. `m`: how many points
    the best level averages where fewer than `half` (a best level among the first evaluations, as
    low as one value: its noise is s^2 / m, not s^2 / half); None: `half` everywhere."""
    from lossacc_tui.analysis.detectors.rise import level_depth

    k = fit.k
    with quiet(invalid="ignore"):
        s2 = sig * sig
        ex = np.where(np.isfinite(fit.wander), np.maximum(fit.wander * fit.wander - s2, 0.0), 0.0)
        se = np.sqrt(s2 / k + s2 / (half if m is None else m) + 2.0 * ex)
        deep = z + level_depth(idx, half)  # (`min_depth((idx + 1) / half)`, from a table)
        return (k >= half) & (fit.recent >= lbest * (1 + rel)) & (fit.recent - lbest >= deep * se)


def sample_noise(loss: float, n: int) -> float:
    """How much a mean loss over n evaluation samples moves from one evaluation to the next by the
    luck of which samples (or which predictions) it holds, about: loss / sqrt(n) (nats). The
    standard error of a mean is sd / sqrt(n); a per-sample cross-entropy is non-negative with a
    spread of the order of its mean (an exponential's sd equals its mean), so loss stands in for
    sd. A rough scale, used where the series' own noise cannot yet be measured (a few evaluations).

    >>> round(sample_noise(0.72, 32), 3)
    0.127
    """
    return loss / math.sqrt(n) if n > 0 and math.isfinite(loss) else math.nan


def sample_noise_at(y: np.ndarray, idx: np.ndarray, n_at: Callable[[int], int | None] | None) -> np.ndarray:
    """`sample_noise(y[j], n)` for each point, n the evaluation-set size the accuracy's values had
    revealed by point idx[j] (`n_at`, `Ctx.acc_n_likely`); NaN where none is known (nats). n
    changes rarely: it is asked at the chunk's ends, and point by point only where they differ."""
    out = np.full(len(y), np.nan)
    if n_at is None or len(y) == 0:
        return out
    n0, n1 = n_at(int(idx[0])), n_at(int(idx[-1]))
    same = n0 == n1
    if same:
        n = np.full(len(y), float(n0 or 0))
    else:  # (`track.NLikelyAt` looks a whole chunk up at once)
        many = getattr(n_at, "many", None)
        n = many(idx) if many is not None else np.array([float(n_at(int(i)) or 0) for i in idx])
    with quiet(invalid="ignore", divide="ignore"):
        return np.where(n > 0, y / np.sqrt(np.maximum(n, 1.0)), np.nan)
