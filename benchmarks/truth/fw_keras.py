"""Keras 3 with the torch backend: `model.fit` with a `CSVLogger` (`training.csv`, epochs 0-based as
Keras writes them) and its console output of the same run captured to `console.txt` (verbose=2,
`Epoch 1/N` 1-based)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

from benchmarks.truth.data import Data
from benchmarks.truth.facts import FactTracker
from benchmarks.truth.spec import Spec


class _Facts(keras.callbacks.Callback):
    """Per-sample facts of both splits after every epoch, from `model.predict` probabilities."""

    def __init__(self, data: Data, steps_per_epoch: int) -> None:
        super().__init__()
        self.data = data
        self.steps = steps_per_epoch
        self.trackers = {"val": FactTracker("val"), "train": FactTracker("train")}
        self.rows: list[dict] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        d = self.data
        for split, x, y in (("val", d.x_val, d.y_val), ("train", d.x_train, d.y_train)):
            p = np.asarray(keras.ops.convert_to_numpy(self.model(x, training=False)), dtype=np.float64)
            self.rows.append(self.trackers[split].facts(p, y, epoch, (epoch + 1) * self.steps))


class _NanWeights(keras.callbacks.Callback):
    """At the start of 1-based epoch `at`, one weight of the first layer becomes NaN (a corrupted
    update, as a bad step or a bit flip would leave it); everything computed after is NaN."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 == self.at:
            kernel = self.model.layers[0].kernel
            w = keras.ops.convert_to_numpy(kernel).copy()
            w[0, 0] = np.nan
            kernel.assign(w)


def train(spec: Spec, data: Data, out: Path) -> list[dict]:
    """Train and log; return the truth rows (epochs 0-based, as the CSV writes them)."""
    keras.utils.set_random_seed(spec.seed)
    layers: list = [keras.Input((data.x_train.shape[1],))]
    layers += [keras.layers.Dense(h, activation="relu") for h in spec.hidden]
    layers.append(keras.layers.Dense(data.k, activation="softmax"))
    model = keras.Sequential(layers)
    opt = (
        keras.optimizers.SGD(spec.lr, momentum=spec.momentum)
        if spec.optimizer == "sgd"
        else keras.optimizers.Adam(spec.lr)
    )
    y_train, y_val = data.y_train, data.y_val
    if spec.loss == "mse":
        loss: object = "mse"
        y_train, y_val = np.eye(data.k)[y_train], np.eye(data.k)[y_val]
        metrics: list = ["accuracy"]
    elif spec.sparse_metric_mismatch:
        # sparse integer labels of shape (n, 1) with the one-hot accuracy metric: it compares argmax
        # of a length-1 label (always 0) with the predicted class, i.e. the share predicted as 0
        loss = "sparse_categorical_crossentropy"
        y_train, y_val = y_train[:, None], y_val[:, None]
        metrics = [keras.metrics.CategoricalAccuracy(name="accuracy")]
    elif spec.label_smoothing:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=spec.label_smoothing)
        y_train, y_val = np.eye(data.k)[y_train], np.eye(data.k)[y_val]
        metrics = ["accuracy"]
    else:
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    model.compile(optimizer=opt, loss=loss, metrics=metrics)
    out.mkdir(parents=True, exist_ok=True)
    steps = -(-len(y_train) // spec.batch)
    facts = _Facts(data, steps)
    x_train = data.x_train
    callbacks: list = [keras.callbacks.CSVLogger(str(out / "training.csv")), facts]
    if spec.nan_at is not None:
        callbacks.append(_NanWeights(spec.nan_at))
    with (out / "console.txt").open("w") as f, contextlib.redirect_stdout(f):
        model.fit(
            x_train,
            y_train,
            validation_data=(data.x_val, y_val),
            epochs=spec.epochs,
            batch_size=spec.batch,
            validation_batch_size=1024,
            verbose=2,
            shuffle=True,
            callbacks=callbacks,
        )
    return facts.rows
