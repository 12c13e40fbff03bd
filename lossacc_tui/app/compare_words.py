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


def partial_words(unread: int, read: int, walking: bool = False) -> str:
    """What the view says when it ranks part of what it will compare: `unread` runs with no points
    yet, or the folder still being walked (`walking`: its logs still being found and read); `read`:
    the runs it ranks. A folder of thousands of logs is read over seconds to minutes, and until then
    the ranking and its runs-disagree alerts are those of the runs read so far, not the folder's
    (5,000 flat files had shown "166 runs" and "no pair of runs is a runs-disagree alert", where
    `check` of the folder found one: h19t). "" when neither.

    >>> partial_words(4440, 524)[:60]
    '4440 runs have no points yet (still being read, or empty): t'
    >>> partial_words(0, 524, walking=True)[:60]
    'The folder is still being read: the table ranks the 524 runs'
    """
    if not unread and not walking:
        return ""
    runs = f"{unread} run{'s' * (unread != 1)} {'have' if unread != 1 else 'has'}"
    why = f"{runs} no points yet (still being read, or empty)" if unread else "The folder is still being read"
    return (
        f"{why}: the table ranks the {read} run{'s' * (read != 1)} read so far, and the runs-disagree "
        "alerts here are theirs; more may come as the others are read."
    )


def count_words(ranked: int, shown: int, unread: int, walking: bool = False) -> str:
    """The table's count: the runs ranked (`ranked`, of the `shown` runs with points: those with a
    validation metric), the runs with no points yet, and "so far" while the folder is being walked
    (`partial_words`).

    >>> count_words(1, 1, 0), count_words(3, 4, 0), count_words(524, 524, 4440)
    ('1 run', '3 of 4 with validation data', '524 runs, 4440 not read yet')
    >>> count_words(166, 166, 0, walking=True)
    '166 runs so far'
    """
    count = (
        f"{ranked} run{'s' * (ranked != 1)}"
        if ranked == shown
        else f"{ranked} of {shown} with validation data"
    )
    return count + (f", {unread} not read yet" if unread else "") + (" so far" if walking else "")
