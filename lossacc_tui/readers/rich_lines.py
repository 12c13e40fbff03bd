"""Rich's logging handler (`rich.logging.RichHandler`) as a redirected console writes it: each
record laid out in columns, its message wrapped at the console's width, the source location
right-aligned on its first line, the time left blank while it has not changed:

    [12/02/26 00:31:14] INFO     epoch 1 loss 2.2783 acc 0.1454 val_loss train.py:42
                                 2.2291 val_acc 0.2778
                        INFO     epoch 2 loss 2.1644 acc 0.3737 val_loss train.py:42
                                 2.0958 val_acc 0.5694

Read line by line, `train.py:42` became a metric (`val_loss_train.py` = 42) and a value wrapped
onto the next line lost its name. `RichLines` gives each record back as one line, its message
only (columns and location left out), numbered as its first line. The layout is known from the
first line with a time and a level (`[...] LEVEL    `: the level padded to 8 columns); until
then lines pass as they are. A record's lines come in one write; a block that ends where a
write ended gives its last record back at once (a follower does not wait for the next record),
so lines of a record that a reader's block boundary still cut there come late: they are left
out and told (`orphans`), never read as a record of their own without its epoch.
"""

from __future__ import annotations

import re

#: a record's first line: the time column (or blanks where the time did not change), then the
#: level padded to 8 columns (logging's names; `WARNING`, `CRITICAL` fill them)
_TIMED = re.compile(r"^\[[^\]\n]{1,40}\] (?:DEBUG {4}|INFO {5}|WARNING {2}|ERROR {4}|CRITICAL )(?=\S)")
_START = re.compile(r"^(?:\[[^\]\n]{1,40}\]| *) (?:DEBUG|INFO|WARNING|ERROR|CRITICAL) *$")
#: the source location right-aligned at the end of a record's first line (`train.py:42`,
#: `<stdin>:1`, `<ipython-input-3-...>:7`), after at least one space
_WHERE = re.compile(r"\s+(?:[\w.-]+\.\w+|<[^<>\n]{1,80}>):\d+\s*$")


class RichLines:
    """Joins the lines of RichHandler's records (`feed`, `finish`); other lines pass unchanged."""

    def __init__(self) -> None:
        self.column: int | None = None  # where messages begin (the time, level and blanks before)
        self._held: tuple[int, list[str]] | None = None  # a record whose wrapped lines may follow
        #: lines wrapped from a record given back before they came (left out; the caller tells them)
        self.orphans: list[int] = []

    def feed(self, lines: list[str], first_line: int, complete: bool) -> list[tuple[int, str]]:
        """(line number, text) of `lines` (the first numbered `first_line`), each Rich record
        joined into one. `complete`: the block ended where the writer's last write did (no part
        of a line waiting), so its last record is given back too; else it is held until the next
        block (a file read in 1 MB pieces cuts records)."""
        out: list[tuple[int, str]] = []
        for i, raw in enumerate(lines):
            if self.column is None:
                m = _TIMED.match(raw)
                if m is None:
                    out.append((first_line + i, raw))
                    continue
                self.column = m.end()
            col = self.column
            if len(raw) > col and _START.match(raw[:col]):
                self._give(out)
                self._held = (first_line + i, [_WHERE.sub("", raw[col:]).strip()])
            elif raw[:col].isspace() and raw[col : col + 1].strip():  # the message wrapped onto it
                if self._held is not None:
                    self._held[1].append(raw.strip())
                else:  # (its record was given back already: a block ended between them)
                    self.orphans.append(first_line + i)
            else:
                self._give(out)
                out.append((first_line + i, raw))
        if complete:
            self._give(out)
        return out

    def finish(self) -> list[tuple[int, str]]:
        """The record held back at the end of the input, if any."""
        out: list[tuple[int, str]] = []
        self._give(out)
        return out

    def _give(self, out: list[tuple[int, str]]) -> None:
        if self._held is not None:
            line, parts = self._held
            out.append((line, " ".join(parts)))
            self._held = None
