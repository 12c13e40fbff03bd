"""A tqdm progress bar redirected to a file (`python train.py > log 2>&1`) is one run: each postfix
value once (the last refresh of its step, not every redraw), the evaluations in the same run.
(Tester 15: a real tqdm log read as text-kv became 7-8 runs, 289 points of repeated refreshes.)
The logs are written by tqdm itself around a numpy softmax regression trained batch by batch."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs

tqdm = pytest.importorskip("tqdm").tqdm

EPOCHS, BATCH = 5, 40


class Training:
    """Softmax regression on Gaussian blobs (3 classes, 6 features), trained by minibatch SGD."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        centers = rng.normal(0, 1.2, size=(3, 6))
        y = rng.integers(0, 3, 400)
        x = centers[y] + rng.normal(0, 1.3, size=(400, 6))
        self.xt, self.yt, self.xv, self.yv = x[:280], y[:280], x[280:], y[280:]
        self.w, self.b = np.zeros((6, 3)), np.zeros(3)

    def _probs(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.w + self.b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def batches(self) -> range:
        return range(0, len(self.xt), BATCH)

    def step(self, i: int) -> tuple[float, float]:
        """One SGD step on batch i: (its loss in nats, its accuracy) before the update."""
        xb, yb = self.xt[i : i + BATCH], self.yt[i : i + BATCH]
        p = self._probs(xb)
        loss = float(-np.log(p[np.arange(len(yb)), yb]).mean())
        acc = float((p.argmax(1) == yb).mean())
        p[np.arange(len(yb)), yb] -= 1
        self.w -= 0.3 * xb.T @ p / len(yb)
        self.b -= 0.3 * p.mean(axis=0)
        return loss, acc

    def evaluate(self) -> tuple[float, float]:
        p = self._probs(self.xv)
        return float(-np.log(p[np.arange(len(self.yv)), self.yv]).mean()), float(
            (p.argmax(1) == self.yv).mean()
        )


def _epoch_bars(out: io.StringIO, t: Training) -> list[float]:
    """One bar per epoch (`Epoch 3/5`), `set_postfix(loss=..)` each batch, the evaluation in the last
    postfix (what the tester's script does); leave=True."""
    val = []
    for ep in range(EPOCHS):
        bar = tqdm(t.batches(), desc=f"Epoch {ep + 1}/{EPOCHS}", file=out, mininterval=0)
        for i in bar:
            loss, acc = t.step(i)
            if i + BATCH < len(t.xt):
                bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.3f}")
                continue
            vl, va = t.evaluate()  # the last batch: the epoch's evaluation joins the postfix
            val.append(vl)
            bar.set_postfix(loss=f"{loss:.4f}", acc=f"{acc:.3f}", val_loss=f"{vl:.4f}", val_acc=f"{va:.4f}")
    return val


def _nested(out: io.StringIO, t: Training) -> list[float]:
    """An outer bar over epochs with the evaluation in its postfix, an inner batch bar (leave=False)
    with the training loss as a dict postfix."""
    val = []
    epochs = tqdm(range(EPOCHS), desc="Epochs", file=out, mininterval=0)
    for _ in epochs:
        inner = tqdm(t.batches(), desc="Batches", file=out, leave=False, mininterval=0)
        for i in inner:
            loss, _ = t.step(i)
            inner.set_postfix({"loss": round(loss, 4)})
        vl, va = t.evaluate()
        val.append(vl)
        epochs.set_postfix(val_loss=f"{vl:.4f}", val_acc=f"{va:.4f}")
    return val


def _write_lines(out: io.StringIO, t: Training) -> list[float]:
    """`set_postfix_str` free text, the evaluation printed with `tqdm.write`, leave=False."""
    val = []
    for ep in range(EPOCHS):
        bar = tqdm(t.batches(), desc=f"epoch {ep}", file=out, leave=False, mininterval=0)
        for i in bar:
            loss, acc = t.step(i)
            bar.set_postfix_str(f"loss {loss:.4f} acc {acc:.3f}")
        vl, va = t.evaluate()
        val.append(vl)
        tqdm.write(f"epoch {ep}: val_loss {vl:.4f} val_acc {va:.4f}", file=out)
    return val


def _update_first(out: io.StringIO, t: Training) -> list[float]:
    """One bar over every step (`total=`), `update(1)` before `set_postfix(dict)`, dynamic_ncols,
    the evaluation printed after each epoch's steps."""
    val = []
    bar = tqdm(total=EPOCHS * len(t.batches()), file=out, dynamic_ncols=True, mininterval=0)
    for ep in range(EPOCHS):
        for i in t.batches():
            loss, acc = t.step(i)
            bar.update(1)
            bar.set_postfix({"loss": f"{loss:.4f}", "acc": f"{acc:.3f}"})
        vl, va = t.evaluate()
        val.append(vl)
        bar.write(f"Epoch {ep + 1}: val_loss={vl:.4f} val_acc={va:.4f}", file=out)
    bar.close()
    return val


