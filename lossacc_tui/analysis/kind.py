"""An alert kind is declared once, on the class that detects it: its name, its place in lists,
the severity it can take, a one-line meaning (the README table) and its general explanation
(`lossacc-tui explain KIND`). Subclassing registers it; `kinds.KINDS` lists the registry.

>>> class Demo(KindSpec):
...     kind, order, severity_doc = "demo-kind", 99, "info"
...     meaning = "a demonstration"
...     general = "Only for this example."
>>> REGISTRY["demo-kind"].meaning
'a demonstration'
>>> del REGISTRY["demo-kind"]
"""

from __future__ import annotations

from typing import ClassVar

#: every declared kind by name
REGISTRY: dict[str, type[KindSpec]] = {}


class KindSpec:
    """Declares an alert kind (class attributes only). Detectors inherit it; a kind without a
    detector class of its own (one a detector emits beside its main kind, or a cross-run kind)
    declares itself with a plain subclass."""

    kind: ClassVar[str] = ""
    order: ClassVar[int] = 1000  # where alerts of this kind sort among alerts starting at the same x
    severity_doc: ClassVar[str] = "warning"  # the severities it can take, as the README prints them
    meaning: ClassVar[str] = ""  # one line
    general: ClassVar[str] = ""  # a paragraph

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__ and cls.kind:
            if not cls.meaning or not cls.general:
                raise TypeError(f"alert kind {cls.kind!r} needs a meaning and a general explanation")
            REGISTRY[cls.kind] = cls


def kind_order(kind: str) -> int:
    """Sort position of a kind (unknown kinds last)."""
    spec = REGISTRY.get(kind)
    return spec.order if spec is not None else 10_000
