"""Free-form `print` lines from a hand-written training loop, e.g.

    epoch 3 | train_loss 0.41 | val_loss 0.52 | val_acc 0.83
    Epoch [3/20] loss=0.41 acc=83.1%
    Epoch: 3, Train Loss: 0.41, Val Acc: 83.10%
    step 100: loss 2.3

A line counts when it carries an epoch/step/iter marker and a metric, or a loss/accuracy-like
metric; anything else is ignored silently. Names become lowercase with spaces turned into `_`;
`Val Loss 0.8` (a split word, then a name, no separator) is `val_loss`. A name given twice in one
line with different values is a problem (the first is read).

A value printed as a framework's repr (`tensor(0.41, grad_fn=..)`, `np.float64(0.41)`) is its number
and an arrow between a name and its value (`val loss -> 0.52`, `val_acc → 0.87`) a separator
(`printed_values`); `loss: train 0.41, val 0.52` is `train_loss`, `val_loss` (`metric_splits`); a
split word of its own between `|`s owns the segments after it (`| valid | loss 0.6 | acc 0.79`,
`lead_split.pipe_sections`).
"""

from __future__ import annotations

import re

from lossacc_tui.clean import MARKS
from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, looks_structured, to_float
from lossacc_tui.readers.lead_split import by_context, is_train, lead_word, pipe_sections, qualify, sections
from lossacc_tui.readers.logprefix import strip_prefix
from lossacc_tui.readers.metric_splits import spread
from lossacc_tui.readers.printed_values import several, unwrap
from lossacc_tui.readers.prose import PROSE, prose
from lossacc_tui.readers.registry import register
from lossacc_tui.readers.rich_lines import RichLines
from lossacc_tui.readers.summary_line import earlier, summary_word
from lossacc_tui.roles import classify, normalize

MAX_LINE = 1 << 14  # a printed metrics line is short; longer lines are not looked at
# a name, with the qualifiers writers attach: `acc@1`, `val_acc(%)`, `val_acc[top1]`, `val_loss (ema)`;
# its letters may carry combining marks (`tr\u0332ain_loss` is one name, never cut at the mark)
_WORD = (
    rf"[A-Za-z](?:[\w/{MARKS}]|[.-](?=\w))*"
    r"(?:@\w+|\[\w+\]|\(%\)|(?i:[ ]\((?:%|ema|avg|mean|top\d)\)|[ ]\[(?:ema|avg|mean|top\d)\]))*"
)
# a number; NaN/inf as Python and the Microsoft C runtime print them (`1.#QNAN`, `-1.#IND`, `nan(ind)`)
_NUM = (
    r"(?i:[-+]?\d\.#(?:qnan|snan|ind|inf)\d*|[-+]?nan\((?:ind|snan|qnan)?\))"
    r"|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?(?!\w|\.\d|\.?#|:\d)|(?i:[-+]?(?:nan|inf))(?![A-Za-z(])"
)
# a split or phase word before a name without a separator: `Val Loss 0.8`, `Train Acc 0.6`
_QUALIFIER = r"(?i:val|valid|validation|test|eval|dev|train|training)[ ]"
_PAIR = re.compile(
    rf"(?<![\w./{MARKS}-])(?:(?P<long>{_WORD}(?:[ ]{_WORD}){{0,3}})\.?\s*[:=]\s*"
    rf"|(?P<short>(?:{_QUALIFIER})?{_WORD})\.?\s+)"
    rf"[\[(]?(?P<num>{_NUM})(?:\s*/\s*(?P<total>\d{{1,15}})(?!\d))?"
)
_PAREN = re.compile(
    rf"(?<![\w./{MARKS}-])(?P<name>{_WORD})(?P<sep>\s*[:=]?\s*)(?P<v>{_NUM})\s*"
    rf"\((?P<split>val|valid|validation|test|eval)\s*[:=]?\s*(?P<v2>{_NUM})\)"
)
# a split word abbreviated with a dot before a name (`Val. Loss: 2.147`, the pytorch-sentiment-analysis
# tutorial's print): read as `Val Loss`
_ABBREVIATED = re.compile(r"(?i)\b(val|valid|eval|test|train|tr|trn|avg)\.(?=[ \t]+[A-Za-z])")
# a line that begins with an epoch counter and has no metric (`Epoch: 01 | Epoch Time: 0m 1s`)
# (also the epoch of a record line whose counter the name/number pairs miss: `Epoch #3:`, `ep3`,
# `Epoch(3/60)`)
_EPOCH_LEAD = re.compile(r"^\W*(?i:epoch|ep)\s*[:#(\[=]?\s*#?\s*(\d{1,9})(?!\d|\.\d|[A-Za-z_])")
_COUNTER = re.compile(r"^\s*\[\s*(\d{1,9})\s*/\s*\d{1,9}\s*\]")
# a line that is only an epoch header (`Epoch 3`, `Epoch 1/60`, `=== Epoch [2/10] ===`)
_HEADER = re.compile(r"^\W*epoch\s*[:#]?\s*\[?\s*(\d{1,9})\s*(?:/\s*\d{1,9}\s*)?\]?\W*$", re.IGNORECASE)
_BAD_VALUE = re.compile(r"(?<![\w.])(\w+)\s*[:=]\s*([^\s,|;]+)")
_TOKENS = re.compile(r"[\s,|;]+")
_NUMBER_START = re.compile(r"[-+]?\.?\d")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
EPOCH_MARKERS = frozenset({"epoch", "ep", "epochs"})
STEP_MARKERS = frozenset({"step", "steps", "global_step", "iter", "iters", "iteration", "it"})
BATCH_MARKERS = frozenset({"batch"})  # a batch index restarts every epoch: a step within it, not a metric