LOOPS: dict[str, Callable[[io.StringIO, Training], list[float]]] = {
    "epoch-bars": _epoch_bars,
    "nested": _nested,
    "tqdm-write": _write_lines,
    "update-first": _update_first,
}


def _printed_losses(text: str) -> list[float]:
    """The training loss of each postfix change, as the bar showed it (redraws repeat a value)."""
    import re

    shown = [float(m[1]) for m in re.finditer(r"[^_]loss[= ](\d+\.\d+)", text.replace("\r", "\n"))]
    return [v for k, v in enumerate(shown) if k == 0 or v != shown[k - 1]]


@pytest.mark.parametrize("loop", list(LOOPS), ids=list(LOOPS))
def test_a_tqdm_log_is_one_run_with_each_value_once(tmp_path: Path, loop: str) -> None:
    out = io.StringIO()
    val = LOOPS[loop](out, Training())
    log = tmp_path / "train.log"
    log.write_text(out.getvalue())
    runs = read_runs(log)
    assert len(runs) == 1, [r.name for r in runs]
    run = runs[0]
    assert np.allclose(run.series["val_loss"].values, val, atol=5e-5)
    losses = run.series["loss"].values
    assert np.allclose(losses, _printed_losses(out.getvalue()), atol=5e-5)
    assert len(losses) <= EPOCHS * len(Training().batches())  # never a point per redraw
    x = run.series["loss"].steps
    assert np.all(np.diff(x) > 0)  # one training, one step axis


def test_a_tqdm_log_followed_in_chunks_reads_as_whole(tmp_path: Path) -> None:
    from conftest import feed_in_chunks, snapshot

    out = io.StringIO()
    _epoch_bars(out, Training())
    log = tmp_path / "train.log"
    log.write_text(out.getvalue())
    whole = snapshot(read_runs(log))
    assert len(whole) == 1
    assert snapshot(feed_in_chunks(log, [97, 13, 1024])) == whole


def test_a_followed_tqdm_log_shows_each_epoch_when_its_bar_fills(tmp_path: Path) -> None:
    """Followed, an epoch's evaluation (the full bar's postfix) is read as soon as the bar fills,
    not held back until the next epoch's bar draws; its refreshes are not points of their own."""
    from lossacc_tui.source import discover

    out = io.StringIO()
    val = _epoch_bars(out, Training())
    data = out.getvalue().encode()
    log = tmp_path / "train.log"
    log.write_bytes(data)
    (src,) = discover(log)
    pos = 0
    for k in range(1, EPOCHS + 1):
        end = data.index(b"\n", pos) + 1  # the epoch's bar closes with its line end
        src.feed(0, data[pos:end])
        pos = end
        (run,) = src.runs
        assert np.allclose(run.series["val_loss"].values, val[:k], atol=5e-5)
        assert len(run.series["loss"].values) <= k * len(Training().batches())


def test_a_printed_train_loss_beside_the_bars_running_loss_is_the_training_loss(tmp_path: Path) -> None:
    """The bar shows the epoch's running mean (`set_postfix(loss=..)`) and the loop prints the
    epoch's `train_loss` beside the evaluation: the printed one is the training loss (the bar's
    had taken the role, the printed one left `other`); the bar's keeps its name and every point,
    and a note says which is read and how to read the other."""
    t, out = Training(), io.StringIO()
    printed = []
    for ep in range(EPOCHS):
        bar = tqdm(t.batches(), desc=f"Epoch {ep + 1}", file=out, mininterval=0)
        running = 0.0
        for k, i in enumerate(bar, 1):
            running += t.step(i)[0]
            bar.set_postfix(loss=f"{running / k:.4f}")
        p = t._probs(t.xt)
        tl = float(-np.log(p[np.arange(len(t.yt)), t.yt]).mean())
        vl, va = t.evaluate()
        printed.append(round(tl, 4))
        tqdm.write(f"epoch {ep + 1} train_loss {tl:.4f} val_loss {vl:.4f} val_acc {va:.4f}", file=out)
    log = tmp_path / "train.log"
    log.write_text(out.getvalue())
    (run,) = read_runs(log)
    train = run.by_role("train_loss")
    assert train is not None and train.name == "train_loss"
    assert [round(v, 4) for v in train.values] == printed
    assert run.series["loss"].role == "other" and len(run.series["loss"]) == EPOCHS * len(t.batches())
    said = [p.message for p in run.problems if p.message.startswith("loss: a training loss named without")]
    assert len(said) == 1 and "--map train_loss=loss" in said[0]
