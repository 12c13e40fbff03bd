"""This tool's own output saved to a file (`check . > report.txt`, `check --json`, `check --follow`
with or without `--json`) is no training log: reading it back would turn the report's table, its
alert titles and its streamed records into made-up series. `own_report(head)` tells it from the
file's first bytes, in each of the four shapes `check` writes (report.py and stream.py):

    runs/a.jsonl  [jsonl]  4 series, last epoch 25          <- check: a run's title line, then
      metric        role         count       first ...       <- its table's column header
    {"version": 1, "runs": [ ...                             <- check --json
    == runs/a.jsonl [jsonl]                                  <- check --follow: a run's line, then
    runs/a.jsonl  epoch 1 step 32  loss=1.03 ...             <- its records, named after it
    {"event":"run","run":"a.jsonl",...}                      <- check --follow --json

and a copy of the terminal view's screen (`tmux capture-pane -p > screen.txt`, a terminal's
"save contents"): its plots' axis labels, legends and summary sentences carry numbers beside
metric names that a free-text reader would take for records (tester 27 read one as 5 series, one
named "was"). The view draws its panes in rounded boxes titled `╭─ runs`, `╭─ alerts`,
`╭─ summary`, `╭─ explanation`, `╭─ help`; two different titles in the head are the screen.
"""

from __future__ import annotations

import re

#: said once for such a file (a folder scan skips it; given by its path, it is the error)
OWN_REPORT = (
    "lossacc-tui's own report (the output of `lossacc-tui check`) or a copy of its screen, not a training "
    "log: not read"
)

_TITLE = re.compile(r"^\S.*  \[[a-z0-9-]+\]  (?:\d+ series|no data)")
_COLUMNS = re.compile(r"^  metric\s+role\s+count\s+first\s+last\s+min\s+max\s+last x\s*$")
_ALERT = re.compile(r"^  \[(?:info|warning|critical)\] [a-z][a-z-]*: ")
_JSON = re.compile(r'^\{\s*"version":\s*\d+,\s*"runs":\s*\[')
_FOLLOW_RUN = re.compile(r"^== (?P<name>.+) \[[a-z0-9-]+\]$")
_EVENT = re.compile(r'^\{"event":\s*"(?:status|run|record|alert|reset|problem)",')
_PANE = re.compile(r"╭─ (runs|alerts|summary|explanation|help) ─")
LINES = 60  # the head lines looked at


def own_report(head: str) -> bool:
    """Whether a file starting with `head` (decoded text) is `check`'s own output."""
    text = head.lstrip("\ufeff \t\r\n")
    if _JSON.match(text):
        return True
    lines = text.splitlines()[:LINES]
    if len({m[1] for ln in lines for m in _PANE.finditer(ln)}) >= 2:
        return True  # (a copy of the view's screen)
    events = sum(bool(_EVENT.match(ln)) for ln in lines)
    if events >= 2 and events >= 0.8 * sum(bool(ln.strip()) for ln in lines):
        return True
    for i, ln in enumerate(lines):
        if _TITLE.match(ln) and any(_COLUMNS.match(n) or _ALERT.match(n) for n in lines[i + 1 : i + 4]):
            return True
        m = _FOLLOW_RUN.match(ln)
        if m and any(n.startswith(m["name"] + "  ") for n in lines[i + 1 : i + 8]):
            return True
    return False
