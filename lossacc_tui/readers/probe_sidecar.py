"""The probe sidecar `lossacc_probe.jsonl` (written by `lossacc_tui.probe`, schema 1): found beside a
log or in its run folder, read (and followed) into per-split series of per-evaluation facts, and
attached to the runs of that log, where the analyzer looks facts up by the run's own x.

Not a log format: discovery skips the file (its `accuracy` and `loss` keys would otherwise make a
bogus run), and it is only read, never written, by the tool.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lossacc_tui.model import Problem
from lossacc_tui.probe.writer import FILENAME
from lossacc_tui.readers.probe_align import FactsLookup, run_alignment

if TYPE_CHECKING:
    from lossacc_tui.model import Run
    from lossacc_tui.source import Source

SIDECAR = FILENAME
SCHEMA = 1
#: Folders a log sits in below its run folder: TensorBoard's train/validation, HF checkpoints.
_NESTED = re.compile(r"^(train|training|validation|val|valid|eval|checkpoint-\d+)$", re.IGNORECASE)
#: x values closer than this are one evaluation (HF writes epochs as fractions, sometimes rounded).
X_TOLERANCE = {"epoch": 0.005, "step": 0.5}
_REQUIRED = ("split", "n", "k", "accuracy", "loss", "n_wrong")


def sidecar_path(log_path: Path) -> Path:
    """Where the sidecar of a log (a file, or a run folder such as MLflow's) is, or would appear:
    the log's folder, or its run folder when the log sits in a nested layout folder
    (`train/`, `validation/`, `checkpoint-N/`). An existing file wins over a path to wait for."""
    folder = log_path if log_path.is_dir() else log_path.parent
    candidates = [folder / SIDECAR]
    if _NESTED.match(folder.name):
        candidates.append(folder.parent / SIDECAR)
    for c in candidates:
        if c.is_file():
            return c
    return candidates[-1]


@dataclass(frozen=True, slots=True)
class ProbeFacts:
    """One evaluation of one split, as the probe wrote it (schema 1; see `lossacc_tui.probe`).

    Shares and rates are fractions (0..1), `loss` mean cross-entropy in nats; None where the
    probe wrote null. `epoch`/`step` are in the log's own units (Keras CSV epochs are 0-based).
    `raw` keeps every key of the line, including ones added after schema 1. `line`: 1-based.
    """

    split: str
    epoch: float | None
    step: float | None
    n: int
    k: int
    accuracy: float
    loss: float
    n_wrong: int
    wrong_loss_share: float | None
    confident_wrong: int | None
    confident_wrong_share: float | None
    mean_conf: float | None
    ece: float | None
    flips: int | None
    flips_to_right: int | None
    flips_to_wrong: int | None
    majority_rate: float | None
    pred_majority_share: float | None
    conf_right: float | None
    conf_wrong: float | None
    p_true_wrong_hist: tuple[int, ...] | None
    per_class_acc: tuple[float | None, ...] | None
    flips_note: str | None
    line: int
    raw: dict[str, Any] = field(repr=False, compare=False)

    def x(self, axis: str) -> float | None:
        return self.epoch if axis == "epoch" else self.step

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(f)


def _ints(v: Any) -> tuple[int, ...] | None:
    if not isinstance(v, list) or any(_int(x) is None for x in v):
        return None
    return tuple(int(x) for x in v)


def _floats(v: Any) -> tuple[float | None, ...] | None:
    return tuple(_num(x) for x in v) if isinstance(v, list) else None


def parse_line(obj: Any, line: int) -> ProbeFacts | str:
    """A decoded JSON line as facts, or why it is not a schema-1 probe record (one line)."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    if obj.get("schema") != SCHEMA:
        return f"schema {obj.get('schema')!r} is not one this version reads (1)"
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        return f"missing {', '.join(missing)}"
    split, n, k = obj["split"], _int(obj["n"]), _int(obj["k"])
    acc, loss, n_wrong = _num(obj["accuracy"]), _num(obj["loss"]), _int(obj["n_wrong"])
    if not isinstance(split, str) or None in (n, k, acc, loss, n_wrong):
        return "split, n, k, accuracy, loss or n_wrong is not a value"
    if obj.get("epoch") is None and obj.get("step") is None:
        return "neither epoch nor step: cannot be placed on the run's x axis"
    return ProbeFacts(
        split=split,
        epoch=_num(obj.get("epoch")),
        step=_num(obj.get("step")),
        n=n,  # type: ignore[arg-type]
        k=k,  # type: ignore[arg-type]
        accuracy=acc,  # type: ignore[arg-type]
        loss=loss,  # type: ignore[arg-type]
        n_wrong=n_wrong,  # type: ignore[arg-type]
        wrong_loss_share=_num(obj.get("wrong_loss_share")),
        confident_wrong=_int(obj.get("confident_wrong")),
        confident_wrong_share=_num(obj.get("confident_wrong_share")),
        mean_conf=_num(obj.get("mean_conf")),
        ece=_num(obj.get("ece")),
        flips=_int(obj.get("flips")),
        flips_to_right=_int(obj.get("flips_to_right")),
        flips_to_wrong=_int(obj.get("flips_to_wrong")),
        majority_rate=_num(obj.get("majority_rate")),
        pred_majority_share=_num(obj.get("pred_majority_share")),
        conf_right=_num(obj.get("conf_right")),
        conf_wrong=_num(obj.get("conf_wrong")),
        p_true_wrong_hist=_ints(obj.get("p_true_wrong_hist")),
        per_class_acc=_floats(obj.get("per_class_acc")),
        flips_note=obj.get("flips_note") if isinstance(obj.get("flips_note"), str) else None,
        line=line,
        raw=obj,
    )


class ProbeSeries:
    """The evaluations of one split, in file order."""

    def __init__(self, split: str) -> None:
        self.split = split
        self.records: list[ProbeFacts] = []

    def __len__(self) -> int:
        return len(self.records)

    def at(self, x: float, axis: str) -> ProbeFacts | None:
        """The evaluation at `x` on `axis` ('epoch' or 'step'), or None. When several match (a
        restarted run logs the same epochs again) the latest line wins."""
        tol = X_TOLERANCE.get(axis, 0.5)
        for r in reversed(self.records):
            rx = r.x(axis)
            if rx is not None and abs(rx - x) <= tol:
                return r
        return None

    def at_or_before(self, x: float, axis: str) -> ProbeFacts | None:
        """The latest evaluation at x or before it (by x, the last line winning a tie), or None."""
        tol = X_TOLERANCE.get(axis, 0.5)
        best: ProbeFacts | None = None
        for r in self.records:
            rx = r.x(axis)
            if rx is not None and rx <= x + tol and (best is None or rx >= best.x(axis)):  # type: ignore[operator]
                best = r
        return best

    def between(self, start: float, end: float, axis: str) -> list[ProbeFacts]:
        """The evaluations with start < x <= end, in file order (for change claims: the flips of
        each step of the change)."""
        tol = X_TOLERANCE.get(axis, 0.5)
        out = []
        for r in self.records:
            rx = r.x(axis)
            if rx is not None and start + tol < rx <= end + tol:
                out.append(r)
        return out

    def latest(self, upto: float | None = None, axis: str = "epoch") -> ProbeFacts | None:
        """The last evaluation in the file; with `upto`, the last one at x <= upto on `axis`
        (a probe line can be written before the log's line of the same evaluation)."""
        if upto is None:
            return self.records[-1] if self.records else None
        tol = X_TOLERANCE.get(axis, 0.5)
        for r in reversed(self.records):
            rx = r.x(axis)
            if rx is not None and rx <= upto + tol:
                return r
        return None


class ProbeSidecar:
    """One `lossacc_probe.jsonl`: fed its bytes as they are appended (or read whole), it keeps a
    `ProbeSeries` per split and the problems of lines it could not read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.splits: dict[str, ProbeSeries] = {}
        self.problems: list[Problem] = []
        self._pending = b""
        self._line = 0

    def __bool__(self) -> bool:
        return any(self.splits.values())

    def reset(self) -> None:
        """The file was rewritten or replaced: forget what was read from it."""
        self.__init__(self.path)  # type: ignore[misc]

    def feed(self, chunk: bytes) -> int:
        """New bytes of the file; an unfinished last line waits for its newline. Returns the
        number of evaluations added."""
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()
        added = 0
        for raw in lines:
            self._line += 1
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                self._problem("not JSON")
                continue
            got = parse_line(obj, self._line)
            if isinstance(got, str):
                self._problem(got)
                continue
            self.splits.setdefault(got.split, ProbeSeries(got.split)).records.append(got)
            added += 1
        return added

    def _problem(self, why: str) -> None:
        if len(self.problems) < 100:
            self.problems.append(Problem(self._line, f"{SIDECAR}: {why}"))

    def read_all(self) -> ProbeSidecar:
        """Read the file whole, as it is now (missing: nothing, no problem)."""
        self.reset()
        try:
            with open(self.path, "rb") as f:  # read-only, no lock
                self.feed(f.read())
        except FileNotFoundError:
            return self
        except OSError as e:
            self.problems.append(Problem(None, f"{SIDECAR}: cannot read ({e.strerror or e})"))
            return self
        if self._pending.strip():  # a last line without newline: the writer may be mid-line
            self.feed(b"\n")
        return self

    def facts_at(self, split: str, x: float, axis: str) -> ProbeFacts | None:
        """The facts of the evaluation of `split` at `x` on `axis` ('epoch' or 'step'), or None."""
        series = self.splits.get(split)
        return None if series is None else series.at(x, axis)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """Per split, every evaluation as the probe wrote it (for `check --json`)."""
        return {name: [r.to_dict() for r in s.records] for name, s in self.splits.items()}


def _pct(v: float | None) -> str:
    return "?" if v is None else f"{100 * v:.0f} %"


def facts_text(f: ProbeFacts, axis: str, shift: float = 0.0) -> str:
    """One evaluation's facts in a sentence, for the summary pane and `check`'s text output.
    `shift`: added to the probe's x to give the log's (`probe_align`), which is the x shown."""
    x = f.x(axis)
    where = f"{axis} {x + shift:g}" if x is not None else f"line {f.line}"
    if x is not None and shift:
        where += f" of the log; the probe wrote {x:g}"
    split = re.sub(r"[^\w.-]", "?", f.split)[:24]  # a string from the file: no markup reaches the screen
    parts = [f"probe ({split}, {where}): {f.n} samples, accuracy {f.accuracy:.4f}, loss {f.loss:.4f} nats"]
    if f.n_wrong:
        cw = "" if f.confident_wrong is None else f", {f.confident_wrong} of them with confidence > 0.9"
        parts.append(f"{f.n_wrong} wrong carry {_pct(f.wrong_loss_share)} of the loss{cw}")
    if f.mean_conf is not None:
        ece = "" if f.ece is None else f", ECE {f.ece:.3f}"
        parts.append(f"mean confidence {f.mean_conf:.3f}{ece}")
    if f.flips is not None:
        parts.append(
            f"{f.flips} changed class since the last evaluation"
            f" ({f.flips_to_right} to right, {f.flips_to_wrong} to wrong)"
        )
    if f.pred_majority_share is not None and f.majority_rate is not None:
        parts.append(
            f"most-predicted class {_pct(f.pred_majority_share)} of predictions"
            f" (most common label {_pct(f.majority_rate)})"
        )
    return "; ".join(parts) + "."


def probe_summary(run: Run) -> str:
    """The latest facts of each split of the run's sidecar, up to the run's last x (not past what
    the log shows yet), one paragraph each ("" without a sidecar)."""
    sc = getattr(run, "probe", None)
    if not sc:
        return ""
    axis = run.x_axis
    xs = [float(x[-1]) for s in run.series.values() if len(s) and len(x := s.x(axis))]
    upto = max((x for x in xs if math.isfinite(x)), default=None)
    out = []
    for s in sc.splits.values():
        al = run_alignment(run, s.split)
        last = s.latest(None if upto is None else upto - al.shift, axis)
        if last is not None:
            out.append(" ".join(filter(None, (facts_text(last, axis, al.shift), al.note(axis)))))
    return "\n\n".join(out)


#: the analyzer's split names (Ctx.split) to the probe's
SPLIT_NAMES = {"validation": "val", "training": "train", "valid": "val", "eval": "val"}


def facts_lookup(
    run: Run, split: str, exact: bool = False
) -> Callable[[float], dict[str, Any] | None] | None:
    """For the analyzer (`Ctx.facts`): a function x -> the probe record (a schema-1 dict) of
    `split` at x in the run's own x axis, or at the latest evaluation before x (`exact=False`); it
    returns None where there is none. The lookup is live: records read later are found.
    `split` may be the analyzer's name ("validation", "training") or the probe's ("val", "train").
    None when the run has no sidecar attached at all (the cost of asking is then nothing)."""
    sc = getattr(run, "probe", None)
    if sc is None:
        return None
    name = SPLIT_NAMES.get(split, split)

    return FactsLookup(run, sc, name, exact)


def probe_facts_at(run: Run, split: str, x: float) -> ProbeFacts | None:
    """The probe's facts for `run` at `x` in the run's own x (`run.x_axis`: epoch or step), for the
    split (`"val"`, `"train"`, `"test"`); None when the run has no sidecar or no evaluation there."""
    sc = getattr(run, "probe", None)
    return None if sc is None else sc.facts_at(split, x - run_alignment(run, split).shift, run.x_axis)


def probe_facts_between(run: Run, split: str, start: float, end: float) -> list[ProbeFacts]:
    """The probe's evaluations of `split` with start < x <= end in the run's x, in order; summing
    their `flips` gives the samples that changed class over (start, end]."""
    sc = getattr(run, "probe", None)
    series = None if sc is None else sc.splits.get(split)
    d = run_alignment(run, split).shift
    return [] if series is None else series.between(start - d, end - d, run.x_axis)


def attach_sidecars(sources: Iterable[Source], read: bool = True) -> dict[Path, ProbeSidecar]:
    """Give each source (and its runs) the sidecar of its log; one object per sidecar file, shared
    by the sources that find the same one. `read=True` reads existing files whole (`check`);
    the Monitor passes False and follows the files instead. Returns the sidecars by path."""
    found: dict[Path, ProbeSidecar] = {}
    for src in sources:
        path = sidecar_path(src.path)
        if not read or path.is_file():
            sc = found.get(path)
            if sc is None:
                sc = found[path] = ProbeSidecar(path)
                if read:
                    sc.read_all()
            src.attach_probe(sc)
    return found


__all__ = [
    "SIDECAR",
    "ProbeFacts",
    "ProbeSeries",
    "ProbeSidecar",
    "attach_sidecars",
    "facts_lookup",
    "facts_text",
    "probe_facts_at",
    "probe_facts_between",
    "probe_summary",
    "sidecar_path",
]
