"""Lightning's Rich progress bar (`RichProgressBar`, Lightning's default once `rich` is installed)
as a file holds it when the console is redirected: Rich draws nothing live to a file and prints
its last state once, at the end, the metrics wrapped into a column beside the bar:

    Epoch 59/59 ━━━━━━━━━━━━━━━━ 13/13 0:00:00 • 0:00:00 29.09it/s v_num: 0.000
                                                               train_loss_step:
                                                               0.030 val_loss:
                                                               0.216 val_acc: ...

That state is one record at x = its epoch (0-based, as Rich prints it: "Epoch 59/59" is the 60th).
The epochs before it are in no line of the file: a problem line says so (and where they are), and
that the validation values shown are the last evaluation's, which ran at an earlier epoch when
validation skips epochs (`check_val_every_n_epoch=2` and an odd last epoch): the state cannot say.
Writer: lightning.pytorch.callbacks.RichProgressBar (rich.progress), Lightning 2.x.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lossacc_tui.clean import MARKS
from lossacc_tui.model import BatchBuilder
from lossacc_tui.readers.base import to_float

if TYPE_CHECKING:
    from lossacc_tui.readers.base import Reader

#: the bar's first line: epoch/last epoch, the bar, batches done/total, elapsed • remaining, speed
_HEAD = re.compile(
    r"Epoch (\d+)/(\d+)[ \t]+[^\d\n]*?(\d+)/(\d+)[ \t]+[\d:]+[ \t]*•[ \t]*[-\d:]+[ \t]+"
    r"[\d.]+(?:it/s|s/it)(.*)$"
)
_ITEM = re.compile(rf"([A-Za-z_][\w./{MARKS}-]*):\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)")
_CONTINUED = re.compile(r"^[ \t]{8,}\S")
_NOT_METRICS = frozenset({"v_num"})


def sniff(head: str) -> bool:
    """Whether a head holds the Rich bar's printed state."""
    return "Epoch " in head and any(_HEAD.search(ln) for ln in head.splitlines()[:2000] if "Epoch " in ln)


class RichState:
    """The Rich bar's state being collected: its first line, then the lines of its metrics column.
    What a block of lines holds of it is said at the block's end (a follower sees no file end and
    Rich prints nothing after it); lines of its column in the next block add the values they
    complete, never one twice."""

    def __init__(self) -> None:
        self.active = False
        self._epoch = 0
        self._text: list[str] = []
        self._line = 0
        self._said: set[str] = set()

    def feed(self, reader: Reader, out: BatchBuilder, text: str, line: int) -> None:
        """One (cleaned) line: a bar's first line starts a state, indented lines continue it, any
        other line ends it."""
        if self.active and _CONTINUED.match(text):
            self._text.append(text)
            return
        if self.active:
            self.say(reader, out)
            self.active = False
        m = _HEAD.search(text) if "Epoch " in text else None
        if m is not None:
            self.active, self._line, self._said = True, line, set()
            self._epoch = int(m.group(1))
            self._text = [m.group(5)]

    def say(self, reader: Reader, out: BatchBuilder, final: bool = False) -> None:
        """The values of the state collected so far not said yet, as one record, and (once) what
        the file does not hold; at the file's end (`final`), a state with no metric at all is
        said to be one (a follower's block may end before the state's metrics column)."""
        if not self.active:
            return
        values: dict[str, float] = {}
        for key, raw in _ITEM.findall(" ".join(self._text)):
            v = to_float(raw)
            if v is not None and key not in _NOT_METRICS and key not in self._said:
                values[key] = v
        if values:
            out.add(values, epoch=float(self._epoch), line=self._line)
        if values and self._epoch > 0 and "" not in self._said:
            reader.problem(
                self._line,
                f"Lightning's Rich bar printed only its last state to this file: epoch {self._epoch} is "
                "read (its validation values are the last evaluation's: an earlier epoch's if "
                f"check_val_every_n_epoch > 1); epochs 0-{self._epoch - 1} are in no line of it "
                "(metrics.csv holds them; TQDMProgressBar() prints every epoch)",
            )
            self._said.add("")  # (the problem line is said)
        elif final and not values and not self._said:
            # (a bar with no metric beside it: nothing of the run is read, and "epoch N is read"
            # beside "no record read" had said two things at once: tester h19t)
            reader.problem(
                self._line,
                f"Lightning's Rich progress bar printed only its last state to this file (epoch "
                f"{self._epoch}), with no metric beside it: no value of this run is in this file "
                "(Lightning's metrics.csv holds what self.log() logged; self.log(..., prog_bar=True) "
                "puts a metric in the bar)",
            )
            self._said.add("-")  # (said once)
        self._said.update(values)
