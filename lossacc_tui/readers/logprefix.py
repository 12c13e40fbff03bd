"""Logging prefixes in front of printed metrics, stripped before a line is parsed so that their
timestamps, thread ids and source locations never become series:

    I1112 15:51:39.297686 12345 train.py:23] epoch 3 loss 0.41       glog / absl
    INFO:root:epoch 3 loss 0.41                                       Python logging default
    2024-01-01 12:00:00,123 - INFO - epoch 3 ...                      logging.basicConfig(format=...)
    [2024-01-01 12:00:00,123][INFO] epoch 3 ...                       bracketed (Hydra, loguru-like)
    [2025-10-21 01:21:16 resnet18](main.py 194): INFO Train: ...      Swin-Transformer style
    2023/08/01 11:04:28 - mmengine - INFO - Epoch(train) ...          OpenMMLab
    2026-12-02 00:31:14.123 | INFO     | __main__:train:42 - epoch 1 ...   loguru's default
"""

from __future__ import annotations

import re

_LEVEL = r"(?:DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL|TRACE|SUCCESS)"
_DATE = r"\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_PREFIXES = [
    re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w./-]+:\d+\] "),  # glog / absl
    re.compile(rf"^{_LEVEL}:[\w.]*:"),  # logging's default `INFO:root:`
    # [date ...][LEVEL] and [date name](file.py 12):
    re.compile(rf"^\[{_DATE}[^\]\n]*\]\s*(?:\[[^\]\n]*\]\s*)*(?:\([\w./-]+ \d+\))?:?\s*"),
    re.compile(rf"^{_DATE}\s*(?:[-|:]\s*)?"),  # date - [name -] LEVEL -
    re.compile(r"^\([\w./-]+ \d+\):?\s*"),  # `(main.py 194): `
]
#: after the date: `[name -] LEVEL [-:|] [name -]`, and loguru's `name:function:line - `
#: (`__main__:train:42 - `, `__main__:<module>:12 - `)
_AFTER = re.compile(rf"^(?:[\w.]+\s+-\s+)?{_LEVEL}\s*(?:[-:|]\s*)?(?:[\w.]+(?::[\w.<>]+:\d+)?\s+-\s+)?")


def strip_prefix(text: str) -> str:
    """The message of a log line, without a logging prefix (the line itself when it has none)."""
    if not text[:1].isalnum() and not text.startswith(("[", "(")):
        return text
    out = text
    for rx in _PREFIXES:
        m = rx.match(out)
        if m and m.end():
            out = out[m.end() :]
            lvl = _AFTER.match(out)
            if lvl and lvl.end():
                out = out[lvl.end() :]
            break
    return out
