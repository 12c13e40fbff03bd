"""A real (small) training run with label smoothing, in numpy: a one-hidden-layer ReLU network
trained by Adam on Gaussian blobs of K classes against smoothed targets (1 - eps on the true class,
eps / K spread over all), as timm's defaults, Keras' `label_smoothing=` and the HF Trainer's
`label_smoothing_factor` train. What a framework logs: the training loss is the smoothed cross-entropy
of each batch (its epoch mean) and the training accuracy the batches' mean; the validation loss is the
plain cross-entropy. Per-sample truth of the validation split comes with each epoch."""

from __future__ import annotations

import numpy as np


def smoothed_run(
    classes: int = 10,
    eps: float = 0.1,
    epochs: int = 30,
    seed: int = 0,
    n_train: int = 400,
    n_val: int = 300,
    features: int = 20,
    hidden: int = 64,
    sep: float = 2.2,
    lr: float = 0.01,
    shuffle_val_labels: bool = False,
    random_labels: bool = False,
    val_smoothed: bool = False,
    wd: float = 0.0,
) -> list[dict[str, float]]:
    """Per epoch: train_loss (smoothed cross-entropy, nats), train_acc, val_loss (plain cross-entropy,
    nats), val_acc (fractions), and the validation truth: val_ce (plain cross-entropy, nats),
    mistake_share (fraction of the plain validation loss the misclassified samples carry), mean_conf
    (mean top probability), n_wrong (samples misclassified), n_conf_wrong (of them, those predicted
    with confidence above 0.9), pred_share (share of the most predicted class), majority (share of the
    most frequent label). `eps` 0 trains plain cross-entropy. `shuffle_val_labels` permutes the
    validation labels apart from their inputs; `random_labels` draws every label of both splits at
    random (nothing to learn but the training labels themselves). `val_smoothed` logs the validation
    loss as the same smoothed cross-entropy (a loop that evaluates with its training criterion).
    `wd`: L2 weight decay on the two weight matrices, added to their gradients (as torch.optim.Adam's
    `weight_decay` applies it)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 1, (classes, features)) * sep / np.sqrt(2)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, n)
        return centers[y] + rng.normal(0, 1, (n, features)), y

    xt, yt = make(n_train)
    xv, yv = make(n_val)
    if shuffle_val_labels:  # (the validation labels shuffled apart from their inputs: an index bug)
        yv = rng.permutation(yv)
    if random_labels:  # (labels without signal in both splits: what a model can only memorise)
        yt, yv = rng.integers(0, classes, n_train), rng.integers(0, classes, n_val)
    params = [
        rng.normal(0, np.sqrt(2 / features), (features, hidden)),
        np.zeros(hidden),
        rng.normal(0, np.sqrt(1 / hidden), (hidden, classes)),
        np.zeros(classes),
    ]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    t = 0

    def forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = np.maximum(x @ params[0] + params[1], 0.0)
        z = h @ params[2] + params[3]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return h, p / p.sum(axis=1, keepdims=True)

    out = []
    for _ in range(epochs):
        order = rng.permutation(n_train)
        losses, accs = [], []
        for s in range(0, n_train, 32):
            idx = order[s : s + 32]
            x, y = xt[idx], yt[idx]
            h, p = forward(x)
            target = np.full((len(y), classes), eps / classes)
            target[np.arange(len(y)), y] += 1.0 - eps
            losses.append(float(-(target * np.log(np.clip(p, 1e-300, None))).sum(axis=1).mean()))
            accs.append(float((p.argmax(axis=1) == y).mean()))
            dz = (p - target) / len(y)
            dh = (dz @ params[2].T) * (h > 0)
            grads = [x.T @ dh + wd * params[0], dh.sum(axis=0), h.T @ dz + wd * params[2], dz.sum(axis=0)]
            t += 1
            for k, g in enumerate(grads):
                m1[k] = 0.9 * m1[k] + 0.1 * g
                m2[k] = 0.999 * m2[k] + 0.001 * g * g
                params[k] -= lr * (m1[k] / (1 - 0.9**t)) / (np.sqrt(m2[k] / (1 - 0.999**t)) + 1e-8)
        _, p = forward(xv)
        logp = np.log(np.clip(p, 1e-300, None))
        per = -logp[np.arange(n_val), yv]
        smoothed = (1.0 - eps) * per - (eps / classes) * logp.sum(axis=1)
        pred = p.argmax(axis=1)
        wrong = pred != yv
        out.append(
            {
                "n_wrong": float(wrong.sum()),
                "n_conf_wrong": float((wrong & (p.max(axis=1) > 0.9)).sum()),
                "pred_share": float(np.bincount(pred, minlength=classes).max() / n_val),
                "majority": float(np.bincount(yv, minlength=classes).max() / n_val),
                "train_loss": float(np.mean(losses)),
                "train_acc": float(np.mean(accs)),
                "val_loss": float((smoothed if val_smoothed else per).mean()),
                "val_ce": float(per.mean()),
                "val_acc": float(1.0 - wrong.mean()),
                "mistake_share": float(per[wrong].sum() / per.sum()),
                "mean_conf": float(p.max(axis=1).mean()),
            }
        )
    return out
