"""Real scikit-learn 1.9 SGD consoles of multi-class models (tester h19t fault 7): run with the
framework venv (/work/venvs/fw/bin/python make.py) from this folder. Each console is what
`SGDClassifier(verbose=1)` prints; `facts.json` holds sklearn's own state after each
`partial_fit` call (`intercept_`, one per class in the order of `classes_`), against which the
console's blocks are matched to their class by the `Bias` each prints."""

from __future__ import annotations

import contextlib
import json
import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier


def console(
    name: str, classes: int, jobs: int, mode: str, samples: int, facts: dict, **params: object
) -> None:
    x, y = make_classification(
        n_samples=samples, n_features=20, n_informative=10, n_classes=classes, random_state=0
    )
    settings: dict = {"max_iter": 4, "tol": None} | params
    clf = SGDClassifier(verbose=1, n_jobs=jobs, random_state=0, **settings)
    # sklearn's epoch lines are print() to sys.stdout, joblib's Parallel lines go to sys.stderr
    with open(name, "w") as f, contextlib.redirect_stderr(f), contextlib.redirect_stdout(f):
        if mode == "fit":
            clf.fit(x, y)
        else:
            per_call = []
            m = samples // 4
            for i in range(4):
                part = slice(i * m, (i + 1) * m)
                clf.partial_fit(x[part], y[part], classes=np.arange(classes))
                per_call.append([float(b) for b in np.atleast_1d(clf.intercept_)])
            facts[name] = per_call


if __name__ == "__main__":
    facts: dict = {}
    if sys.argv[1:] == ["stops"]:  # (added later: the files above stay as they were written)
        # models that stop at different epochs (tol), and early stopping's validation scores
        console("fit3_jobs2_tol.log", 3, 2, "fit", 200000, facts, max_iter=30, tol=1e-3)
        console("fit3_jobs1_tol.log", 3, 1, "fit", 200000, facts, max_iter=30, tol=1e-3)
        console("fit3_jobs2_es.log", 3, 2, "fit", 200000, facts, max_iter=30, tol=1e-3, early_stopping=True)
        sys.exit()
    console("pf3_jobs1.log", 3, 1, "pf", 4000, facts)
    console("pf4_jobs1.log", 4, 1, "pf", 4000, facts)
    console("pf2_jobs1.log", 2, 1, "pf", 4000, facts)
    console("fit3_jobs1.log", 3, 1, "fit", 200000, facts)
    console("fit3_jobs2.log", 3, 2, "fit", 200000, facts)
    console("pf3_big_jobs1.log", 3, 1, "pf", 400000, facts)
    console("pf3_big_jobs2.log", 3, 2, "pf", 400000, facts)
    with open("facts.json", "w") as f:
        json.dump(facts, f, indent=1)
