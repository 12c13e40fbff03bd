"""Small classification data from scikit-learn's bundled sets (nothing downloaded), standardised
with the whole set's mean and spread, split by a seeded permutation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Data:
    """x: (n, d) float32 features; y: (n,) int64 labels in 0..k-1."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    k: int
    name: str


#: imbalanced sets with a usable signal (class_sep 0.8, 4 of 10 features informative): name -> (K, shares)
SKEWED: dict[str, tuple[int, list[float]]] = {
    "skewed2": (2, [0.85, 0.15]),
    "skewed3": (3, [0.75, 0.15, 0.10]),
    "skewed4": (4, [0.6, 0.2, 0.1, 0.1]),
    "skewed2_90": (2, [0.9, 0.1]),
}


def _load(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    if name == "digits":
        b = datasets.load_digits()
    elif name == "breast_cancer":
        b = datasets.load_breast_cancer()
    elif name == "iris":
        b = datasets.load_iris()
    elif name == "wine":
        b = datasets.load_wine()
    elif name == "imbalanced":  # 90/10, weak signal: the majority class is the easy answer
        return datasets.make_classification(
            n_samples=2000,
            n_features=10,
            n_informative=2,
            n_redundant=0,
            weights=[0.9, 0.1],
            class_sep=0.3,
            flip_y=0.0,
            random_state=seed,
        )
    elif name in SKEWED:  # imbalanced with a usable signal: a model that collapses ignores it
        k, weights = SKEWED[name]
        return datasets.make_classification(
            n_samples=2000,
            n_features=10,
            n_informative=4,
            n_redundant=0,
            n_classes=k,
            n_clusters_per_class=1,
            weights=weights,
            class_sep=0.8,
            flip_y=0.0,
            random_state=seed,
        )
    elif name in ("stream2", "stream4"):  # many samples: a long per-step run that does not run out of data
        return datasets.make_classification(
            n_samples=6000,
            n_features=12,
            n_informative=4 if name == "stream2" else 6,
            n_redundant=0,
            n_classes=int(name[-1]),
            n_clusters_per_class=1,
            class_sep=0.8 if name == "stream2" else 1.0,
            flip_y=0.1 if name == "stream2" else 0.05,
            random_state=seed,
        )
    elif name in ("binary", "binary_weak"):  # balanced, for splits given other class shares (`shift`)
        return datasets.make_classification(
            n_samples=4000,
            n_features=10,
            n_informative=4 if name == "binary" else 2,
            n_redundant=0,
            n_clusters_per_class=1,
            class_sep=1.0 if name == "binary" else 0.2,
            flip_y=0.0,
            random_state=seed,
        )
    elif name == "blobs4":  # four separable-ish classes
        return datasets.make_classification(
            n_samples=1600,
            n_features=12,
            n_informative=6,
            n_classes=4,
            n_clusters_per_class=1,
            class_sep=1.2,
            random_state=seed,
        )
    else:
        raise ValueError(f"unknown data set {name!r}")
    return b.data, b.target


def make(
    name: str,
    seed: int,
    val_share: float = 0.3,
    train_limit: int | None = None,
    flip: float = 0.0,
    random_labels: bool = False,
    shift: tuple[float, float] | None = None,
) -> Data:
    """Split `name` with `seed`; optionally keep only `train_limit` training samples, flip a share
    `flip` of all labels to another class (noise in the data set, so validation is noisy too),
    replace every label by a random class (no signal at all), or (`shift` = (a, b), binary data)
    subsample the training split to a share a of class 0 and the validation split to a share b (a
    validation split whose majority is the training minority)."""
    x, y = _load(name, seed)
    rng = np.random.default_rng(seed)
    y = y.astype(np.int64)
    k = int(y.max()) + 1
    if random_labels:
        y = rng.integers(0, k, size=len(y))
    if flip > 0:
        m = rng.random(len(y)) < flip
        y = np.where(m, (y + rng.integers(1, k, size=len(y))) % k, y)
    order = rng.permutation(len(y))
    n_val = round(val_share * len(y))
    va, tr = order[:n_val], order[n_val:]
    if train_limit is not None:
        tr = tr[:train_limit]
    if shift is not None:
        tr, va = _share(tr, y, shift[0]), _share(va, y, shift[1])
    # scaled with the whole set's mean and spread: a feature constant in a small training subset
    # (a blank pixel of load_digits) would otherwise blow validation inputs up by 1e6
    mu, sd = x.mean(0), x.std(0)
    sd = np.where(sd > 1e-8, sd, 1.0)
    f = lambda a: ((a - mu) / sd).astype(np.float32)  # noqa: E731
    return Data(f(x[tr]), y[tr], f(x[va]), y[va], k, name)


def _share(idx: np.ndarray, y: np.ndarray, p0: float) -> np.ndarray:
    """The largest subset of `idx` (in its order) whose share of class 0 is `p0` (binary labels)."""
    zero, one = idx[y[idx] == 0], idx[y[idx] == 1]
    n = int(min(len(zero) / p0, len(one) / (1.0 - p0)))
    keep = set(zero[: round(n * p0)].tolist()) | set(one[: n - round(n * p0)].tolist())
    return np.array([i for i in idx if i in keep], dtype=idx.dtype)
