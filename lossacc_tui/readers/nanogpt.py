"""nanoGPT-style console (karpathy/nanoGPT train.py and its many forks):

    step 500: train loss 2.3100, val loss 2.4000                     every eval_interval
    iter 510: loss 2.2900, time 120.00ms, mfu 5.00%                  every log_interval

The `step` lines are the evaluation: the mean loss over `eval_iters` batches of the training and
of the validation split at that moment (`train/loss`, `val/loss`: the train-loss role goes to this
estimate, comparable with the validation loss). The `iter` lines are the loss of one training
step (`iter/loss`). x = the step. `time` and `mfu` are throughput, not metrics.
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

_EVAL = re.compile(r"^step (\d+): train loss (\S+?),? val loss (\S+?)[,\s]*$")
_ITER = re.compile(r"^iter (\d+): loss (\S+?),")


@register
class NanoGptReader(Reader):
    format_id: ClassVar[str] = "nanogpt"
    role_hints: ClassVar[dict[str, str]] = {"train/loss": "train_loss", "val/loss": "val_loss"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = [strip_prefix(clean_text(ln)).strip() for ln in head.splitlines()[:400]]
        evals = sum(bool(_EVAL.match(t)) for t in lines)
        iters = sum(bool(_ITER.match(t)) for t in lines)
        return Level.CERTAIN.score if evals >= 1 and evals + iters >= 2 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._unread = Unread()  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            if "loss" not in raw:
                continue
            text = strip_prefix(clean_text(raw)).strip()
            if m := _EVAL.match(text):
                train, val = to_float(m.group(2)), to_float(m.group(3))
                values = {n: v for n, v in (("train/loss", train), ("val/loss", val)) if v is not None}
                if values:
                    out.add(values, step=float(m.group(1)), line=first_line + k)
            elif m := _ITER.match(text):
                v = to_float(m.group(2))
                if v is not None:
                    out.add({"iter/loss": v}, step=float(m.group(1)), line=first_line + k)
            else:
                self._unread.see(self, raw, first_line + k)
        return self.built(out)