def metric_like(name: str) -> bool:
    """Is a name a loss or an accuracy (by the role table, or containing `loss`/`acc`)?"""
    c = classify(name)
    return (c is not None and c[1] in ("loss", "acc")) or "loss" in name or "acc" in name


def parse_line(text: str) -> tuple[dict[str, float], float | None, float | None]:
    """(metrics, epoch, step) of one line; empty metrics when it is no record. A logging prefix
    (timestamp, level, source location) is stripped first (`logprefix`)."""
    values, epoch, step, _ = parse_record(text)
    return values, epoch, step


def parse_record(text: str) -> tuple[dict[str, float], float | None, float | None, tuple[float, int] | None]:
    """`parse_line` and the line's batch counter: (index, total or 0) of `Batch 1600/287417`."""
    return _parse(plain(text))[:4]


def plain(text: str) -> str:
    """A printed line as the plain `name: number` pairs it means: framework reprs unwrapped, arrows
    made separators (`printed_values`), per-split value lists spread (`metric_splits`)."""
    return spread(unwrap(text))


def _parse(
    text: str,
) -> tuple[dict[str, float], float | None, float | None, tuple[float, int] | None, set[str]]:
    """`parse_record` of a `plain` line, and the names the line gives twice with different values
    (the first is kept). A line led by a split word (`val: loss=0.9 acc=0.7`, `epoch 0 valid loss
    0.9 acc 0.7`) gives it to its bare names (`lead_split`), as a `|` segment of one word does to
    the segments after it; a leading `[  1/60]` counter is the epoch."""
    text = strip_prefix(text)
    cut = sections(text) if ":" in text or "]" in text else None
    if cut is None and "|" in text:
        cut = pipe_sections(text)
    if cut is not None:
        return _sectioned(cut)
    lead = lead_word(text)
    if lead is not None and not is_train(lead[0]):  # (a bare name is a training one already)
        values, epoch, step, batch, repeated = _pairs(lead[1])
        named = qualify(values, lead[0]) if values else None
        if named is not None:
            if named is not values:
                repeated = {f"{lead[0].lower()}_{n}" for n in repeated}
            return named, epoch, step, batch, repeated
    return _pairs(text)


