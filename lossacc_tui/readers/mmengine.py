"""OpenMMLab / mmengine work_dir: `vis_data/scalars.json` (LocalVisBackend) and the text log
`<timestamp>.log` (LoggerHook), as mmengine >= 0.x writes them (MMPretrain, MMDetection, ...).

scalars.json is JSON lines. Training rows carry `epoch`, `iter` and `step` = the global iteration;
validation rows (`accuracy/top1`, ...: no `iter`, no `loss`) carry `step` = the epoch number. To put
both on one axis, a validation row is placed at the step of the last training row before it (the
end of the epoch it evaluates), and its metrics are named `val/<key>`.

The text log starts with the environment and config dump, then `Epoch(train) [e][i/N] k: v ...`
and `Epoch(val) [e][N/N] accuracy/top1: ...` lines (or `Iter(train) [i/N]` for iteration-based
runs). Only those lines are records; a validation progress line (`[100/168]` without a metric)
is not. x: the global iteration ((e-1)*N + i) and the epoch (fractional during training).
The work_dir's `vis_data/<timestamp>.json` is a second copy of scalars.json and the text log a
third view of the same run: the folder layout reads scalars.json once and covers the others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from lossacc_tui.clean import MARKS
from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers import jsonvalue
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Claim, Level, files_in, register_layout
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

_X_KEYS = frozenset({"epoch", "iter", "step"})
_LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d - mmengine - [A-Z]+ - ")
_RECORD = re.compile(
    r"(?P<unit>Epoch|Iter)\((?P<mode>train|val|test)\)\s*(?:\[\s*(?P<e>\d+)\])?\[\s*(?P<i>\d+)/(?P<n>\d+)\]"
    r"(?P<rest>.*)$"
)
_PAIR = re.compile(rf"([A-Za-z_][\w/.{MARKS}\-]*):\s+(\S+)")
_NOT_METRICS = frozenset({"eta"})


@register
class MmengineScalarsReader(Reader):
    """`vis_data/scalars.json`: training rows at their iteration, validation rows (`val/*`) at the
    last training iteration before them."""

    format_id: ClassVar[str] = "mmengine"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
        if not first.startswith("{"):
            return 0.0
        try:
            obj = jsonvalue.loads(first)
        except ValueError:
            return 0.0
        if not isinstance(obj, dict) or "step" not in obj or "data_time" not in obj:
            return 0.0
        return Level.CERTAIN.score if "iter" in obj or "epoch" in obj else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._last_train_step: float | None = None

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(block.split(b"\n")):
            if not raw.strip():
                continue
            line = first_line + k
            try:
                obj = jsonvalue.loads(raw)
            except ValueError:
                self.problem(line, f"not a JSON object: {clean_text(self.decode(raw))[:60]!r}")
                continue
            if not isinstance(obj, dict):
                self.problem(line, "not a JSON object")
                continue
            values = {
                clean_text(str(key)): float(v)
                for key, v in obj.items()
                if key not in _X_KEYS and isinstance(v, int | float) and not isinstance(v, bool)
            }
            step = obj.get("step")
            step = float(step) if isinstance(step, int | float) and not isinstance(step, bool) else None
            if not values:
                continue
            if "iter" in obj or "loss" in obj or "lr" in obj:  # a training row
                self._last_train_step = step if step is not None else self._last_train_step
                out.add(values, step=step, line=line)
            else:  # a validation row: step is the epoch it evaluates
                at = self._last_train_step if self._last_train_step is not None else step
                out.add({f"val/{k}": v for k, v in values.items()}, step=at, line=line)
        return self.built(out)


@register
class MmengineLogReader(Reader):
    """The mmengine text log: `Epoch(train)`/`Iter(train)` and finished `Epoch(val)` lines."""

    format_id: ClassVar[str] = "mmengine"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        lines = head.splitlines()[:50]
        hits = sum(bool(_LOG_LINE.match(ln)) for ln in lines)
        return Level.CERTAIN.score if hits >= 1 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._per_epoch: float | None = None  # training iterations per epoch (N of [e][i/N])
        self._unread = Unread(marked=True)  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for k, raw in enumerate(self.text_lines(block)):
            if "(train)" not in raw and "(val)" not in raw and "(test)" not in raw:
                self._unread.see(self, raw, first_line + k)
                continue
            m = _RECORD.search(clean_text(raw))
            if m is None:
                continue
            values: dict[str, float] = {}
            for name, text in _PAIR.findall(m.group("rest")):
                v = to_float(text)
                if v is not None and name not in _NOT_METRICS:
                    values[name] = v
            i, n = float(m.group("i")), float(m.group("n"))
            e = float(m.group("e")) if m.group("e") else None
            if m.group("mode") == "train":
                if e is None:  # Iter(train) [i/N]: iteration-based
                    if values:
                        out.add(values, step=i, line=first_line + k)
                    continue
                self._per_epoch = n
                if values:
                    out.add(values, step=(e - 1) * n + i, epoch=e - 1 + i / n, line=first_line + k)
                continue
            metrics = {key: v for key, v in values.items() if key not in ("time", "data_time", "memory")}
            if i != n or not metrics:
                continue  # a validation progress line, not its result
            prefix = "val/" if m.group("mode") == "val" else "test/"
            named = {prefix + key: v for key, v in values.items()}
            if e is not None and self._per_epoch is not None:
                out.add(named, step=e * self._per_epoch, epoch=e, line=first_line + k)
            else:
                out.add(named, line=first_line + k)
        return self.built(out)


@register_layout("mmengine")
def mmengine_layout(folder: Path) -> list[Claim]:
    """A work_dir run folder (`<timestamp>/` with `vis_data/scalars.json`), or `vis_data/` itself:
    scalars.json is read; its copy `vis_data/<timestamp>.json` and the text log are covered."""
    vis = folder / "vis_data"
    if (vis / "scalars.json").is_file():
        covers = {vis, *files_in(folder, (".log",))}
        return [Claim(folder, "mmengine", [(vis / "scalars.json", _scalars)], covers, joined=False)]
    if folder.name == "vis_data" and (folder / "scalars.json").is_file():
        return [Claim(folder, "mmengine", [(folder / "scalars.json", _scalars)], {folder}, joined=False)]
    return []


_scalars: Callable[[], Reader] = functools.partial(MmengineScalarsReader)
