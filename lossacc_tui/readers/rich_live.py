"""Lightning's Rich progress bar as a terminal capture holds it (`script -c "python train.py"
log`, tmux's `pipe-pane`, a CI runner with a pseudo-terminal): Rich draws its live display and
redraws it in place, erasing the lines it drew (`\\r ESC[2K`, then `ESC[1A ESC[2K` for each line
up) before each new frame:

    Epoch 0/5  ━━━━━━━━ 12/12 0:00:00 • 0:00:00 14.92it/s v_num: 0.000 train_loss_step: 1.319
                                                  val_loss: 1.340 val_acc: 0.312
    <erase 3 lines up>Epoch 1/5  ━━━━━━━━ 0/12 0:00:00 • 0:00:00 0.00it/s v_num: 0.000 ...

Read line by line with the escapes removed, the frames ran together into one text, read as
free-form prints: a dozen made-up runs of repeated values (tester h19k item 4). Here each frame
is the display's state at one moment, as the file-end state (`lightning_rich`) is: the last frame
of epoch e is its record at x = e, as the TQDM bar's last redraw is (the next epoch's frames at 0
batches done count as epoch e's: Rich refreshes on a clock, and the values of the evaluation that
ends an epoch often show first beside the next epoch's empty bar). A frame showing the
`Validation` bar marks the epoch as evaluated, but a quick evaluation is often never drawn: an
epoch whose held-out values (names with a split word: `val_loss`, `test/acc`) all show unchanged
from the record before leaves them out (`check_val_every_n_epoch` > 1: the bar keeps showing the
last evaluation's, not this epoch's). An evaluation inside an epoch (`val_check_interval` < 1) is
read at its epoch's end, its values those the last frame shows; a problem line says so once when
held-out values change in the middle of an epoch.
The last epoch is said at the end of the file (Rich draws its last frame after Lightning's `fit`
stopped line), so a follower shows it once the capture is finished.
Writer: lightning.pytorch.callbacks.RichProgressBar (rich.live), Lightning 2.x.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lossacc_tui.model import BatchBuilder
from lossacc_tui.readers.base import clean_text, to_float
from lossacc_tui.readers.lightning_rich import _CONTINUED, _HEAD, _ITEM, _NOT_METRICS

if TYPE_CHECKING:
    from lossacc_tui.readers.base import Reader

#: Rich's erasing of its live display before it draws the next frame (its `\r` before it is a line
#: end by the time a reader sees the line: readers/base.py)
_ERASE = re.compile(r"\x1b\[2K(?:\x1b\[1A\x1b\[2K)*")
_UP = "\x1b[1A"
#: a metric of a held-out split: its split word first or last (`val_loss`, `loss/val`, `test_acc`)
_HELD_OUT = re.compile(
    r"^(?:val|valid|validation|eval|test)(?:[_/.\- ]|$)|[_/.\- ](?:val|valid|validation|eval|test)$", re.I
)
MID_EPOCH = (
    "evaluations inside an epoch (val_check_interval < 1) are read at the epoch's end only: Rich's live "
    "display shows them in passing, and its last frame of an epoch holds the last one (metrics.csv "
    "holds each)"
)


def sniff(head: str) -> bool:
    """Whether a head holds Rich's live display redrawn in place (cursor-up erasing) with a
    Lightning epoch bar in it."""
    return _UP in head and "━" in head and bool(re.search(r"Epoch \d+/\d+", clean_text(head)))


def is_live(raw: str) -> bool:
    """Whether a raw line (escapes kept) begins a live display's redraws: it hides the cursor (as
    Rich's live display starts), erases lines upward, or erases a line to draw a Rich bar on it."""
    return "\x1b[?25l" in raw or "\x1b[1A\x1b[2K" in raw or ("\x1b[2K" in raw and "━" in raw)


class RichLive:
    """The frames of Rich's live display, and the record each epoch's last frame gives."""

    def __init__(self) -> None:
        self.active = False  # a live display seen in this file
        self._lines: list[str] = []  # the frame being drawn, cleaned
        self._at = 0  # the line its drawing began on
        self._epoch: int | None = None  # the epoch of the last frame with a bar
        self._values: dict[str, float] = {}  # what that frame shows
        self._line = 0
        self._validated = False  # a Validation bar was shown in the epoch under way
        self._last: dict[str, float] = {}  # the values of the record given before

    def feed(self, reader: Reader, out: BatchBuilder, raw: str, line: int) -> None:
        """One raw line of the capture: what it draws before an erase continues the frame being
        drawn, each erase ends it and begins the next."""
        self.active = True
        parts = _ERASE.split(raw)
        self._lines.append(clean_text(parts[0]))
        for part in parts[1:]:
            self._frame(reader, out)
            self._lines, self._at = [clean_text(part)], line

    def say(self, reader: Reader, out: BatchBuilder) -> None:
        """The end of the file: the frame on screen and the last epoch's record."""
        self._frame(reader, out)
        self._lines = []
        self._emit(out)

    def _frame(self, reader: Reader, out: BatchBuilder) -> None:
        """A whole frame: its epoch bar's values (the bar's line, then its indented column), and
        whether it shows the Validation bar."""
        head, column = None, []
        for text in self._lines:
            stripped = text.strip()
            if stripped.startswith("Validation"):
                self._validated = True
            elif head is None and (m := _HEAD.search(text)) is not None:
                head = m
            elif head is not None and _CONTINUED.match(text):
                column.append(stripped)
        if head is None:
            return
        epoch = int(head.group(1))
        if epoch == (self._epoch or 0) + 1 and self._epoch is not None and int(head.group(3)) == 0:
            epoch = self._epoch  # (the next epoch's bar at 0 batches: still the last one's end state)
        if self._epoch is not None and epoch != self._epoch:
            self._emit(out)
        values: dict[str, float] = {}
        for key, raw in _ITEM.findall(" ".join([head.group(5), *column])):
            v = to_float(raw)
            if v is not None and key not in _NOT_METRICS:
                values[key] = v
        n, total = int(head.group(3)), int(head.group(4))
        if (
            epoch == self._epoch
            and 0 < n < total
            and any(self._values.get(k, v) != v for k, v in values.items() if _HELD_OUT.search(k))
        ):
            reader.once(MID_EPOCH)
        if self._epoch != epoch or values:
            self._epoch, self._values, self._line = epoch, values, self._at

    def _emit(self, out: BatchBuilder) -> None:
        if self._epoch is None:
            return
        values = self._values
        held_out = [k for k in values if _HELD_OUT.search(k)]
        if not self._validated and held_out and all(self._last.get(k) == values[k] for k in held_out):
            values = {k: v for k, v in values.items() if k not in held_out}  # (an older evaluation's)
        if values:
            out.add(values, epoch=float(self._epoch), line=self._line)
            self._last = dict(self._values)
        self._epoch, self._values, self._validated = None, {}, False


__all__ = ["RichLive", "is_live", "sniff"]