def _sectioned(
    cut: list[tuple[str | None, str]],
) -> tuple[dict[str, float], float | None, float | None, tuple[float, int] | None, set[str]]:
    """`_parse` of a line cut into sections by split words (`lead_split.sections`): each section's
    bare names get its word (`Validation: loss=0.7` -> `validation_loss`), what precedes the first
    is read as written; the epoch, step and batch are the first the line gives."""
    values: dict[str, float] = {}
    epoch = step = None
    batch: tuple[float, int] | None = None
    repeated: set[str] = set()
    for word, piece in cut:
        got, e, st, b, rep = _pairs(piece, keep=False)
        epoch, step, batch = epoch if epoch is not None else e, step if step is not None else st, batch or b
        named = qualify(got, word) if word is not None and got else None
        if named is not None and named is not got:
            rep = {f"{word.lower()}_{n}" for n in rep}  # type: ignore[union-attr]
        for name, v in (got if named is None else named).items():
            if name in values and values[name] != v:
                repeated.add(name)
            values.setdefault(name, v)
        repeated |= rep
    return _kept(values, epoch, step, batch, repeated)


def _pairs(
    text: str, keep: bool = True
) -> tuple[dict[str, float], float | None, float | None, tuple[float, int] | None, set[str]]:
    """`_parse` of a line without a logging prefix, its names as written; with `keep` False, what
    it holds even when that is no record (a section of one: `_sectioned`)."""
    if "." in text:
        text = _ABBREVIATED.sub(r"\1", text)
    if "(" in text:
        text = _PAREN.sub(
            lambda m: f"{m['name']}{m['sep']}{m['v']} {m['split']}_{m['name']}: {m['v2']}", text
        )
    values: dict[str, float] = {}
    epoch = step = None
    total_only = False  # the epoch read from `epochs=N` alone
    batch: tuple[float, int] | None = None
    repeated: set[str] = set()
    seq: list[tuple[str, float]] = []  # (name, value) of the metrics, in the line's order
    for m in _PAIR.finditer(text):
        raw = m.group("long") or m.group("short")
        name = _SPACES.sub("_", raw.strip().lower())
        if " " in raw.strip():  # `Finished epoch: 3` is the epoch marker
            last = name.rsplit("_", 1)[-1]
            name = last if last in EPOCH_MARKERS or last in STEP_MARKERS else name
        v = to_float(m.group("num"))
        if v is None:
            continue
        if name in BATCH_MARKERS:
            total = m.group("total")
            batch = batch or (v, int(total) if total else 0)
        elif name in EPOCH_MARKERS:
            if epoch is None:
                epoch, total_only = v, name == "epochs"
        elif name in STEP_MARKERS:
            step = v if step is None else step
        else:  # `Accuracy: 9843/10000` is a fraction
            total = m.group("total")
            seq.append((name, v / int(total) if total and int(total) else v))
    for name, v in by_context(seq) if len(seq) > len({n for n, _ in seq}) else seq:
        if name in values and values[name] != v and not (v != v and values[name] != values[name]):
            repeated.add(name)
        values.setdefault(name, v)
    if total_only and step is None and batch is None and not any(metric_like(n) for n in values):
        epoch = None  # `args: Namespace(lr=0.001, epochs=40, ...)`: the run's settings, no record
    if epoch is None and step is None and batch is None:
        counter = _COUNTER.match(text) or _EPOCH_LEAD.match(text)  # `[  1/60] Train Loss: ...`, `ep3 loss ..`
        epoch = float(counter[1]) if counter else None
    return _kept(values, epoch, step, batch, repeated) if keep else (values, epoch, step, batch, repeated)


