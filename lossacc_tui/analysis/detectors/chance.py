"""acc-at-chance: accuracy about 1/K and the loss about ln K while accuracy jitters, and the K a
chance-level reading uses. A level check: it needs no trend window."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    Detector,
    classes_claim,
    lookup,
    lookup_level,
    names,
    value,
)
from lossacc_tui.analysis.detectors.train_acc import train_acc_level
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x
from lossacc_tui.analysis.track import x_column


def _train_at(ctx: Ctx, x: float) -> float:
    """The training loss logged at or before x (NaN without one, or when it is the primary loss)."""
    if ctx.train is None:
        return math.nan
    return float(lookup(ctx.train, ctx.axis, np.array([x]))[0])


def _train_min(ctx: Ctx, x: float) -> dict[str, float]:
    """The lowest and the highest finite training loss logged at or before x, with their x ({}
    without one): `train_loss_min(_x)`, `train_loss_max(_x)`."""
    if ctx.train is None or len(ctx.train) == 0:
        return {}
    col = x_column(ctx.train, ctx.axis)
    if col is None:
        return {}
    k = int(stats.at_or_before(col, np.array([x]))[0])
    raw = np.asarray(ctx.train.raw[: k + 1], dtype=float)
    fin = np.flatnonzero(np.isfinite(raw))
    if len(fin) == 0:
        return {}
    j = int(fin[np.argmin(raw[fin])])
    m = int(fin[np.argmax(raw[fin])])
    return {
        "train_loss_min": float(raw[j]),
        "train_loss_min_x": float(col[j]),
        "train_loss_max": float(raw[m]),
        "train_loss_max_x": float(col[m]),
    }


#: a training loss this many times ln K (or more) before the chance level counts as having been worse
#: than a uniform guess: steps too large (a step too small leaves a fresh network's loss near ln K)
ABOVE_LN_K = 1.1


#: how far below 1/K (relative) an accuracy still counts as chance level: chance-level runs of the
#: truth corpus's tune split score down to 0.84 of 1/K on 480 validation samples
CHANCE_BELOW = 0.2


def chance_k(acc: np.ndarray, loss: np.ndarray, known: int | None) -> np.ndarray:
    """The K a chance-level reading would use at each point: the known K, else the K whose ln K the
    loss level is nearest (exp of the loss, rounded) when accuracy is near its 1/K, else the K that
    1/accuracy rounds to; NaN where neither gives K >= 2. (Accuracy just below chance rounds 1/acc up
    to the wrong K; the loss level names it.)"""
    if known:
        return np.full(len(acc), float(known))
    with quiet(invalid="ignore", divide="ignore", over="ignore"):
        from_acc = np.rint(1.0 / np.where(acc > 0, acc, np.nan))
        from_loss = np.rint(np.exp(np.where(np.isfinite(loss) & (loss < 20), loss, np.nan)))
        use_loss = (from_loss >= 2) & (acc * from_loss >= 1.0 - CHANCE_BELOW) & (acc * from_loss <= 1.15)
    return np.where(use_loss, from_loss, from_acc)


#: how far above 1/K (relative) the training accuracy of a split that backs K may sit: a model
#: fitting labels that carry no signal memorises some training samples (tester 8's `chance` run,
#: K = 5, 400 training samples: training accuracy 0.30 = 1.5/K) while its training loss stays
#: within 10 % of ln K, which is what names K; a binary run's training loss never comes near ln 3
TRAIN_ABOVE = 2.0


#: how near ln K (relative) a training loss level must sit to back K alone, with no training
#: accuracy logged beside it: a quarter of the 10 % allowed when the training accuracy agrees too
TRAIN_LOSS_ALONE = 0.025


def corroborated(ctx: Ctx, xs: np.ndarray, kk: np.ndarray) -> np.ndarray:
    """Where a K that is not known (read from one split's loss and accuracy: `chance_k`) is backed
    by the other split: at each x the training loss level is within 10 % of ln K and the training
    accuracy level from 0.7/K to TRAIN_ABOVE/K (a model memorising labels without signal fits some
    of its training samples). One split's
    pair names K by coincidence easily (a binary run whose validation split has the other majority
    scores 0.31-0.42 at a loss of 1.08-2.4: "1/3 and ln 3"), two splits naming the same K do not.
    False without a training loss and accuracy beside a validation pair. Shapes (n,)."""
    out = np.zeros(len(xs), dtype=bool)
    if ctx.split != "validation" or ctx.train is None:
        return out
    named = np.isfinite(kk) & (kk >= 2)
    at = np.flatnonzero(named)
    if len(at) == 0:  # (no K anywhere: False everywhere, no lookups)
        return out
    if 4 * len(at) < len(xs):  # (K at a few points: the same lookups there alone, False elsewhere)
        out[at] = corroborated(ctx, xs[at], kk[at])
        return out
    h = ctx.params.half
    t_loss = lookup_level(ctx.train, ctx.axis, xs, h)
    with quiet(invalid="ignore", divide="ignore"):
        lnk = np.log(np.where(np.isfinite(kk) & (kk >= 2), kk, np.nan))
        if ctx.train_acc is None:
            # a log with no training accuracy (Lightning's default, the HF Trainer): the training
            # loss alone backs K when its level sits within TRAIN_LOSS_ALONE of ln K (tester 13: a
            # network collapsed to one class, training loss 1.0984 against ln 3 = 1.0986, had no
            # accuracy alert in these formats while its Keras copy had one)
            return (np.abs(t_loss / lnk - 1.0) <= TRAIN_LOSS_ALONE) & np.isfinite(lnk)
        t_acc = train_acc_level(ctx, xs, h)
        out = (
            (np.abs(t_loss / lnk - 1.0) <= 0.1)
            & (t_acc * kk >= 1.0 - CHANCE_BELOW - 0.1)
            & (t_acc * kk <= TRAIN_ABOVE)
        )
    return out & np.isfinite(lnk)


def k_backed(ctx: Ctx, xs: np.ndarray, kk: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Where the K of a chance reading (`chance_k`, shape (n,)) may be used at x: always when K is
    known (`--classes`, a config, a first evaluation at chance on both metrics); otherwise when
    both splits name it (`corroborated`), or, in a run with a training split only, when the loss
    level (nats) sits within 10 % of ln K with the accuracy about 1/K (`chance_k` found both). Never
    from 1/accuracy alone, nor from a validation loss passing ln K on its way elsewhere."""
    if ctx.classes.k:
        return np.ones(len(xs), dtype=bool)
    if ctx.split == "validation":
        return corroborated(ctx, xs, kk)
    with quiet(invalid="ignore", divide="ignore"):
        lnk = np.log(np.where(np.isfinite(kk) & (kk >= 2), kk, np.nan))
        return np.abs(loss / lnk - 1.0) <= 0.1


class AccAtChance(Detector):
    """Accuracy about 1/K and the loss about ln K, held for `stuck_window` evaluations while the
    accuracy still moves (a frozen accuracy is `acc-stuck`): a model that has learned nothing.
    K is the known K, or the K that 1/accuracy rounds to. Hooks get `(acc, loss)`."""

    kind = "acc-at-chance"
    order = 140
    severity_doc = "warning"
    meaning = (
        "accuracy about 1/K and loss about ln K for many evaluations while accuracy jitters: not learning"
    )
    general = (
        "Accuracy about 1/K and the loss about ln K for many evaluations while accuracy still "
        "jitters: the predictions carry no information; the model is not learning (learning rate, "
        "frozen weights, fp16 scaler skipping every step, inputs or labels not reaching the model)."
    )

    def holds(self, acc: AccFeatures, loss: LossFeatures | None) -> bool:  # type: ignore[override]
        """Nowhere in the chunk both the accuracy near 1/K and the loss near ln K for a K of 2 or more
        (`conditions` without `k_backed`, which only narrows it) past the warm-up: nothing opens
        (`Detector.holds`)."""
        assert loss is not None
        acc_y, loss_y = acc.lvl, loss.lvl
        with quiet(invalid="ignore", divide="ignore"):
            if not (acc_y <= 0.6).any():  # (1/K with K >= 2 and 15 % above it is at most 0.575)
                return True
            kk = chance_k(acc_y, loss_y, self.ctx.classes.k)
            ok = np.isfinite(kk) & (kk >= 2)
            lnk = np.log(np.where(ok, kk, 2.0))
            near = ok & (acc_y * kk >= 1.0 - CHANCE_BELOW) & (acc_y * kk <= 1.15)
            near &= np.abs(loss_y / lnk - 1.0) <= 0.05
        return not bool((near & ~loss.warm).any())  # type: ignore[operator]

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert loss is not None
        acc_y, loss_y = acc.lvl, loss.lvl
        with quiet(invalid="ignore", divide="ignore"):
            kk = chance_k(acc_y, loss_y, self.ctx.classes.k)
            ok = np.isfinite(kk) & (kk >= 2)
            ok &= k_backed(self.ctx, acc.x, kk, loss_y)
            lnk = np.log(np.where(ok, kk, 2.0))
            # at chance, or a little below it (a held-out split scores below 1/K as often as above)
            near_acc = ok & (acc_y * kk >= 1.0 - CHANCE_BELOW) & (acc_y * kk <= 1.15)
            near_loss = np.abs(loss_y / lnk - 1.0) <= 0.05
            moving = acc.range_stuck > self.p.stuck_tol
            learning = loss.dir < 0  # a loss still falling beyond its noise: warming up, not stuck
            # at chance or worse: a loss above ln K (memorised training labels) keeps it open
            on = near_acc & near_loss & moving & ~learning & ~loss.warm
            off = ~(
                ok & (acc_y * kk >= 1.0 - CHANCE_BELOW - 0.1) & (acc_y * kk <= 1.25) & (loss_y >= 0.9 * lnk)
            )
        self._kk = kk
        return on, off

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        alert.data["k"] = self.ctx.classes.k or int(self._kk[local])

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        loss = f"{nm[0]} {fmt(e['loss_now'])} {_vs_ln(e, k)}"
        return f"{nm[1]} {fmt(e['acc_now'], 3)} ~ 1/{k} and {loss}: not learning"

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        j = alert.data["start_idx"]
        return {
            "acc_now": value(self.ctx.acc, i),
            "loss_now": value(self.ctx.loss, i),
            "first_x": self.ctx.x(self.series, j),
            "now_x": self.ctx.x(self.series, i),
            "evaluations": float(i - j + 1),
            "k": float(alert.data["k"]),
            "train_loss_at_start": _train_at(self.ctx, self.ctx.x(self.series, 0)),
            "train_loss_now": _train_at(self.ctx, self.ctx.x(self.series, i)),
            **_train_min(self.ctx, self.ctx.x(self.series, i)),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        src = (
            ""  # the `classes` claim before this one says where K came from
            if self.ctx.classes.k
            else self._both_splits(k, e["now_x"])
            if self.ctx.split == "validation"
            else f"K = {k} is not known: the loss names it, sitting at ln {k}, and the accuracy agrees"
        )
        return [
            *classes_claim(self.ctx, e["first_x"], e["now_x"]),
            Claim(
                "at-chance",
                "likely",
                e["first_x"],
                e["now_x"],
                f"for {int(e['evaluations'])} evaluations {nm[1]} has stayed about 1/{k} = {fmt(1 / k, 4)} "
                "and "
                f"{nm[0]} {_rel_ln(e, k)} ln {k} = {fmt(math.log(k))}"
                f"{f' ({src})' if src else ''}: both metrics say "
                "the predictions carry "
                "no information about the labels",
                evidence={"k": float(k)},
                others=(
                    "If K is not what these numbers suggest, accuracy may instead sit at a class share; "
                    "--classes K settles it"
                ),
            ),
        ]

    def _both_splits(self, k: int, x: float) -> str:
        """Where a K that is not known comes from in a validation run: both splits name it (the
        training loss level near ln K, the training accuracy level near 1/K, or above it when some
        training samples are memorised)."""
        h = self.p.half
        xs = np.array([x])
        t_loss = (
            float(lookup_level(self.ctx.train, self.ctx.axis, xs, h)[0])
            if self.ctx.train is not None
            else math.nan
        )
        t_acc = float(train_acc_level(self.ctx, xs, h)[0]) if self.ctx.train_acc is not None else math.nan
        out = f"K = {k} is not known: both splits name it, the training loss level {fmt(t_loss)} near ln {k}"
        if not math.isfinite(t_acc):  # (no training accuracy logged: the loss alone, held tighter)
            return out + f" (within {100 * TRAIN_LOSS_ALONE:g} %; no training accuracy is logged)"
        if t_acc * k > 1.25:
            return out + (
                f" while the training accuracy level {fmt(t_acc, 4)} is above 1/{k} (training samples "
                "memorised without what carries over)"
            )
        return out + f" and the training accuracy level {fmt(t_acc, 4)} near 1/{k}"

    def _why(self, e: dict[str, float]) -> str:
        t0, t1 = e.get("train_loss_at_start", math.nan), e.get("train_loss_now", math.nan)
        k = int(e.get("k", 0))
        ln_k = math.log(k) if k >= 2 else math.nan
        fell = math.isfinite(t0) and math.isfinite(t1) and t1 < 0.8 * t0
        if math.isfinite(t1) and math.isfinite(ln_k) and t1 >= 0.9 * ln_k:
            # the training loss sits at what a uniform guess costs: no sign of fitting the training
            # set now, whatever it did before (tester 13: weight decay shrank a network to one class;
            # its training loss went 4.2 -> 0.0022 -> 1.0984 = ln 3, and the text had said it "fits
            # its training samples")
            lo, lo_x = e.get("train_loss_min", math.nan), e.get("train_loss_min_x", math.nan)
            now = (
                f"The training loss is {fmt(t1)}, about ln {k} = {fmt(ln_k)}, what a uniform guess costs: "
                "the model fits its training samples no better than chance either"
            )
            if math.isfinite(lo) and lo < 0.5 * ln_k:
                return (
                    f"{now}, though it was as low as {fmt(lo)} at {self.ctx.unit} {fmt_x(lo_x)}: the model "
                    "had fitted them and lost it. A network whose outputs collapsed to a constant does "
                    "this: weights driven toward zero (strong weight decay), units dead after too large a "
                    "step (a loss spike first), an optimiser state reset with a learning rate kept high."
                )
            hi, hi_x = e.get("train_loss_max", math.nan), e.get("train_loss_max_x", math.nan)
            if math.isfinite(hi) and hi >= ABOVE_LN_K * ln_k:
                # (tester 17: Keras SGD lr = 3, training loss 2.70 at epoch 0 against ln 10 = 2.30, then
                # one class predicted per epoch; the text had named only a learning rate too small)
                return (
                    f"{now}. Before it settled there the training loss was {fmt(hi)} at {self.ctx.unit} "
                    f"{fmt_x(hi_x)}, {fmt(hi / ln_k, 3)} times ln {k}: worse than a uniform guess. The usual "
                    "initialisation starts near ln K and small steps keep a network near its start, so "
                    "this favours a learning rate far too large first: large steps throw the weights to "
                    "where a few logits dominate or units die, and the network is left with a constant "
                    "output. "
                    "Less likely with that start: frozen parameters, weights driven toward zero (strong "
                    "weight decay), inputs that do not reach the model, labels that carry no information."
                )
            return (
                f"{now}. It is not learning from its inputs at all: a learning rate far too large (large "
                "steps that kill units or throw the weights to a constant output) or zero or far too small, "
                "frozen parameters, weights driven toward zero (strong weight decay), inputs that do not "
                "reach the model, or labels that carry no information about them."
            )
        if fell:
            return (
                f"The training loss fell {arrow(t0, t1)}, so the model fits its training samples, yet "
                "its held-out predictions stay at chance: what it learns does not carry over. Labels "
                "unrelated to their inputs (random, or shuffled apart from them) do this, and so does a "
                "validation split unlike training."
            )
        return (
            "Accuracy jitters but does not leave chance, and the loss stays at the cost of knowing nothing"
            + (
                (
                    f" while the training loss falls only {arrow(t0, t1)}"
                    if math.isfinite(t0) and t1 < t0
                    else " while the training loss does not fall either"
                )
                if math.isfinite(t1)
                else ""
            )
            + ": the weights are not learning, or learn nothing about these labels (a learning rate far "
            "too large or zero or far too small, frozen parameters, an optimiser that skips its steps, fp16 "
            "loss scaling that drops every update, inputs that do not reach the model, labels shuffled apart "
            "from their inputs, inputs that carry no information about the labels)."
        )

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['first_x'])} to "
            f"{fmt_x(e['now_x'])} {nm[1]} is {fmt(e['acc_now'], 4)} and {nm[0]} {fmt(e['loss_now'])}: a "
            f"uniform guess over {k} classes scores 1/{k} = {fmt(1 / k, 4)} and costs ln {k} = "
            f"{fmt(math.log(k))}.\n\n**Why.** {self._why(e)}\n\n**What to check next.** The learning rate "
            f"actually applied at {nm[2]} {fmt_x(e['now_x'])}, that parameters change between steps (a "
            "weight norm), gradient norms, the fp16/AMP scaler's skipped steps, and a batch of inputs with "
            "their labels (are they aligned?).\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )


def _near_ln(e: dict[str, float], k: int) -> bool:
    """Whether the loss now is within 5 % of ln K (the alert stays open above it: worse than chance)."""
    return abs(e["loss_now"] / math.log(k) - 1.0) <= 0.05 if k >= 2 else False


def _vs_ln(e: dict[str, float], k: int) -> str:
    """'~ ln K', or 'above'/'a little below ln K = x': the title never says the loss is at ln K when it
    is not, nor above it when it is below."""
    return f"~ ln {k}" if _near_ln(e, k) else f"{_rel_ln(e, k)} ln {k} = {fmt(math.log(k))}"


def _rel_ln(e: dict[str, float], k: int) -> str:
    """'about', 'above' or 'below' (within 10 %: the alert stays open down to 0.9 ln K): where the
    loss now sits against ln K, never 'above' for a loss below it."""
    if _near_ln(e, k):
        return "about"
    return "above" if e["loss_now"] > math.log(k) else "a little below"
