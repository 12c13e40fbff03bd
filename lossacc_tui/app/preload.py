"""Modules the view needs soon after its first frame, imported on a thread of their own so that the
UI thread, which takes keys, never spends the import itself: Rich's Markdown (with markdown-it and
pygments: 0.1-0.2 s here, more on a loaded machine) for the summary pane, then the help, compare
and metrics views' modules. Textual-free."""

from __future__ import annotations

import threading
from collections.abc import Callable

#: the summary pane's Markdown is importable now (imported whole, not half way by another thread)
MARKDOWN = threading.Event()
#: a preload thread is importing it: the pane waits for it rather than import it on the UI thread
PRELOADING = threading.Event()


def markdown() -> None:
    """Import Rich's Markdown and markdown-it (on whatever thread calls it) and say so."""
    import markdown_it  # noqa: F401
    import rich.markdown  # noqa: F401

    MARKDOWN.set()


def preload(views: threading.Event, after: Callable[[], object] | None = None) -> None:
    """The preload thread: once `after()` has returned (the feed's first analysis: `warm.py`),
    Markdown first (the summary pane asks for it first), then the views' modules; `views` is set
    once those are imported."""
    try:
        if after is not None:
            after()
        markdown()
    finally:  # (had it failed, the pane would import it itself and say why)
        PRELOADING.clear()
        import lossacc_tui.app.screens.compare
        import lossacc_tui.app.screens.help
        import lossacc_tui.app.screens.metrics  # noqa: F401

        views.set()


def start(views: threading.Event, after: Callable[[], object] | None = None) -> None:
    """Start the preload thread (once the first frame with data is on the screen); it calls
    `after()` first, and imports once that has returned."""
    PRELOADING.set()
    threading.Thread(target=preload, args=(views, after), name="lossacc-preload", daemon=True).start()
