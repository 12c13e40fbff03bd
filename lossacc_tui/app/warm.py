"""The help, compare and metrics views built ahead of their first key, at idle after the first
frame, one a callback (keys go between), and what a view draws ahead (`build_ahead`: the metrics
view's plots); then, in the command line's app, the garbage collector's freeze of what the app
holds. A mixin of `LossAccApp`."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

from lossacc_tui.app import preload

VIEWS = (  # (name, module, class): the views a key opens
    ("help", "lossacc_tui.app.screens.help", "HelpScreen"),
    ("compare", "lossacc_tui.app.screens.compare", "CompareScreen"),
    ("metrics", "lossacc_tui.app.screens.metrics", "MetricsScreen"),
)
#: at most this many seconds the preload waits for the feed's first analysis pass to end: the
#: analysis (its import, then the first points' pass) has the interpreter to itself meanwhile
FIRST_PASS_WAIT = 3.0
WARM_AFTER, WARM_GAP = 0.5, 0.2  # seconds after the first frame the other views are built; between them
STEP_GAP = 0.05  # seconds between the steps of what a view draws ahead (each a few ms: keys go between)


class WarmViews:
    """Mixin: `_first_painted` once the first frame with data is on the screen."""

    first_frame: threading.Event
    _views_imported: threading.Event
    warm: bool
    _frozen: bool
    screen_stack: list[Any]
    set_timer: Callable[..., Any]
    install_screen: Callable[..., Any]
    is_screen_installed: Callable[..., bool]
    get_screen: Callable[..., Any]

    def _first_painted(self) -> None:
        """The first frame with data is on the screen: the feed's first analysis may start, and the
        summary's Markdown and the other views' modules are imported meanwhile (off the UI thread:
        `preload.py`), so neither the summary nor the first `?`, `c` or `m` imports them first
        (0.1-0.2 s each) while a key waits. Those imports begin once the feed's first analysis pass
        has ended (`_first_pass_waited`): they shared the interpreter with the analysis' own import
        and pass, and the first alerts came 0.3-0.5 s later. Once only (a second frame may be
        drawn before the callback runs)."""
        if self.first_frame.is_set():
            return
        self.first_frame.set()
        preload.start(self._views_imported, after=self._first_pass_waited)
        if self.warm:
            self.set_timer(WARM_AFTER, self._warm_views)

    def _first_pass_waited(self) -> None:
        """(The preload thread) Return once the feed's first live analysis pass has handed its
        results over, at most FIRST_PASS_WAIT s; at once when no analysis is pending."""
        feed = getattr(self, "feed", None)
        done = getattr(feed, "first_pass", None)
        if not isinstance(done, threading.Event) or done.is_set():
            return
        if getattr(feed, "analysis_pending", False):
            done.wait(FIRST_PASS_WAIT)

    def _warm_views(self) -> None:
        """Build the help, compare and metrics views off screen, one a callback (keys go between),
        once their modules are imported: each composes its widgets unseen (the help renders its
        tables), so the first `?`, `c` or `m` lays its view out and paints it, as every later one
        does (building one on the first press cost 100-300 ms of the main thread, a loaded
        machine's p99). Then, in the command line's app, the garbage collector's freeze."""
        if not self.screen_stack or not hasattr(self, "_get_screen"):  # (closing; or a Textual without it)
            return
        if not self._views_imported.is_set():  # (still being imported off this thread: later)
            self.set_timer(WARM_AFTER, self._warm_views)
            return
        for name, module, cls in VIEWS:
            if not self.is_screen_installed(name):
                self.install_screen(getattr(sys.modules[module], cls)(), name)
                self._get_screen(name)  # (registered: it composes now, in its own callbacks, unseen)
                self.set_timer(WARM_GAP, self._warm_views)
                return
        for name, _module, _cls in VIEWS:  # (what a view draws ahead, one step a callback)
            ahead = getattr(self.get_screen(name), "build_ahead", None)
            if callable(ahead) and not ahead(self):
                self.set_timer(STEP_GAP, self._warm_views)
                return
        if not self._frozen:
            self._frozen = True
            # what the app holds from here on (Textual's DOM, the views, the modules): out of the
            # cyclic collector's full passes, which then scan only what is newer. A full pass over
            # it all took 90-120 ms of CPU, every 10-30 s while data streamed in (a key's frame held
            # up behind it), and ~0.6 % of a core at 10 lines/s. The frozen objects are still freed
            # by reference counting; only a cycle among them that is later dropped stays (bounded:
            # this is done once).
            gc.collect(1)  # (the young garbage first: cheap)
            gc.freeze()
