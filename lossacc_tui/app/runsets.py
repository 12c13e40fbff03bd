"""Which runs the compare view overlays (the selected ones and the pinned one, else the shown run's group).
Textual-free."""

from __future__ import annotations

import os

from lossacc_tui.analysis.cohorts import groups, name_groups


def compare_keys(
    paths: list[str], shown: int | None, selected: set[int], pinned: int | None
) -> tuple[list[int], str]:
    """(run keys to overlay, what they are): the selected runs and the pinned one when any is
    selected, else the group of the shown run (with the pinned run), else every run. The group of a
    log is the runs whose logs have its name (`cohorts.name_groups`: a sweep's runs, not the copies
    of one run in other formats beside it), else the runs of its folder.

    >>> compare_keys(["/s/a/1/m", "/s/a/2/m", "/s/b/t", "/s/c/t"], 0, set(), None)
    ([0, 1], 'folder /s/a')
    >>> compare_keys(["/s/a/1/log", "/s/a/1/tb", "/s/a/2/log", "/s/a/2/tb"], 0, set(), None)
    ([0, 2], 'folder /s/a')
    >>> compare_keys(["/s/a/1/m", "/s/a/2/m", "/s/b/t", "/s/c/t"], 0, {2, 3}, 1)
    ([1, 2, 3], 'selected')
    """
    if selected:
        keys = sorted(selected | ({pinned} if pinned is not None else set()))
        return [k for k in keys if k < len(paths)], "selected"
    if shown is None or shown >= len(paths):
        return list(range(len(paths))), "all runs"
    named = name_groups(paths)
    mine = named[shown]
    if mine is None:  # (no other log of its name: the runs of its folder)
        group = groups(paths)
        folder = group[shown]
        keys = [k for k, g in enumerate(group) if g == folder]
    else:
        folder = mine[0]
        keys = [k for k, g in enumerate(named) if g == mine]
    if pinned is not None and pinned not in keys and pinned < len(paths):
        keys = sorted([*keys, pinned])
    if len(keys) < 2:
        return list(range(len(paths))), "all runs"
    here = os.getcwd()
    if folder == here or folder.startswith(here + os.sep):  # (as the user typed it: relative)
        folder = os.path.relpath(folder, here)
    return keys, f"folder {folder}"
