"""acc-stuck: an accuracy that does not move for a reason the numbers name (a NaN loss, chance at
1/K, or the majority rate with the loss at the base-rate cost). The base-rate reading and its claims
are in base_rate.py, the `diverging` claim in diverging.py."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    Detector,
    classes_claim,
    level,
    lookup,
    names,
    noise,
    value,
)
from lossacc_tui.analysis.detectors.base_rate import (
    BASE_RATE_TOL,
    base_rate_band,
    base_rate_claims,
    binary_entropy,
    constant_guess_claim,
    cost_band,
    holds,
    majority_share,
    minority_known,
    wobbles,
)
from lossacc_tui.analysis.detectors.batch_fit import batches_refute_fixed
from lossacc_tui.analysis.detectors.chance import CHANCE_BELOW, chance_k, k_backed
from lossacc_tui.analysis.detectors.diverging import diverging_claims
from lossacc_tui.analysis.detectors.repeat_chance import grid_bins, runs_by_chance
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import fmt, fmt_x, points
from lossacc_tui.analysis.track import x_values
from lossacc_tui.model import Series

#: how far (relative) below H(training accuracy) the training loss of a network that no longer
#: changes may sit: a constant guess costs at least H, printing and a nearly constant output less
CONST_TOL = 0.02

#: how far (relative) below H(accuracy) the validation loss may sit for the base-rate reading to be
#: favoured (`likely`): a constant guess costs at least H on the samples scored; a network that
#: predicts one class yet ranks its samples a little (truth corpus `majority-lightning`, every
#: prediction the majority class) ends 4-27 % below it, healthy per-step runs on fixed 32-48-sample
#: batches with K = 3-4 settle 14-16 % below (tester 8's fx_12, fx_14). Below it: `possible` only
FLOOR_TOL = 0.05

#: how many of the latest base-rate points an acc-stuck alert remembers
BASE_KEEP = 32


class AccStuck(Detector):
    """Accuracy identical over stuck_window evaluations while the loss does not improve, or
    equal to the majority-class rate the user gave. Hooks get `(acc, loss)`; loss may be None."""

    kind = "acc-stuck"
    order = 80
    severity_doc = "warning/info"
    meaning = (
        "accuracy unchanged while the loss is not finite, or at 1/K with a loss at or above ln K and "
        "not falling, or equal to the majority rate given with `--majority`, or with the loss settled "
        "at (or wobbling at or above) what a constant guess scoring that accuracy costs while training "
        "goes on (warning: a model predicting the most frequent class, e.g. collapsed by a learning "
        "rate far too high); unchanged while the loss moves through that cost (info)"
    )
    general = (
        "Accuracy repeated exactly for many evaluations while the loss is not finite, or while accuracy "
        "sits at 1/K and the loss at or above ln K without falling, or accuracy equal to the "
        "majority-class rate you gave (--majority), or while the loss stays at or above what a constant "
        "guess scoring that accuracy costs (H(acc) nats) and either wobbles there or holds within 0.2 % "
        "with the training loss: a network collapsed to the most frequent class, often by a "
        "learning rate far too high. A model that ignores its inputs predicts one class, "
        "and its accuracy is then that class's share. Check the predicted-class counts or confusion "
        "matrix, a balanced metric (minority-class F1, balanced accuracy, AUC), and whether the loss or "
        "the logits are NaN (argmax over NaN logits is a constant class)."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        # the run of equal accuracies the last chunk ended in: its value, first index, next index
        self._run_val, self._run_start, self._run_next = math.nan, 0, -1
        #: the grid bins of the latest run's noise ((run start, n) -> `repeat_chance.grid_bins`)
        self._bins: dict[tuple[int, int], np.ndarray] = {}
        self._beyond: tuple[int, int] | None = None  # (run start, n) of a run found longer than chance

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        acc_y = acc.y
        with np.errstate(invalid="ignore", divide="ignore"):
            frozen = (acc.range_stuck <= p.stuck_tol) & (acc.nonfinite_stuck == 0)
            # a run of equal values that the series' own noise repeats by chance somewhere in it (a
            # 64-sample accuracy lands on 56/64 six times in a row about three times in 100,000
            # evaluations) says nothing about the model
            chance = self._chance_runs(acc, frozen)
            loose = (acc.range_stuck <= max(p.stuck_tol, p.min_acc_change)) & (acc.nonfinite_stuck == 0)
            blind_ok = np.ones(len(acc_y), dtype=bool)
            keep_base = np.zeros(len(acc_y), dtype=bool)
            settled = np.zeros(len(acc_y), dtype=bool)
            band = np.zeros(len(acc_y), dtype=bool)
            above = np.zeros(len(acc_y), dtype=bool)
            dead = np.zeros(len(acc_y), dtype=bool)
            if loss is not None:
                # a repeated accuracy means a model that ignores its inputs only when the loss is not
                # finite, or the accuracy sits at 1/K while the loss is at (or above) ln K and not
                # falling; K is the known K or the one 1/accuracy rounds to (never assumed)
                loss_y = loss.y
                k = self.ctx.classes.k
                kk = chance_k(acc_y, loss.lvl, k)
                # (a K not known must be named by more than 1/accuracy: `chance.k_backed`)
                usable = np.isfinite(kk) & (kk >= 2) & k_backed(self.ctx, acc.x, kk, loss.lvl)
                lnk = np.log(np.where(usable, kk, 2.0))
                # at 1/K or a little below it (as acc-at-chance judges it)
                near = (acc_y * kk >= 1.0 - CHANCE_BELOW) & (acc_y * kk <= 1.1)
                at_chance = usable & near & (loss.lvl >= 0.9 * lnk)
                learning = loss.dir < 0  # a loss still falling beyond its noise: predictions improve
                # or accuracy at a class share while the loss is no lower than a constant predictor's
                # at that share could be (its loss is at least the binary entropy of the share) and
                # moves by 10 % or more without a single prediction changing class: the outputs move,
                # all on one side of the threshold
                prior = binary_entropy(acc_y)
                # a majority share: at least half, and short of every sample (H(1) = 0 bounds nothing)
                share = majority_share(acc_y, acc.n_eval)
                # a constant guess costs at least H(acc) on the very samples scored (the entropy of
                # their labels, whose most frequent class has that share, and more for a guess off
                # their shares): a loss clearly below it (FLOOR_TOL) says the outputs vary with the
                # inputs, so no base-rate reading is favoured there, only allowed
                # (and above 95 %, only with a minority of some size: `minority_known`)
                floor = (loss.lvl >= (1 - FLOOR_TOL) * prior) & minority_known(acc_y, acc.n_eval)
                moves = np.abs(loss.lvl - loss.lvl_stuck) >= 0.1 * np.abs(loss.lvl)
                at_prior = share & (loss.lvl >= prior) & moves
                # or the loss has come to what predicting the rate `acc` for every sample costs (the
                # entropy of a label distribution whose majority share is `acc`): the model has learned
                # the base rate and not one prediction changes class while it does
                base = base_rate_band(acc_y, loss.lvl, k)
                at_base = share & base & moves
                keep_base = share & base_rate_band(acc_y, loss.lvl, k, wide=True)
                # or a collapsed network (a learning rate far too high): the loss no longer falls, sits
                # at or above the least a constant guess scoring `acc` can cost whatever K is (H(acc)),
                # and still moves (the weights change) while not one prediction changes class
                window = self._loss_window(acc)
                at_cost = share & cost_band(acc_y, loss.lvl, k)
                # or a network that no longer changes (every unit off, outputs saturated at the loss's
                # clip): the loss holds within JITTER_REL, at that cost. A loss either holds, wobbles
                # or drifts one way: the first two grade alike, however large the printed wobble
                dead = at_cost & holds(window)
                at_cost &= ~learning & ~loss.warm & wobbles(window)
                keep_base |= share & cost_band(acc_y, loss.lvl, k, wide=True)
                strong = ~np.isfinite(loss_y) | (at_chance & ~learning & ~chance)
                blind_ok = strong | at_prior | at_base | at_cost | dead
                # the base-rate reading is favoured once the loss has settled there (no longer falling
                # beyond its noise): a model whose decision boundary is fixed while its confidence grows
                # also holds accuracy frozen, but its loss passes through this band on its way down
                band = frozen & share & base
                settled = band & ~learning & ~loss.warm & floor
                collapsed = frozen & at_cost & floor
                above = collapsed & ~base  # above the band (K > 2 unknown, or a guess off the prior)
                dead &= frozen & floor
                band |= collapsed | dead
                if self.ctx.train is not None and self.ctx.split == "validation":
                    # a model that ignores its inputs cannot fit its training samples either: a training
                    # loss far below the label entropy bound says the model uses its inputs
                    train = lookup(self.ctx.train, self.ctx.axis, acc.x)
                    fits = np.isfinite(loss_y) & (train < 0.5 * prior)
                    blind_ok &= ~fits
                    keep_base &= ~fits
                    settled &= ~fits
                    band &= ~fits
                    # a collapsed network fits its training samples no better than a constant guess:
                    # its training loss is at or above that cost too
                    collapsed &= np.isfinite(train) & (train >= (1 - BASE_RATE_TOL) * prior)
                    # a dead network's training loss holds too (no step changes the model), no lower
                    # than a constant guess costs either
                    dead &= holds(self._loss_window(acc, self.ctx.train))
                    dead &= np.isfinite(train) & (train >= (1 - BASE_RATE_TOL) * prior)
                    if self.ctx.train_acc is not None:
                        # a constant guess scoring the training accuracy costs at least H of it,
                        # whatever K: a training loss below that says the model uses its inputs
                        # (one that converged so, every value holding, or one still learning while
                        # a validation split of other shares holds its accuracy), so no base-rate
                        # reading is favoured: evidence beyond the repeated values themselves
                        t_acc = lookup(self.ctx.train_acc, self.ctx.axis, acc.x)
                        uses = train < (1 - CONST_TOL) * binary_entropy(t_acc)
                        dead &= ~uses
                        collapsed &= ~uses
                        settled &= ~uses
                    # "while training goes on": a model whose weights hardly change (a learning rate
                    # decayed to nothing) holds any accuracy frozen at a settled loss, so the
                    # base-rate reading is favoured only while the training loss still moves
                    # (the training loss logged `half` evaluations back against now: at least half the
                    # smallest trend change, so a loss still falling about 1 % per few evaluations counts)
                    back = x_values(self.series, self.ctx.axis, np.maximum(acc.idx - p.half, 0))
                    train0 = lookup(self.ctx.train, self.ctx.axis, back)
                    settled &= np.abs(train0 - train) >= 0.5 * p.min_loss_change * np.abs(train0)
                    # per-step training batches whose losses do not follow their accuracies as one
                    # fixed output's would say the model's output depends on its inputs
                    # (`batch_fit`): healthy runs scored on a fixed small batch hold their accuracy
                    # with the loss anywhere near H(acc)
                    cand = np.flatnonzero(settled | collapsed | dead)
                    if len(cand):
                        refuted = np.zeros(len(acc_y), dtype=bool)
                        refuted[cand] = batches_refute_fixed(self.ctx, acc.x[cand], p.stuck_window)
                        settled &= ~refuted
                        collapsed &= ~refuted
                        dead &= ~refuted
                    settled |= collapsed | dead
                else:
                    settled[:] = False  # no training loss: nothing says training goes on
                    above[:] = False
                    dead[:] = False
                above &= settled & ~dead
            # 1 in the band, 2 settled there, 3 settled above it (a collapsed network), 4 dead
            self._marks = (
                band.view(np.int8) + settled.view(np.int8) + above.view(np.int8) + 2 * dead.view(np.int8)
            )
            # (a loss that is not finite says more than a chance run of the accuracy)
            beyond = ~chance | (~np.isfinite(loss.y) if loss is not None else False)
            on = frozen & blind_ok & beyond
            off = ~(loose & (blind_ok | keep_base))
            if loss is None:
                strong = np.ones(len(acc_y), dtype=bool)
            if acc.maj_dev is not None:
                maj = acc.maj_dev <= p.majority_tol
                on |= maj
                strong = strong | maj
                off &= acc.maj_dev > 2 * p.majority_tol
            self._strong = strong
        return on, off

    def _chance_runs(self, acc: AccFeatures, frozen: np.ndarray) -> np.ndarray:
        """Per point of the chunk: True where the accuracy is frozen and its run of equal values
        (all of it, back to where it began) is what the series' own noise shows by chance somewhere
        among the evaluations logged so far (`repeat_chance`): the noise measured just before the
        run began, on the 1/n grid the values reveal. False where n or that noise is not known (too
        few values before the run): the run is then taken as it is."""
        y, idx = acc.y, acc.idx
        tol = self.p.stuck_tol
        with np.errstate(invalid="ignore"):
            same = np.empty(len(y), dtype=bool)
            if len(y):
                same[0] = bool(abs(y[0] - self._run_val) <= tol) and int(idx[0]) == self._run_next
                same[1:] = np.abs(np.diff(y)) <= tol
        start = np.maximum.accumulate(np.where(same, -1, idx))
        start = np.where(start < 0, self._run_start, start)
        if len(y):
            self._run_val, self._run_start, self._run_next = float(y[-1]), int(start[-1]), int(idx[-1]) + 1
        out = np.zeros(len(y), dtype=bool)
        n_eval = acc.n_eval
        if n_eval is None:
            return out
        pts = np.flatnonzero(frozen & np.isfinite(n_eval))
        if not len(pts):
            return out
        st, nn = start[pts], n_eval[pts]
        # (segments of one run and one n: the run starts never decrease, n changes rarely)
        cut = np.flatnonzero((st[1:] != st[:-1]) | (nn[1:] != nn[:-1])) + 1
        for sel in np.split(pts, cut):
            s0, n = int(start[sel[0]]), int(n_eval[sel[0]])
            key = (s0, n)
            if key not in self._bins:
                spread = noise(self.series, s0 - 1, self.p.noise_window)
                # (the run's value: every point of it holds the same one)
                self._bins = {key: grid_bins(spread, n, float(y[sel[0]]))}
            if key == self._beyond:
                continue  # (this run was already longer than chance allows: it only grows)
            r = idx[sel] - s0 + 1
            got = runs_by_chance(self._bins[key], r[:64], idx[sel[:64]] + 1)
            if got.all() and len(sel) > 64:
                got = np.concatenate([got, runs_by_chance(self._bins[key], r[64:], idx[sel[64:]] + 1)])
            if not got.all():
                # past the first length chance does not explain, a longer run of the same values is
                # rarer still (its chance falls faster than the places looked at grow)
                got[int(np.argmin(got)) :] = False
                self._beyond = key
            out[sel[: len(got)]] = got
        return out

    def _loss_window(self, acc: AccFeatures, series: Series | None = None) -> np.ndarray:
        """The loss (or `series`) logged at each of the accuracy's last `stuck_window` evaluations,
        (w, n) nats, oldest row first (NaN where none)."""
        rows = []
        for j in range(self.p.stuck_window - 1, -1, -1):
            xs = x_values(self.series, self.ctx.axis, np.maximum(acc.idx - j, 0))
            rows.append(lookup(self.ctx.loss if series is None else series, self.ctx.axis, xs))
        return np.stack(rows)

    def _stretch_start(self, alert: Alert, j: int) -> int:
        """First index of the run of equal accuracies (within stuck_tol) that ends at point j, not
        before the alert's first point (where its title says it began). O(run), in numpy."""
        first = int(alert.data["first_idx"])
        series = self.series
        if series is None or j <= first:
            return min(first, j) if j >= 0 else first
        lo = max(first, series.base)
        vals = np.asarray(series.raw[lo - series.base : j + 1 - series.base], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            off = np.flatnonzero(~(np.abs(vals - vals[-1]) <= self.p.stuck_tol))
        return lo + int(off[-1]) + 1 if len(off) else first

    def _frozen_end(self, alert: Alert, i: int) -> int:
        """The latest point <= i of the alert's frozen stretch: i while the last `stuck_window`
        accuracies are equal, else the last point still at the value the alert opened on (or its
        opening point)."""
        series = self.series
        w = self.p.stuck_window
        if series is not None and i - w + 1 >= series.base:
            vals = np.asarray(series.raw[i - w + 1 - series.base : i + 1 - series.base], dtype=np.float64)
            if len(vals) == w and np.isfinite(vals).all() and np.ptp(vals) <= self.p.stuck_tol:
                return i
        open_idx, stuck = int(alert.data["open_idx"]), value(series, int(alert.data["open_idx"]))
        last = i
        lo = max(open_idx, series.base if series is not None else 0)
        if series is not None and i >= lo:
            vals = np.asarray(series.raw[lo - series.base : i + 1 - series.base], dtype=np.float64)
            with np.errstate(invalid="ignore"):
                at = np.flatnonzero(np.abs(vals - stuck) <= self.p.stuck_tol)
            last = lo + int(at[-1]) if len(at) else open_idx
        return min(last, i)

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        # the span the claims describe is the alert's own frozen stretch: up to the latest point still
        # frozen (a closed alert: its last point; an accuracy that has moved since, or a reopened
        # alert frozen at another value, is not described by the numbers of a later or earlier one)
        if alert.data.get("frozen"):
            d = self._frozen_end(alert, i)
            s0 = self._stretch_start(alert, d)
        else:  # (opened on --majority: the accuracy near that rate, not frozen; its latest point)
            d, s0 = i, int(alert.data["first_idx"])
        acc = value(self.series, d)
        x0, x1 = self.ctx.x(self.series, s0), self.ctx.x(self.series, d)
        out = classes_claim(self.ctx, x0, x1)
        maj = self.p.majority_rate
        if maj is not None and abs(acc - maj) <= self.p.majority_tol:
            out.append(
                Claim(
                    "at-majority-rate",
                    "follows",
                    x0,
                    x1,
                    f"{self.subject} {fmt(acc, 4)} is within {points(self.p.majority_tol)} of the "
                    f"majority-class rate {fmt(maj, 4)} you gave",
                    value=acc,
                )
            )
        loss_now = value(self.ctx.loss, d) if "loss_now" in e else math.nan
        k = self.ctx.classes.k
        if k is not None and math.isfinite(loss_now) and abs(acc * k - 1) <= 0.1:
            near = abs(loss_now / math.log(k) - 1) <= 0.1
            out.append(
                Claim(
                    "at-chance",
                    "likely" if near else "possible",
                    x0,
                    x1,
                    f"{self.subject} {fmt(acc, 4)} is about 1/{k} = {fmt(1 / k, 4)}"
                    + (f" and {nm[0]} {fmt(loss_now)} is about ln {k} = {fmt(math.log(k))}" if near else ""),
                    others="" if near else f"{nm[0]} {fmt(loss_now)} is not near ln {k} = {fmt(math.log(k))}",
                )
            )
        others = (
            "Another reading: the model predicts several classes but none of its predictions changes between "
            "evaluations; the predicted-class counts decide"
        )
        if not math.isfinite(loss_now) and "loss_now" in e:
            others += (
                ". With a loss that is not finite, argmax over NaN logits gives one fixed class, so accuracy "
                "only measures that class's share"
            )
        if alert.data.get("prior_path"):
            first = value(self.ctx.loss, s0)
            found = self._base_point(alert, d, s0)
            if found is not None:
                j, mark = found
                # the latest point of the frozen stretch where the loss was at the base-rate cost (an
                # accuracy that has started to move since is described by the numbers of that point)
                return out + base_rate_claims(
                    self.subject,
                    nm[0],
                    nm[2],
                    x0,
                    self.ctx.x(self.series, j),
                    first,
                    value(self.series, j),
                    value(self.ctx.loss, j),
                    level(self.ctx.loss, j, self.p),
                    k,
                    mark,
                    now=j == i,
                )
            at_open = level(self.ctx.loss, max(int(alert.data["open_idx"]), s0), self.p)
            return [*out, constant_guess_claim(nm[0], x0, x1, first, loss_now, at_open, acc, others)]
        out.append(
            Claim(
                "one-class-predictor",
                "possible",
                x0,
                x1,
                f"the model predicts one class for (nearly) every sample, so {self.subject} {fmt(acc, 4)} is "
                "that class's share",
                others=others,
            )
        )
        if self.series is not self.ctx.acc:
            return out
        return out + diverging_claims(self.ctx, acc, x0, x1)

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        frozen = bool(acc.range_stuck[local] <= self.p.stuck_tol)
        # opened only on the constant-guess bound (no NaN, no chance level, no --majority): a reading
        # the numbers allow, not one they force (a small validation set can hold no prediction near
        # the threshold while a model improves), so information, not a warning
        prior_path = not bool(self._strong[local])
        alert.data.update(frozen=frozen, first_idx=max(0, i - self.p.stuck_window + 1), prior_path=prior_path)

    def on_span(self, alert: Alert, lo: int, hi: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        # the points of the span where the base-rate reading held (the latest few are enough)
        marks = self._marks[lo:hi]
        hits = np.flatnonzero(marks)
        if len(hits):
            keep = alert.data.setdefault("base_idx", [])
            keep.extend((int(acc.idx[lo + h]), int(marks[h])) for h in hits[-BASE_KEEP:])
            del keep[:-BASE_KEEP]

    def _base_point(self, alert: Alert, i: int, lo: int = 0) -> tuple[int, int] | None:
        """The latest point j (lo <= j <= i) of the alert where accuracy was frozen with the loss
        level at the base-rate cost, with its mark (1 passing through, 2 settled there, 3 settled
        above it, 4 dead; the latest settled point first), or None."""
        marks = [m for m in alert.data.get("base_idx", []) if lo <= m[0] <= i]
        settled = [m for m in marks if m[1] >= 2]
        return settled[-1] if settled else (marks[-1] if marks else None)

    def severity(self, alert: Alert) -> Severity:
        if alert.data.get("prior_path"):
            # a warning when the numbers favour the base-rate reading, or a probe confirms it
            for c in alert.claims:
                if c.id == "one-class-predictor" and c.strength == "confirmed":
                    return "warning"
                if c.id == "at-majority-rate" and c.strength in ("likely", "follows", "confirmed"):
                    return "warning"
            return "info"
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        name = self.series.name if self.series is not None else "accuracy"
        if alert.data["frozen"]:
            stuck = value(self.series, alert.data["open_idx"])
            return f"{name} stuck at {fmt(stuck)} since {self.ctx.unit} {fmt_x(e['first_x'])}" + (
                f" (now {fmt(e['acc_now'])})" if abs(e["acc_now"] - stuck) > self.p.stuck_tol else ""
            )
        return f"{name} {fmt(e['acc_now'], 3)} is the majority-class rate {fmt(e['majority_rate'], 3)}"

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        first = alert.data["first_idx"]
        stuck = value(self.series, alert.data["open_idx"])
        last = i  # the last point still at the stuck value (the span's own, bounded by it)
        while last > first and not abs(value(self.series, last) - stuck) <= self.p.stuck_tol:
            last -= 1
        ev = {
            "acc_now": value(self.series, i),
            "acc_stuck": stuck,
            "stuck_last_x": self.ctx.x(self.series, last),
            "now_x": self.ctx.x(self.series, i),
            "acc_level_now": level(self.series, i, self.p),
            "evaluations": float(i - first + 1),
            "first_x": self.ctx.x(self.series, first),
        }
        if self.p.majority_rate is not None:
            ev["majority_rate"] = self.p.majority_rate
        if self.ctx.classes.k is not None:
            ev["chance_acc"] = 1.0 / self.ctx.classes.k
        if self.ctx.loss is not None and self.series is self.ctx.acc:
            ev["loss_at_first"] = value(self.ctx.loss, first)
            ev["loss_now"] = value(self.ctx.loss, i)
        return ev
