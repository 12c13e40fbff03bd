"""The one-class reading of an accuracy that stays flat (acc-flat-loss-down) without repeating one
value: a model predicting one class for most samples scores about that class's share, give or take
the few it predicts otherwise, whatever its loss does (tester 21's fault 10, `ce_slow_imb_s2`: plain
CE at lr 5e-5 on imbalanced digits predicted class 0 for 87-98 % of 113 samples from epoch 14 to 49,
accuracy 0.513-0.566 around the 0.496 share, with the loss falling 2.14 -> 1.21 nats).

What the logged numbers allow, never force (`possible`): the flat stretch sits at a possible
majority share (1/2 or more, below 1), and when it began the loss was no lower than the least a
constant guess scoring that accuracy costs (H(acc), `base_rate.binary_entropy`): nothing in the loss
then said the outputs told the classes apart, and the count of right answers has held since. Left
out when a logged training accuracy leaves a training minority under half the validation one
(`train_side.train_beyond`: the model gets training samples right beyond one class's share), when
the accuracy ranges over more than OTHER_MAX, when it did not rise by JUMP or more from its first
logged value to the stretch, or when the loss had fallen by more than LEARNED_REL
from its first logged value by the time the accuracy got there (a model that has learned to tell
classes apart: tester 21's pos_weight `bcepw_imb`). The predicted-class counts or per-class recall
decide."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, lookup
from lossacc_tui.analysis.detectors.base_rate import binary_entropy
from lossacc_tui.analysis.detectors.one_class import OTHER_MAX
from lossacc_tui.analysis.detectors.train_acc import train_acc_at
from lossacc_tui.analysis.detectors.train_side import train_beyond
from lossacc_tui.analysis.quantities import fmt, fmt_x, pct
from lossacc_tui.analysis.track import x_values

#: how far (relative) the loss at the flat stretch's first evaluation may be from the first loss
#: logged for the model to count as having learned little beyond which class to favour when its
#: accuracy reached that level (`ce_slow_imb_s2`: 2.165 against 2.306, 6 %; tester 21's pos_weight
#: `bcepw_imb`, 89-90 % of its predictions one class: 0.897 against 1.037, 13.5 %)
LEARNED_REL = 0.1

#: how far (a fraction) the accuracy must have risen from its first logged value to the flat
#: stretch's lowest while the loss moved less than LEARNED_REL: a fifth of the samples crossing
#: together while the outputs hardly change, as when an output bias comes to favour one class, the
#: first thing a network learns on imbalanced data (`ce_slow_imb_s2`: 0.018 -> 0.513 while the loss
#: went 2.306 -> 2.165). A slow model that ranks its samples from the start (the truth corpus's
#: `slow-underconfident-torch`, 0.83 at its first evaluation with the loss near ln 2, 66-87 % of its
#: predictions one class) holds its accuracy near ln 2 too, and is not read so
JUMP = 0.2


def flat_share_claims(ctx: Ctx, first: int, i: int, loss_name: str) -> list[Claim]:
    """`one-class-predictor` (possible) for the validation accuracy held flat from point `first` to
    point `i` (indices of ctx.acc), or [] when the numbers leave no room for it (see the module)."""
    acc, loss = ctx.acc, ctx.loss
    if acc is None or loss is None or i < first or first < acc.base:
        return []
    idx = np.arange(first, i + 1)
    accs = np.asarray(acc.raw[first - acc.base : i + 1 - acc.base], dtype=np.float64)
    if len(accs) != len(idx) or not np.isfinite(accs).all() or accs.min() < 0.5 or accs.max() >= 1.0:
        return []
    xs = x_values(acc, ctx.axis, idx)
    a0, x0, x1 = float(accs[0]), float(xs[0]), float(xs[-1])
    l0 = float(lookup(loss, ctx.axis, xs[:1])[0])  # (the loss logged at the stretch's first evaluation)
    h = float(binary_entropy(np.array([a0]))[0])
    if not (math.isfinite(l0) and l0 >= h) or float(accs.max() - accs.min()) > OTHER_MAX:
        return []
    logged = np.asarray(loss.values, dtype=np.float64)
    fin = logged[np.isfinite(logged)]
    if not len(fin) or abs(l0 - fin[0]) > LEARNED_REL * abs(fin[0]):
        return []
    acc_logged = np.asarray(acc.values, dtype=np.float64)
    a_first = acc_logged[np.isfinite(acc_logged)][0]
    if not accs.min() - a_first >= JUMP:
        return []
    if ctx.train_acc is not None:
        t = train_acc_at(ctx, xs)
        if train_beyond(t[:, None], np.array([float(accs[-1])]))[0]:
            return []
    return [
        Claim(
            "one-class-predictor",
            "possible",
            x0,
            x1,
            f"the model may predict one class for 90 % or more of the samples: {acc.name} was "
            f"{fmt(a0, 4)} at {ctx.unit} {fmt_x(x0)} with {loss_name} {fmt(l0)}, within "
            f"{pct(LEARNED_REL)} of the first loss logged ({fmt(float(fin[0]))}, at accuracy "
            f"{fmt(float(a_first), 4)}: many samples crossed while the outputs hardly changed, as when "
            f"an output bias comes to favour one class) and no lower than the {fmt(h)} nats a constant "
            f"guess scoring that accuracy costs, and it has stayed within {fmt(float(accs.min()), 4)}-"
            f"{fmt(float(accs.max()), 4)} since: a model predicting one class for 90 % or more of the "
            "samples scores within 10 points of that class's share whatever its loss does",
            value=float(accs[-1]),
            others=(
                "Another reading: a model that predicts several classes and whose count of right answers "
                "holds while it grows surer; the predicted-class counts or per-class recall decide"
            ),
        )
    ]
