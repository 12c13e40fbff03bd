"""A metric name followed by its value on each split, as a loop prints one metric per section
(tester 27 T2):

    Epoch 3 | loss: train 0.4100, val 0.5200 | acc: train 0.81, val 0.79
    Epoch 3 | loss: train → 0.4100, val → 0.5200            (arrows: `printed_values.unwrap` first)

Read by name alone, the split words became metrics of their own (`train` = 0.41, `val` = 0.52) and
the second metric's values were lost as repeats. Here each split's value is that split's metric:
`train_loss: 0.41, val_loss: 0.52, train_acc: 0.81, val_acc: 0.79`.
"""

from __future__ import annotations

import re

from lossacc_tui.clean import MARKS

_SPLIT = r"(?i:train|training|trn|val|valid|validation|test|eval|evaluation|dev)"
_VALUE = r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)%?"
_ONE = rf"{_SPLIT}(?:\s*[:=]\s*|\s+){_VALUE}"  # (a separator: `INFO:train1234:` is a logger's name)
# a name (no split word, no counter) with a colon or `=`, then split/value pairs
_LIST = re.compile(
    rf"(?<![\w.])(?!{_SPLIT}\b|(?i:epoch|ep|step|iter|iteration|batch)\b)(?P<name>[A-Za-z][\w@%{MARKS}-]*)"
    rf"\s*[:=]\s*(?P<list>{_ONE}(?:\s*[,;/]\s*{_ONE})*)(?![\w.])"
)
# the cheap test first (a `:` or `=`, then a split word and a number: 0.5 us a line, `_LIST` 9 us)
_HINT = re.compile(rf"[:=]\s*{_SPLIT}(?:\s*[:=]\s*|\s+)[-+.\dnNiI]")
_EACH = re.compile(rf"(?P<split>{_SPLIT})(?:\s*[:=]\s*|\s+)(?P<v>{_VALUE})")


def _spread(m: re.Match[str]) -> str:
    name = m["name"]
    return ", ".join(f"{e['split'].lower()}_{name}: {e['v']}" for e in _EACH.finditer(m["list"]))


def spread(text: str) -> str:
    """`text` with each `name: split value, split value` list written as one `split_name: value`
    per split (the line itself when it has none).

    >>> spread("Epoch 3 | loss: train 0.41, val 0.52 | acc: train: 0.81, val: 0.79")
    'Epoch 3 | train_loss: 0.41, val_loss: 0.52 | train_acc: 0.81, val_acc: 0.79'
    >>> spread("val: loss 0.9 acc 0.7")
    'val: loss 0.9 acc 0.7'
    >>> spread("INFO:train1234:epoch 0 loss 0.5")
    'INFO:train1234:epoch 0 loss 0.5'
    """
    return _LIST.sub(_spread, text) if _HINT.search(text) else text
