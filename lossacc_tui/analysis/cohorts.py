"""Runs that belong together: the folder group of each run (a sweep's runs share one), and the
cohorts `runs-disagree` compares within: one folder group, one family of log names (`family`), one
x axis, the same metric names. Runs of unrelated experiments (another task, a step axis beside an
epoch axis) are never ranked against each other.

The family is what tells a sweep from a collection of unrelated logs kept in one folder: a sweep's
runs are sibling folders holding logs of the same name (`lr_0.01/training.log`, `lr_0.1/training.log`),
or sibling files whose names differ only in numbers (`lr_0.01.csv`, `lr_0.1.csv`, `seed1.log`), or
the runs of one file (restarts: `log`, `log#2`). `Car-Prediction__training.log` beside
`CatClassifier__training.log` are two projects, never compared.

A folder of unrelated experiments is often laid out like a sweep (`runs/dropout/log.jsonl`,
`runs/mixup/log.jsonl`, each folder written by the same script): `kinship` tells a sweep from such a
folder by what is logged, once the runs are known comparable (one x axis, the same metric names, the
same evaluation set size where it is known): run names that differ by a setting (`lr0.03`,
`seed_2`, `run_3`, `version_4`, `bs=64`) and runs of similar length make a sweep (`likely`); one of
the two, with the evaluation set size known to agree where the names say nothing, is a guess
(`possible`: compared, said so, never a warning); neither, no comparison."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Run


def _folders(path: str) -> list[str]:
    return os.path.dirname(os.path.abspath(path)).replace(os.sep, "/").strip("/").split("/")


def _common(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def groups(paths: list[str]) -> list[str]:
    """Each run's group: the deepest folder it shares with another run (a sweep's folder holds all
    its runs); a run that shares no folder with any other is a group of its own (its folder).

    >>> groups(["/s/a/run_1/m.csv", "/s/a/run_2/m.csv", "/s/b/train.log", "/s/c/train.log"])
    ['/s/a', '/s/a', '/s', '/s']
    """
    parts = [_folders(p) for p in paths]
    # the most folders a run shares with any other is what it shares with a neighbour in sorted
    # order (what two runs share, a run between them in that order shares too): O(n log n), where
    # comparing every pair took minutes for thousands of run folders
    depth = [len(p) for p in parts] if len(parts) == 1 else [0] * len(parts)
    order = sorted(range(len(parts)), key=parts.__getitem__)
    for i, j in itertools.pairwise(order):
        c = _common(parts[i], parts[j])
        depth[i], depth[j] = max(depth[i], c), max(depth[j], c)
    return ["/" + "/".join(p[:d]) for p, d in zip(parts, depth, strict=True)]


_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)


def name_groups(paths: list[str]) -> list[tuple[str, str] | None]:
    """Each run's group among the runs whose log has the same name (numbers written `#`): (the
    deepest folder it shares with one of them, that name); None for a log no other has the name of. A sweep
    whose run folders each hold one run in several formats (`lr_0.1/log.jsonl`, `lr_0.1/print.log`,
    `lr_0.1/tb/...`) groups `log.jsonl` with the other learning rates' `log.jsonl`, where `groups`
    puts it with its own copies.

    >>> name_groups(["/s/lr1/log.jsonl", "/s/lr1/print.log", "/s/lr2/log.jsonl", "/s/x.csv"])
    [('/s', 'log.jsonl'), None, ('/s', 'log.jsonl'), None]
    """
    by_name: dict[str, list[int]] = {}
    for k, p in enumerate(paths):
        by_name.setdefault(_NUMBER.sub("#", os.path.basename(p)), []).append(k)
    out: list[tuple[str, str] | None] = [None] * len(paths)
    for name, ks in by_name.items():
        if len(ks) > 1:
            for k, g in zip(ks, groups([paths[k] for k in ks]), strict=True):
                out[k] = (g, name)
    return out


def family(path: str, group: str) -> str:
    """The family of a run's log within its folder group (`groups`): the log's path below the
    group's child folder it sits in (sibling run folders: the log's name), or, for a log directly in
    the group, its name with every number written `#` (so `lr_0.01.csv` and `lr_0.1.csv` are one).

    >>> family("/s/lr_0.01/training.log", "/s"), family("/s/lr_0.1/training.log", "/s")
    ('training.log', 'training.log')
    >>> family("/s/lr_0.01.csv", "/s"), family("/s/Car-Prediction__training.log", "/s")
    ('lr_#.csv', 'Car-Prediction__training.log')
    """
    rel = os.path.relpath(os.path.abspath(path), group).replace(os.sep, "/")
    parts = rel.split("/")
    if len(parts) > 1:  # a run folder of the sweep: what it holds, under the same name
        return _NUMBER.sub("#", "/".join(parts[1:]))
    return _NUMBER.sub("#", parts[0])


#: the roles whose metric names must match for two runs to be compared
COMPARED_ROLES = ("val_loss", "val_acc", "train_loss", "train_acc")


def copies_folders(paths: list[str], folder: list[str]) -> set[str]:
    """The folder groups (`groups`) that hold one run in several formats: two or more runs whose
    logs are all of different families (`family`: `log.jsonl`, `print.log`, `tb/events...` in one run
    folder, a loop writing JSONL and TensorBoard at once). Runs of one family in one folder
    (`seed1.log`, `seed2.log`) are several runs, not copies.

    >>> p = ["/s/lr1/log.jsonl", "/s/lr1/print.log", "/s/lr2/log.jsonl", "/s/lr2/print.log"]
    >>> sorted(copies_folders(p, groups(p)))
    ['/s/lr1', '/s/lr2']
    >>> copies_folders(["/s/a/seed1.log", "/s/a/seed2.log"], ["/s/a", "/s/a"])
    set()
    """
    fams: dict[str, list[str]] = {}
    for path, g in zip(paths, folder, strict=True):
        fams.setdefault(g, []).append(family(path, g))
    return {g for g, f in fams.items() if len(f) > 1 and len(set(f)) == len(f)}


def cohorts(runs: list[Run]) -> list[list[Run]]:
    """The runs split into groups compared with each other: same folder group (`groups`), same
    family of log names (`family`), same x axis (epoch or step) and the same metric names for the
    compared roles, in first-seen order.

    A sweep whose run folders each hold one run in several formats (`copies_folders`) is grouped
    by its run folders: the JSONL copies of its runs form a cohort, the TensorBoard copies another;
    copies of one run are one run, so only one cohort per set of run folders is kept (the one with
    the most runs, the first seen on a tie) and the copies left out are compared with nothing.

    >>> from lossacc_tui.model import Run
    >>> a, b, c = (Run(n, p, "csv") for n, p in (("a", "/s/1/m.csv"), ("b", "/s/2/m.csv"), ("c", "/t/x/log")))
    >>> [[r.name for r in g] for g in cohorts([a, b, c])]
    [['a', 'b'], ['c']]
    >>> logs = [f"{d}/{f}" for d in ("lr1", "lr2") for f in ("log.jsonl", "print.log")]
    >>> sweep = [Run(p, "/s/" + p, "jsonl" if p.endswith("jsonl") else "text-kv") for p in logs]
    >>> [[r.name for r in g] for g in cohorts(sweep)]
    [['lr1/log.jsonl', 'lr2/log.jsonl'], ['lr1/print.log'], ['lr2/print.log']]
    """
    paths = [r.path for r in runs]
    folder = groups(paths)
    copies = copies_folders(paths, folder)
    # a run folder of copies is one unit of the sweep: the group is the folder its units share
    units = [g + "/_" if g in copies else p for p, g in zip(paths, folder, strict=True)]
    distinct = list(dict.fromkeys(units))
    up = dict(zip(distinct, groups(distinct), strict=True))
    out: dict[tuple[object, ...], list[Run]] = {}
    for run, unit in zip(runs, units, strict=True):
        g = up[unit]
        names = tuple(s.name if (s := run.by_role(role)) is not None else None for role in COMPARED_ROLES)  # type: ignore[arg-type]
        out.setdefault((g, family(run.path, g), run.x_axis, names), []).append(run)
    return _one_copy_each(list(out.values()), dict(zip(map(id, runs), folder, strict=True)), copies)


def _one_copy_each(found: list[list[Run]], folder_of: dict[int, str], copies: set[str]) -> list[list[Run]]:
    """`found` with each run folder of copies in at most one cohort of two or more runs: cohorts by
    size (first seen on a tie); a run whose folder a kept cohort already holds is set apart, alone."""
    taken: set[str] = set()
    kept: dict[int, list[Run]] = {}
    alone: list[list[Run]] = []
    for k in sorted(range(len(found)), key=lambda k: -len(found[k])):
        cohort = found[k]
        mine = [r for r in cohort if folder_of[id(r)] not in taken]
        alone += [[r] for r in cohort if folder_of[id(r)] in taken]
        if len(mine) > 1:
            taken.update(f for r in mine if (f := folder_of[id(r)]) in copies)
        kept[k] = mine
    out = [kept[k] for k in range(len(found)) if kept[k]]
    return out + alone


#: what a run name's setting may be written as, replaced before names are compared (`setting_names`):
#: `key=value` (Hydra, Ray Tune), a long hex id (MLflow), a W&B run id after the date, any number
_KEY_VALUE = re.compile(r"=[^_,/=\s]+")
_HEX_ID = re.compile(r"(?<![0-9a-z])(?=[0-9]*[a-f])[0-9a-f]{8,}(?![0-9a-z])")
_WANDB_ID = re.compile(r"(?<=\d-)[0-9a-z]{8}$")


def template(name: str) -> str:
    """A run name with its setting written `*` and its numbers `#`.

    >>> [template(n) for n in ("lr0.003", "run_12", "bs=64,opt=adam", "run-20240101_120000-3k4j5h6g")]
    ['lr#', 'run_#', 'bs=*,opt=*', 'run-#_#-*']
    """
    low = name.lower()
    return _NUMBER.sub("#", _HEX_ID.sub("*", _WANDB_ID.sub("*", _KEY_VALUE.sub("=*", low))))


def setting_names(names: list[str]) -> bool:
    """Whether run names differ by a setting only: the same `template`, in which a number or a
    setting is what differs (`lr0.01` and `lr0.1`; `run_1` and `run_2`; not `dropout` and `mixup`).

    >>> setting_names(["lr0.0003", "lr0.03"]), setting_names(["dropout", "mixup"]), setting_names(["a", "b"])
    (True, False, False)
    """
    shapes = {template(n) for n in names}
    return len(set(names)) > 1 and len(shapes) == 1 and any(c in shapes.pop() for c in "#*")


def run_names(paths: list[str]) -> list[str]:
    """The part of each run's path that tells it from the others: below the folder they all share,
    the first folder (a sweep's run folder) or the log's own name; a run of a file others share
    (a restart) is named by its place in the file (`#2`)."""
    dirs = [os.path.dirname(os.path.abspath(p)) for p in paths]
    try:
        top = os.path.commonpath(dirs) if dirs else ""
    except ValueError:  # (paths on different drives share no folder)
        top = ""
    seen: dict[str, int] = {}
    out = []
    for p in paths:
        full = os.path.abspath(p)
        rel = (os.path.relpath(full, top) if top else full).replace(os.sep, "/").strip("/").split("/")[0]
        seen[p] = seen.get(p, 0) + 1
        out.append(rel if seen[p] == 1 else f"{rel}#{seen[p]}")
    return out


#: the longest run of a sweep at most this many times as long as its shortest (its last x)
SIMILAR_LENGTH = 1.5


@dataclass
class Kinship:
    """How sure it is that comparable runs are one experiment's runs (a sweep): `strength`
    "likely", "possible" (a guess: compared, never a warning) or None (not compared); `shown`: what
    the logs show in common, in words; `assumed`: what a guess takes for granted."""

    strength: str | None
    shown: list[str]
    assumed: str = ""


def kinship(paths: list[str], lengths: list[float], sizes: list[int | None], axis: str = "x") -> Kinship:
    """Whether runs known comparable (one x axis, the same metric names; `sizes`: their evaluation
    set sizes where their accuracies reveal them, those known equal) are a sweep (see the module
    docstring). `paths`: their logs (a file's restarts share one); `lengths`: how far each run went
    on the `axis` ("epoch", "step"), from its first evaluation's x to its last, one interval added.

    >>> kinship(["/s/lr0.1/log", "/s/lr0.01/log"], [15, 15], [540, 540]).strength
    'likely'
    >>> kinship(["/r/dropout/log", "/r/mixup/log"], [12, 40], [540, 540]).strength is None
    True
    >>> kinship(["/r/a/log", "/r/b/log"], [30, 30], [290, 290]).strength
    'possible'
    """
    names = run_names(paths)
    restarts = len(set(paths)) == 1
    named = restarts or setting_names(names)
    lo, hi = min(lengths, default=0.0), max(lengths, default=0.0)
    similar = (lo > 0 and hi <= SIMILAR_LENGTH * lo) or hi == lo
    size = sizes[0] if sizes and len(set(sizes)) == 1 else None
    shown = []
    if restarts:
        shown.append("the runs of one log file (its restarts)")
    elif named:
        shown.append(
            f"names that differ by a setting ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
        )
    if similar:
        shown.append(
            f"similar lengths ({_num(lo)}-{_num(hi)} {axis}s)"
            if lo != hi
            else f"one length ({_num(hi)} {axis}s)"
        )
    if size is not None:
        shown.append(f"the same evaluation set size ({size} samples, read off the accuracies)")
    if named and similar:
        return Kinship("likely", shown)
    if named:
        stopped = f"{_num(lo)} to {_num(hi)} {axis}s: early stopping, a crash, or still running"
        return Kinship("possible", shown, f"runs of one sweep that stopped at different points ({stopped})")
    if similar and size is not None:
        unsaid = ", ".join(names[:3])
        return Kinship(
            "possible", shown, f"runs of one experiment, though their names ({unsaid}) say no setting"
        )
    return Kinship(None, shown)


def reach(run: Run, role: str, axis: str) -> float:
    """How far a run went on `axis`: from the x of its first point of `role` to its last, one
    interval added (epochs 0-14 and 1-15 both reach 15; a single point reaches 1; none, 0). Looks
    at the ends of the x column only: the same cost at 10 points or 10 million (a live comparison
    asks every second)."""
    s = run.by_role(role)  # type: ignore[arg-type]
    xs = s.raw_x(axis) if s is not None else None
    if xs is None:
        return float(len(s)) if s is not None else 0.0
    head = _finite(xs, 2, first=True)
    if len(head) < 2:
        return float(len(head))
    return float(_finite(xs, 1, first=False)[0] - head[0] + (head[1] - head[0]))


def _finite(xs: np.ndarray, k: int, first: bool) -> np.ndarray:
    """The first (or last) `k` finite values of `xs`, looked for in blocks that double in size."""
    n, size = len(xs), 8
    while True:
        block = xs[:size] if first else xs[max(0, n - size) :]
        found = block[np.isfinite(block)]
        if len(found) >= k or size >= n:
            return found[:k] if first else found[-k:]
        size *= 2


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
