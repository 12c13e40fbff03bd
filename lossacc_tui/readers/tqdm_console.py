"""A tqdm progress bar redirected to a file (`python train.py > log 2>&1`), e.g.

    \\rEpoch 3/60:  50%|█████     | 3/6 [00:00<00:00, 188.03it/s, loss=1.0177]\\rEpoch 3/60: ...

tqdm redraws the bar with a carriage return at every refresh; its postfix (`set_postfix(loss=..)`
as `k=v, k=v`, `set_postfix_str("loss 0.3 acc 0.9")` as free text) holds what the loop shows. A
refresh repeats the last postfix until the loop sets a new one, so each bar becomes one record per
postfix *change*; several changes at one count `n` are one step: the last one is kept. Lines that
are not bars (`print`, `tqdm.write`, a per-epoch summary) are read as printed records (text-kv).

x axis. Each bar (the desc with its numbers blanked: `Epoch 3/60` and `Epoch 4/60` are one bar
drawn again) counts steps; a bar drawn again after it ended continues the count (`step = the
counts of its earlier drawings + n`), so one training's bars are one run on a global step axis:
- a desc carrying an epoch (`Epoch 3/60`, `epoch 3`) gives that epoch to its records;
- a desc naming epochs without a number (`Epochs`, an outer bar over epochs) counts epochs: its
  records (a `val_loss` postfix set after each epoch) get epoch = its count, and the step the
  stepping bars have reached;
- a desc led by a held-out split word (`Validation`, `eval`) counts no training step: its names
  get the split (`loss` -> `val_loss`), and only its last postfix counts (one evaluation).
A full bar (`n` at its total) makes its postfix a record at once (a followed log's last epoch is
not held back until the next bar draws). The count a postfix belongs to: tqdm's own loop
(`for b in bar: ...; bar.set_postfix(..)`) sets it while `n` still counts the batches before the
current one, so a bar whose first postfix shows at `n = 0` has its records placed at `n + 1`; a
loop that calls `update()` before `set_postfix` shows it at the right `n` already.
Detected from two bars with a postfix, or two bars (with none) beside a printed metrics line.
Writer: tqdm 4.x `tqdm.std.tqdm.format_meter` (`{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<
{remaining}, {rate_fmt}{postfix}]`, and `{n_fmt}it [..]` without a total).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import clean_text, looks_structured, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.lead_split import is_train, lead_word, qualify
from lossacc_tui.readers.registry import register
from lossacc_tui.readers.text_kv import MAX_LINE, TextKvReader, parse_record

# `desc: 50%|█████     | 3/6 [00:00<00:00, 188.03it/s, loss=1.0]` or `desc: 12it [00:01, 9.1it/s, ..]`
# the meter's count before its `[..]`, matched on a short tail only (anchored: linear in the line):
# `| 3/6` (a bar with a total; its `NN%|bar` before it) or `12it` (no total)
_COUNT = re.compile(r"\|\s*(\d+(?:\.\d+)?)([kMG]?)/(\S+)\s*$|(?:^|\s)(\d+(?:\.\d+)?)([kMG]?)it\s*$")
_PERCENT = re.compile(r"\d{1,3}%$")
TAIL = 64  # characters before `[` that hold the count
# the meter's time and rate before the postfix: `00:00<00:00`, `00:01`, ` 188.03it/s`, `?it/s`, `2.1s/it`
_TIME = re.compile(r"^\s*[\d:?]+(?:<[\d:?]+)?\s*$")
_RATE = re.compile(r"^\s*(?:\?|[\d.]+[kMG]?)\s*(?:\w+/s|s/\w+)\s*$")
_EPOCH_WORD = re.compile(r"(?i)\bepochs?\b")
_DESC_EPOCH = re.compile(r"(?i)\b(?:epoch|ep)\s*[:#]?\s*\[?\s*(\d{1,9})")
_TOTAL = re.compile(r"(\d+(?:\.\d+)?)([kMG]?)")
_SCALE = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}
SNIFF_LINES = 4000
#: above printed records (text-kv, at most LIKELY), below the writers' own bars (Lightning: CERTAIN)
SCORE = (Level.LIKELY.score + Level.CERTAIN.score) / 2


@dataclass
class BarLine:
    """One redraw of a bar: its desc, count, and postfix metrics (names as written)."""

    desc: str
    n: float
    total: float | None  # None: a bar without a total (`12it [..]`)
    values: dict[str, float]


def parse_bar(text: str) -> BarLine | None:
    """The bar drawn last in a line (a line may hold several redraws), or None when it is none.
    Read from the right with anchored patterns on short pieces: no pattern ever scans back over
    the whole line (a 16 KB line of `|` costs microseconds, not minutes)."""
    line = text.rsplit("\r", 1)[-1].rstrip()
    if not line.endswith("]"):
        return None
    lb = line.rfind("[")
    if lb < 0:
        return None
    inner, before = line[lb + 1 : -1], line[:lb].rstrip()
    m = _COUNT.search(before[-TAIL:])
    if m is None:
        return None
    if m[1] is not None:  # `desc: NN%|bar| n/total`
        n, total_text = float(m[1]) * _SCALE[m[2]], m[3]
        head = before[: len(before) - len(before[-TAIL:]) + m.start()]  # up to the bar's closing `|`
        opening = head.rfind("|")
        if opening < 0:
            return None
        pct = head[:opening].rstrip()
        found = _PERCENT.search(pct[-4:])  # `desc:  17%` (tqdm pads the percentage to 3)
        if found is None:
            return None
        desc = pct[: len(pct) - len(pct[-4:]) + found.start()]
        whole = _TOTAL.fullmatch(total_text)
        total = float(whole[1]) * _SCALE[whole[2]] if whole else None
    else:  # `desc: 12it`
        n, total = float(m[4]) * _SCALE[m[5]], None
        desc = before[: len(before) - len(before[-TAIL:]) + m.start()]
    parts = inner.split(",")
    while parts and (_TIME.match(parts[0]) or _RATE.match(parts[0])):
        parts.pop(0)
    postfix = ",".join(parts).strip()
    desc = desc.strip().rstrip(":").strip()
    return BarLine(desc, n, total, _postfix_values(postfix) if postfix else {})


def _postfix_values(postfix: str) -> dict[str, float]:
    """`set_postfix(loss=0.3, lr=1e-3)` -> `loss=0.3, lr=0.001`: every `k=v` with a number is a
    metric; a free-text postfix (`set_postfix_str`) is read as a printed record."""
    values: dict[str, float] = {}
    for item in postfix.split(","):
        key, sep, raw = item.partition("=")
        v = to_float(raw) if sep else None
        if v is not None and key.strip():
            values[key.strip()] = v
    return values or parse_record(postfix)[0]


@dataclass
class _Bar:
    """One bar's state across its drawings (`Epoch 1/60`, `Epoch 2/60`, ... are one bar)."""

    kind: str  # "step" (counts training steps), "epochs" (counts epochs), "eval" (held-out)
    split: str | None = None  # the held-out word of an eval bar
    desc: str = ""
    last_n: float = -1.0
    offset: float = 0.0  # the counts of its drawings before this one
    shift: int | None = None  # 1 when this drawing's first postfix showed at n = 0 (tqdm's own loop)
    #: the postfix not yet a record: (n, values, epoch, line, the global step and epoch count then)
    pending: tuple[float, dict[str, float], float | None, int, float, float | None] | None = None
    emitted: dict[str, float] | None = None  # the values of its last record in this drawing


