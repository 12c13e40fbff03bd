"""scikit-learn consoles where a count starts again (tester h19k item 1), written by sklearn 1.9 with
`verbose`: run `python make.py` in a venv with scikit-learn; each case's stdout is `<case>.log`.

- sgd_pf_then_fit: an SGDClassifier trained by 5 partial_fit calls, then another by fit (8 epochs)
- sgd_two_pf: two SGDClassifiers trained by 5 partial_fit calls each (the output cannot tell them apart)
- mlp_pf_two: two MLPClassifiers trained by 6 partial_fit calls each
- mlp_fit_twice: one MLPClassifier fit twice (warm_start=False, same seed: the same numbers)
- mlp_pf_then_fit: an MLPClassifier trained by 5 partial_fit calls, then another by fit (7 iterations)
- mlp_pf_print: an MLPClassifier by 6 partial_fit calls, the loop printing its evaluation after each
"""

from __future__ import annotations

import contextlib
import warnings

from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore")
X, y = make_classification(n_samples=800, n_features=20, random_state=0)
Xt, yt, Xv, yv = X[:600], y[:600], X[600:], y[600:]


def sgd_pf_then_fit() -> None:
    m = SGDClassifier(loss="log_loss", verbose=1, random_state=0)
    for _ in range(5):
        m.partial_fit(Xt, yt, classes=[0, 1])
    SGDClassifier(loss="log_loss", verbose=1, random_state=1, max_iter=8, tol=None).fit(Xt, yt)


def sgd_two_pf() -> None:
    for seed in (0, 1):
        m = SGDClassifier(loss="log_loss", verbose=1, random_state=seed)
        for _ in range(5):
            m.partial_fit(Xt, yt, classes=[0, 1])


def mlp_pf_two() -> None:
    for seed in (0, 1):
        m = MLPClassifier(hidden_layer_sizes=(16,), verbose=True, random_state=seed)
        for _ in range(6):
            m.partial_fit(Xt, yt, classes=[0, 1])


def mlp_fit_twice() -> None:
    m = MLPClassifier(hidden_layer_sizes=(16,), verbose=True, random_state=0, max_iter=8)
    m.fit(Xt, yt)
    m.fit(Xt, yt)


def mlp_pf_then_fit() -> None:
    m = MLPClassifier(hidden_layer_sizes=(16,), verbose=True, random_state=0)
    for _ in range(5):
        m.partial_fit(Xt, yt, classes=[0, 1])
    MLPClassifier(hidden_layer_sizes=(16,), verbose=True, random_state=1, max_iter=7).fit(Xt, yt)


def mlp_pf_print() -> None:
    m = MLPClassifier(hidden_layer_sizes=(16,), verbose=True, random_state=0)
    for e in range(6):
        m.partial_fit(Xt, yt, classes=[0, 1])
        vl, va, ta = log_loss(yv, m.predict_proba(Xv)), m.score(Xv, yv), m.score(Xt, yt)
        print(f"epoch {e} train_acc {ta:.4f} val_loss {vl:.4f} val_acc {va:.4f}", flush=True)


if __name__ == "__main__":
    import os
    import sys

    for case in (sgd_pf_then_fit, sgd_two_pf, mlp_pf_two, mlp_fit_twice, mlp_pf_then_fit, mlp_pf_print):
        with open(f"{case.__name__}.log", "w") as f, contextlib.redirect_stdout(f):
            # (sklearn's Cython SGD prints through C stdio: send fd 1 to the file as well)
            sys.stdout.flush()
            saved = os.dup(1)
            os.dup2(f.fileno(), 1)
            try:
                case()
                sys.stdout.flush()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
