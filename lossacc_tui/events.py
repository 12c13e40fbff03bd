"""What the Monitor tells its subscribers (the terminal app, `check --follow`). Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lossacc_tui.clean import clean
from lossacc_tui.model import Batch, Run

if TYPE_CHECKING:
    from lossacc_tui.analysis.alerts import Alert


@dataclass(frozen=True, slots=True)
class RunAdded:
    """A run was found: a new log, or a restart inside a log."""

    run: Run


@dataclass(frozen=True, slots=True)
class PointsAdded:
    """New records were appended to a run (`batch` holds just them)."""

    run: Run
    batch: Batch


@dataclass(frozen=True, slots=True)
class RunReset:
    """The run's log was rewritten in place: its points were dropped and are being read again.
    With `since` ("epoch 26"): the run was resumed from a checkpoint; only its points from there on
    were dropped (the ones before stay), and the resumed ones follow. With `axis` ("epoch"): the
    run's step turned out to restart each epoch (readers/epoch_steps.py): its points moved to the
    fractional epoch, and every one of them follows again on that x (one `PointsAdded`)."""

    run: Run
    since: str | None = None
    axis: str | None = None


#: The end of the 'waiting' Status message of a followed file that exists but holds no record yet.
NO_RECORD_YET = "no record in it yet, waiting for its first"


@dataclass(frozen=True, slots=True)
class Status:
    """How following a path goes: 'waiting', 'live', 'restarted', 'rewritten', 'polling' or 'error'."""

    path: str
    state: str
    message: str
    #: the same in a whole short sentence, for a one-line status (the message without the list of
    #: formats `check` appends); empty: the message is short already
    short: str = ""

    def __post_init__(self) -> None:  # paths come from the file system: data, like log strings
        object.__setattr__(self, "path", clean(self.path))
        object.__setattr__(self, "message", clean(self.message))
        object.__setattr__(self, "short", clean(self.short))


@dataclass(frozen=True, slots=True)
class Problem:
    """A record of a followed file that could not be read (a cell that is no number, a ragged row):
    what a one-shot `check` lists as a problem, told as it is found. `line` is 1-based, or None."""

    path: str
    line: int | None
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", clean(self.path))
        object.__setattr__(self, "message", clean(self.message))

    def text(self) -> str:
        return f"{self.path}{'' if self.line is None else f' line {self.line}'}: {self.message}"


@dataclass(frozen=True, slots=True)
class AlertChanged:
    """An alert opened, closed or reopened. `run` is None for an alert across runs (runs-disagree).
    `alert` is a snapshot: later updates of the live alert do not change it."""

    run: Run | None
    change: str  # 'opened' | 'closed' | 'reopened' (same start, one more episode) | 'severity'
    alert: Alert


@dataclass(frozen=True, slots=True)
class Analysed:
    """The run's analysis has read its points up to now: its states, bests and summary may have
    changed though no alert opened or closed (what the view's band, best markers and summary show)."""

    run: Run


@dataclass(frozen=True, slots=True)
class ProbeAdded:
    """New evaluations were read from the run's probe sidecar (`run.probe`, lossacc_probe.jsonl)."""

    run: Run


Event = RunAdded | PointsAdded | RunReset | Status | Problem | AlertChanged | Analysed | ProbeAdded
