"""metric-mismatch: a later evaluation's accuracy in the same log (a test or report accuracy, joined by
x) far from the logged accuracy before it."""

from __future__ import annotations

import math
import re

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Event
from lossacc_tui.analysis.detectors.base import Ctx, Detector, value, value_at_x
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import fmt, fmt_x, pts
from lossacc_tui.analysis.track import x_values
from lossacc_tui.model import Series
from lossacc_tui.roles import normalize

#: Names (after roles.normalize) of a later evaluation's accuracy that readers may surface.
FINAL_ACC = re.compile(
    r"^(test|final|holdout|report|classification_report|evaluate|eval_final|printed_test)"
    r"[_/]?(acc|accuracy|top1|acc1|categorical_accuracy|binary_accuracy)$"
)


class MetricMismatch(Detector):
    """A later evaluation's accuracy (test/report) far from the logged accuracy before it."""

    kind = "metric-mismatch"
    order = 110
    severity_doc = "warning"
    meaning = "a later evaluation in the log disagrees with the logged accuracy"
    general = (
        "A later evaluation in the same log (a classification report, a printed test accuracy) "
        "disagrees with the logged accuracy by more than a few points: a different split, checkpoint, "
        "preprocessing, train-mode layers, or macro vs micro averaging."
    )

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self.n = 0

    @staticmethod
    def matches(s: Series) -> bool:
        return s.role == "other" and bool(FINAL_ACC.match(normalize(s.name)))

    def feed(self, sink: list[Event]) -> None:
        s, acc = self.series, self.ctx.acc
        assert s is not None
        if acc is None or len(s) <= self.n:
            return
        idx = np.arange(max(self.n, s.base), len(s))
        xs = x_values(s, self.ctx.axis, idx)
        for i, x in zip(idx, xs, strict=True):
            v = float(s.raw[i - s.base])
            v = v / 100.0 if 1.0 < v <= 100.0 else v
            logged = value_at_x(acc, self.ctx.axis, float(x))
            if not math.isfinite(logged):
                logged = value(acc, len(acc) - 1)
            if math.isfinite(v) and math.isfinite(logged) and abs(v - logged) > self.p.mismatch_gap:
                alert = Alert(self.kind, "warning", "", float(x))
                alert.data.update(start_idx=int(i), subject=s.name, decided_x=float(x), open_x=float(x))
                alert.evidence = {"later_acc": v, "logged_acc": logged, "gap": v - logged, "x": float(x)}
                alert.set_renderers(self.title, self.explain)
                self.alerts.append(alert)
                sink.append(("opened", alert.snapshot()))
        self.n = len(s)

    def title(self, alert: Alert) -> str:
        e, acc = alert.evidence, self.ctx.acc
        return (
            f"{self.subject} {fmt(e['later_acc'], 3)} vs {acc.name if acc else 'accuracy'} "
            f"{fmt(e['logged_acc'], 3)} ({pts(e['gap'])}) at {self.ctx.unit} {fmt_x(e['x'])}"
        )

    def conditions(
        self, loss: LossFeatures, acc: AccFeatures | None
    ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError
