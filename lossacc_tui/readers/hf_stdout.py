"""HuggingFace Trainer output printed to stdout: one Python dict repr per log call.

    {'loss': 0.52, 'grad_norm': 1.3, 'learning_rate': 4e-05, 'epoch': 1.0}
    {'eval_loss': 0.3, 'eval_accuracy': 0.9, 'eval_runtime': 2.1, 'epoch': 1.0}

The dict may share its line with tqdm progress text. Values are read by a small scanner, never by
`eval`: numbers, nan/inf, and numbers wrapped as `tensor(0.5)` or `np.float64(0.5)`. transformers
5.x prints every value as a quoted string of 4 significant digits (`'eval_loss': '1.093'`,
`'epoch': '1'`): a string that is exactly one number (`numstr.string_number`) is that number.
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.clean import clean_name
from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, looks_structured, to_float
from lossacc_tui.readers.numstr import string_number
from lossacc_tui.readers.printed import Unread
from lossacc_tui.readers.registry import register

MAX_LINE = 1 << 20
MAX_DICT = 1 << 16  # a logged dict is far shorter; longer candidates fail to parse
MAX_FAILURES = 4  # dicts per line that may fail to parse before the rest of the line is skipped
_START = re.compile(r"\{\s*['\"]")
_WRAPPED = re.compile(
    r"^(?:torch\.)?tensor\((.*)\)$|^(?:np|numpy)\.(?:float|int|uint)\d*\((.*)\)$|^(?:float|int)\((.*)\)$",
    re.S,
)
_MODULE_CONST = re.compile(r"^([-+]?)(?:np|numpy|math|torch)\.(nan|inf)$")
_SNIFF = re.compile(r"\{'(?:loss|eval_\w+|train_runtime|learning_rate|grad_norm|epoch)'\s*:")
_CLOSE = {")": "(", "]": "[", "}": "{"}
_SPECIAL = re.compile(r"['\"()\[\]{},]")
_STRINGS = {q: re.compile(rf"{q}(?:[^{q}\\]|\\.)*{q}", re.S) for q in "'\""}


def _scan_string(s: str, i: int, stop: int) -> int:
    """Index after the string literal that starts at s[i] (a quote), or -1 if it does not end."""
    m = _STRINGS[s[i]].match(s, i, stop)
    return m.end() if m else -1


def _scan_value(s: str, i: int, stop: int) -> int:
    """Index of the `,` or `}` that ends the value starting at s[i], or -1."""
    stack: list[str] = []
    while True:
        m = _SPECIAL.search(s, i, stop)
        if m is None:
            return -1
        i, c = m.start(), m.group()
        if c in "'\"":
            i = _scan_string(s, i, stop)
            if i < 0:
                return -1
            continue
        if c in "([{":
            stack.append(c)
        elif c in ")]}":
            if not stack:
                return i if c == "}" else -1
            if stack.pop() != _CLOSE[c]:
                return -1
        elif not stack:  # a comma
            return i
        i += 1


def parse_dict(s: str, i: int, limit: int = MAX_DICT) -> tuple[dict[str, str], int] | None:
    """Raw key -> value text of the dict repr starting at s[i] (`{`), and the index after it.
    A dict longer than `limit` characters does not parse."""
    out: dict[str, str] = {}
    n = min(len(s), i + limit)
    i += 1
    while True:
        while i < n and s[i] == " ":
            i += 1
        if i < n and s[i] == "}":
            return out, i + 1
        if i >= n or s[i] not in "'\"":
            return None
        end = _scan_string(s, i, n)
        if end < 0:
            return None
        key = s[i + 1 : end - 1]
        i = end
        while i < n and s[i] == " ":
            i += 1
        if i >= n or s[i] != ":":
            return None
        end = _scan_value(s, i + 1, n)
        if end < 0:
            return None
        out[key] = s[i + 1 : end].strip()
        i = end + 1 if s[end] == "," else end


def to_number(text: str) -> float | None:
    """A metric value from its repr; None when it is no number (a list, None, a string that is not
    exactly one number)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":  # transformers 5.x: '1.093'
        got = string_number(t[1:-1])
        return None if got is None else got[0]
    for _ in range(3):
        m = _WRAPPED.match(t)
        if not m:
            break
        inner = next(g for g in m.groups() if g is not None)
        t = inner.split(",", 1)[0].strip()
    return to_float(_MODULE_CONST.sub(r"\1\2", t))


def _relevant(keys: dict[str, str]) -> bool:
    return "epoch" in keys or any("loss" in k or k.startswith(("eval_", "train_", "test_")) for k in keys)


@register
class HfStdoutReader(Reader):
    format_id = "hf-stdout"
    role_hints: ClassVar[dict[str, str]] = {"loss": "train_loss"}

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        if looks_structured(name, head):
            return 0.0
        hits = _SNIFF.findall(head)
        if not hits:
            return 0.0
        return 0.9 if "'epoch':" in head else 0.6

    def __init__(self) -> None:
        super().__init__()
        self._unread = Unread(marked=True)  # printed metrics lines not read, said once per set of names

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        lines = self.text_lines(block)
        for i, raw in enumerate(lines):
            if "{" not in raw:
                self._unread.see(self, raw, first_line + i)
                continue
            if len(raw) > MAX_LINE:
                if "{'" in raw:
                    self.problem(first_line + i, f"line too long ({len(raw)} characters), skipped")
                continue
            self._line(out, clean_text(raw), first_line + i)
        return self.built(out)

    def _line(self, out: BatchBuilder, text: str, line_no: int) -> None:
        pos = failures = 0
        while failures < MAX_FAILURES:  # each failed try may scan to the end of the line
            m = _START.search(text, pos)
            if not m:
                return
            parsed = parse_dict(text, m.start())
            if parsed is None:
                failures += 1
                rest = text[m.start() : m.start() + 300]
                if "'epoch'" in rest or "loss'" in rest:
                    self.problem(line_no, f"could not read the dict: {rest[:80]!r}")
                pos = m.end()
                continue
            raw, pos = parsed
            if _relevant(raw):
                self._record(out, raw, line_no)

    def _record(self, out: BatchBuilder, raw: dict[str, str], line_no: int) -> None:
        values: dict[str, float] = {}
        for key, text in raw.items():
            v = to_number(text)
            if v is not None:
                values[key] = v
            elif text[:1].isdigit() or text[:1] in "+-.":
                self.problem(line_no, f"could not read the value of {clean_name(key)!r}: {text[:40]!r}")
        epoch = values.pop("epoch", None)
        step = values.pop("step", None)
        if values:
            out.add(values, epoch=epoch, step=step, line=line_no)
