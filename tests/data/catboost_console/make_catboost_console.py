"""Writes catboost_console.txt here: the real CatBoost console (stdout) of a binary classifier on a
numpy dataset with a held-out eval set (`verbose=10`, Logloss), then of a second fit with two eval
sets and `verbose=25`. Run: python make_catboost_console.py (catboost 1.2.10 made the committed
copy). `train_dir` is a temporary folder, so no catboost_info/ is left here."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import numpy as np
from catboost import CatBoostClassifier

rng = np.random.default_rng(0)
n = 1200
X = rng.normal(size=(n, 6))
y = ((X[:, 0] + 0.8 * X[:, 1] * X[:, 2] + rng.normal(0, 0.8, n)) > 0).astype(int)
out = io.StringIO()
with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(out):
    model = CatBoostClassifier(iterations=200, learning_rate=0.1, depth=4, random_seed=0, train_dir=tmp)
    model.fit(X[:800], y[:800], eval_set=(X[800:1000], y[800:1000]), verbose=10)
    model = CatBoostClassifier(iterations=100, learning_rate=0.2, depth=3, random_seed=1, train_dir=tmp)
    model.fit(X[:800], y[:800], eval_set=[(X[800:1000], y[800:1000]), (X[1000:], y[1000:])], verbose=25)
(Path(__file__).parent / "catboost_console.txt").write_text(out.getvalue())
