"""A rendering reused with other digits: a live view's texts change their numbers at every frame
and their words rarely, so a text whose only change is digits, each one where a digit was, draws as
the lines drawn for the old text with the new digits put in, in order (the layout cannot differ:
every digit is one cell, and a digit neither breaks nor joins words). Rendering them again (Rich's
Markdown for the summary, Textual's option rendering for a list row) cost milliseconds a line.

Used by widgets (it builds Textual strips); nothing here draws or lays out.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.strip import Strip

DIGIT = re.compile(r"\d")


def digit_shape(text: str) -> str:
    """The text with every digit as 0: two texts of one shape differ only in digits.

    >>> digit_shape("epoch 1,234 · 0.57") == digit_shape("epoch 9,870 · 0.61")
    True
    """
    return DIGIT.sub("0", text)


def with_digits(strips: list[Strip], digits: list[str]) -> list[Strip] | None:
    """The strips with their digits, in order, replaced by `digits` (one cell each: the layout is
    the same; each segment keeps its style, and so its meta); None when the strips do not hold
    exactly that many digits (a text cut short, a number drawn that the text does not hold).

    >>> s = [Strip([Segment("ep 12 · "), Segment("3 alerts")])]
    >>> [strip.text for strip in with_digits(s, ["4", "5", "6"])]
    ['ep 45 · 6 alerts']
    >>> with_digits(s, ["4"]) is None
    True
    """
    k, n = 0, len(digits)
    out: list[Strip] = []
    for strip in strips:
        segs = list(strip)
        changed = False
        for i, seg in enumerate(segs):
            parts = DIGIT.split(seg.text)  # (the text around its digits: no call per digit)
            m = len(parts) - 1
            if not m:
                continue
            if k + m > n:
                return None
            new = digits[k : k + m]
            k += m
            if new == DIGIT.findall(seg.text):
                continue  # (the same digits here: the segment as it was)
            text = "".join(a + b for a, b in zip(parts, new, strict=False)) + parts[-1]
            segs[i] = Segment(text, seg.style, seg.control)
            changed = True
        out.append(Strip(segs, strip.cell_length) if changed else strip)
    return out if k == n else None


__all__ = ["DIGIT", "digit_shape", "with_digits"]
