"""Numbers a JSON writer wrote as strings.

`json.dumps(metrics, default=str)` writes a value JSON cannot hold as `str(value)`: a numpy
float32 as `"0.8983"`, a 0-d torch tensor as `"tensor(0.8983)"` (or `"tensor(0.8983,
device='cuda:0')"`, `"tensor(0.8983, grad_fn=<NllLossBackward0>)"`: the keyword parts torch's
`Tensor.__repr__` adds). A string that is exactly one such number is read as it; any other string
is no number. A number wrapped in terminal escape sequences (a coloured `"\x1b[32m0.8983\x1b[0m"`)
is that number. Which keys are metrics, and what is told about them, is the reader's to decide.
"""

from __future__ import annotations

import re

from lossacc_tui.clean import clean

_DECIMAL = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:nan|inf|infinity)"
_NUMBER = re.compile(rf"\s*(?:{_DECIMAL})\s*")
# `tensor(0.8983)`, `tensor(0.8983, device='cuda:0', grad_fn=<NllLossBackward0>)`; numpy 2's repr
# `np.float32(0.8983)` (written by `default=repr`)
_WRAPPED = re.compile(
    rf"\s*(?:tensor|np\.float(?:16|32|64)|numpy\.float(?:16|32|64))\(\s*(?P<v>{_DECIMAL})\s*"
    r"(?:,\s*\w+=(?:'[^']*'|<[^>]*>|[\w.]+)\s*)*\)\s*"
)


def string_number(text: str) -> tuple[float, str] | None:
    """(value, how it was written: "string" or "tensor") of a string that is exactly one number,
    `tensor(number, ...)` or `np.float32(number)`; None for any other string."""
    if len(text) > 200:
        return None
    if _NUMBER.fullmatch(text):
        return float(text), "string"
    m = _WRAPPED.fullmatch(text)
    if m:
        return float(m["v"]), text.strip().split("(", 1)[0]
    if "\x1b" in text or "\x9b" in text:  # in colour: the number the terminal would show
        return string_number(clean(text))
    return None
