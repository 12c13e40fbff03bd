"""Every threshold of the analyzer, named, with its default and a one-line meaning.

>>> p = Params.from_mapping({"window": 8, "majority-rate": 0.9})
>>> (p.window, p.majority_rate, p.open_after)
(8, 0.9, 3)
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

#: Whether the interpreter has tomllib (3.11+; imported only when a config file is read, off the
#: terminal view's start-up path).
_HAS_TOML = sys.version_info >= (3, 11)
#: What `Params.from_file` reads: TOML when the interpreter has tomllib (3.11+), JSON always.
CONFIG_FORMATS = ("toml", "json") if _HAS_TOML else ("json",)


def _p(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Params:
    """Thresholds of the analyzer. Counts are evaluations (points of a series), accuracies are
    fractions (0.01 = one point), loss changes are relative unless the name says otherwise."""

    # trends (states)
    window: int = _p(
        6, "points in the short trend window: the mean of its newer half is compared with its older half"
    )
    long_window_factor: int = _p(8, "the long trend window is this many times the short one (slow drifts)")
    noise_window: int = _p(10, "points whose second differences estimate a series' own noise")
    trend_z: float = _p(2.5, "a trend must exceed this many noise standard errors")
    min_loss_change: float = _p(0.02, "smallest relative loss change across a trend window that counts")
    min_acc_change: float = _p(
        0.005, "smallest accuracy change across a trend window that counts (0.5 points)"
    )
    smoothing: float = _p(
        0.0, "TensorBoard-style debiased EMA weight applied before trends (0 = off, 0.6 = TB)"
    )
    state_min_run: int = _p(2, "a new state must last this many points before the timeline switches to it")
    # latching
    open_after: int = _p(3, "evaluations a condition must hold before its alert opens")
    close_after: int = _p(3, "evaluations the release condition must hold before an alert closes")
    # loss-up-acc-up, overfitting, loss-down-acc-down
    rise_rel: float = _p(0.05, "loss this far above its best (relative) counts as risen")
    rise_z: float = _p(2.0, "... and at least this many noise standard deviations above it")
    steady_rise_rel: float = _p(
        0.01,
        "a loss this far above its best (relative) that grew at each of the last steady-run "
        "evaluations, beyond rise-z noise, counts as risen (a slow, steady rise)",
    )
    steady_run: int = _p(4, "evaluations in a row the loss must have grown for the steady rule")
    slow_rise_rel: float = _p(
        0.025,
        "a loss this far above its best (relative) whose line through the noise-window or more "
        "evaluations since the best rises significantly counts as risen (a slow rise under noise "
        "that wanders)",
    )
    flip_nats: float = _p(
        6.9,
        "what one confident mistake costs (nats; ln 1000: 1/1000 on its true class), for the "
        "sample-flip reading of a rise",
    )
    flip_samples: int = _p(
        2,
        "a rise of at most this many confident mistakes' nats in all (n known), with accuracy moving "
        "at most this many samples, is a sample flip: information, not a warning",
    )
    acc_hold_tol: float = _p(0.01, "accuracy 'holds' if its level is at most this far below where it was")
    acc_drop_min: float = _p(0.01, "loss-down-acc-down: accuracy level this far below its best")
    loss_gain_min: float = _p(
        0.03,
        "loss-down-acc-down: loss level this much lower (relative) than at the accuracy peak (or the "
        "training loss level this much lower by train_drop_rel)",
    )
    train_drop_rel: float = _p(
        0.05, "overfitting: training loss this much lower (relative) than at the validation best"
    )
    # acc-flat-loss-down
    flat_window: int = _p(8, "evaluations over which accuracy must stay flat while loss falls")
    flat_acc_band: float = _p(0.01, "accuracy range (max - min) that still counts as flat")
    flat_loss_drop: float = _p(0.05, "relative loss drop across the flat window")
    # val-loss-unstable
    unstable_window: int = _p(6, "evaluations searched for a swing of the validation loss")
    unstable_ratio: float = _p(3.0, "a rise by this factor from a trough inside the window is a swing")
    unstable_min_abs: float = _p(0.1, "... and by at least this many nats")
    unstable_acc_band: float = _p(
        0.10, "accuracy range inside the window that still counts as 'barely moves'"
    )
    # high-loss-good-acc
    high_loss_nats: float = _p(5.0, "loss per mistake (loss / (1 - acc)) above this many nats is high ...")
    high_loss_min: float = _p(1.0, "... when the loss is also at least this times the chance loss ln K")
    good_acc_frac: float = _p(0.5, "accuracy counts as good this far from chance (1/K) to 1")
    insane_nats: float = _p(
        30.0, "loss per mistake above this is high whatever K (no sane probabilities give it)"
    )
    # non-finite, loss-explosion, plateau
    explosion_factor: float = _p(5.0, "loss level this many times its best level is an explosion")
    explosion_min_abs: float = _p(0.5, "... and at least this many nats above it")
    explosion_z: float = _p(5.0, "... and at least this many noise standard deviations above it")
    explosion_critical: float = _p(1000.0, "explosion factor that makes the alert critical")
    plateau_patience: int = _p(10, "evaluations without a new best loss before a plateau is reported")
    plateau_min_delta: float = _p(
        0.005, "relative improvement that counts as a new best (twice it ends a plateau)"
    )
    # acc-stuck
    stuck_window: int = _p(6, "evaluations with identical accuracy that count as stuck")
    stuck_tol: float = _p(1e-6, "accuracy range that counts as identical")
    stuck_chance_frac: float = _p(
        0.9, "... while the loss is non-finite or at least this times the chance loss ln K"
    )
    majority_rate: float | None = _p(
        None, "share of the majority class (--majority): accuracy near it is suspect"
    )
    majority_tol: float = _p(
        0.01,
        "accuracy within this of the majority rate counts as 'equal' to it (and within half a sample "
        "when the evaluation set's size is known, or the rate's own printed rounding)",
    )
    n_classes: int | None = _p(
        None, "number of classes K (--classes); inferred from the first evaluations when unset"
    )
    # runs-disagree, metric-mismatch
    runs_loss_tol: float = _p(0.03, "final/best losses within this relative spread count as 'nearly equal'")
    runs_acc_gap: float = _p(0.03, "accuracies differing by this much (3 points) count as different")
    mismatch_gap: float = _p(0.03, "a later test/report accuracy this far from the logged one is a mismatch")

    def __post_init__(self) -> None:
        problems = _range_problems(self)
        for name in ("window", "noise_window", "flat_window", "unstable_window", "stuck_window"):
            if getattr(self, name) < 2:
                problems.append(f"{name} must be at least 2")
        for name in ("open_after", "close_after", "plateau_patience", "long_window_factor", "state_min_run"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        for f in fields(self):
            v = getattr(self, f.name)
            if (
                isinstance(f.default, int)
                and not isinstance(f.default, bool)
                and isinstance(v, int)
                and v > MAX_COUNT
            ):
                problems.append(
                    f"{f.name} must be at most {MAX_COUNT:,} evaluations (got {v:,})"
                    if v < 10**15
                    else f"{f.name} must be at most {MAX_COUNT:,} evaluations (got {float(v):.3g})"
                )
        if not 0.0 <= self.smoothing < 1.0:
            problems.append("smoothing must be in [0, 1)")
        if self.majority_rate is not None and not 0.0 < self.majority_rate <= 1.0:
            problems.append("majority_rate must be a fraction in (0, 1]")
        if self.n_classes is not None and self.n_classes < 2:
            problems.append("n_classes must be at least 2")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def half(self) -> int:
        """Points in each half of the short trend window (the 'level' of a series)."""
        return max(1, self.window // 2)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Params:
        """Params with the given overrides; keys may use '-' or '_'. Unknown keys raise ValueError."""
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).replace("-", "_")
            if name not in known:
                raise ValueError(f"unknown analysis parameter {key!r} (known: {', '.join(known)})")
            kwargs[name] = _coerce(known[name].default, value, name)
        return replace(cls(), **kwargs)

    @classmethod
    def from_file(cls, path: str | Path) -> Params:
        """Read overrides from a TOML file (Python 3.11+) or a JSON file. A TOML/JSON object may
        hold them at the top level or under an `analysis` table. Raises OSError when the file
        cannot be read, ValueError (naming the file) when it is not such a file."""
        p = Path(path)
        raw = p.read_bytes()
        kind = "JSON" if p.suffix.lower() == ".json" or not _HAS_TOML else "TOML"
        try:
            if kind == "JSON":
                data = json.loads(raw)
            else:
                import tomllib

                data = tomllib.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:  # (JSONDecodeError and TOMLDecodeError are ValueErrors)
            raise ValueError(f"{p}: not a {kind} file of analysis parameters ({e})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{p}: expected a table of analysis parameters")
        if isinstance(data.get("analysis"), dict):
            data = data["analysis"]
        return cls.from_mapping(data)

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str]]:
        """(name, default, meaning) of every parameter, for --help and the README."""
        out = []
        for f in fields(cls):
            default = None if f.default is MISSING else f.default
            out.append((f.name, default, f.metadata.get("doc", "")))
        return out

    @classmethod
    def help_text(cls) -> str:
        """The parameter table as plain text lines `name (default): meaning`."""
        return "\n".join(f"{n.replace('_', '-')} ({d}): {doc}" for n, d, doc in cls.describe())


#: z-scores and sizes in nats: a number above 0 (0 or less would make every change count)
_POSITIVE = ("trend_z", "rise_z", "explosion_z", "flip_nats", "high_loss_nats", "insane_nats")
#: ratios: above 1 (a loss "this many times" its best or its trough)
_ABOVE_ONE = ("unstable_ratio", "explosion_factor", "explosion_critical")
#: accuracy amounts (fractions: 0.01 = one point) and shares: in [0, 1]
_FRACTIONS = (
    "min_acc_change",
    "acc_hold_tol",
    "acc_drop_min",
    "flat_acc_band",
    "unstable_acc_band",
    "good_acc_frac",
    "stuck_tol",
    "majority_tol",
    "runs_acc_gap",
    "mismatch_gap",
)


#: the largest window or count (evaluations) a parameter may take: past it a setting is a typo, and
#: the analysis would allocate arrays of that length (window=1e9 asked for 60 GB; window=1e5 took minutes
#: on an 80-row log)
MAX_COUNT = 10_000


def _range_problems(p: Params) -> list[str]:
    """What is out of range among the float parameters (NaN and infinity never are in range),
    `steady_run` and `flip_samples`; the window and count parameters are checked by the caller."""
    out: list[str] = []
    for f in fields(p):
        v = getattr(p, f.name)
        if not isinstance(f.default, float) or v is None or f.name == "smoothing":  # (checked below)
            continue
        if not math.isfinite(v):
            out.append(f"{f.name} must be a finite number (got {v})")
        elif f.name in _POSITIVE and v <= 0:
            out.append(f"{f.name} must be above 0 (got {v:g})")
        elif f.name in _ABOVE_ONE and v <= 1:
            out.append(f"{f.name} must be above 1 (got {v:g})")
        elif f.name in _FRACTIONS and not 0 <= v <= 1:
            out.append(f"{f.name} must be a fraction in [0, 1] (got {v:g})")
        elif v < 0:
            out.append(f"{f.name} must be 0 or more (got {v:g})")
    if p.steady_run < 1:
        out.append("steady_run must be at least 1")
    if p.flip_samples < 0:
        out.append("flip_samples must be 0 or more")
    return out


def _coerce(default: Any, value: Any, name: str) -> Any:
    if value is None:
        return None
    try:
        if isinstance(default, bool):
            return bool(value)
        if isinstance(default, int) or name in ("n_classes",):
            f = float(value)
            if not f.is_integer():
                raise ValueError
            return int(f)
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"analysis parameter {name}: expected a number, got {value!r}") from None
