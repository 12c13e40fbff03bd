"""PyTorch Lightning's console: the TQDM progress bar, redrawn with carriage returns, e.g.

    Epoch 3: 100%|██████████| 50/50 [00:07<00:00,  6.6it/s, v_num=0, train_loss=0.0225, val_loss=0.427]

The postfix holds what `self.log(..., prog_bar=True)` logged; Lightning updates it at every step
and after validation. The end-of-epoch state counts: the last redraw of epoch e (seen when epoch
e+1 begins, when Lightning says `fit` stopped, or at the end of the file) becomes one record at
x = epoch e (a follower, which never sees a file end, gets the last epoch at that message).
A validation inside an epoch (`val_check_interval` < 1) is a record of its own: the first redraw
after the `Validation DataLoader` sub-bar carries its values (those that changed there, or were
an evaluation's before), at the global step Lightning's CSVLogger gives it, e * N + n - 1 for
batch n of N (the run then goes on the step axis, as its metrics.csv does; a problem line says
the step is counted in batches: with `accumulate_grad_batches=k`, metrics.csv's step and the
checkpoint names count k batches as one, and the console does not say k). The epoch's own record
then leaves out values an evaluation already gave, and, once validation bars were seen, values
of an epoch that ran none (the postfix keeps showing an older evaluation's).
`v_num` (the logger's version) is not a metric; sanity-check sub-bars are not records.
Lightning is told from a tqdm bar of one's own loop (`tqdm(..., desc=f"Epoch {e}")` draws the same
bar) by what only Lightning prints: `v_num` in the postfix, its `Validation DataLoader`/`Sanity
Checking` sub-bars, its `GPU available:`/`Trainer` lines. A bar without them scores below the tqdm
reader (`tqdm_console`), which reads the bars and a loop's printed lines (`Epoch 1/40 - train_loss:
..`) too: a follower that sees only the first epoch's bars decides as `check` does on the whole
file. A printed metrics line this reader does not read (a Lightning user's own `print`) is a
problem line naming its metrics, once per set of names: never a silent drop.
The Rich progress bar (`lightning_rich`) written to a file keeps only its last state: that one is
read, and a problem line says the earlier epochs are not in the file. Captured from a terminal
(`script`), it holds every frame of Rich's live display: each epoch's last one is read
(`rich_live`).
Writer: lightning.pytorch.callbacks.TQDMProgressBar (format of tqdm's `{postfix}`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers import lightning_rich as rich
from lossacc_tui.readers import rich_live
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

_BAR = re.compile(r"Epoch (\d+):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)\s*\[([^\]]*)\]")
_VALIDATION = re.compile(r"Validation(?: DataLoader \d+)?:")
_NOT_METRICS = frozenset({"v_num"})
#: what Lightning prints when `fit` ends (max_epochs/max_steps reached; EarlyStopping's verbose
#: message): no redraw of the last epoch's bar follows
_END = re.compile(r"`Trainer\.fit` stopped|Signaling Trainer to stop")
#: what only Lightning writes beside its bars
_SIGNS = re.compile(r"v_num=|Validation DataLoader|Sanity Checking|GPU available:|`Trainer|LOCAL_RANK")
#: said once when an evaluation inside an epoch puts the run on the step axis: the bar counts
#: batches, and nothing in the console says how many of them make one optimizer step
STEP_IN_BATCHES = (
    "evaluations inside an epoch put this run on the global step, counted in batches as the bar counts "
    "them (epoch x batches per epoch + batch - 1): metrics.csv and checkpoint names count the same "
    "unless gradients were accumulated (accumulate_grad_batches=k: they count k batches as one step)"
)
#: a bar with no Lightning sign: below tqdm_console.SCORE (0.7), above
#: text-kv (0.6 at most)
UNSIGNED = 0.65


def _postfix(text: str) -> dict[str, float]:
    """The metrics of a bar's postfix (`v_num=0, train_loss=0.0225`), `v_num` left out."""
    values: dict[str, float] = {}
    for item in text.split(","):
        key, sep, raw = item.strip().partition("=")
        v = to_float(raw) if sep else None
        if v is not None and key not in _NOT_METRICS:
            values[key] = v
    return values


