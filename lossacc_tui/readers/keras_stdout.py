"""Keras `model.fit` output captured from stdout (verbose=1 progress bars and verbose=2 lines),
or pasted without them: `Epoch 1/5` then a bare `loss: 0.41 - accuracy: 0.83 - val_loss: ...`
line (names may have spaces and an abbreviating period, `Training Acc.: 0.83`), and `Batch N/M`
counters in place of the bar.

Only end-of-epoch values are kept: the line with the `val_` metrics, or (without validation) the
last line of the epoch whose step equals the total and shows a time instead of an ETA. The running
averages inside a progress bar are never records. A line hard-wrapped mid-number is joined back.
"""

from __future__ import annotations

import re

from lossacc_tui.clean import MARKS
from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.lead_split import lead_word, qualify
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

MAX_LINE = 1 << 20  # longer pieces are no Keras output: skipped
MAX_REST = 1 << 12  # the rest of a hard-wrapped line is shorter than this
_BACKSPACES = re.compile(r"\x08+")
_HEADER = re.compile(r"^\s*Epoch\s+(\d{1,12})\s*/\s*(\d{1,12})\s*$")
_PROGRESS = re.compile(r"^\s*(\d{1,15})/(\d{1,15})(?=\s|$)")
_V2_PREFIX = re.compile(r"^\s*-\s+\d+(?:\.\d+)?s\b")  # old verbose=2: ` - 2s - loss: ...`
_TIME = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:s|ms|us)\b")
_SPLIT = re.compile(r"\s+-\s+")
_METRIC = re.compile(rf"^([A-Za-z_][\w./@{MARKS}-]*(?: [A-Za-z_][\w./@{MARKS}-]*){{0,3}})\s*:\s*(\S+)\s*$")
_BATCH = re.compile(r"^\s*Batch\s+(?=\d+\s*/\s*\d+)", re.IGNORECASE)  # `Batch 10/938 - loss: ...`
_BARE = re.compile(
    rf"^\s*[A-Za-z_][\w./@ {MARKS}-]*?:\s*[-+\d.naif][^\s]*(?:\s+-\s+[A-Za-z_][\w./@ {MARKS}]*?:\s*\S+)+\s*$"
)
# `Loss: 1.2861 Acc: 0.4625` after a split word: names (one or two words) and values, no ` - `
_SPACED = re.compile(
    rf"(?P<name>[A-Za-z_][\w.@/{MARKS}]*(?: [A-Za-z_][\w.@/{MARKS}]*)?)"
    r"\s*:\s*(?P<v>[-+]?[\d.][\w.+-]*%?)(?=\s|$)"
)
_VALIDATION = re.compile(r"\bval_|\bvalid(?:ation)?\b", re.IGNORECASE)
_FRAGMENT = re.compile(r"^(?:-\s+)?[\w.+-]+(?::\s*[\w.+-]*)?(?:\s+-\s+[\w./@-]+:\s*[\w.+-]+)*\s*-?\s*$")
_COMPLETE_TAIL = re.compile(rf"[A-Za-z_][\w./@{MARKS}-]*\s*:\s*\S+\s*$")
_FULL_VALUE = re.compile(r"^[-+]?(?:\d+\.\d{4,}|\d+(?:\.\d+)?e[-+]\d{2,}|nan|inf)$", re.IGNORECASE)
_SNIFF_HEADER = re.compile(r"^\s*Epoch\s+\d+\s*/\s*\d+\s*$", re.MULTILINE)
_SNIFF_SUMMARY = re.compile(r"Layer \(type\)\s.*Output Shape\s.*Param #")
_SNIFF_TF = re.compile(r"\btensorflow\b|\bkeras\b", re.IGNORECASE)
_SNIFF_METRICS = re.compile(
    r"(?:(?:^|\s)-\s+|^)(?:val_|train(?:ing)? |valid(?:ation)? )?loss\.?:\s*[-+\d.naif]",
    re.MULTILINE | re.IGNORECASE,
)