def _kept(
    values: dict[str, float],
    epoch: float | None,
    step: float | None,
    batch: tuple[float, int] | None,
    repeated: set[str],
) -> tuple[dict[str, float], float | None, float | None, tuple[float, int] | None, set[str]]:
    """A line's reading as it is, or nothing when it is no record (no values, or neither a counter
    nor a loss/accuracy-like name among them)."""
    marker = epoch is not None or step is not None
    if not values or not (marker or any(metric_like(n) for n in values)):
        return {}, None, None, None, set()
    return values, epoch, step, batch, repeated


def first_metric(text: str) -> int:
    """Where the first name that is no epoch/step/batch counter begins in a line (its length when
    none): the summary-line test (`summary_line`) looks before it."""
    for m in _PAIR.finditer(text):
        raw = m.group("long") or m.group("short")
        name = _SPACES.sub("_", raw.strip().lower())
        if name.rsplit("_", 1)[-1] not in EPOCH_MARKERS | STEP_MARKERS | BATCH_MARKERS:
            return m.start()
    return len(text)


def prose_note(name: str, head: str) -> str | None:
    """Why a text file (`head`: its start as text) is no log though its lines quote metrics as a
    loop's print does (`readers/prose.py`), or None."""
    if looks_structured(name, head):
        return None
    lines = head.splitlines()[:300]
    records = [t for ln in lines if len(ln) <= MAX_LINE and _parse(t := plain(clean_text(ln)))[0]]
    return PROSE if prose(records, _PAIR) else None


