"""The metric model used everywhere: a Run holds named Series of (x, value) points.

Readers produce `Batch`es (columnar blocks of records: lossacc_tui/batch.py); a `Run` appends
them to its `Series` (lossacc_tui/series.py), whose storage is growable numpy arrays (amortised
O(1) per appended point, no per-point objects).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.acc_nature import not_share, not_share_note
from lossacc_tui.batch import Batch, BatchBuilder, Problem
from lossacc_tui.clean import clean
from lossacc_tui.epoch_agree import epochs_disagree
from lossacc_tui.percent_floor import percent_refuted
from lossacc_tui.roles import (
    SPLIT_UNKNOWN_END,
    RoleMap,
    assign_roles,
    numbered_notes,
    said_notes,
    split_unknown_notes,
    summed_losses,
    top_k_notes,
)
from lossacc_tui.series import ACC_ROLES, ROLES, Growable, LazyColumn, LossKind, Role, Series, XAxis
from lossacc_tui.top_k_unit import agree_top_k_units

if TYPE_CHECKING:
    from lossacc_tui.readers.probe_sidecar import ProbeSidecar


@dataclass
class Run:
    """One training run: the series read from one source (or one part of a file that holds several)."""

    name: str
    path: str
    format: str
    series: dict[str, Series] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    role_map: RoleMap | None = None
    role_hints: dict[str, str] = field(default_factory=dict)
    points: int = 0
    first_line: int | None = None
    _epoch_gap: bool = False  # a point without an epoch was added: the x axis is the step
    #: an evaluation logged twice at one epoch with its step moving on (Lightning's
    #: `val_check_interval` < 1): the epoch cannot place it, so the x axis is the step
    _epoch_repeat: bool = False
    #: the notes `percent_floor.percent_refuted` said last (replaced when they change)
    _refuted: list[str] = field(default_factory=list)
    #: per-sample facts written beside the log by lossacc_tui.probe (None: no sidecar found)
    probe: ProbeSidecar | None = None
    #: the path as the file system names it, not cleaned (`path` is: it is shown); JSON only
    source_path: str = ""
    #: the run's parameters where its store keeps them per run (MLflow's database and server)
    params: dict[str, str] = field(default_factory=dict)
    #: when its latest points were written: their file's modification time as read (seconds since
    #: the epoch, `time.time()`'s clock), so a log read at start tells its own age; None: not known
    written: float | None = None
    #: the log says its training ended (Hugging Face's final summary entry, `train_runtime`): no
    #: point will follow, so the analysis judges its last evaluations as they stand (`Overfitting`)
    ended: bool = False

    def add_batch(
        self,
        batch: Batch,
        source_names: dict[str, str] | None = None,
        loss_kinds: dict[str, LossKind] | None = None,
        eval_sizes: dict[str, int] | None = None,
    ) -> None:
        """Append every present value of the batch to its series (new series get roles).
        `source_names` names the source of a series a reader derived (`1-error_rate`); `loss_kinds`
        says what a loss series measures where the reader's format says so; `eval_sizes` the number
        of samples a series' values were measured on, where the log prints it (`Series.eval_size`;
        0: it printed more than one)."""
        new = self._new_names(batch)
        for name in new:
            self.series[name] = Series(name, (source_names or {}).get(name))
            if loss_kinds and name in loss_kinds:
                self.series[name].loss_kind = loss_kinds[name]
        if new:
            self._assign_roles()
        if eval_sizes:
            for name, n in eval_sizes.items():  # (0: the reader saw more than one size: none)
                s = self.series.get(name)
                if s is not None:
                    s.eval_size = n or None
        if not self._epoch_gap and batch.present:
            self._epoch_gap = _epoch_missing(batch)
        # series whose values sit on the same rows (one mask object: the training keys of a JSONL
        # backlog, its evaluation keys) share those rows' x arrays, gathered once (borrowed by all)
        picked: dict[int, tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]] = {}
        grown: list[tuple[Series, int]] = []  # evaluation series that took points, and from where
        for name, vals in batch.values.items():
            p = batch.present.get(name)
            s = self.series.get(name)
            if s is None:
                continue  # no value in this batch: the series begins with its first value
            before = len(s)
            if p is None:
                s.extend(vals, batch.step, batch.epoch, batch.time, borrow=True)
                self.points += batch.n
            else:
                if id(p) not in picked:
                    picked[id(p)] = _rows_of(batch, p)
                rows, step, epoch, time = picked[id(p)]
                if len(rows):
                    s.extend(vals[rows], step, epoch, time, borrow=True)
                    self.points += len(rows)
            if not self._epoch_repeat and s.role in ("val_loss", "val_acc") and len(s) > before:
                self._epoch_repeat = _evaluated_twice_in_an_epoch(s, before)
                grown.append((s, before))
            if s.unit_notes:  # an accuracy whose unit changed mid-run: a problem line, never silent
                self.problems += [Problem(None, note) for note in s.unit_notes]
                s.unit_notes.clear()
        agree_top_k_units(self.series)  # (a top-1 accuracy under 1 % beside its top-5 in percent)
        self._say_refuted()
        for s in self.series.values():
            if s.unit_notes:
                self.problems += [Problem(None, note) for note in s.unit_notes]
                s.unit_notes.clear()
        # (after every series took its points: a training record of this batch may share a step)
        if not self._epoch_repeat and not self._epoch_gap:
            self._epoch_repeat = any(epochs_disagree(self.series.values(), g, b) for g, b in grown)

    def _say_refuted(self) -> None:
        """The notes of accuracies whose percent reading the loss refutes (`percent_floor`), replacing
        those said before (a reading in percent undone takes its note with it)."""
        if not self._refuted and not any(s.scale != 1.0 for s in self.series.values()):
            return
        notes = percent_refuted(self.by_role)
        if notes != self._refuted:
            gone = set(self._refuted)
            self.problems[:] = [p for p in self.problems if p.line is not None or p.message not in gone]
            self.problems += [Problem(None, note) for note in notes]
            self._refuted = notes

    def _new_names(self, batch: Batch) -> list[str]:
        """The batch's names that have no series yet and a value in it, in the order of their first
        value (the column order among names first seen on one row), so series are made in the same
        order however the history was cut into batches."""
        first: dict[str, int] = {}
        for name in batch.values:
            if name not in self.series:
                p = batch.present.get(name)
                if p is None:
                    first[name] = 0
                elif p.any():
                    first[name] = int(p.argmax())
        return sorted(first, key=first.__getitem__)

    def cut_from(self, axis: str, x: float) -> tuple[int, float]:
        """Drop every point whose `axis` x ('step' or 'epoch') is `x` or more (a run resumed from a
        checkpoint logs them again: readers/split.py). Returns (how many values were dropped, the
        highest x dropped; NaN when none). Points without an x on that axis are kept."""
        dropped, top = 0, math.nan
        for name, s in list(self.series.items()):
            col = s.x_or_none(axis)
            if col is None:
                continue
            gone = col >= x
            if not gone.any():
                continue
            k = int(gone.sum())
            dropped += k
            top = float(np.nanmax(col[gone])) if math.isnan(top) else max(top, float(np.nanmax(col[gone])))
            keep = np.flatnonzero(~gone)
            new = Series(name, s.source_name)
            new.loss_kind, new.eval_size = s.loss_kind, s.eval_size
            new.set_role(s.role)

            def cols(c: np.ndarray | None, keep: np.ndarray = keep) -> np.ndarray | None:
                return None if c is None else c[keep]

            vals = s.values[keep] / s.scale  # (in the unit it was logged in: the new series scales it alike)
            new.extend(vals, cols(s.x_or_none("step")), cols(s.x_or_none("epoch")), cols(s.times))
            new.unit_notes.clear()
            self.series[name] = new
            self.points -= k
        return dropped, top

    def reaxis(self, lo: float, per_epoch: float) -> Batch:
        """The run's step restarts each epoch (readers/epoch_steps.py): every point with a step and
        an epoch moves to the fractional epoch `epoch + (step - lo) / per_epoch`, its step dropped.
        Returns every point the run holds, on the new x, as one batch (`reaxis` set), for those who
        were told the points before: one row per x shared by series logged together (the same x
        columns: `loss` and `acc` of one record), ordered by x."""
        groups: dict[bytes, list[tuple[str, np.ndarray]]] = {}
        cols: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for name, s in list(self.series.items()):
            step, epoch = s.steps, s.epochs
            both = ~np.isnan(step) & ~np.isnan(epoch)
            moved = np.where(both, epoch + (step - lo) / per_epoch, epoch)
            step = np.where(both, np.nan, step)
            new = Series(name, s.source_name)
            new.loss_kind, new.eval_size = s.loss_kind, s.eval_size
            new.set_role(s.role)
            raw = s.values / s.scale  # (in the unit it was logged in: the new series scales it alike)
            new.extend(raw, step, moved, s.times)
            new.unit_notes.clear()
            self.series[name] = new
            key = b"|".join(np.nan_to_num(c, nan=np.inf).tobytes() for c in (step, moved, s.times))
            groups.setdefault(key, []).append((name, raw))
            cols[key] = (step, moved, s.times)
        total = sum(len(cols[k][0]) for k in groups)
        values = {name: np.full(total, np.nan) for g in groups.values() for name, _ in g}
        present = {name: np.zeros(total, dtype=bool) for name in values}
        at = 0
        for key, members in groups.items():
            k = len(cols[key][0])
            for name, raw in members:
                values[name][at : at + k] = raw
                present[name][at : at + k] = True
            at += k

        def cat(c: int) -> np.ndarray:
            return np.concatenate([cols[k][c] for k in groups]) if groups else np.empty(0)

        batch = Batch(total, values, dict(present.items()), cat(0), cat(1), cat(2))
        batch = batch.take(np.argsort(batch.epoch, kind="stable"))  # type: ignore[arg-type]
        batch.reaxis = (lo, per_epoch)
        return batch

    def clear(self) -> None:
        """Forget every point (the log is being read again from its start)."""
        self.series.clear()
        self.problems.clear()  # (what its series said is said again as they are read again)
        self.points = 0
        self._epoch_gap = self._epoch_repeat = False
        self._refuted.clear()
        self.ended = False

    def _assign_roles(self) -> None:
        roles = assign_roles(list(self.series), self.role_map, self.role_hints)
        for name, s in self.series.items():
            s.set_role(roles[name])  # type: ignore[arg-type]
        unsure = split_unknown_notes(roles, self.role_hints)
        if any(p.line is None and p.message.endswith(SPLIT_UNKNOWN_END) for p in self.problems):
            # (a bare name whose held-out counterpart was read since is the training one: unsaid)
            self.problems[:] = [
                p
                for p in self.problems
                if p.line is not None or not p.message.endswith(SPLIT_UNKNOWN_END) or p.message in unsure
            ]
        for note in [
            *top_k_notes(roles),
            *numbered_notes(roles, self.role_map),
            *said_notes(roles, self.role_map),
            *unsure,
            *_not_share_notes(self.series, roles),
        ]:  # (said once: not added twice)
            if all(p.message != note for p in self.problems):
                self.problems.append(Problem(None, note))
        for name in summed_losses(list(self.series)):  # a total of named terms: a detection loss
            if self.series[name].loss_kind == "unknown":
                self.series[name].loss_kind = "sum-of-terms"

    def by_role(self, role: Role) -> Series | None:
        for s in self.series.values():
            if s.role == role and len(s):
                return s
        return None

    @property
    def json_path(self) -> str:
        """The path for JSON output: the real one, which a script can open (JSON carries control
        characters escaped: `clean.json_text`), unless it is no text (undecodable bytes): then `path`."""
        raw = self.source_path
        if not raw or raw == self.path:
            return self.path
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return self.path
        return raw

    @property
    def loss_kind(self) -> LossKind:
        """What the run's training loss measures (its train_loss series' `loss_kind`)."""
        s = self.by_role("train_loss") or self.by_role("val_loss")
        return "unknown" if s is None else s.loss_kind

    @property
    def x_axis(self) -> XAxis:
        """'epoch' when every point carries an epoch and no evaluation shares its epoch with the one
        before it at a later step; otherwise 'step' (kept up to date as points arrive, so asking
        costs nothing)."""
        return "step" if self._epoch_gap or self._epoch_repeat or not self.points else "epoch"

    def freeze_into(self, other: Run | None = None) -> Run:
        """A snapshot of the run as it is now, for an analysis on another thread while points are
        appended here (`other` updated in place, or a new Run): its series are `Series.freeze_into`
        snapshots (no copy of the points: O(number of series)), kept as the same objects from one
        snapshot to the next, so an analysis that holds them sees each snapshot's points. The probe
        sidecar and the parameters are shared, not copied; the problems are not (the analysis does
        not read them)."""
        m = other if other is not None else Run(self.name, self.path, self.format)
        m.name, m.path, m.format, m.first_line = self.name, self.path, self.format, self.first_line
        m.role_map, m.role_hints, m.points = self.role_map, self.role_hints, self.points
        m._epoch_gap, m.probe, m.params = self._epoch_gap, self.probe, self.params
        m._epoch_repeat, m.ended = self._epoch_repeat, self.ended
        if list(m.series) != list(self.series):  # (new series: the same order as here)
            old = m.series
            m.series = {name: old[name] if name in old else Series(name) for name in self.series}
        for name, s in self.series.items():
            s.freeze_into(m.series[name])
        return m

    def fold(self, keep: int) -> bool:
        """Fold the oldest points of every series so each keeps at most 3 * `keep` (`Series.fold`);
        whether any series folded."""
        return any([s.fold(keep) for s in self.series.values()])

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.series.values())


def _not_share_notes(series: dict[str, Series], roles: dict[str, str]) -> list[str]:
    """Why an accuracy role's metric is read for its trend only (an F1 mapped to val_acc)."""
    out = []
    for name, role in roles.items():
        source = series[name].source_name
        if role in ("val_acc", "train_acc") and (what := not_share(source)):
            out.append(not_share_note(clean(source), role, what))
    return out


