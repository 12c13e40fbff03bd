"""Prose that quotes metrics is no log: a notes file, a verdict or a README in a run folder, e.g.

    Epoch 3: loss 0.52 and accuracy 0.89 already; the model learns fast at lr 0.3.
    Epoch 12: val loss 0.42 is the lowest; I judge the run healthy, not overfitting.

Its lines carry a counter and name/number pairs as a loop's print does, so the free-text reader
(`text_kv`) took it for a run with made-up metrics (one point each, at no step). A training loop
prints its records from one template: `epoch 3 loss 0.41 acc 0.83`, Keras' `- loss: 0.29 -
accuracy: 0.91`, an HF Trainer dict, a tqdm bar's postfix. Its lines hold few words beside their
pairs, or, where a loop prints a sentence (`Epoch 3: the loss is 0.41 and the accuracy is 0.83`),
the same words on every line. Notes are written sentence by sentence: English function words
(`the`, `and`, `is`, `I`, ...) beside the pairs, and no two lines worded alike.

A file is prose when at least half of its record lines are sentences (`FUNCTION_MIN` distinct
function words outside the pairs) and those sentences are worded alike (the same words, numbers
aside) no more than once in four.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: English function words: a printed record line holds few of them outside its name/number pairs
#: (`Epoch 5: val_loss improved from 0.5 to 0.4, saving model to best.h5` holds two)
_FUNCTION = (
    "the a an and but or is are was were be been being it its this that these those i we you he she "
    "they my our your not still already very because so should would could will can has have had "
    "than then which while here there too also just only when where with of on at for from by in "
    "as if into seems think looks"
)
FUNCTION_WORDS = frozenset(_FUNCTION.split())
_LOWER = re.compile(r"[a-z]+")
LINES = 40  # the record lines looked at: notes are short, a log's first records are like the rest
FUNCTION_MIN = 3  # distinct function words outside the pairs that make a line a sentence
_WORDS = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")

#: what the folder listing and `check` say of such a file
PROSE = (
    "its lines are sentences that quote numbers (notes, a verdict or a README), not the records a "
    "training loop prints"
)


def free_words(line: str, pairs: re.Pattern[str]) -> list[str]:
    """The lowercase words of a line outside its name/number pairs (`pairs`: the reader's pattern)."""
    return [w.lower() for w in _WORDS.findall(pairs.sub(" ", line))]


def is_sentence(words: Iterable[str]) -> bool:
    """Whether the free words of a line (`free_words`) make a sentence, not a printed record."""
    return len(FUNCTION_WORDS.intersection(words)) >= FUNCTION_MIN


def prose(records: list[str], pairs: re.Pattern[str]) -> bool:
    """Whether record lines (lines a reader took as records; the first `LINES` are looked at; a
    logging prefix holds no function word and its numbers are set aside, so it may stay on) are
    prose: half or more are sentences, and their wordings (numbers aside) repeat at most once in
    four."""
    records = records[:LINES]
    if len(records) < 2:
        return False
    # (cheap first: half the lines a sentence needs this many function words in all; most logs have
    # next to none, and are not read line by line here)
    found = sum(w in FUNCTION_WORDS for w in _LOWER.findall("\n".join(records).lower()))
    if 2 * found < FUNCTION_MIN * len(records):
        return False
    sentences = []
    for line in records:
        words = free_words(line, pairs)
        if is_sentence(words):
            sentences.append(" ".join(_WORDS.findall(line)).lower())  # (numbers aside)
    if 2 * len(sentences) < len(records):
        return False
    return 4 * (len(sentences) - len(set(sentences))) <= len(sentences)


__all__ = ["FUNCTION_MIN", "FUNCTION_WORDS", "LINES", "PROSE", "free_words", "is_sentence", "prose"]
