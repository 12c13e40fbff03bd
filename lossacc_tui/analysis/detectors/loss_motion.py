"""How a loss moves over a frozen accuracy's evaluations: holding (a model no step changes),
wobbling (weights that change without a trend), or drifting one way (a decayed learning rate)."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.passmemo import quiet

#: the least relative step of a loss whose weights still change (a loss printed to 4 decimals
#: around 0.4 nats resolves 0.025 %); a model whose weights no longer change repeats its loss
JITTER_REL = 2e-3


def wobbles(window: np.ndarray) -> np.ndarray:
    """Whether a loss moves without a trend: over each column of `window` (shape (w, n), oldest row
    first, nats) it both rose and fell from one evaluation to the next by at least JITTER_REL of its
    value. A model whose weights barely change (a decayed learning rate) drifts one way, or not at all."""
    with quiet(invalid="ignore", divide="ignore"):
        d = (window[1:] - window[:-1]) / np.abs(window[:-1])  # (`np.diff`'s subtraction, without its wrapper)
    return (d >= JITTER_REL).any(axis=0) & (d <= -JITTER_REL).any(axis=0)


def holds(window: np.ndarray) -> np.ndarray:
    """Whether each column of `window` ((w, n), nats) is finite and spreads by less than JITTER_REL
    of its size: a model no step changes beyond that (every unit off, a constant output whose bias
    alone still wobbles by the last printed digit) logs about the same loss again and again. With
    `wobbles` it leaves one case only, a loss drifting one way (a decayed learning rate)."""
    fin = np.isfinite(window).all(axis=0)
    w = np.where(fin, window, 0.0)
    if not w.shape[0]:
        return fin
    return fin & (w.max(axis=0) - w.min(axis=0) < JITTER_REL * np.abs(w.mean(axis=0)))
