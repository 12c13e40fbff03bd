"""The compare view's words about what it compares: its table's title (how many runs, which folder)
and the runs of that folder it leaves out, with why. Textual-free."""

from __future__ import annotations

import os

from lossacc_tui.model import Run

#: the table's values, said in its title when everything fits (its columns say "best" too)
RANKED = "ranked by best value"
#: the runs left out named one by one, then how many more
LISTED = 4


def place(what: str) -> str:
    """What `runsets.compare_keys` says it compares, as the title shows it: a folder as its path
    with a trailing '/' (a folder named `folder` had read "folder folder": tester 22).

    >>> place("folder runs/folder"), place("selected"), place("all runs")
    ('runs/folder/', 'selected', 'all runs')
    """
    if what.startswith("folder "):
        return what.removeprefix("folder ").rstrip("/") + "/"
    return what


def fit_title(count: str, what: str, room: int) -> str:
    """The compare table's title in `room` cells (<= 0: not laid out yet, whole): the count of runs
    always, then as much of `what` (`place`) as fits, a folder cut from its left so its own name
    stays; "ranked by best value" only when everything fits.

    >>> fit_title("4 runs", "a/b/sweep_lr/", 60)
    'ranked by best value · 4 runs · a/b/sweep_lr/'
    >>> fit_title("4 runs", "a/b/sweep_lr/", 20)
    '4 runs · …/sweep_lr/'
    >>> fit_title("4 runs", "a/b/a_very_long_sweep_name/", 24)
    '4 runs · …ng_sweep_name/'
    """
    full = f"{RANKED} · {count} · {what}"
    if room <= 0 or len(full) <= room:
        return full
    head = f"{count} · "
    if len(head) + len(what) <= room:
        return head + what
    parts = what.rstrip("/").split("/")
    tail = "/" if what.endswith("/") else ""
    for n in range(len(parts) - 1, 0, -1):  # whole path parts from the end, as many as fit
        cut = f"{head}…/{'/'.join(parts[-n:])}{tail}"
        if len(cut) <= room:
            return cut
    keep = max(1, room - len(head) - 1)
    return f"{head}…{what[-keep:]}"


def left_out(every: list[Run], keys: list[int], what: str, axis: str) -> str:
    """One line naming the runs of the compared folder (`what`: "folder <path>", as
    `runsets.compare_keys` says it) that are not compared, each with why: its log has another
    name than the compared logs (the view compares a sweep's logs of one name), it is on another x
    axis than the plots (`axis`), it has no validation loss or accuracy; "" when none is left out
    (or the view compares selected runs, or every run). A folder of 6 runs had shown "4 runs" and
    said nothing of the other two (tester 22)."""
    if not what.startswith("folder ") or not keys:
        return ""
    folder = os.path.abspath(what.removeprefix("folder "))
    chosen = set(keys)
    logs = {os.path.basename(every[k].path) for k in keys}
    out = []
    for k, run in enumerate(every):
        path = os.path.abspath(run.path)
        if k in chosen or not path.startswith(folder + os.sep) or not run.points:
            continue
        why = []
        if os.path.basename(run.path) not in logs:
            why.append("another log name")
        if run.by_role("val_loss") is None and run.by_role("val_acc") is None:
            why.append("no validation loss or accuracy")
        elif run.x_axis != axis:
            why.append(f"by {run.x_axis}")
        name = os.path.relpath(path, folder).replace(os.sep, "/")
        out.append(f"{name} ({', '.join(why)})" if why else name)
    if not out:
        return ""
    n = len(out)
    listed = "; ".join(out[:LISTED]) + (f"; and {n - LISTED} more" if n > LISTED else "")
    named = f" ({', '.join(sorted(logs))})" if len(logs) <= 2 else ""
    return (
        f"{n} run{'s' * (n != 1)} in this folder not compared: {listed}. The view compares "
        f"the folder's logs of one name{named}; select runs with space in the runs list to compare any."
    )
