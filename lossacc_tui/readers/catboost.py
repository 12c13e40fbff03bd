"""CatBoost's `train_dir` (`catboost_info/`): `learn_error.tsv` (`iter\\t<metric>...` on the
training data) and `test_error.tsv` (the same on the eval set, which is the validation data), plus
`learn/` and `test/` TensorBoard files holding the same numbers again, `time_left.tsv` and
`catboost_training.json`. The folder is one run: learn = training, test = validation, x = the
boosting iteration; the duplicates are covered by the claim and not read twice.
Format: CatBoost's documentation, "Output data: train_dir".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.dvclive import PrefixedCsvReader
from lossacc_tui.readers.gbdt import GbdtNames
from lossacc_tui.readers.layouts import Claim, register_layout

SPLIT_FILES = (("learn_error.tsv", "learn/"), ("test_error.tsv", "test/"))
COVERED = ("learn", "test", "tmp", "time_left.tsv", "catboost_training.json")


class CatboostTsvReader(PrefixedCsvReader):
    """One of CatBoost's error TSVs; `Logloss`/`CrossEntropy`/`MultiClass` are cross-entropy losses,
    an error rate is kept and also given as accuracy (1 - error)."""

    def __init__(self, prefix: str = "") -> None:
        super().__init__(prefix)
        self._names = GbdtNames(self)

    def _metric_name(self, name: str) -> str:
        return self._names.name(self.prefix + name)


@register_layout("catboost")
def catboost_layout(folder: Path) -> list[Claim]:
    """A folder holding `learn_error.tsv` and/or `test_error.tsv`."""
    files: list[tuple[Path, Callable[[], Reader]]] = []
    for fn, prefix in SPLIT_FILES:
        if (folder / fn).is_file():
            files.append((folder / fn, functools.partial(CatboostTsvReader, prefix=prefix)))
    if not files:
        return []
    return [Claim(folder, "catboost", files, covers={folder / c for c in COVERED})]