def _epoch_missing(batch: Batch) -> bool:
    """Whether a value of the batch has no epoch (no epoch column, or NaN on one of its rows)."""
    if batch.epoch is None:
        return True
    missing = np.isnan(batch.epoch)
    if not missing.any():
        return False
    return any(p is None or bool((missing & p).any()) for p in batch.present.values())


def _rows_of(
    batch: Batch, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The rows where `present` is true, and the batch's step, epoch and time there (None: none)."""
    rows = np.flatnonzero(present)
    return (
        rows,
        None if batch.step is None else batch.step[rows],
        None if batch.epoch is None else batch.epoch[rows],
        None if batch.time is None else batch.time[rows],
    )


def _evaluated_twice_in_an_epoch(s: Series, before: int) -> bool:
    """Whether the points of `s` from index `before` on (and the one before them) hold two
    evaluations at one epoch whose step moved on. O(new points)."""
    ep, st = s.x_or_none("epoch"), s.x_or_none("step")
    if ep is None or st is None:
        return False
    lo = max(before - s.base - 1, 0)
    e, t = ep[lo:], st[lo:]
    if len(e) < 2:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.any((e[1:] == e[:-1]) & (t[1:] > t[:-1])))


__all__ = [
    "ACC_ROLES",
    "ROLES",
    "Batch",
    "BatchBuilder",
    "Growable",
    "LazyColumn",
    "LossKind",
    "Problem",
    "Role",
    "Run",
    "Series",
    "XAxis",
]
