"""The console of timm's `train.py` and of the Swin-Transformer-style training scripts derived
from it (their logger prefix is stripped first, see `logprefix`):

    Train: 3 [ 100/391 ( 26%)]  Loss: 1.19 (1.21)  Time: ...  LR: 1.000e-05  Data: ...    timm
    Test: [  78/79]  Time: ...  Loss:  0.912 ( 0.874)  Acc@1: 71.0 ( 70.2)  Acc@5: ...    timm
    Train: [3/50]\\tlr 0.000300\\ttime ...\\tloss 1.40 (1.73)\\tAcc@1 48.8 (37.0)\\tMem ...    Swin style
     * Train Acc 37.002 Train Loss 1.732 / * Val Acc 52.270 Val Loss 1.296                Swin style

x is the epoch as the framework numbers it (0-based: timm's `Train: 0`, its checkpoint names
`checkpoint-0.pth.tar`, `*** Best metric: ... (epoch 0)` and its summary.csv all count from 0), so
the console and the summary.csv of one run agree: the evaluation after epoch e (its last `Test:`
line, whose running averages are the validation loss and accuracy) and the Swin `* ... Acc ...
Loss` summaries are at x = e; a timm training line of epoch e at batch i of N is at
e - 1 + (i+1)/N (its last batch at e, with the evaluation after it; epoch 0's batches between -1
and 0), its step e*N + i. Per-batch training lines give `train/loss` (the
batch's value, not the running mean); accuracies are in percent. `Time`, `Data` and throughput
are not metrics. Sources: timm/train.py `train_one_epoch`/`validate` log formats.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.logprefix import strip_prefix
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

_NUM = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)"
_TIMM_TRAIN = re.compile(r"^Train: (\d+) \[\s*(\d+)/(\d+)")
_TIMM_TEST = re.compile(r"^Test(?: \(EMA\))?: \[\s*(\d+)/(\d+)\]")
_SWIN_TRAIN = re.compile(r"^Train: \[(\d+)/(\d+)\]\[?\s*(\d+)?/?(\d+)?\]?")
_SUMMARY = re.compile(rf"^\*\s+(Train|Val|Test)\s+Acc\S*\s+({_NUM})\s+\1\s+Loss\s+({_NUM})")
_LOSS = re.compile(rf"\b[Ll]oss:?\s+({_NUM})\s*\(\s*({_NUM})\)")
_ACC1 = re.compile(rf"\bAcc@1:?\s+({_NUM})\s*\(\s*({_NUM})\)")
_ACC5 = re.compile(rf"\bAcc@5:?\s+({_NUM})\s*\(\s*({_NUM})\)")
# the scripts' own lines that are no record: Swin's per-batch `Validate:` progress (its `* Val`
# summary is read), its `Max accuracy:`, timm's `*** Best metric:`
_OWN = re.compile(r"^(?:Validate:|Max accuracy:|\*\*\* Best metric|Accuracy of the network)")
_LR = re.compile(rf"\b(?:LR:|lr)\s+({_NUM})")


@register
class TimmConsoleReader(Reader):
    format_id: ClassVar[str] = "timm-console"
    role_hints: ClassVar[dict[str, str]] = {"train/loss": "train_loss", "val/loss": "val_loss"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hits = 0
        for ln in head.splitlines()[:400]:
            text = strip_prefix(clean_text(ln)).strip()
            timm = _TIMM_TRAIN.match(text) or _TIMM_TEST.match(text) or _SUMMARY.match(text)
            hits += bool(timm or (_SWIN_TRAIN.match(text) and _LOSS.search(text)))
        return Level.CERTAIN.score if hits >= 2 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._epoch = 0.0  # the epoch being trained (0-based)
        self._per_epoch: float | None = None
        self._unread = Unread()  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            if "rain" not in raw and "est" not in raw and "Val" not in raw:
                self._other(raw, first_line + k)
                continue
            text = strip_prefix(clean_text(raw)).strip()
            line = first_line + k
            if m := _TIMM_TRAIN.match(text):
                e, i, n = float(m.group(1)), float(m.group(2)), float(m.group(3))
                self._epoch, self._per_epoch = e, n
                values = self._pairs(text, train=True)
                if values:
                    out.add(values, step=e * n + i, epoch=e - 1 + (i + 1) / n, line=line)
            elif m := _TIMM_TEST.match(text):
                i, n = float(m.group(1)), float(m.group(2))
                if i != n:
                    continue  # `[i/last_idx]`: the running averages are final on the last batch
                values = self._pairs(text, train=False)
                if values:
                    step = None if self._per_epoch is None else (self._epoch + 1) * self._per_epoch
                    out.add(values, step=step, epoch=self._epoch, line=line)
            elif m := _SUMMARY.match(text):
                split = "train" if m.group(1) == "Train" else "val"
                acc, loss = to_float(m.group(2)), to_float(m.group(3))
                values = {f"{split}/top1": acc, f"{split}/loss_epoch": loss}
                clean = {key: v for key, v in values.items() if v is not None}
                if clean:
                    out.add(clean, epoch=self._epoch, line=line)
            elif (m := _SWIN_TRAIN.match(text)) and _LOSS.search(text):
                self._epoch = float(m.group(1))
            else:
                self._other(raw, line)
        return self.built(out)

    def _other(self, raw: str, line: int) -> None:
        """A line none of the patterns took: the scripts' own progress and best-so-far lines pass,
        a printed metrics line of the user's is said (`printed`)."""
        if not _OWN.match(strip_prefix(clean_text(raw)).strip()):
            self._unread.see(self, raw, line)

    @staticmethod
    def _pairs(text: str, train: bool) -> dict[str, float]:
        values: dict[str, float] = {}
        split = "train" if train else "val"
        if m := _LOSS.search(text):
            v = to_float(m.group(1) if train else m.group(2))
            if v is not None:
                values[f"{split}/loss"] = v
        for rx, name in ((_ACC1, "top1"), (_ACC5, "top5")):
            if m := rx.search(text):
                v = to_float(m.group(1) if train else m.group(2))
                if v is not None:
                    values[f"{split}/{name}"] = v
        if train and (m := _LR.search(text)):
            v = to_float(m.group(1))
            if v is not None:
                values["lr"] = v
        return values
