"""The terminal app (Textual). The only package that imports Textual; `decimate`, `tracker` and
`text` are Textual-free and may be used without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lossacc_tui.app.app import LossAccApp, make_app

__all__ = ["LossAccApp", "make_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lossacc_tui.app import app

        return getattr(app, name)
    raise AttributeError(name)
