"""Makes this folder's console logs by training for real and printing as users' scripts print.

    python make_logs.py STYLE > STYLE.log    (run in /work/venvs/fw: torch 2.13 CPU, numpy 2, sklearn)

Styles (tester 27's T2-T5, whose files were lost):
- `arrows_ascii`:  `train loss -> 0.5321 | val loss -> 0.6012 | val acc -> 0.8100` (no epoch counter)
- `arrows_unicode`: `Epoch 3: train_loss → 0.41, val_loss → 0.52, val_acc → 0.87`
- `arrows_split`: `Epoch 3 | loss: train → 0.4100, val → 0.5200 | acc: train → 0.81, val → 0.79`
- `arrows_words`: after training `Epoch 3 train -> loss 0.4100 acc 0.8100`, after the evaluation
  `Epoch 3 [val] -> loss 0.5200 acc 0.7900` (a split word's arrow to the names it owns)
- `torch_reprs`: the epoch's tensors printed as they are (`print("loss:", loss)`; an f-string's
  `{loss}` formats a 0-d tensor as its number), not `.item()`: the training
  loss summed from the batches' loss tensors (`tensor(0.5321, grad_fn=<DivBackward0>)`), the
  validation loss under no_grad (`tensor(0.6012)`), the validation accuracy as float64
  (`dtype=torch.float64`) with its device named (`device='cpu'`: torch names the device of
  a tensor off the default one, as a GPU run's `device='cuda:0'`; here torch's default is said to
  be `cuda` for that print alone, there being no GPU)
- `torch_vector`: `print("epoch", e, "loss:", torch.stack([train, val]), "acc:", acc)`: a loss
  printed as a tensor of two numbers (no one value), beside a one-number accuracy tensor
- `numpy_reprs`: the epoch's numpy means printed with `!r` (numpy 2: `np.float64(0.5321)`,
  the accuracy a float32 mean: `np.float32(0.81)`)
- `pipes_fairseq`: `| epoch 003 | loss 2.31 | accuracy 61.2 | num_updates 300` and
  `| epoch 003 | valid on 'valid' subset | loss 2.45 | accuracy 58.1 | num_updates 300`, as fairseq
  printed them before it used `logging` (its `simple` progress bar), accuracy in percent
- `pipes_words`: `train | loss 0.53 | acc 0.81 | valid | loss 0.60 | acc 0.79` (no epoch counter)
- `sgd_binary`: scikit-learn `SGDClassifier(loss="log_loss", verbose=1)` on breast_cancer
- `sgd_early`: the same with `early_stopping=True` (a `Validation score` on each line)
- `sgd_partial`: `SGDClassifier(verbose=1)` on breast_cancer fed by `partial_fit`, 8 calls of one
  epoch each, each printing `-- Epoch 1`
- `perceptron_ovr`: `Perceptron(verbose=1, max_iter=8, tol=None)` on iris: one binary
  classifier per class (one-vs-rest), each counting its epochs from 1

The network: a 64-32-10 MLP on sklearn's digits (train 1000 / validation 797 samples), SGD lr 0.05,
batch 50, 12 epochs, seed 0; 30 % of the training labels replaced by random ones, so validation
loss turns up while training loss falls.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.preprocessing import StandardScaler

EPOCHS = 12


def sklearn_style(style: str) -> None:
    if style == "perceptron_ovr":
        X, y = load_iris(return_X_y=True)
        Perceptron(verbose=1, max_iter=8, tol=None, random_state=0).fit(StandardScaler().fit_transform(X), y)
        return
    X, y = load_breast_cancer(return_X_y=True)
    if style == "sgd_partial":
        model = SGDClassifier(verbose=1, random_state=0)
        for _ in range(8):
            model.partial_fit(StandardScaler().fit_transform(X), y, classes=[0, 1])
        return
    early = style == "sgd_early"
    SGDClassifier(loss="log_loss", verbose=1, random_state=0, early_stopping=early, n_iter_no_change=5).fit(
        StandardScaler().fit_transform(X), y
    )


def epochs():
    """Yield per epoch: (train loss tensor with grad_fn, val loss tensor, val acc tensor float64,
    train loss numpy means, val loss numpy, val acc numpy float32, train acc float)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    idx = rng.permutation(len(y))
    tr, va = idx[:1000], idx[1000:]
    ytr = y[tr].copy()
    noisy = rng.random(len(tr)) < 0.3
    ytr[noisy] = rng.integers(0, 10, noisy.sum())
    xt, yt = torch.from_numpy(X[tr]), torch.from_numpy(ytr).long()
    xv, yv = torch.from_numpy(X[va]), torch.from_numpy(y[va]).long()
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(yt))
        running = 0  # a tensor after the first +=: the graph of every batch kept (a common slip)
        batch_losses, correct = [], 0
        for i in range(0, len(yt), 50):
            b = perm[i : i + 50]
            out = model(xt[b])
            loss = lossf(out, yt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            running = running + loss * len(b)
            batch_losses.append(loss.item())
            correct += (out.argmax(1) == yt[b]).sum().item()
        with torch.no_grad():
            out = model(xv)
            vloss = lossf(out, yv)
            hits = out.argmax(1) == yv
        yield (
            running / len(yt),
            vloss,
            hits.double().mean(),
            np.mean(batch_losses),
            np.float64(vloss.numpy()),
            hits.numpy().astype(np.float32).mean(),
            correct / len(yt),
        )


def main(style: str) -> None:
    if style.startswith(("sgd", "perceptron")):
        sklearn_style(style)
        return
    for e, (tl, vl, va, tl_np, vl_np, va_np, ta) in enumerate(epochs(), start=1):
        t, v, a = tl.item(), vl.item(), va.item()
        if style == "arrows_ascii":
            print(f"train loss -> {t:.4f} | val loss -> {v:.4f} | val acc -> {a:.4f}")
        elif style == "arrows_unicode":
            print(f"Epoch {e}: train_loss → {t:.2f}, val_loss → {v:.2f}, val_acc → {a:.2f}")
        elif style == "arrows_split":
            print(f"Epoch {e} | loss: train → {t:.4f}, val → {v:.4f} | acc: train → {ta:.2f}, val → {a:.2f}")
        elif style == "arrows_words":
            print(f"Epoch {e} train -> loss {t:.4f} acc {ta:.4f}")
            print(f"Epoch {e} [val] -> loss {v:.4f} acc {a:.4f}")
        elif style == "torch_reprs":
            default = torch._C._get_default_device
            torch._C._get_default_device = lambda: "cuda"  # (so torch names the device, as a GPU run's)
            acc = str(va)
            torch._C._get_default_device = default
            print("epoch", e, "loss:", tl, "val_loss:", vl, "val_acc", acc)  # (str(): the repr)
        elif style == "torch_vector":
            print("epoch", e, "loss:", torch.stack([tl, vl]), "acc:", va.float())
        elif style == "numpy_reprs":
            print(f"epoch {e}: train_loss={tl_np!r}, val_loss={vl_np!r}, val_acc={va_np!r}")
        elif style == "pipes_fairseq":
            print(f"| epoch {e:03d} | loss {t:.3f} | accuracy {100 * ta:.1f} | num_updates {20 * e}")
            print(
                f"| epoch {e:03d} | valid on 'valid' subset | loss {v:.3f} | accuracy {100 * a:.1f} "
                f"| num_updates {20 * e}"
            )
        elif style == "pipes_words":
            print(f"train | loss {t:.2f} | acc {ta:.2f} | valid | loss {v:.2f} | acc {a:.2f}")
        else:
            raise SystemExit(f"unknown style {style!r}")


if __name__ == "__main__":
    main(sys.argv[1])
