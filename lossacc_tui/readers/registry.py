"""Format id -> reader classes (a format may have variants, e.g. keras-history as JSON or CSV).
Reader modules register themselves with `@register`."""

from __future__ import annotations

from typing import TypeVar

from lossacc_tui.readers.base import Reader

READERS: dict[str, list[type[Reader]]] = {}
R = TypeVar("R", bound=type[Reader])


def register(cls: R) -> R:
    READERS.setdefault(cls.format_id, []).append(cls)
    return cls


def all_readers() -> list[type[Reader]]:
    return [cls for variants in READERS.values() for cls in variants]
