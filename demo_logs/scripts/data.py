"""Generated classification data sets: the building blocks and the sets the cases train on."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

F32 = np.float32


@dataclass
class Data:
    """Train and validation arrays for one classification problem."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The classic two interleaved half circles with Gaussian noise."""
    y = rng.integers(0, 2, n)
    t = rng.random(n) * np.pi
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    x = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    return x.astype(F32), y


def checkerboard(n: int, cells: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points on a cells x cells board, label = colour of the square, scaled to [-1, 1]."""
    x = rng.uniform(0, cells, (n, 2))
    y = (np.floor(x[:, 0]).astype(int) + np.floor(x[:, 1]).astype(int)) % 2
    return ((x - cells / 2) / (cells / 2)).astype(F32), y


def gaussian_classes(
    n: int,
    centers: np.ndarray,
    std: float,
    rng: np.random.Generator,
    weights: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one per row of ``centers``, drawn with class ``weights``."""
    k = len(centers)
    p = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, float)
    y = rng.choice(k, size=n, p=p)
    x = centers[y] + std * rng.standard_normal((n, centers.shape[1]))
    return x.astype(F32), y


def flip_labels(y: np.ndarray, frac: float, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Replace a random ``frac`` of the labels by a different class (label noise)."""
    y = y.copy()
    hit = rng.random(len(y)) < frac
    y[hit] = (y[hit] + rng.integers(1, n_classes, int(hit.sum()))) % n_classes
    return y


def input_noise(xb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Augmentation: Gaussian noise (std 0.1) added to a batch of inputs."""
    return xb + F32(0.1) * rng.standard_normal(xb.shape).astype(F32)


def train_val(
    draw: Callable[[int], tuple[np.ndarray, np.ndarray]], n_train: int, n_val: int, n_classes: int
) -> Data:
    """Draw ``n_train`` training points, then ``n_val`` validation points, from one generator."""
    x_train, y_train = draw(n_train)
    x_val, y_val = draw(n_val)
    return Data(x_train, y_train, x_val, y_val, n_classes)


# ---------------------------------------------------------------------------------------------
# The data sets of the cases that need more than one generator call
# ---------------------------------------------------------------------------------------------


def checkerboard_noisy_val(cells: int, n_train: int, n_val: int, rng: np.random.Generator) -> Data:
    """A checkerboard with clean training labels and 10% of the validation labels flipped."""
    data = train_val(lambda n: checkerboard(n, cells, rng), n_train, n_val, 2)
    data.y_val = flip_labels(data.y_val, 0.10, 2, rng)
    return data


def under_reported_positives(dim: int, rng: np.random.Generator) -> tuple[Data, int]:
    """Two Gaussian classes in ``dim`` dimensions (1000 train, 2000 val); 35% of the training
    positives are labelled negative. Returns the data and how many labels were changed."""
    mu = 1.3 / math.sqrt(dim)
    centers = np.stack([-np.full(dim, mu), np.full(dim, mu)])
    data = train_val(lambda n: gaussian_classes(n, centers, 1.0, rng), 1000, 2000, 2)
    missed = (data.y_train == 1) & (rng.random(len(data.y_train)) < 0.35)
    data.y_train = np.where(missed, 0, data.y_train)
    return data, int(missed.sum())


def noisy_blobs(k: int, dim: int, n: int, flip: float, rng: np.random.Generator) -> Data:
    """``k`` unit-variance Gaussian classes with centres at radius 6 in ``dim`` dimensions,
    ``n`` train and ``n`` validation points, a ``flip`` share of both label sets changed."""
    centers = rng.standard_normal((k, dim))
    centers *= 6.0 / np.linalg.norm(centers, axis=1, keepdims=True)
    data = train_val(lambda m: gaussian_classes(m, centers, 1.0, rng), n, n, k)
    data.y_train = flip_labels(data.y_train, flip, k, rng)
    data.y_val = flip_labels(data.y_val, flip, k, rng)
    return data


def spiky_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """4 weakly informative features + 2 raw 'count' features that are ~0 except rare spikes."""
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 6))
    x[:, :4] += (2 * y - 1)[:, None] * 0.17
    spike = rng.random((n, 2)) < 0.01
    x[:, 4:] = np.where(spike, 1000 * rng.uniform(0.5, 1.5, (n, 2)), 0) + 0.1 * x[:, 4:]
    return x.astype(F32), y


AMBIGUOUS_ROWS = 120  # size of the ambiguous cluster; it is the last rows of the validation set


def ambiguous_blobs(seed: int) -> Data:
    """Two easy blobs plus a tight ambiguous cluster at the origin.

    In train the cluster comes as conflicting duplicates (each point once with label 0 and
    once with label 1, so the best answer there is exactly 0.5); in validation 70% of the
    cluster is class 1. Which side of 0.5 a run lands on is down to its seed.
    """
    rng = np.random.default_rng(seed)
    centers = np.array([[-2.0, 0.0], [2.0, 0.0]])
    m = AMBIGUOUS_ROWS

    def cluster() -> np.ndarray:
        return (0.05 * rng.standard_normal((m, 2))).astype(F32)

    x_easy, y_easy = gaussian_classes(600, centers, 0.9, rng)
    x_amb = cluster()
    x_train = np.r_[x_easy, x_amb, x_amb]
    y_train = np.r_[y_easy, np.zeros(m, int), np.ones(m, int)]
    x_val_easy, y_val_easy = gaussian_classes(280, centers, 0.9, rng)
    x_val_amb = cluster()
    y_val_amb = (rng.random(m) < 0.7).astype(int)
    return Data(x_train, y_train, np.r_[x_val_easy, x_val_amb], np.r_[y_val_easy, y_val_amb], 2)
