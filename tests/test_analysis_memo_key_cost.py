"""A live update's shared-work keys cost what its new points cost, not what the carried history
holds (issue #12: one live update of a run of a few hundred epochs in 1-2 ms). `span_trend`'s
state carries the running sums of the last `LONG_MAX` evaluations (six rows read, up to 12 kB);
`span_memo.memo_key` hashed all of it for each key (75 kB an update in all, at about 3.7 us a kB
of blake2b here), where the carried rows are now compared whole on a hit, as the chunk is. Runs: a
real numpy softmax regression (`tests/numpy_training.py`) fed an epoch at a time; the alerts, their
texts and the band are compared with the same run analysed with nothing shared between detectors."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, span_memo
from lossacc_tui.model import Batch, Run
from tests.numpy_training import softmax_regression

NAMES = ("train_loss", "train_acc", "val_loss", "val_acc")
EPOCHS = 320  # (past LONG_MAX = 256: the carried rows are full)
_BLAKE2B = hashlib.blake2b


class _Counting:
    """`hashlib.blake2b` that counts the bytes it is given."""

    def __init__(self) -> None:
        self.bytes = 0

    def __call__(self, data: bytes = b"", **kwargs: Any) -> Any:
        h = _BLAKE2B(data, **kwargs)
        outer = self

        class _H:
            def update(self, b: Any) -> None:
                outer.bytes += memoryview(b).nbytes
                h.update(b)

            def digest(self) -> bytes:
                return h.digest()

        outer.bytes += len(data)
        return _H()


def _live(hashed: _Counting | None = None) -> tuple[list[tuple[Any, ...]], list[int]]:
    rows = softmax_regression(epochs=EPOCHS, seed=2)
    cols = {k: np.array([r[k] for r in rows]) for k in NAMES}
    run = Run("live", "-", "csv")
    a = Analyzer(run)
    said: list[tuple[Any, ...]] = []
    per_update: list[int] = []
    for e in range(EPOCHS):
        run.add_batch(Batch(1, {k: v[e : e + 1] for k, v in cols.items()}, {}, epoch=np.array([float(e)])))
        before = hashed.bytes if hashed is not None else 0
        events = a.update()
        per_update.append((hashed.bytes if hashed is not None else 0) - before)
        said.append(tuple((w, x.kind, x.severity, x.start, x.end, x.title) for w, x in events))
    said.append(tuple((x.kind, x.severity, x.start, x.end, x.title, x.explanation) for x in a.alerts))
    said.append(tuple((s.state, s.start, s.end) for s in a.states))
    said.append((a.summary(),))
    return said, per_update


def test_a_live_update_hashes_its_new_points_not_the_carried_history(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = _Counting()
    monkeypatch.setattr(span_memo.hashlib, "blake2b", hashed)
    said, per_update = _live(hashed)
    late = per_update[300:]  # (the carried rows full: 256 evaluations of six running sums, 12 kB)
    assert max(late) > 0  # (the keys are still made: the state band and acc-flat share the noise)
    # less than one key's carried rows (12 kB) for all of an update's keys together (on main: 75 kB)
    assert max(late) < 12 * 1024, max(late)
    monkeypatch.undo()
    monkeypatch.setattr(span_memo.MEMO, "budget", 0)  # nothing kept: each detector computes alone
    assert _live()[0] == said