def _blank(desc: str) -> str:
    return re.sub(r"\d+", "#", desc)


@register
class TqdmConsoleReader(TextKvReader):
    """tqdm bars collapsed to one record per postfix change; other lines read as text-kv."""

    format_id: ClassVar[str] = "tqdm-console"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        if looks_structured(name, head):
            return 0.0
        hits = bars = printed = 0
        for line in head.replace("\r", "\n").split("\n")[:SNIFF_LINES]:
            if len(line) > MAX_LINE:
                continue
            bar = parse_bar(clean_text(line)) if "|" in line or "it [" in line else None
            if bar is not None:
                bars += 1
                hits += bool(bar.values)
            elif not printed and any(c.isdigit() for c in line):
                printed += bool(parse_record(clean_text(line))[0])
            # bars with a postfix, or bars without one beside a loop's printed metrics lines
            if hits >= 2 or (bars >= 2 and printed):
                return SCORE
        return 0.0

    def __init__(self) -> None:
        super().__init__()
        self._bars: dict[str, _Bar] = {}
        self._step = 0.0  # the global step the stepping bars reached
        self._epoch_count: float | None = None  # an epochs bar's count

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        lines = self.text_lines(block)
        out: list[Batch] = []
        builder = BatchBuilder()
        start = 0  # first line of the current run of non-bar lines
        for i, raw in enumerate(lines):
            bar = None
            if ("|" in raw or "it [" in raw) and len(raw) <= MAX_LINE:
                bar = parse_bar(clean_text(raw))
            if bar is None:
                continue
            if start < i:
                self._settle(builder)
                out += self.built(builder)
                builder = BatchBuilder()
                out += super()._lines("\n".join(lines[start:i]).encode() + b"\n", first_line + start)
            start = i + 1
            self._redraw(bar, first_line + i, builder)
        if start < len(lines):
            self._settle(builder)
        out += self.built(builder)
        if start < len(lines):
            out += super()._lines("\n".join(lines[start:]).encode() + b"\n", first_line + start)
        return out

    def _state(self, desc: str) -> _Bar:
        key = _blank(desc)
        st = self._bars.get(key)
        if st is None:
            lead = lead_word(desc)
            if lead is not None and not is_train(lead[0]):
                st = _Bar("eval", split=lead[0])
            elif _EPOCH_WORD.search(desc) and not re.search(r"\d", desc):
                st = _Bar("epochs")
            else:
                st = _Bar("step")
            self._bars[key] = st
        return st

    def _redraw(self, bar: BarLine, line: int, out: BatchBuilder) -> None:
        st = self._state(bar.desc)
        self._settle(out, but=st)
        if bar.desc != st.desc or bar.n < st.last_n:  # the bar drawn again: a new drawing
            self._end(st, out)
            st.desc = bar.desc
        st.last_n = bar.n
        if st.kind == "step":
            self._step = st.offset + bar.n
        elif st.kind == "epochs":
            self._epoch_count = bar.n
        if not bar.values:
            return
        if st.shift is None:
            st.shift = 1 if bar.n == 0 else 0
        found = _DESC_EPOCH.search(bar.desc) if st.kind == "step" else None
        epoch = float(found[1]) if found else None
        if st.pending is None and bar.values == st.emitted:
            return  # the same postfix redrawn after its record was made (another bar drew between)
        if st.pending is None or st.pending[1] != bar.values:  # (else: redrawn at the next count)
            if st.pending is not None and st.pending[0] != bar.n and st.kind != "eval":
                self._emit(st, out)
            st.pending = (bar.n, bar.values, epoch, line, self._step, self._epoch_count)
        if bar.total is not None and bar.n >= bar.total:
            self._emit(st, out)  # a full bar: its postfix is final now, not when the next bar draws

    def _end(self, st: _Bar, out: BatchBuilder) -> None:
        """A drawing of the bar is over: its last postfix is a record, its count carries on."""
        self._emit(st, out)
        if st.kind == "step" and st.last_n > 0:
            st.offset += st.last_n
        st.last_n, st.shift, st.emitted = -1.0, None, None

    def _settle(self, out: BatchBuilder, but: _Bar | None = None) -> None:
        """Another bar draws, or a printed line comes: the postfixes shown so far are records now,
        so records stay in the order the file gives them."""
        for other in self._bars.values():
            if other is not but:
                self._emit(other, out)

    def _emit(self, st: _Bar, out: BatchBuilder) -> None:
        if st.pending is None:
            return
        n, values, epoch, line, step, epochs = st.pending
        st.pending, st.emitted = None, values
        n += st.shift or 0
        if st.kind == "eval":
            named = qualify(values, st.split or "val") or values
            out.add(dict(named), epoch=epochs, step=step, line=line)
        elif st.kind == "epochs":
            out.add(dict(values), epoch=n, step=step if step else None, line=line)
        else:
            out.add(dict(values), epoch=epoch, step=st.offset + n, line=line)

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        for st in self._bars.values():
            self._emit(st, out)
        return self.built(out) + super()._flush()
