"""The console of the PyTorch MNIST example (pytorch/examples `mnist/main.py`) and of the many
training scripts copied from it:

    Train Epoch: 1 [0/60000 (0%)]\\tLoss: 2.300039         every `log_interval` batches
    (blank line)
    Test set: Average loss: 0.0506, Accuracy: 9846/10000 (98%)      after each epoch
    (blank line)

Variants read alike: spaces in place of the tab, a percent with decimals (`(98.46%)`), `Avg. loss`,
`Validation set:`/`Val set:` in place of `Test set:`, an accuracy printed only as a percent
(`Accuracy: 98.46%`), and these lines inside a longer console (progress bars, warnings, a logging
prefix before them, a tqdm bar redrawn on the same line in front of them).

x is the number of epochs completed, fractional during training (the axis timm's and mmengine's
per-batch lines are placed on). A `Train Epoch: E [n/N ...]` line is at E - 1 + n/N: `n` is the
number of samples of epoch E trained before this batch (`batch_idx * len(data)`), and the loss it
prints was computed in the forward pass before the batch's optimizer step, so it measures the
weights after E - 1 + n/N epochs; epoch 1 begins at 0 (a copy that counts epochs from 0, seen by
its `Train Epoch: 0`, is placed at E + n/N). The evaluation printed after epoch E (`Test set:` ...)
is at E, the end of that epoch, with no step. A copy that also evaluates inside an epoch has that
evaluation placed where the next printed batch begins (the last printed batch's n plus the fewest
samples between two printed batches), so x never goes back. The percent in brackets is a rounded
copy of n/N and is not read.

Series: `loss` (the batch's training loss: `F.nll_loss` of `log_softmax`, a mean cross-entropy in
nats), `acc` (a training accuracy many copies print after the loss, `\tAcc: 55.00%`, `Accuracy:
0.55` or `Acc: 70/128`, read as a fraction; one that cannot be read is a problem line),
`test_loss` (the evaluation's `Average loss`: the summed cross-entropy over the set divided by its
size N, nats) and `test_acc` (`Accuracy: k/N` read as the fraction k/N; the percent in
parentheses, rounded to whole percent by the example, is not read). `Validation set:` lines give
`val_loss`/`val_acc`; a `Train set:` evaluation gives `train_set_loss`/`train_set_acc`; a second
evaluation with the same wording before the next training line (a validation and a test set both
printed as `Test set:`) gives `test2_loss`/`test2_acc`. The losses are not marked as cross-entropy
(`Run.loss_kind`): the scripts copied from the example print other losses on the same `Train Epoch`
line (its VAE prints a summed reconstruction loss), so the format does not say what the loss
measures. The evaluation-set size N is exact in the log: the evaluation's loss and accuracy series
carry it (`Series.eval_size`, while every evaluation of that series printed the same N; where one
printed another N, it is unset again and a problem line says so).

One training is one run. A training line at or before the first position of the run being read
(epoch 1, sample 0 again: a second training appended to the same file) begins a new run, marked
as such for the file splitter (`readers/split.py`): a zero-initialised model prints the same first
loss, ln K, in both trainings, which the splitter alone would take for a copy of a record.
Source: pytorch/examples, mnist/main.py, `train()` and `test()` print formats.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, looks_structured, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

MAX_LINE = 1 << 14  # a printed line of this format is short; a longer one is not looked at
_NUM = r"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|nan|inf)"
_PERCENT = r"\(\s*[\d.]+\s*%\s*\)"
_TRAIN = re.compile(
    rf"(?:Train )?Epoch:\s*(\d+)(?:\s*/\s*\d+)?\s*\[\s*(\d+)\s*/\s*(\d+)\s*(?:{_PERCENT})?\s*\]\s*Loss:\s*"
    rf"({_NUM})(?![\w.])"
)
_EVAL = re.compile(
    rf"\b(Test|Validation|Valid|Val|Train)(?: set)?:\s*Av(?:erage|g\.?)\s+loss:\s*({_NUM})\s*,\s*Accuracy:\s*"
    rf"(?:(\d+)\s*/\s*(\d+)(?:\s*{_PERCENT})?|({_NUM})\s*%)"
)
# a copy that prints one training line per epoch without the batch counter (`Train Epoch: 3 Loss:
# 1.94`): the epoch's training loss, placed at the end of that epoch
_TRAIN_BARE = re.compile(
    rf"Train Epoch:\s*(\d+)(?:\s*/\s*\d+)?\s*[,|;-]?\s*(?:Loss|Av(?:erage|g\.?) loss):\s*({_NUM})(?![\w.])"
)
# a training accuracy printed after the loss (`\tAcc: 55.00%`, `, Accuracy: 0.55`, `Acc: 70/128`)
_TRAIN_ACC = re.compile(
    rf"\s*[,|;]?\s*(?:Train(?:ing)?\s+)?Acc(?:uracy)?\s*[:=]\s*(?:(\d+)\s*/\s*(\d+)(?!\d)|({_NUM})\s*(%)?)",
    re.IGNORECASE,
)
# a line that starts like one of ours, to tell when one could not be read (never silent)
_TRAIN_START = re.compile(r"(?:Train )?Epoch:\s*\d+(?:\s*/\s*\d+)?\s*\[|Train Epoch:\s*\d+")
_EVAL_START = re.compile(r"\b(?:Test|Validation|Valid|Val|Train)(?: set)?:\s*Av(?:erage|g\.?)\s+loss:")
_PREFIX = {"Test": "test", "Validation": "val", "Valid": "val", "Val": "val", "Train": "train_set"}


def signature_lines(head: str) -> int:
    """How many lines of `head` are this format's training or evaluation lines; 0 when it holds
    evaluation lines only beside other printed metrics lines (`Epoch 3: train loss 0.41` and
    `Test: Average loss: 0.52, Accuracy: 83%`: a loop's own print, read whole as text-kv)."""
    from lossacc_tui.readers.text_kv import parse_line  # (here: importing it first would register it first)

    counted = bare = evals = other = 0
    for ln in head.replace("\r", "\n").split("\n")[:4000]:
        if len(ln) > MAX_LINE:
            continue
        text = clean_text(ln) if ("Epoch" in ln or "loss:" in ln) else ln
        if _TRAIN.search(text):
            counted += 1
        elif _TRAIN_BARE.search(text):
            bare += 1
        elif _EVAL.search(text):
            evals += 1
        elif not (counted or bare) and any(c.isdigit() for c in ln) and parse_line(clean_text(ln))[0]:
            other += 1
    if not counted and not evals:
        return 0  # (`Train Epoch: 3 Loss: 1.9` alone is any loop's print)
    if not (counted or bare) and other:
        return 0
    return counted + bare + evals


@register
class PytorchMnistReader(Reader):
    format_id: ClassVar[str] = "pytorch-mnist"
    role_hints: ClassVar[dict[str, str]] = {
        "loss": "train_loss",
        "acc": "train_acc",
        "test_loss": "val_loss",
        "test_acc": "val_acc",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
        "train_set_acc": "train_acc",
        # a second set's evaluation is no second validation (the role table reads `test2_acc` as training)
        **{
            f"{p}{k}_{m}": "other"
            for p in ("test", "val", "train_set")
            for k in range(2, 10)
            for m in ("loss", "acc")
        },
    }

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        """Certain from one whole line: `Train Epoch: E [n/N (p%)] Loss:` and `set: Average loss:
        ..., Accuracy:` are this template's own wording."""
        if looks_structured(name, head):
            return 0.0
        return Level.CERTAIN.score if signature_lines(head) >= 1 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._base = 1  # the number of the first epoch (0 where a copy counts from 0)
        self._epoch: int | None = None  # the epoch of the last training line (None: none yet)
        self._seen = 0  # samples of that epoch before its batch
        self._total = 0  # samples in an epoch
        self._stride: int | None = None  # fewest samples between two printed batches of an epoch
        self._first_x: float | None = None  # x of the first training line of the run being read
        self._last_x = -1.0  # x of the last training line
        self._evals: dict[str, int] = {}  # evaluations of each set since the last training line
        self._unread = Unread(words=False)  # other printed metrics lines, said not read

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            if len(raw) > MAX_LINE:
                continue
            line = first_line + k
            if "Epoch" not in raw and "loss:" not in raw:
                self._other(raw, line)
                continue
            # numbers are read from the regex groups only: the line is cleaned of escape sequences
            # (colours inside the wording) only when it does not match as it is
            if m := _TRAIN.search(raw):
                self._train(out, m, line)
                continue
            if m := _EVAL.search(raw):
                self._eval(out, m, line)
                continue
            if m := _TRAIN_BARE.search(raw):
                self._bare(out, m, line)
                continue
            text = clean_text(raw)
            if text == raw:
                pass
            elif m := _TRAIN.search(text):
                self._train(out, m, line)
                continue
            elif m := _EVAL.search(text):
                self._eval(out, m, line)
                continue
            elif m := _TRAIN_BARE.search(text):
                self._bare(out, m, line)
                continue
            if _TRAIN_START.search(text) or _EVAL_START.search(text):
                self.problem(
                    line, f"could not read this line of the PyTorch example's log: {text.strip()[:80]!r}"
                )
            else:
                self._other(raw, line)
        return self.built(out)

    def _train(self, out: BatchBuilder, m: re.Match[str], line: int) -> None:
        e, n, t, v = m.groups()
        epoch, seen, total = int(e), int(n), int(t)
        try:
            loss: float | None = float(v)
        except ValueError:
            loss = to_float(v)
        if total <= 0 or seen > total or loss is None:
            self.problem(line, f"training line with no position in its epoch ({seen}/{total}): not read")
            return
        if epoch < self._base:  # `Train Epoch: 0`: this script counts epochs from 0
            self._base = 0
        if epoch == self._epoch and seen > self._seen:
            gap = seen - self._seen
            if self._stride is None or gap < self._stride:
                self._stride = gap
        x = epoch - self._base + seen / total
        new_run = False
        if x < self._last_x:
            new_run = self._first_x is not None and x <= self._first_x
        if self._first_x is None or new_run:
            self._first_x = x
        self._epoch, self._seen, self._total, self._last_x = epoch, seen, total, x
        if self._evals:
            self._evals.clear()
        values = {"loss": loss}
        rest = m.string[m.end() :]
        if a := _TRAIN_ACC.match(rest):
            acc = _train_acc(a)
            if acc is None:
                self.problem(line, f"training accuracy not read: {a.group(0).strip()[:40]!r}")
            else:
                values["acc"] = acc
        elif "acc" in rest.lower():
            self.problem(line, f"training accuracy not read: {rest.strip()[:40]!r}")
        out.add(values, epoch=x, line=line, new_run=new_run)

    def _other(self, raw: str, line: int) -> None:
        """A printed metrics line of another wording beside the example's (a loop's own `print`):
        not read here, said once per set of names (never a silent drop: `printed.Unread`)."""
        self._unread.see(self, raw, line)

    def _bare(self, out: BatchBuilder, m: re.Match[str], line: int) -> None:
        """`Train Epoch: E Loss: v` (no batch counter): the training loss of epoch E, at its end."""
        epoch = int(m.group(1))
        loss = to_float(m.group(2))
        if loss is None:
            self.problem(line, f"training loss not read: {m.group(0).strip()[:60]!r}")
            return
        if epoch < self._base:
            self._base = 0
        x = float(epoch - self._base + 1)
        new_run = self._first_x is not None and x < self._last_x and x <= self._first_x
        if self._first_x is None or new_run:
            self._first_x = x
        self._epoch, self._seen, self._total, self._stride, self._last_x = epoch, 0, 0, None, x
        self._evals.clear()
        values = {"loss": loss}
        rest = m.string[m.end() :]
        if a := _TRAIN_ACC.match(rest):
            acc = _train_acc(a)
            if acc is not None:
                values["acc"] = acc
            else:
                self.problem(line, f"training accuracy not read: {a.group(0).strip()[:40]!r}")
        elif "acc" in rest.lower():
            self.problem(line, f"training accuracy not read: {rest.strip()[:40]!r}")
        out.add(values, epoch=x, line=line, new_run=new_run)

    def _size(self, line: int, name: str, size: int) -> None:
        """The evaluation `name` printed `k/size`: its series' `eval_size` (readers/base.py), kept
        while every evaluation of it printed the same size."""
        was = self.eval_sizes.get(f"{name}_acc")
        if was == 0:
            return
        if was is not None and was != size:
            self.problem(line, f"{name} evaluated on {size} samples here, on {was} before: no one set size")
            size = 0  # (0: not one size; the series' size is unset)
        self.eval_sizes[f"{name}_loss"] = self.eval_sizes[f"{name}_acc"] = size

    def _eval_x(self) -> float:
        """Where an evaluation goes: the end of the epoch trained last when its last printed batch
        was the epoch's last printed one (the next would be past the end: the example's `test()`
        after `train()`); else, for a script that evaluates in the middle of an epoch, where the next
        printed batch will begin, so x never goes back at the training line after it."""
        if self._epoch is None:
            return 0.0  # an evaluation before any training
        if self._total <= 0:  # after a training line without a batch counter: the epoch's end
            return float(self._epoch - self._base + 1)
        reached = self._total if self._stride is None else min(self._total, self._seen + self._stride)
        return self._epoch - self._base + reached / self._total

    def _eval(self, out: BatchBuilder, m: re.Match[str], line: int) -> None:
        prefix = _PREFIX[m.group(1)]
        loss = to_float(m.group(2))
        if m.group(3) is not None:
            right, size = int(m.group(3)), int(m.group(4))
            acc = right / size if size > 0 and right <= size else None
        else:
            pct = to_float(m.group(5))
            acc = None if pct is None else pct / 100.0
        # a second evaluation of the same set's wording after one training line (a script that prints
        # its validation and its test set both as `Test set:`) is another series: `test2_loss`
        k = self._evals[prefix] = self._evals.get(prefix, 0) + 1
        x = self._eval_x()
        if self._epoch is None:  # no training line in the log (yet): each evaluation is the next epoch's
            k, x = 1, float(self._evals[prefix])
        name = prefix if k == 1 else f"{prefix}{k}"
        if m.group(3) is not None and acc is not None:
            self._size(line, name, int(m.group(4)))
        values: dict[str, float] = {}
        if loss is not None:
            values[f"{name}_loss"] = loss
        if acc is None:
            self.problem(line, f"evaluation accuracy not read: {m.group(0)[-40:]!r}")
        else:
            values[f"{name}_acc"] = acc
        if values:
            out.add(values, epoch=x, line=line)


def _train_acc(m: re.Match[str]) -> float | None:
    """The fraction a training line's accuracy gives: `k/N`, a percent (`55.00%`), or a bare number
    (a fraction, or a percent the accuracy series' unit rule reads as such: lossacc_tui/percent.py)."""
    right, size, num, pct = m.groups()
    if right is not None:
        k, n = int(right), int(size)
        return k / n if n > 0 and k <= n else None
    v = to_float(num)
    if v is None:
        return None
    return v / 100.0 if pct else v
