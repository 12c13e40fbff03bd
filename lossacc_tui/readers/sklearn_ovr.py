"""A multi-class SGD model's one-vs-rest blocks in scikit-learn's console (tester h19t fault 7).

sklearn fits one binary model per class, in the order of `classes_`, inside a joblib `Parallel`
whose `verbose` is the model's: each `fit` or `partial_fit` prints one block per class, then
`[Parallel(n_jobs=1)]: Done   3 out of   3 | elapsed: ...` (with `n_jobs` > 1 a line
`[Parallel(n_jobs=2)]: Using backend ThreadingBackend with 2 concurrent workers.` opens it). A
binary model prints no `Parallel` line.

- `partial_fit`, `n_jobs=1`: each call prints K blocks of `-- Epoch 1`, one per class in class
  order. The call is one record at x = the calls counted: `loss` and `objective` are the mean of
  the K models' (what sklearn printed, averaged), and `class 1 loss`, ... each class's own. Blocks of
  epoch 1 wait for the `Done` line that ends their call. A binary model's calls print none: they are
  let go as calls, one epoch each, at the first sign they are not one call's classes (a block with
  another `T`, the samples of its call; any other line between them, such as the loop's own print),
  or after `HOLD` of them.
- `n_jobs` > 1: the classes' threads print at once: their lines interleave (two `-- Epoch 1` in a
  row, then two stats lines), so no line can be given to its class. Each stats line's `T` (samples
  seen by its model in this call) still gives its epoch: T over the smallest T of the block. A
  call's blocks (one T) are one record at x = the call count; a `fit`'s (T = epoch x samples) a run
  of its own with one record per epoch. Both hold the mean of the K models, said once, and wait for
  the `Done` line.
- `fit`, `n_jobs=1`: each class's count from 1 is a run of its own (readers/sklearn_fits.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lossacc_tui.model import BatchBuilder

#: epoch-1 blocks held for the `Done` line that would make them one call's classes
HOLD = 64
USING = re.compile(r"^\[Parallel\(n_jobs=-?\d+\)\]: Using backend \w+ with (\d+) concurrent workers\.?$")
DONE = re.compile(r"^\[Parallel\(n_jobs=-?\d+\)\]: Done\s+(\d+) out of\s+(\d+) \|")
CALLS = (
    "a multi-class model's partial_fit: each call prints one block per class (one-vs-rest, in the "
    "order of classes_) and a `Done {k} out of {k}` line: each call is read at x = the calls counted; "
    "`loss` and `objective` are the mean of the {k} models', `class 1 loss`, ... each class's own "
    "(their `norm` is not read)"
)
THREADS = (
    "the {k} one-vs-rest models ran in {w} threads (n_jobs > 1): their lines interleave, so no value "
    "can be given to its class: `loss` and `objective` are the mean of the {k} models' at each {x} "
    "(the blocks are read when the `Done` line ends them)"
)
STOPPED = (
    "some of the {k} one-vs-rest models stopped before the others (each stops when its own loss "
    "stops improving): the {left} epochs after the first stopped are not read (a mean over the models "
    "left would jump with the set)"
)
SCORES = (
    "the one-vs-rest models' `Validation score`s are each one class's binary accuracy, their lines "
    "interleaved: not read as the model's validation accuracy"
)
CUT = (
    "the one-vs-rest blocks after the last `Done` line are not all there (the log stops in a call): not read"
)


@dataclass(slots=True)
class Block:
    """One stats line: its epoch (`-- Epoch N` before it, None when threads interleave), its
    samples `t`, its values and line."""

    epoch: int | None
    t: int
    values: dict[str, float]
    line: int


def mean(blocks: list[Block], name: str) -> float | None:
    vals = [b.values[name] for b in blocks if name in b.values]
    return sum(vals) / len(vals) if len(vals) == len(blocks) else None


def call_record(blocks: list[Block], per_class: bool) -> dict[str, float]:
    """One partial_fit call's K blocks as one record: the mean loss and objective, and (when
    the blocks are in class order) each class's loss."""
    out: dict[str, float] = {}
    for name in ("loss", "objective"):  # (a validation score is one class's binary accuracy: not averaged)
        if (v := mean(blocks, name)) is not None:
            out[name] = v
    if per_class:
        for i, b in enumerate(blocks, 1):
            if "loss" in b.values:
                out[f"class {i} loss"] = b.values["loss"]
    return out