@register
class TextKvReader(Reader):
    format_id = "text-kv"

    def __init__(self) -> None:
        super().__init__()
        self._batch: tuple[float | None, float, int] | None = None  # the last (epoch, batch, total)
        self._offset = 0.0  # batches of the epochs before the current one
        self._header: float | None = None  # the epoch of the last `Epoch 3` header line or record
        self._top: float | None = None  # the highest epoch a record had
        self._told_several: set[str] = set()  # names printed as several numbers, said once each
        self._rich = RichLines()  # RichHandler's records, joined (readers/rich_lines.py)

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        if looks_structured(name, head):
            return 0.0
        lines = 0
        records: list[str] = []
        for line in head.splitlines()[:300]:
            if not line.strip():
                continue
            lines += 1
            if len(line) <= MAX_LINE and _parse(text := plain(clean_text(line)))[0]:
                records.append(text)
        hits = len(records)
        if hits < 2 or prose(records, _PAIR):  # (notes that quote numbers: `readers/prose.py`)
            return 0.0
        if hits == lines and name.lower().endswith((".log", ".txt", ".out")):
            # every line a printed record (a loop's own metrics file): enough for a folder scan
            # from its second epoch, not only from its tenth
            return 0.5
        # low for a few lines (others' formats win), enough for a folder scan once 10+ lines match
        return min(0.6, 0.1 + 0.05 * hits)

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        """A block's lines, Rich's wrapped records joined first (readers/rich_lines.py)."""
        numbered = self._rich.feed(self.text_lines(block), first_line, not self._buf.holding)
        for line_no in self._rich.orphans:
            self.problem(line_no, "a line wrapped from a Rich log record read before it: not read")
        self._rich.orphans.clear()
        return self._read(numbered)

    def _flush(self) -> list[Batch]:
        return self._read(self._rich.finish())

    def _read(self, numbered: list[tuple[int, str]]) -> list[Batch]:
        """The records of (line number, text) lines."""
        out = BatchBuilder()
        for line_no, raw in numbered:
            if len(raw) > MAX_LINE or not _DIGIT.search(raw):
                continue
            text = plain(clean_text(raw))
            if "([" in text or "( [" in text:
                self._several(text, line_no)
            bare = strip_prefix(text)
            header = _HEADER.match(bare)
            if header:
                self._header = float(header[1])
                continue
            values, epoch, step, batch, repeated = _parse(text)
            if not values:
                header = _EPOCH_LEAD.match(bare)  # `Epoch: 01 | Epoch Time: 0m 1s`
                if header:
                    self._header = float(header[1])
                self._check(text, values, line_no)
                continue
            word = summary_word(bare, first_metric)
            why = earlier(bare, word, self._top) if word else None
            if why is not None:
                self.problem(
                    line_no,
                    f"a summary line ({why}): its values are not read as a new point ({', '.join(values)})",
                )
                continue
            if (
                values
                and epoch is None
                and step is None
                and batch is None
                and self._header is not None
                and lead_word(bare) is not None  # `  val: loss=0.9` under `Epoch 3`, after `Epoch 3 loss 0.4`
            ):
                epoch = self._header
            if epoch is not None:
                self._header = epoch
                self._top = epoch if self._top is None else max(self._top, epoch)
            self._check(text, values, line_no)
            for name in sorted(repeated):
                self.problem(
                    line_no,
                    f"{name!r} is given twice with different values; the first ({values[name]:g}) is read",
                )
            if values:
                if step is None and (batch is not None or self._batch is not None):
                    step, epoch = self._batch_step(epoch, batch)
                out.add(values, epoch=epoch, step=step, line=line_no)
        return self.built(out)

    def _several(self, text: str, line_no: int) -> None:
        """A loss or accuracy printed as a tensor or array of several numbers is said (once per
        name): it is no one value, so it is not read."""
        for name in several(text):
            if metric_like(name.lower()) and name not in self._told_several:
                self._told_several.add(name)
                self.problem(
                    line_no,
                    f"{name!r} is printed as a tensor or array of several numbers, not one value: "
                    "not read (print its .item() or its mean)",
                )

    def _batch_step(self, epoch: float | None, batch: tuple[float, int] | None) -> tuple[float, float | None]:
        """Per-batch lines (`Epoch 2 - Batch 1600/287417 - ...`): x = the batch counted across
        epochs (the batches of the epochs before, by their total when printed, added), so the
        lines are one run on a step axis. A line without a counter after such lines (an epoch's
        summary) is placed at the last batch; its epoch is kept."""
        last = self._batch
        if batch is None:
            assert last is not None
            return self._offset + last[1], epoch
        index, total = batch
        if last is not None and epoch is not None and last[0] is not None:
            if epoch > last[0]:  # the next epoch: its batches come after the last one's
                self._offset += last[2] or last[1]
            elif epoch < last[0]:  # an earlier epoch again: a new training, counted from 0
                self._offset = 0.0
        self._batch = (epoch, index, total)
        return self._offset + index, None

    def _check(self, text: str, values: dict[str, float], line_no: int) -> None:
        """A line with a marker and a loss/acc name whose value is no number is a bad record."""
        low = text.lower()
        if not any(k in low for k in ("epoch", "step", "iter")):
            return
        for m in _BAD_VALUE.finditer(text):
            name = m.group(1).lower()
            if (
                ("loss" in name or "acc" in name)
                and name not in values
                and to_float(m.group(2)) is None
                and not m.group(2)[:1].isalpha()
            ):
                self.problem(line_no, f"could not read the value of {m.group(1)!r}: {m.group(2)[:40]!r}")
                return
        # a loss/accuracy-like name followed by a number is checked against what was read, so a name
        # this reader cannot take apart (`[bold]val_acc[/bold] 0.5`) is told, not dropped
        read = [normalize(n) for n in values]
        tokens = _TOKENS.split(text)
        for i, tok in enumerate(tokens):
            low = tok.lower()
            if "loss" not in low and "acc" not in low:
                continue
            name, _, value = tok.replace("=", ":").partition(":")
            value = value or (tokens[i + 1] if i + 1 < len(tokens) else "")
            if not _NUMBER_START.match(value):
                continue
            token = normalize(name)
            if token and not any(r == token or r.endswith("_" + token) for r in read):
                self.problem(
                    line_no,
                    f"could not take the metric name apart: {name[:40]!r} (its value is not read)",
                )
                return
