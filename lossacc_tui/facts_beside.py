"""A file of facts about the run logged beside it, told from what both files hold (not from their
names or format): a per-evaluation truth file (`{"epoch": 3, "acc": 0.87, "loss": 0.63, "n_wrong":
13, "mean_conf": 0.53, "flips": 5}`, one line per evaluation) is JSON lines, or a CSV, like any log,
and read as a run it became a second run of the experiment that joined comparisons and ranked
against the real one (tester 22: `binary_thresh/per_epoch_truth.jsonl` beside `metrics.jsonl`, 13
series; tester 17: `truth.jsonl` beside each Keras `training.log`, ranked in runs-disagree).

A file F in a folder is facts about the log L beside it when all of these hold:

- its names say things about predictions (`FACT_WORDS`: `n_wrong`, `mean_conf`, `ece`, `flips`,
  `pred_major_share`, `per_class_acc`, ...), which a training loop does not log as its metrics;
- its names are no loss/accuracy pair of a run: no loss and accuracy of one named split
  (`val_loss` with `val_acc`), no names of two splits (`train_loss` beside `val_loss`); a bare `acc`
  and `loss` are what the facts were computed from;
- L, a log a reader takes, is in the same folder, and F's x values are L's evaluations (the x of its
  validation metrics, else of its loss and accuracy), as far as the start of both files shows them.

Real side files stay as they are: a Keras `history.csv` beside its CSVLogger `training.log` (two
copies of one run, both with `val_loss`), Lightning's `hparams.yaml` and HF's `all_results.json`
(no per-evaluation records), W&B's `wandb-summary.json` (claimed with its run folder).
Such a file is skipped in a folder and said so; named on its own it is read as the user asked.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossacc_tui.detection import detect, skipped_name
from lossacc_tui.files import open_regular
from lossacc_tui.logsource import LogFile, Source
from lossacc_tui.model import Run
from lossacc_tui.readers.base import Reader
from lossacc_tui.roles import classify, normalize, split_of

#: words of a metric name (split at `_`) that say a fact about the predictions of an evaluation
#: (counts of wrong answers, confidence, calibration, changed predictions, predicted classes)
FACT_WORDS = frozenset(
    {
        "wrong",
        "right",
        "mistake",
        "mistakes",
        "conf",
        "confidence",
        "confident",
        "overconf",
        "underconf",
        "ece",
        "mce",
        "brier",
        "calibration",
        "flips",
        "flip",
        "changed",
        "pred",
        "preds",
        "predicted",
        "prediction",
        "predictions",
        "majority",
        "major",
        "hist",
        "class",
    }
)
#: the formats a file of facts is written in: records or a table whose keys or header name each number
#: (a console log is no file of facts: it is not parsed twice for the words it prints)
FACT_FORMATS = frozenset({"jsonl", "csv", "keras-csv", "lightning-csv", "fastai-csv", "keras-history"})
HEAD_BYTES = 64 * 1024  # the start of a file of facts looked at (of a log: up to LOG_BYTES_MAX)
LOG_BYTES_MAX = 1 << 20
SIBLINGS_MAX = 24  # files beside F looked at as its log (a folder of thousands of logs: the first ones)
_WORD = re.compile(r"[a-z]+")


def fact_names(names: list[str]) -> list[str]:
    """The names among `names` that say a fact about predictions (`FACT_WORDS`).

    >>> fact_names(["epoch", "acc", "loss", "n_wrong", "mean_conf", "flips", "val_loss"])
    ['n_wrong', 'mean_conf', 'flips']
    """
    return [n for n in names if FACT_WORDS & set(_WORD.findall(normalize(n)))]


def run_pair(names: list[str]) -> bool:
    """Whether the names hold a loss/accuracy pair of a run: the loss and accuracy of one named
    split, or names of two splits (a bare `loss` and `acc` name no split).

    >>> [run_pair(n) for n in (["val_loss", "val_acc", "val_ece"], ["loss", "val_loss"], ["acc", "loss"])]
    [True, True, False]
    """
    kinds: dict[str, set[str]] = {}
    for n in names:
        named = split_of(normalize(n))
        c = classify(n)
        if named is not None and c is not None and c[1] in ("loss", "acc"):
            kinds.setdefault(named[0], set()).add(c[1])
    if any(k >= {"loss", "acc"} for k in kinds.values()):
        return True
    splits = set(kinds)
    if splits and any(split_of(normalize(n)) is None and (c := classify(n)) and c[1] != "lr" for n in names):
        splits.add("train")  # (Keras: a bare `loss` is the training loss beside `val_loss`)
    return len(splits) > 1


def _head(path: Path, size: int) -> bytes:
    with open_regular(path) as f:
        raw = f.read(size)
    cut = raw.rfind(b"\n")
    return raw[: cut + 1] if cut >= 0 and len(raw) == size else raw


def _runs(path: Path, size: int, reader: type[Reader] | None = None) -> list[Run]:
    """The runs the start of a log file holds (its first `size` bytes, whole lines), or [] when no
    reader takes it (in a folder: above the folder's score). `reader`: its reader, when known."""
    try:
        if reader is None:
            found = detect(path)
            if found is None or found[1] < 0.5:
                return []
            reader = found[0]
        cls = reader
        src = Source(path.name, path, cls.format_id, [LogFile(path=path, make=cls)])
        src.feed(0, _head(path, size))
        src.finish(0)
    except Exception:  # (a file that cannot be read here is only not a log to compare with)
        return []
    return [r for r in src.runs if r.points]


def _x(run: Run, roles: tuple[str, ...] | None, axis: str | None = None) -> np.ndarray:
    """The sorted x values of the run's series of these roles (all series: None) on `axis` (the
    run's own axis: None; a series without that column counts by its points' order there)."""
    axis = axis or run.x_axis
    cols = []
    for s in run.series.values():
        if roles is None or s.role in roles:
            col = s.raw_x(axis)
            if col is None and axis == run.x_axis:
                col = np.arange(len(s), dtype=np.float64)
            if col is not None and len(col):
                cols.append(col)
    if not cols:
        return np.array([])
    xs = np.concatenate(cols)
    return np.unique(xs[np.isfinite(xs)])


def evaluations(run: Run, axis: str | None = None) -> np.ndarray:
    """The x values of a log's evaluations: of its validation metrics, else of its loss and accuracy."""
    xs = _x(run, ("val_loss", "val_acc"), axis)
    return xs if len(xs) else _x(run, ("train_loss", "train_acc"), axis)


#: names of a column that holds a record's x where a reader took it for a metric (`{"x": 15, ...}`)
X_NAMES = ("x", "step", "epoch", "global_step", "iteration", "iter", "eval_no", "evaluation")


@dataclass(frozen=True)
class Read:
    """What the start of one file says, as facts and as a log (kept per file while it is unchanged:
    a folder of many files of facts reads each once, not once per file beside it)."""

    fmt: str  # the format its reader reads
    facts: tuple[str, ...]  # its names that say facts about predictions
    facts_like: bool  # such names and no loss/accuracy pair of a run
    single: bool  # one run (a file of facts is not split at restarts)
    log: bool  # a loss or an accuracy among its metrics
    val: bool  # validation metrics among them
    #: its x values, as facts: on the epoch, the step, its own axis (per point), an `x` column
    own_x: tuple[np.ndarray, ...]
    evals: tuple[np.ndarray, ...]  # its evaluations' x, as a log: on the epoch, the step, its own axis


_read_cache: dict[tuple[str, int, tuple[int, int]], Read | None] = {}
READ_CACHE = 1024  # files whose `Read` is kept (then all are forgotten at once)


def _read(path: Path, size: int, reader: type[Reader] | None) -> Read | None:
    runs = _runs(path, size, reader)
    if not runs:
        return None
    run = runs[0]
    names = list(run.series)
    facts = fact_names(names)
    own = [_x(run, None, a) for a in ("epoch", "step")] + [_x(run, None)]
    named = next((run.series[n].values for n in names if normalize(n) in X_NAMES), None)
    if named is not None:
        own.append(np.unique(named[np.isfinite(named)]))
    return Read(
        run.format,
        tuple(facts),
        bool(facts) and not run_pair(names),
        len(runs) == 1,
        any(s.role not in ("other", "lr") for s in run.series.values()),
        any(s.role in ("val_loss", "val_acc") for s in run.series.values()),
        tuple(own),
        tuple(evaluations(run, a) for a in ("epoch", "step", None)),
    )


def _read_file(path: Path, size: int, reader: type[Reader] | None = None) -> Read | None:
    """What the start of the file says (`Read`), read once while the file is unchanged (`reader`:
    its reader, when the caller has told its format already)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (str(path), size, (st.st_mtime_ns, st.st_size))
    if key in _read_cache:
        return _read_cache.get(key)
    got = _read(path, size, reader)
    if len(_read_cache) >= READ_CACHE:
        _read_cache.clear()
    _read_cache[key] = got  # (the walk's thread and the follower's may both ask: either answer holds)
    return got


def _same_x(facts: np.ndarray, evals: np.ndarray) -> bool:
    m = min(len(facts), len(evals))
    return m > 0 and bool(np.allclose(facts[:m], evals[:m], rtol=0, atol=1e-9))


def _counts(facts: Read, log: Read) -> bool:
    """Whether the facts' x counts the log's evaluations (`x` 0, 1, ... or 1, 2, ... beside as many
    evaluations at epochs 1, 2, ...): both read whole."""
    n = len(facts.own_x[2])  # (its records: on its own axis every point has an x)
    counts = (np.arange(n), np.arange(1, n + 1))
    return (
        n > 1 and len(log.evals[-1]) == n and any(np.array_equal(f, c) for f in facts.own_x for c in counts)
    )


def facts_about(path: Path, reader: type[Reader] | None = None) -> str | None:
    """Why the file at `path` (in a folder) is facts about the run logged beside it, or None when it
    is not (see the module docstring). Reads the start of it (with `reader`, its reader when known)
    and of the files beside it."""
    mine = _read_file(path, HEAD_BYTES, reader)
    if mine is None or not (mine.facts_like and mine.single) or mine.fmt not in FACT_FORMATS:
        return None
    whole = os.path.getsize(path) <= HEAD_BYTES
    for sib in _siblings(path):
        log = _read_file(sib, HEAD_BYTES)
        if log is None or not log.log or log.facts_like:
            continue
        big = os.path.getsize(sib) > HEAD_BYTES
        if big and not log.val:  # (a per-step log whose first evaluation comes late)
            log = _read_file(sib, LOG_BYTES_MAX) or log
        about = any(_same_x(f, e) for f in mine.own_x for e in log.evals)
        if not about and whole and os.path.getsize(sib) <= LOG_BYTES_MAX:
            about = _counts(mine, (_read_file(sib, LOG_BYTES_MAX) or log) if big else log)
        if about:
            shown = ", ".join(mine.facts[:3]) + (", ..." if len(mine.facts) > 3 else "")
            return (
                f"facts about the run logged in {sib.name} beside it, one record per evaluation of it "
                f"({shown}: facts about predictions, no loss/accuracy pair of a run)"
            )
    return None


def _siblings(path: Path) -> list[Path]:
    """The regular files beside `path` a log may be, nearest in name first (`run1_truth.jsonl`
    belongs with `run1.log` rather than `run2.log`)."""
    try:
        with os.scandir(path.parent) as it:
            found = [
                Path(e.path)
                for e in it
                if e.name != path.name and not skipped_name(e.name) and e.is_file() and e.stat().st_size > 0
            ]
    except OSError:
        return []
    found.sort(key=lambda p: (-_shared(p.name, path.name), p.name))
    return found[:SIBLINGS_MAX]


def _shared(a: str, b: str) -> int:
    """How many characters two names share at their start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


__all__ = ["FACT_WORDS", "evaluations", "fact_names", "facts_about", "run_pair"]