def fit_records(blocks: list[Block], k: int) -> tuple[list[tuple[int, dict[str, float], int]], int]:
    """A threaded `fit`'s blocks as (epoch, mean record, last line) per epoch, the epoch from T,
    for the epochs all `k` models printed; and how many epochs after those are left out (some
    models had stopped: a mean over the others would jump with the set)."""
    t1 = min(b.t for b in blocks)
    by: dict[int, list[Block]] = {}
    for b in blocks:
        by.setdefault(round(b.t / t1) if t1 > 0 else 1, []).append(b)
    whole = [
        (e, call_record(bs, False), max(b.line for b in bs)) for e, bs in sorted(by.items()) if len(bs) == k
    ]
    return whole, len(by) - len(whole)


class OneVsRest:
    """The blocks of the current `Parallel` (see the module's docstring). The reader hands it each
    stats line (`take`) and each `Parallel` line (`using`, `done`); what it returns to the reader's
    count (readers/sklearn_fits.py) comes back from `release`."""

    def __init__(self) -> None:
        self.workers = 1  # threads of the open Parallel (a `Using backend` line), else 1
        self.held: list[Block] = []
        self.calls = 0  # one-vs-rest calls counted in the current count
        self.classes = 0  # K, from the last `Done K out of K`
        self.holding = True  # False once HOLD blocks came with no `Done` line (a binary model)
        self.told: set[str] = set()

    def take(self, block: Block) -> bool:
        """True when the block is held (this Parallel's), False when the reader's count takes it."""
        if self.workers > 1 or (block.epoch == 1 and self.holding and len(self.held) < HOLD):
            self.held.append(block)
            return True
        if block.epoch == 1 and self.holding:
            self.holding = False  # HOLD blocks of epoch 1 and no Done line: a binary model's calls
        return False

    def release(self) -> list[Block]:
        """The held blocks, for the reader's count (they were not one call's classes)."""
        held, self.held = self.held, []
        return held

    def accepts(self, k: int) -> bool:
        """Whether a `Done k out of k` line makes the held blocks one call's classes (or a
        threaded fit's)."""
        if k < 2 or not self.held:
            return False
        return self.workers > 1 or (len(self.held) == k and all(b.epoch == 1 for b in self.held))

    def done(self, out: BatchBuilder, k: int, shift: float, new_run: bool, note: list[str]) -> None:
        """The held blocks, which `accepts(k)`, into `out`."""
        held, workers = self.held, self.workers
        self.held, self.workers = [], 1
        if workers > 1:
            self._threaded(out, held, k, workers, shift, new_run, note)
        else:
            self._call(out, held, True, shift, new_run, note)

    def _call(
        self,
        out: BatchBuilder,
        held: list[Block],
        per_class: bool,
        shift: float,
        new_run: bool,
        note: list[str],
    ) -> None:
        self.classes = len(held)
        if new_run:
            self.calls = 0
        self.calls += 1
        if per_class and "calls" not in self.told:
            self.told.add("calls")
            note.append(CALLS.format(k=len(held)))
        out.add(call_record(held, per_class), epoch=self.calls + shift, line=held[-1].line, new_run=new_run)

    def _threaded(
        self,
        out: BatchBuilder,
        held: list[Block],
        k: int,
        workers: int,
        shift: float,
        new_run: bool,
        note: list[str],
    ) -> None:
        one_call = len({b.t for b in held}) == 1 and len(held) == k
        if "threads" not in self.told:
            self.told.add("threads")
            note.append(THREADS.format(k=k, w=workers, x="call" if one_call else "epoch"))
        if one_call:
            self._call(out, held, False, shift, new_run, note)
            return
        self.calls = 0
        records, left = fit_records(held, k)
        for i, (epoch, values, line) in enumerate(records):
            out.add(values, epoch=epoch + shift, line=line, new_run=new_run and i == 0)
        if left and "stopped" not in self.told:
            self.told.add("stopped")
            note.append(STOPPED.format(left=left, k=k))
        if any("validation score" in b.values for b in held) and "scores" not in self.told:
            self.told.add("scores")
            note.append(SCORES)


__all__ = ["CUT", "DONE", "HOLD", "USING", "Block", "OneVsRest"]
