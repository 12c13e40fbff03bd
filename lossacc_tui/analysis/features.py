"""The per-point features a Track computes for a chunk of one series, as typed records: every
field is an array with one entry per point of the chunk (index `idx`), or None where the series'
role does not compute it. Units: a loss's fields are in nats, an accuracy's in fractions (0.01 =
one point), counts are evaluations (points of the series).

Detectors read `LossFeatures` (a loss: the primary one, or the training loss) and `AccFeatures`
(an accuracy); `concat` and `split` keep the chunks of two series aligned point by point.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TypeVar

import numpy as np


@dataclass(slots=True)
class SeriesFeatures:
    """What every track computes, whatever the series."""

    idx: np.ndarray  # point index in the series (int64)
    x: np.ndarray  # x on the run's axis (epoch or step); the index where x is unknown
    y: np.ndarray  # the logged value (nats or fraction)
    lvl: np.ndarray  # level: mean of the last `half` values (after the optional EMA), y's unit
    sig: np.ndarray  # the series' own noise: std implied by second differences, y's unit
    sig_prev: np.ndarray  # sig as of the previous point (a point is not judged by its own noise)
    lbest: np.ndarray  # running best of the level (min for a loss, max for an accuracy), y's unit
    lbest_idx: np.ndarray  # index of the point where that best level was reached
    dir: np.ndarray | None = None  # trend of the level beyond noise: -1, 0, +1 (int8)
    band_dir: np.ndarray | None = None  # dir in a noise pooled over many evaluations (the state band)
    warm: np.ndarray | None = None  # True while the short trend window is not full yet


@dataclass(slots=True)
class LossFeatures(SeriesFeatures):
    """A loss's features (nats). The training loss of a validated run computes only the common
    fields and `best`/`best_idx`."""

    best: np.ndarray | None = None  # running minimum of the raw loss, nats
    best_idx: np.ndarray | None = None  # index of that minimum (first on ties)
    #: level `flat_window - half` points back (the level of the flat window's first half), nats
    lvl_flat: np.ndarray | None = None
    lvl_mid: np.ndarray | None = None  # level `half` points back (just before the newest half), nats
    lvl_stuck: np.ndarray | None = None  # level `stuck_window - 1` points back, nats
    swing: np.ndarray | None = None  # largest rise inside `unstable_window` points, as a factor
    swing_abs: np.ndarray | None = None  # that rise in nats
    pmin: np.ndarray | None = None  # minimum raw loss over the last `plateau_patience` points, nats
    acc_at_best: np.ndarray | None = None  # accuracy (fraction) where the loss had its best (paired)
    train_lvl: np.ndarray | None = None  # training-loss level at x, nats (overfitting's rows)
    train_at_best: np.ndarray | None = None  # training-loss level at the validation best, nats


@dataclass(slots=True)
class AccFeatures(SeriesFeatures):
    """An accuracy's features (fractions)."""

    range_flat: np.ndarray | None = None  # max - min over `flat_window` points
    range_unst: np.ndarray | None = None  # max - min over `unstable_window` points
    range_stuck: np.ndarray | None = None  # max - min over `stuck_window` points
    nonfinite_stuck: np.ndarray | None = None  # non-finite values among the last `stuck_window` (count)
    maj_dev: np.ndarray | None = None  # largest |accuracy - majority rate| over `stuck_window` (--majority)
    loss_at_abest: np.ndarray | None = None  # loss level (nats) where the accuracy had its best (paired)
    n_eval: np.ndarray | None = None  # evaluation-set size the values reveal (`resolution`); NaN: unknown
    res: np.ndarray | None = None  # one grid step, or max(1/n, binomial s.e.) with n known; fraction


F = TypeVar("F", bound=SeriesFeatures)


def names(rec: SeriesFeatures) -> tuple[str, ...]:
    """The fields a record carries (not None)."""
    return tuple(f.name for f in fields(rec) if getattr(rec, f.name) is not None)


def _layout(cls: type) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """(field names in order, whether each is optional: default None) of a features class; computed
    once a class (`dataclasses.fields` and `replace` cost more than the short chunks of a live run)."""
    got = _LAYOUTS.get(cls)
    if got is None:
        fs = fields(cls)
        got = _LAYOUTS[cls] = (tuple(f.name for f in fs), tuple(f.default is None for f in fs))
    return got


_LAYOUTS: dict[type, tuple[tuple[str, ...], tuple[bool, ...]]] = {}


def _values(rec: SeriesFeatures) -> tuple[np.ndarray | None, ...]:
    """Every field of `rec`, in `_layout` order (one `attrgetter` call a record, made once a class)."""
    cls = type(rec)
    get = _GETTERS.get(cls)
    if get is None:
        get = _GETTERS[cls] = attrgetter(*_layout(cls)[0])
    return get(rec)  # type: ignore[no-any-return]


_GETTERS: dict[type, attrgetter[tuple[np.ndarray | None, ...]]] = {}


def _dropped(cls: type, keep: tuple[str, ...] | None) -> tuple[bool, ...]:
    """Per field of `cls` (`_layout` order): whether `concat` with `keep` drops it (an optional field
    not kept); made once a class and `keep`."""
    got = _DROPPED.get((cls, keep))
    if got is None:
        names_, optional = _layout(cls)
        pairs = zip(names_, optional, strict=True)
        got = tuple(keep is not None and opt and name not in keep for name, opt in pairs)
        _DROPPED[(cls, keep)] = got
    return got


_DROPPED: dict[tuple[type, tuple[str, ...] | None], tuple[bool, ...]] = {}


def concat(a: F | None, b: F, keep: tuple[str, ...] | None = None) -> F:
    """`a` followed by `b`, point by point; with `keep`, only those optional fields are carried
    (the others become None: a pending chunk holds only what its detectors read)."""
    cls = type(b)
    drop = _dropped(cls, keep)
    vals = _values(b)
    if a is None:
        return cls(*[None if d else v for v, d in zip(vals, drop, strict=True)])
    out = []
    for v, prev, d in zip(vals, _values(a), drop, strict=True):
        out.append(None if v is None or d or prev is None else np.concatenate([prev, v]))
    return cls(*out)


def concat_all(recs: list[F]) -> F:
    """The records of `recs` (one series' consecutive chunks, each carrying the same fields) one
    after another, point by point: one concatenation a field, whatever their number."""
    if len(recs) == 1:
        return recs[0]
    cls = type(recs[-1])
    vals = []
    for got in zip(*[_values(r) for r in recs], strict=True):
        vals.append(None if any(v is None for v in got) else np.concatenate(got))
    return cls(*vals)


def split(rec: F, n: int) -> tuple[F, F | None]:
    """The first n points and the rest (None when nothing is left): `rec` itself when n covers it
    (the usual case: the loss's and the accuracy's chunks matched whole)."""
    if n >= len(rec.idx):
        return rec, None
    cls = type(rec)
    vals = _values(rec)
    head = cls(*[None if v is None else v[:n] for v in vals])
    rest = cls(*[None if v is None else v[n:] for v in vals])
    return head, (rest if len(rest.idx) else None)
