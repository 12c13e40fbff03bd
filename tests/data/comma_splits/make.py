"""Writes train_acc_after_split.log and bare_then_val.log here: a real numpy logistic regression
(minibatch SGD, 400 training and 200 validation samples of a noisy linear problem) whose loop prints
a bare accuracy name after each split's loss, the way many tutorials do:

    Epoch 3/20 - Train Loss: 0.5284, Acc: 0.8375, Val Loss: 0.5573, Acc: 0.7550
    Epoch 3/20 - Loss: 0.5284, Acc: 0.8375, Val Loss: 0.5573, Acc: 0.7550

Run: python make.py (numpy only)."""

from pathlib import Path

import numpy as np

rng = np.random.default_rng(0)
n, d = 600, 10
x = rng.normal(size=(n, d))
y = (x @ rng.normal(size=d) + rng.normal(size=n) * 2 > 0).astype(float)
xt, yt, xv, yv = x[:400], y[:400], x[400:], y[400:]
w = np.zeros(d)


def evaluate(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    p = np.clip(1 / (1 + np.exp(-(xs @ w))), 1e-12, 1 - 1e-12)
    return float(-np.mean(ys * np.log(p) + (1 - ys) * np.log(1 - p))), float(np.mean((p > 0.5) == ys))


a, b = [], []
for ep in range(1, 21):
    for i in range(0, 400, 32):
        xb, yb = xt[i : i + 32], yt[i : i + 32]
        w -= 0.05 * xb.T @ (1 / (1 + np.exp(-(xb @ w))) - yb) / len(yb)
    (tl, ta), (vl, va) = evaluate(xt, yt), evaluate(xv, yv)
    a.append(f"Epoch {ep}/20 - Train Loss: {tl:.4f}, Acc: {ta:.4f}, Val Loss: {vl:.4f}, Acc: {va:.4f}")
    b.append(f"Epoch {ep}/20 - Loss: {tl:.4f}, Acc: {ta:.4f}, Val Loss: {vl:.4f}, Acc: {va:.4f}")
here = Path(__file__).parent
(here / "train_acc_after_split.log").write_text("\n".join(a) + "\n")
(here / "bare_then_val.log").write_text("\n".join(b) + "\n")
