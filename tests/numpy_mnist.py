"""A real (tiny) training run in numpy that prints its progress exactly as the PyTorch MNIST example
(pytorch/examples mnist/main.py) does, with its sizes scaled down: softmax regression trained by
minibatch SGD on Gaussian classes. Every number in the log is what the training computed.

`train()` prints `Train Epoch: E [batch_idx * len(data)/N (p%)]\\tLoss: x` every `log_interval`
batches, with the loss of that batch computed before its update (as `loss.item()` after the
forward pass); `test()` prints `\\nTest set: Average loss: ..., Accuracy: k/N (p%)\\n` after each
epoch: the summed cross-entropy over the test set divided by N, and the count of right answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class MnistRun:
    """What the training computed. Losses in nats, accuracies as fractions."""

    n_train: int
    n_test: int
    #: (epoch, samples of the epoch before the batch, the batch's loss) of every printed batch
    logged: list[tuple[int, int, float]] = field(default_factory=list)
    epoch_mean_loss: list[float] = field(default_factory=list)  # mean of every batch's loss, per epoch
    test_loss: list[float] = field(default_factory=list)
    test_correct: list[int] = field(default_factory=list)
    #: (epoch as printed, samples of the epoch trained) at each evaluation of the first set
    eval_at: list[tuple[int, int]] = field(default_factory=list)
    test2_loss: list[float] = field(default_factory=list)  # the second set's, when there is one
    test2_correct: list[int] = field(default_factory=list)
    #: the batch's accuracy (a fraction, before its update) of every printed batch, when printed
    logged_acc: list[float] = field(default_factory=list)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def mnist_log(
    path: Path,
    *,
    epochs: int = 30,
    classes: int = 4,
    features: int = 100,
    informative: int = 4,
    n_train: int = 240,
    n_test: int = 200,
    batch_size: int = 16,
    log_interval: int = 3,
    lr: float = 0.5,
    label_noise: float = 0.0,
    seed: int = 0,
    sep: str = "\t",
    pct: str = "{:.0f}",
    noise_lines: bool = False,
    first_epoch: int = 1,
    eval_every: int = 0,
    second_set: bool = False,
    train_acc: str = "",
) -> MnistRun:
    """Train and write `path` the way the example prints. Many `features` (most of them noise) and
    few `n_train` samples make a run that overfits; `label_noise` flips that share of the training
    labels. `sep` goes between `]` and `Loss:`; `pct` formats the percents; `noise_lines` adds what a
    longer console holds between them: a warning, and tqdm redraws (`\\r` and the bar, so a print
    lands after the bar on its line). Copies of the example also number epochs from `first_epoch` 0,
    evaluate every `eval_every` batches inside an epoch too, or print a `second_set` (another
    held-out set of the same size) after the first, also as `Test set:`. `train_acc`: a format
    printed after the loss with the batch's accuracy in percent (`"\\tAcc: {:.2f}%"`; empty: none)."""
    rng = np.random.default_rng(seed)
    centers = np.zeros((classes, features))
    centers[:, :informative] = rng.normal(0, 1.6, size=(classes, informative))
    n = n_train + 2 * n_test
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1.0, size=(n, features))
    xt, yt = x[:n_train], y[:n_train].copy()
    xv, yv, xs, ys = x[n_train:-n_test], y[n_train:-n_test], x[-n_test:], y[-n_test:]
    flip = rng.random(n_train) < label_noise
    yt[flip] = rng.integers(0, classes, size=int(flip.sum()))
    w = np.zeros((features, classes))
    b = np.zeros(classes)
    run = MnistRun(n_train, n_test)
    batches = -(-n_train // batch_size)
    out: list[str] = []
    if noise_lines:
        out.append("/usr/lib/python3/site-packages/torch/utils/data.py:12: UserWarning: a warning\n")

    def test(xe: np.ndarray, ye: np.ndarray) -> tuple[float, int]:
        pv = _softmax(xe @ w + b)
        test_loss = float(-np.log(pv[np.arange(n_test), ye] + 1e-12).sum()) / n_test
        correct = int((pv.argmax(axis=1) == ye).sum())
        percent = pct.format(100.0 * correct / n_test)
        out.append(
            f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{n_test} ({percent}%)\n\n"
        )
        return test_loss, correct

    def evaluate(epoch: int, done: int) -> None:
        loss, correct = test(xv, yv)
        run.test_loss.append(loss)
        run.test_correct.append(correct)
        run.eval_at.append((epoch, done))
        if second_set:
            loss, correct = test(xs, ys)
            run.test2_loss.append(loss)
            run.test2_correct.append(correct)

    for epoch in range(first_epoch, first_epoch + epochs):
        order = rng.permutation(n_train)
        losses = []
        for batch_idx in range(batches):
            idx = order[batch_idx * batch_size : (batch_idx + 1) * batch_size]
            xb, yb = xt[idx], yt[idx]
            p = _softmax(xb @ w + b)
            loss = float(-np.log(p[np.arange(len(yb)), yb] + 1e-12).mean())
            acc = float((p.argmax(axis=1) == yb).mean())
            losses.append(loss)
            p[np.arange(len(yb)), yb] -= 1
            w -= lr * xb.T @ p / len(yb)
            b -= lr * p.mean(axis=0)
            if noise_lines:
                out.append(f"\r{100 * (batch_idx + 1) // batches:3d}%|###   | {batch_idx + 1}/{batches}")
            if batch_idx % log_interval == 0:
                seen = batch_idx * len(idx)
                percent = pct.format(100.0 * batch_idx / batches)
                more = train_acc.format(100.0 * acc) if train_acc else ""
                out.append(
                    f"Train Epoch: {epoch} [{seen}/{n_train} ({percent}%)]{sep}Loss: {loss:.6f}{more}\n"
                )
                run.logged.append((epoch, seen, loss))
                if train_acc:
                    run.logged_acc.append(acc)
            if eval_every and (batch_idx + 1) % eval_every == 0 and batch_idx + 1 < batches:
                evaluate(epoch, (batch_idx + 1) * batch_size)
        run.epoch_mean_loss.append(float(np.mean(losses)))
        evaluate(epoch, n_train)
    path.write_text("".join(out))
    return run


def keras_csv_of(path: Path, run: MnistRun) -> Path:
    """The same training as a Keras CSVLogger would write it: per epoch the mean training loss and
    the evaluation's loss and accuracy (printed to 4 decimals, as the example's log has them)."""
    path.write_text(
        "epoch,loss,val_loss,val_accuracy\n"
        + "".join(
            f"{e},{loss!r},{round(tl, 4)!r},{c / run.n_test!r}\n"
            for e, (loss, tl, c) in enumerate(
                zip(run.epoch_mean_loss, run.test_loss, run.test_correct, strict=True)
            )
        )
    )
    return path
