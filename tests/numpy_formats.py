"""One numpy training written by several loggers at once, for the "same run, same alerts" tests
(#9, tester 15 fault 5). A linear softmax model trained by minibatch Adam on Gaussian classes whose
majority share is `imb` and whose inputs carry `signal`; every number below is the training's own:

- `metrics.jsonl` (Keras-style epoch rows): `loss`, `accuracy` (sample-weighted means over the
  epoch's minibatches, as Keras averages them), `val_loss`, `val_accuracy` (the whole validation set
  after the epoch), full float precision;
- `trainer_state.json` (the HuggingFace Trainer's `log_history`): the minibatch loss of every
  `log_every`-th step rounded to 4 decimals at a fractional `epoch`, and `eval_loss`/`eval_accuracy`
  at each epoch's end; no training accuracy (the Trainer logs none);
- `train.log` (a plain loop's print): the epoch rows at 4 decimals;
- `metrics.csv` (Lightning's CSVLogger, 0-based epochs): `train_loss_step`/`train_acc_step` of every
  minibatch, and per epoch a row of `val_loss`, `val_acc` and `train_loss_epoch`.

The per-sample facts of each validation evaluation come back beside the files (`Facts`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.numpy_softmax import Facts, _classes, _draw, _softmax


def write_formats(
    root: Path,
    k: int = 2,
    epochs: int = 30,
    imb: float = 0.93,
    signal: float = 0.3,
    seed: int = 0,
    n_train: int = 1500,
    n_val: int = 800,
    lr: float = 1e-3,
    batch: int = 64,
    d: int = 10,
    log_every: int = 1,
    epoch_index: bool = False,
) -> tuple[dict[str, Path], Facts]:
    """Train once and write the run under `root` as JSONL, trainer_state.json, a printed log and a
    Lightning metrics.csv ({"jsonl": ..., "hf": ..., "print": ..., "lightning": ...}, each a file in its
    own folder); the validation facts.
    `epoch_index`: the trainer_state's training records carry the 0-based index of the epoch under way
    (a hand-rolled writer's `"epoch": e`) instead of the Trainer's fractional epochs, while its
    evaluations carry the epochs completed."""
    rng = np.random.default_rng(seed)
    mu = _classes(rng, k, d, 2.0)
    x, y = _draw(rng, mu, n_train, imb, signal)
    xv, yv = _draw(rng, mu, n_val, imb, signal)
    w, b = rng.normal(size=(d, k)) * 0.01, np.zeros(k)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    facts = Facts()
    rows: list[dict[str, float]] = []
    history: list[dict[str, float]] = []
    lightning = ["epoch,step,train_loss_step,train_acc_step,val_loss,val_acc,train_loss_epoch"]
    steps_per_epoch = -(-n_train // batch)
    t = 0
    for e in range(epochs):
        perm = rng.permutation(n_train)
        loss_sum = right = 0.0
        for a in range(0, n_train, batch):
            i = perm[a : a + batch]
            p = _softmax(x[i] @ w + b)
            ce = -np.log(np.clip(p[np.arange(len(i)), y[i]], 1e-12, 1.0))
            loss_sum += float(ce.sum())
            right += float((p.argmax(1) == y[i]).sum())
            g = (p - np.eye(k)[y[i]]) / len(i)
            t += 1
            for q, gq, m, v in ((w, x[i].T @ g, mw, vw), (b, g.sum(0), mb, vb)):
                m *= 0.9
                m += 0.1 * gq
                v *= 0.999
                v += 0.001 * gq * gq
                q -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
            lightning.append(f"{e},{t},{float(ce.mean())!r},{float((p.argmax(1) == y[i]).mean())!r},,,")
            if t % log_every == 0:
                history.append(
                    {
                        "epoch": e if epoch_index else round(t / steps_per_epoch, 4),
                        "step": t,
                        "loss": round(float(ce.mean()), 4),
                        "learning_rate": lr,
                    }
                )
        va, vl = facts.add(_softmax(xv @ w + b), yv, k)
        rows.append(
            {
                "epoch": e + 1,
                "loss": loss_sum / n_train,
                "accuracy": right / n_train,
                "val_loss": vl,
                "val_accuracy": va,
            }
        )
        history.append({"epoch": float(e + 1), "step": t, "eval_loss": vl, "eval_accuracy": va})
        lightning.append(f"{e},{t},,,{vl!r},{va!r},{loss_sum / n_train!r}")
    out = {f: root / f for f in ("jsonl", "hf", "print", "lightning")}
    for p in out.values():
        p.mkdir(parents=True, exist_ok=True)
    out["jsonl"] /= "metrics.jsonl"
    out["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    out["hf"] /= "trainer_state.json"
    state = {"best_metric": None, "global_step": t, "epoch": float(epochs), "log_history": history}
    out["hf"].write_text(json.dumps(state, indent=2))
    out["lightning"] /= "metrics.csv"
    out["lightning"].write_text("\n".join(lightning) + "\n")
    out["print"] /= "train.log"
    out["print"].write_text(
        "".join(
            f"Epoch {r['epoch']}/{epochs} - loss: {r['loss']:.4f} - accuracy: {r['accuracy']:.4f} - "
            f"val_loss: {r['val_loss']:.4f} - val_accuracy: {r['val_accuracy']:.4f}\n"
            for r in rows
        )
    )
    return out, facts
