"""Runs that belong together: the folder group of each run (a sweep's runs share one), and the
cohorts `runs-disagree` compares within: one folder group, one family of log names (`family`), one
x axis, the same metric names. Runs of unrelated experiments (another task, a step axis beside an
epoch axis) are never ranked against each other.

The family is what tells a sweep from a collection of unrelated logs kept in one folder: a sweep's
runs are sibling folders holding logs of the same name (`lr_0.01/training.log`, `lr_0.1/training.log`),
or sibling files whose names differ only in numbers (`lr_0.01.csv`, `lr_0.1.csv`, `seed1.log`), or
the runs of one file (restarts: `log`, `log#2`). `Car-Prediction__training.log` beside
`CatClassifier__training.log` are two projects, never compared."""

from __future__ import annotations

import itertools
import os
import re

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
