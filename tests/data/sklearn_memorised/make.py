"""Writes mlp.log here: the real console of scikit-learn's MLPClassifier(verbose=True,
early_stopping=True) memorising a small noisy training set (30 % of its labels flipped): its
training loss falls towards 0 while its validation accuracy, on the held-out 20 %, stops moving:
the model fits every training sample, it does not predict one class.  Run: python make.py"""

import contextlib
import io
import warnings
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

x, y = make_classification(n_samples=300, n_features=20, n_informative=5, flip_y=0.3, random_state=3)
mlp = MLPClassifier(
    hidden_layer_sizes=(200,),
    alpha=1e-6,
    learning_rate_init=0.01,
    max_iter=300,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=300,
    tol=0.0,
    verbose=True,
    random_state=0,
)
out = io.StringIO()
with contextlib.redirect_stdout(out), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    mlp.fit(x, y)
Path(__file__).with_name("mlp.log").write_text(out.getvalue())
