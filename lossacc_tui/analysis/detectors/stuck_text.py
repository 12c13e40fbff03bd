"""What an acc-stuck alert says: its title, evidence and claims, each about the alert's own frozen
stretch (from where the run of equal accuracies began to its last frozen point). The conditions
that open it are in stuck.py; the base-rate claims themselves in base_rate_claims.py."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Detector, classes_claim, level, names, value
from lossacc_tui.analysis.detectors.base_rate_claims import base_rate_claims, constant_guess_claim
from lossacc_tui.analysis.detectors.diverging import diverging_claims
from lossacc_tui.analysis.detectors.majority import (
    coarse_print_note,
    handful_note,
    off_given_rate,
    samples_apart,
)
from lossacc_tui.analysis.detectors.no_update import still_since
from lossacc_tui.analysis.detectors.one_class_train import fitted_reading, train_fit_against_one_class
from lossacc_tui.analysis.detectors.stuck_windows import LONG_EXTRA
from lossacc_tui.analysis.detectors.train_side import why_not
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x, points

_SEVERAL = (
    "Another reading: the model predicts several classes but none of its predictions changes between "
    "evaluations; the predicted-class counts decide"
)


class StuckText(Detector):
    """acc-stuck's words (a base of `stuck.AccStuck`): the frozen stretch an alert describes, its
    claims, title and evidence. Reads `alert.data` (first_idx, open_idx, frozen, prior_path,
    base_idx) as AccStuck's hooks leave it."""

    def _stretch_start(self, alert: Alert, j: int) -> int:
        """First index of the run of equal accuracies (within stuck_tol) that ends at point j, not
        before the alert's first point (where its title says it began). O(run), in numpy."""
        first = int(alert.data["first_idx"])
        series = self.series
        if series is None or j <= first:
            return min(first, j) if j >= 0 else first
        lo = max(first, series.base)
        vals = np.asarray(series.raw[lo - series.base : j + 1 - series.base], dtype=np.float64)
        with quiet(invalid="ignore"):
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
            with quiet(invalid="ignore"):
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
        n = alert.data.get("n_eval")
        off = maj is not None and bool(
            off_given_rate(
                np.array([abs(acc - maj)]),
                np.array([n if n is not None else np.nan]),
                maj,
                self.p.majority_tol,
            )[0]
        )
        if maj is not None and not off:
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
        others = _SEVERAL
        if off and maj is not None:
            # (the rate the user gave decides: an accuracy off it is not at it, and a model predicting
            # that class for every sample would score exactly it)
            others = (
                f"{self.subject} {fmt(acc, 4)} is not the majority-class rate {fmt(maj, 4)} you gave"
                f"{samples_apart(abs(acc - maj), n, self.ctx.acc_n_near)}: a model predicting that class "
                "for every sample scores exactly that rate, so this one, if it favours one class, predicts "
                "others for some samples. " + others
            )
        if not math.isfinite(loss_now) and "loss_now" in e:
            others += (
                ". With a loss that is not finite, argmax over NaN logits gives one fixed class, so accuracy "
                "only measures that class's share"
            )
        if alert.data.get("prior_path"):
            first = value(self.ctx.loss, s0)
            found = self._base_point(alert, d, s0)
            # (held since the log's first accuracy: the stretch never began anywhere else, and a
            # boundary that never moved by one sample from the first evaluation through the loss's
            # whole fall is what a model predicting one class does; the readings stay `possible`)
            falling = {} if s0 == 0 else alert.data.get("falling", {})
            if found is not None and found[1] == 1 and falling.get(found[0]):
                # passing through the base-rate band while the loss still falls beyond its noise: a
                # model whose boundary stays put while it grows surer does that too, and every run
                # falling from its start (ln K >= ln 2 >= H(acc)) passes through it: nothing in it
                # favours or even supports the base rate, so no base-rate claim
                return out
            if found is None and falling.get(d):
                return out  # (the constant-guess reading of a loss still falling: the same)
            if found is not None:
                j, mark = found
                # the latest point of the frozen stretch where the loss was at the base-rate cost (an
                # accuracy that has started to move since is described by the numbers of that point)
                return out + self._coarse(
                    self._handful(
                        alert,
                        s0,
                        d,
                        base_rate_claims(
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
                            held=self.p.stuck_window + LONG_EXTRA,
                            still=self._still(j, s0),
                        ),
                    ),
                    acc,
                )
            at_open = level(self.ctx.loss, max(int(alert.data["open_idx"]), s0), self.p)
            unsure = alert.data.get("unsure")
            if unsure is not None and s0 <= unsure[0] <= d:  # (`train_side`: the training numbers)
                if unsure[1] == 4:  # (a handful held wrong: `majority.handful_note`)
                    why = self._handful_text(alert)
                else:
                    why = why_not(self.ctx, self.ctx.x(self.series, unsure[0]), unsure[1])
                others = f"{why}. {others}" if why else others
            return [
                *out,
                *self._coarse(
                    [constant_guess_claim(nm[0], x0, x1, first, loss_now, at_open, acc, others)], acc
                ),
            ]
        # (a validation loss that is not finite: its logits may be NaN on these samples alone, and
        # argmax then gives one fixed class whatever the model does on its training samples)
        nan_eval = "loss_now" in e and not math.isfinite(loss_now)
        against = None if nan_eval else train_fit_against_one_class(self.ctx, acc, x1)
        if against is not None:  # (the several-classes reading, favoured, in the numbers' words)
            moved = None
            if (
                not alert.data.get("frozen")
                and "acc_lo" in e
                and e["acc_hi"] - e["acc_lo"] > self.p.stuck_tol
            ):
                moved = (e["acc_lo"], e["acc_hi"])
            others = others.replace(_SEVERAL, fitted_reading(self.ctx, x1, moved))
        out.append(
            Claim(
                "one-class-predictor",
                "possible",
                x0,
                x1,
                f"the model predicts one class for (nearly) every sample, so {self.subject} {fmt(acc, 4)} is "
                "that class's share" + (f", {against}" if against else ""),
                others=others,
            )
        )
        if self.series is not self.ctx.acc:
            return out
        return out + diverging_claims(self.ctx, acc, x0, x1)

    def _handful_text(self, alert: Alert) -> str:
        """`majority.handful_note` for the alert's latest point where a held count's minority was
        fewer than HELD_MINORITY samples (unsure code 4: `stuck.AccStuck.on_span`), "" without one."""
        unsure = alert.data.get("unsure")
        if unsure is None or unsure[1] != 4:
            return ""
        n = float(alert.data.get("set_size", math.nan))
        known = math.isfinite(float(alert.data.get("n_eval", math.nan)))
        return handful_note(self.subject, value(self.series, unsure[0]), n, known)

    def _handful(self, alert: Alert, s0: int, d: int, claims: list[Claim]) -> list[Claim]:
        """The base-rate claims of a stretch s0..d (indices) with `_handful_text` said first in the
        first one's other readings, when its point is in that stretch and that claim is `possible`."""
        unsure = alert.data.get("unsure")
        why = self._handful_text(alert) if unsure is not None and s0 <= unsure[0] <= d else ""
        if why and claims and claims[0].strength == "possible":  # (never beside a favoured reading)
            c = claims[0]
            claims[0] = replace(c, others=f"{why}. {c.others}" if c.others else why)
        return claims

    def _coarse(self, claims: list[Claim], acc: float) -> list[Claim]:
        """The base-rate claims left `possible` with, in what they name as deciding, what a value
        printed too coarsely to pin its minority cannot tell (`majority.coarse_print_note`: a loop
        printing 485/510 as `0.951`, which fits 39/41 as well; tester 18's Keras console)."""
        series = self.series
        note = coarse_print_note(
            self.subject, acc, series.eval_size if series is not None else None, self.ctx.printed_digits
        )
        for j, c in enumerate(claims if note else []):  # (said once: the first such claim)
            if c.id in ("at-majority-rate", "one-class-predictor") and c.strength == "possible":
                claims[j] = replace(c, others=f"{c.others}. {note}" if c.others else note)
                break
        return claims

    def _still(self, j: int, s0: int) -> bool:
        """Whether every logged loss and accuracy repeats from point s0 (or before) to j
        (`no_update.still_since`): no step changed the model over the frozen stretch."""
        j0 = still_since(self.ctx, self.series, j)
        return j0 is not None and j0 <= s0 and j > j0

    def _base_point(self, alert: Alert, i: int, lo: int = 0) -> tuple[int, int] | None:
        """The latest point j (lo <= j <= i) of the alert where accuracy was frozen with the loss
        level at the base-rate cost, with its mark (1 passing through, 2 settled there, 3 settled
        above it, 4 dead; the latest settled point first), or None."""
        marks = [m for m in alert.data.get("base_idx", []) if lo <= m[0] <= i]
        settled = [m for m in marks if m[1] >= 2]
        return settled[-1] if settled else (marks[-1] if marks else None)

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        name = self.series.name if self.series is not None else "accuracy"
        if alert.data["frozen"]:
            stuck = value(self.series, alert.data["open_idx"])
            return f"{name} stuck at {fmt(stuck)} since {self.ctx.unit} {fmt_x(e['first_x'])}" + (
                f" (now {fmt(e['acc_now'])})" if abs(e["acc_now"] - stuck) > self.p.stuck_tol else ""
            )
        # (opened on --majority with the accuracy near the rate, not held: it is within a tolerance
        # of it, which the numbers force, not "at" it, nor stuck)
        rate = e["majority_rate"]
        far = max(abs(e.get("acc_lo", e["acc_now"]) - rate), abs(e.get("acc_hi", e["acc_now"]) - rate))
        return (
            f"{name} within {points(max(far, self.p.majority_tol))} of the majority-class rate "
            f"{fmt(rate, 4)} since {self.ctx.unit} {fmt_x(e['first_x'])} (now {fmt(e['acc_now'], 4)})"
        )

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
        if not alert.data.get("frozen") and self.series is not None:
            # (near the rate, not held: the accuracy's range over the span, which the words give)
            lo = max(int(first), self.series.base)
            vals = np.asarray(
                self.series.raw[lo - self.series.base : i + 1 - self.series.base], dtype=np.float64
            )
            vals = vals[np.isfinite(vals)]
            if len(vals):
                ev["acc_lo"], ev["acc_hi"] = float(vals.min()), float(vals.max())
        if self.p.majority_rate is not None:
            ev["majority_rate"] = self.p.majority_rate
        if self.ctx.classes.k is not None:
            ev["chance_acc"] = 1.0 / self.ctx.classes.k
        if self.ctx.loss is not None and self.series is self.ctx.acc:
            ev["loss_at_first"] = value(self.ctx.loss, first)
            ev["loss_now"] = value(self.ctx.loss, i)
            if alert.data.get("prior_path"):  # (the loss still falling beyond its noise at the latest point)
                ev["loss_falling"] = float(bool(alert.data.get("falling", {}).get(i)))
        return ev