def parse_metrics(text: str) -> tuple[dict[str, float], list[str]]:
    """`name: value` pairs of a Keras line (separated by ` - `) and the values that did not parse."""
    values: dict[str, float] = {}
    bad: list[str] = []
    for seg in _SPLIT.split(text):
        m = _METRIC.match(seg.strip())
        if not m or m.group(1) == "ETA":
            continue
        v = to_float(m.group(2))
        if v is None:
            bad.append(f"{m.group(1)}: {m.group(2)}")
        else:
            values[m.group(1)] = v
    return values, bad


def _complete(text: str) -> bool:
    """Does the line end in a whole `name: value` (Keras prints 4 decimals)? Else it may be wrapped."""
    m = _METRIC.match(_SPLIT.split(text.rstrip())[-1])
    return bool(m and _FULL_VALUE.match(m.group(2)))


@register
class KerasStdoutReader(Reader):
    format_id = "keras-stdout"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        low = name.lower()
        if low.endswith((".csv", ".tsv", ".json", ".jsonl", ".ndjson")):
            return 0.0
        start = head.lstrip()[:2]
        if start in ('{"', "[{", "[]"):
            return 0.0
        text = clean_text(_BACKSPACES.sub("\n", head))
        headers = len(_SNIFF_HEADER.findall(text))
        metrics = len(_SNIFF_METRICS.findall(text))
        if headers and metrics:
            return 0.95
        if metrics >= 2 and ("ETA:" in text or "/step" in text):
            return 0.6
        if headers >= 2:
            return 0.4
        # A long preamble (UTF-16 halves what the head holds): a Keras model summary and TF/Keras lines
        summary = "Trainable params:" in text or _SNIFF_SUMMARY.search(text)
        return 0.55 if summary and _SNIFF_TF.search(text) else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._epoch: int | None = None  # from the last `Epoch i/N` header
        self._unread = Unread(marked=True)  # printed metrics lines not read, said once per set of names
        self._last_epoch: int | None = None  # epoch of the last record of the current run
        self._new_run = False  # the next record starts a new run
        self._pending: str | None = None  # the end-of-epoch candidate (may still be continued)
        self._pending_line = 0
        self._pending_epoch = 0
        self._pending_final = False  # the `val_` line: nothing after it replaces it
        self._closed = True  # no more candidates until the next header
        self._bar_step = -1  # last step of the progress bar in this epoch
        self._bar_total = -1

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        lines = self.text_lines(block)
        for i, raw in enumerate(lines):
            pieces = _BACKSPACES.split(raw) if "\x08" in raw else [raw]
            for piece in pieces:
                self._line(out, piece, first_line + i)
        return self.built(out)

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._emit(out)
        return self.built(out)

    def _line(self, out: BatchBuilder, raw: str, line_no: int) -> None:
        if len(raw) > MAX_LINE:
            if ": " in raw[:4096]:
                self.problem(line_no, f"line too long ({len(raw)} characters), skipped")
            return
        text = clean_text(raw) if ("\x1b" in raw or not raw.isprintable()) else raw
        if self._pending is not None:
            if self._continues(text):
                self._pending += text
                if self._pending_final and _complete(self._pending):
                    self._emit(out)
                return
            if self._pending_final:
                self._emit(out)
        header = _HEADER.match(text)
        if header:
            self._emit(out)
            self._start_epoch(int(header.group(1)), int(header.group(2)))
            return
        if self._closed:
            if not (_PROGRESS.match(text) or _V2_PREFIX.match(text) or _BATCH.match(text)):
                self._unread.see(self, raw, line_no)  # (after an epoch's line: not evaluate()'s bar)
            return
        if self._split_line(out, text, line_no):
            return
        if _BATCH.match(text):
            text = text[_BATCH.match(text).end() :]  # type: ignore[union-attr]
            bare = False
        else:
            bare = _PROGRESS.match(text) is None and _BARE.match(text) is not None
        prog = _PROGRESS.match(text)
        if bare:
            final = bool(_VALIDATION.search(text))
            self._hold(text, line_no, final=final)
            if final and _complete(text):
                self._emit(out)
            return
        if prog:
            step, total = int(prog.group(1)), int(prog.group(2))
            if step < self._bar_step or (self._bar_total >= 0 and total != self._bar_total):
                # another progress bar (evaluate, predict): the epoch is over
                self._emit(out)
                self._closed = True
                return
            self._bar_step, self._bar_total = step, total
            done = step == total
        elif _V2_PREFIX.match(text):
            done = True
        else:
            self._unread.see(self, raw, line_no)
            return
        counted = done and "ETA" not in text and (_TIME.search(text) or not prog or step == total)
        if ":" not in text or not ("val_" in text or counted):
            return
        # Without validation, step == total can show twice (Keras 3; old Keras before its val line):
        # such a line waits for the end of the epoch. A `val_` line is final, unless it may be wrapped.
        final = "val_" in text
        self._hold(text, line_no, final=final)
        if final and _complete(text):
            self._emit(out)

    def _split_line(self, out: BatchBuilder, text: str, line_no: int) -> bool:
        """A line led by a split word under an epoch header (`Train - loss: 1.28 - acc: 0.46`, then
        `Val - loss: 0.89 - acc: 0.73`, or `Validation Loss: 0.89 Acc: 0.73`) is a record of that
        split's metrics at the header's epoch (`lead_split`); True when the line was one."""
        lead = lead_word(text)
        if lead is None:
            return False
        values, bad = parse_metrics(lead[1])
        if not values and not bad:  # `Loss: 1.28 Acc: 0.46`: names and values without ` - `
            values = {m["name"]: v for m in _SPACED.finditer(lead[1]) if (v := to_float(m["v"])) is not None}
        named = qualify(values, lead[0]) if values else None
        if named is None:
            return False
        self._emit(out)  # (a pending end-of-epoch line of this epoch comes first)
        for b in bad:
            self.problem(line_no, f"could not read the value {b!r}")
        epoch = self._epoch or 0
        out.add(named, epoch=float(epoch), line=line_no, new_run=self._new_run)
        self._new_run = False
        self._last_epoch = epoch
        return True

    def _continues(self, text: str) -> bool:
        """Is this line the rest of a pending line that was hard-wrapped?"""
        s = text.strip()
        if not s or len(s) > MAX_REST or _PROGRESS.match(s) or _HEADER.match(s) or not _FRAGMENT.match(s):
            return False
        if s[0] in ".0123456789":
            return True
        pending = (self._pending or "").rstrip()
        return pending.endswith("-") or not _COMPLETE_TAIL.match(_SPLIT.split(pending)[-1])

    def _hold(self, text: str, line_no: int, *, final: bool) -> None:
        self._pending, self._pending_line, self._pending_epoch = text, line_no, self._epoch or 0
        self._pending_final = final

    def _start_epoch(self, epoch: int, total: int) -> None:
        if self._last_epoch is not None and epoch <= self._last_epoch:
            if total == 1:  # `fit(epochs=1)` called in a loop prints `Epoch 1/1` every time: count them
                epoch = self._last_epoch + 1
            else:
                self._new_run = True
                self._last_epoch = None
        self._epoch = epoch
        self._closed = False
        self._bar_step = self._bar_total = -1

    def _emit(self, out: BatchBuilder) -> None:
        """Turn the pending end-of-epoch line into a record."""
        if self._pending is None:
            return
        text, line_no, epoch = self._pending, self._pending_line, self._pending_epoch
        if self._pending_final:
            self._closed = True
        self._pending = None
        self._pending_final = False
        values, bad = parse_metrics(text)
        for b in bad:
            self.problem(line_no, f"could not read the value {b!r}")
        if not values:
            self.problem(line_no, "end-of-epoch line without metrics")
            return
        out.add(values, epoch=float(epoch), line=line_no, new_run=self._new_run)
        self._new_run = False
        self._last_epoch = epoch