def _printed(raw: str) -> dict[str, float]:
    """The metrics of a printed line that is no bar (`Epoch 1/40 - train_loss: 2.23 - ...`)."""
    # (imported here: importing text_kv first would register it before this module, and the order of
    # registration breaks ties between sniffers)
    from lossacc_tui.readers.text_kv import MAX_LINE, metric_like, parse_line

    if len(raw) > MAX_LINE or ("Epoch" in raw and _BAR.search(raw)) or _VALIDATION.search(raw):
        return {}
    values = parse_line(clean_text(raw))[0]
    # (a loss or an accuracy among them: not Lightning's own `'val_loss' reached 0.42 (best 0.42)`)
    return values if any(metric_like(n) for n in values) else {}


def _bar(m: re.Match[str]) -> tuple[int, int, int, dict[str, float]]:
    """(epoch, batches done n, batches per epoch N, postfix metrics) of one redraw."""
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), _postfix(m.group(4))


def parse_bar(text: str) -> tuple[int, dict[str, float]] | None:
    """(epoch, postfix metrics) of the last progress-bar redraw in a line, or None."""
    bars = list(_BAR.finditer(text))
    if not bars:
        return None
    epoch, _, _, values = _bar(bars[-1])
    return epoch, values


@register
class LightningConsoleReader(Reader):
    format_id: ClassVar[str] = "lightning-console"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = head.replace("\r", "\n").splitlines()[:2000]
        hits = sum(1 for ln in lines if _BAR.search(ln))
        if rich.sniff(head) or rich_live.sniff(head):
            return Level.CERTAIN.score
        if hits == 0:
            return 0.0
        return Level.CERTAIN.score if _SIGNS.search(head) else UNSIGNED

    def __init__(self) -> None:
        super().__init__()
        self._epoch: int | None = None
        self._state: dict[str, float] = {}
        self._line = 0
        self._n = 0  # most batches of the epoch under way seen done
        self._total = 0  # batches per epoch, as its bar says
        self._pending = False  # a validation sub-bar was seen: the next redraw carries its values
        self._validated = False  # a validation ran in the epoch under way
        self._val_seen = False  # validation sub-bars were seen in this file
        self._eval_keys: set[str] = set()  # keys an evaluation's redraw changed
        self._eval: tuple[int, dict[str, float], int] | None = None  # (n, values, line) not yet said
        self._sent: dict[str, float] = {}  # values an evaluation of this epoch already gave
        self._first: dict[str, float] = {}  # the epoch's first redraw
        self._rich = rich.RichState()
        self._live = rich_live.RichLive()  # the Rich bar drawn live into a terminal capture
        self._said: int | None = None  # the epoch said at Lightning's `fit` stopped line
        self._told_names: set[frozenset[str]] = set()  # printed metrics lines said not read

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for i, raw in enumerate(self.text_lines(block)):
            if self._live.active or rich_live.is_live(raw):  # (readers/rich_live.py)
                self._live.feed(self, out, raw, first_line + i)
                continue
            if self._rich.active or ("•" in raw and "Epoch " in raw):  # (Rich's bar: elapsed • left)
                self._rich_line(out, raw, first_line + i)
            if "Validation" in raw or self._pending:
                self._events(out, clean_text(raw), first_line + i)
            elif "Epoch " in raw and (bars := list(_BAR.finditer(clean_text(raw)))):
                self._redraw(out, _bar(bars[-1]), first_line + i)
            elif not self._rich.active and "•" not in raw and any(c.isdigit() for c in raw):
                self._dropped(raw, first_line + i)
            if _END.search(raw):  # (the last epoch is whole: said now, not when the file is closed)
                self._said = self._epoch
                self._emit(out)
        self._rich.say(self, out)  # (Rich prints its state last: a follower sees no end of file)
        return self.built(out)

    def _dropped(self, raw: str, line: int) -> None:
        """A printed metrics line beside the bars is not read: said, once per set of names."""
        values = _printed(raw)
        if values and frozenset(values) not in self._told_names:
            self._told_names.add(frozenset(values))
            self.problem(
                line,
                f"printed metrics not read as {self.format_id} ({', '.join(values)}): "
                "read this log with --format tqdm-console to have them",
            )

    def _events(self, out: BatchBuilder, text: str, line: int) -> None:
        """Every redraw and validation sub-bar of a line, in order. A redraw's postfix is read
        only where its values count: the first after a validation, the last before one, the first
        and last of an epoch, the line's last (the others only move the batch count)."""
        marks = sorted([*_BAR.finditer(text), *_VALIDATION.finditer(text)], key=lambda m: m.start())
        for i, m in enumerate(marks):
            if m.re is _VALIDATION:
                self._pending = self._val_seen = self._validated = True
                continue
            nxt = marks[i + 1] if i + 1 < len(marks) else None
            ends = nxt is None or nxt.re is _VALIDATION or nxt.group(1) != m.group(1)
            if self._pending or ends or m.group(1) != str(self._epoch):
                bar = _bar(m)
            else:
                bar = (int(m.group(1)), int(m.group(2)), int(m.group(3)), {})
            if self._pending and bar[0] == self._epoch:
                self._evaluated(bar, line)
            self._pending = False
            self._redraw(out, bar, line)

    def _evaluated(self, bar: tuple[int, int, int, dict[str, float]], line: int) -> None:
        """The first redraw after a validation: its values are those that changed there, and
        those an evaluation changed before (a value that repeats to the digits shown)."""
        _, n, _, values = bar
        got = {k: v for k, v in values.items() if k in self._eval_keys or self._state.get(k) != v}
        if got:
            self._eval_keys.update(got)
            self._eval = (n, got, line)

    def _redraw(self, out: BatchBuilder, bar: tuple[int, int, int, dict[str, float]], line: int) -> None:
        epoch, n, total, values = bar
        if epoch == self._said:  # tqdm's closing redraw of the epoch already said
            return
        self._said = None
        if self._epoch is not None and epoch != self._epoch:
            self._emit(out)
        if self._eval is not None and n > self._eval[0]:  # training went on: a mid-epoch evaluation
            self._say_eval(out, epoch)
        if self._epoch is None:
            self._first = values
        self._epoch, self._line, self._total = epoch, line, total
        self._n = max(self._n, n)
        self._state.update(values)

    def _say_eval(self, out: BatchBuilder, epoch: int) -> None:
        assert self._eval is not None
        n, values, line = self._eval
        self.once(STEP_IN_BATCHES)
        out.add(dict(values), epoch=float(epoch), step=float(epoch * self._total + n - 1), line=line)
        self._sent.update(values)
        self._eval = None

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._live.say(self, out)
        self._emit(out)
        self._rich.say(self, out, final=True)
        return self.built(out)

    def _emit(self, out: BatchBuilder) -> None:
        if self._epoch is not None and self._state:
            state = {k: v for k, v in self._state.items() if self._sent.get(k) != v}
            if self._val_seen and not self._validated:  # an older evaluation's values, shown again
                state = {k: v for k, v in state.items() if k not in self._eval_keys}
            if self._total and self._n < self._total:  # an epoch cut short (a file still written):
                # a value its redraws never changed is the epoch before's (`train_loss_epoch`)
                state = {k: v for k, v in state.items() if self._first.get(k) != v}
            if self._eval is not None:  # an evaluation at the epoch's last redraw
                state.update(self._eval[1])
            if state:
                step = float(self._epoch * self._total + max(self._n, 1) - 1) if self._total else None
                out.add(state, epoch=float(self._epoch), step=step, line=self._line)
        self._state, self._sent, self._eval, self._first = {}, {}, None, {}
        self._epoch, self._n, self._validated = None, 0, False

    def _rich_line(self, out: BatchBuilder, raw: str, line: int) -> None:
        self._rich.feed(self, out, clean_text(raw), line)
