"""The view's keys: the value cursor, the views (help, compare, metrics), smoothing, the log scale,
the x axis, and the command palette's entries and screenshot. A mixin of `LossAccApp`, which holds
the state these change (`opts`, `cursor`, the selected run) and draws it (`redraw`)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from textual.actions import SkipAction
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList

from lossacc_tui.app import cursor
from lossacc_tui.app.keys import ACTIONS
from lossacc_tui.app.pacing import DATA_WAIT, KEY_WAIT
from lossacc_tui.app.view import PlotOptions

WEIGHTS = (0.6, 0.8, 0.9, 0.95, 0.99, 0.3)  # smoothing weights `w` steps through


class ViewActions:
    """Mixin: what each key of the main view does (listed in `keys.py`)."""

    BINDINGS: Any
    tracker: Any
    opts: PlotOptions
    cursor: float | None
    selected_run: int | None
    drawn_axis: str
    drawn_log: bool
    screen_stack: list[Screen[Any]]
    screen: Screen[Any]
    redraw: Callable[..., None]
    notify: Callable[..., None]
    run_worker: Callable[..., Any]
    call_from_thread: Callable[..., Any]
    call_after_refresh: Callable[..., Any]
    set_timer: Callable[..., Any]
    install_screen: Callable[..., Any]
    is_screen_installed: Callable[..., bool]
    push_screen: Callable[..., Any]
    pop_screen: Callable[..., Any]
    save_screenshot: Callable[..., str]
    focused: Any
    _user_chose: bool
    exit: Callable[..., None]

    # -- value cursor -------------------------------------------------------------------------
    def _move_cursor(self, move: str | float, wait: float = KEY_WAIT) -> None:
        """Move the cursor ("left", "right", "home", "end", or to the logged x nearest a number);
        skipped (the key goes on to the focused widget) outside the main screen. While the feed
        holds the runs longer than `wait` (a long analysis), the move is tried again shortly, and
        the view takes other keys meanwhile."""
        if len(self.screen_stack) != 1 or self.selected_run is None:
            raise SkipAction()
        lock = self.tracker.lock
        if not lock.acquire(timeout=wait):
            self.set_timer(DATA_WAIT, lambda: self._cursor_later(move))
            return
        try:
            if self.selected_run >= len(self.tracker.runs):
                return
            self.tracker.sync()
            rs = self.tracker.runs[self.selected_run]
            # (reading values on the shown run is choosing it: a run found later, or one that starts
            # getting points, no longer takes its place, with the cursor, under the user's eyes)
            self._user_chose = True
            if isinstance(move, str):
                self.cursor = cursor.step(rs, self.drawn_axis, self.cursor, move)
            else:
                self.cursor = cursor.nearest(rs, self.drawn_axis, move)
        finally:
            lock.release()
        self.redraw()

    def _cursor_later(self, move: str | float) -> None:
        with contextlib.suppress(SkipAction):  # (another view opened meanwhile: the move is dropped)
            self._move_cursor(move, DATA_WAIT)

    def action_cursor_left(self) -> None:
        self._move_cursor("left")

    def action_cursor_right(self) -> None:
        self._move_cursor("right")

    def action_cursor_home(self) -> None:
        if not self._list_jumps("first"):
            self._move_cursor("home")

    def action_cursor_end(self) -> None:
        if not self._list_jumps("last"):
            self._move_cursor("end")

    def _list_jumps(self, where: str) -> bool:
        """home/end in a focused list (runs, alerts) while no value cursor is shown: its first or last
        row, as in any list; with the cursor shown they move the cursor."""
        lst = self.focused
        if self.cursor is not None or len(self.screen_stack) != 1 or not isinstance(lst, OptionList):
            return False
        getattr(lst, f"action_{where}")()
        return True

    def action_cursor_off(self) -> None:
        if self.cursor is None:
            raise SkipAction()
        self.cursor = None
        self.redraw()

    # -- actions ----------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit. The terminal's input thread is told to stop first and is not waited for: Textual
        joins it before it gives the terminal back, and it notices only at the end of its next
        0.1 s poll of the keyboard, then polls once more (100-200 ms after `q`, more on a busy
        machine). It ends by itself a moment later, or with the process."""
        driver = getattr(self, "_driver", None)
        stop = getattr(driver, "exit_event", None)
        mouse_off = getattr(driver, "_disable_mouse_support", None)
        if isinstance(stop, threading.Event) and callable(mouse_off) and not stop.is_set():
            mouse_off()  # (what Textual does before it stops the thread: skipped once it is told)
            stop.set()
        self.exit()

    def action_help(self) -> None:
        """Built on first use, then kept (installed): it opens at once after that."""
        from lossacc_tui.app.screens.help import HelpScreen

        if any(isinstance(s, HelpScreen) for s in self.screen_stack):
            return  # already open (or opening): a second `?` does not stack another
        if not self.is_screen_installed("help"):
            self.install_screen(HelpScreen(), "help")
        self.push_screen("help")

    def action_compare(self) -> None:
        from lossacc_tui.app.screens.compare import CompareScreen

        if isinstance(self.screen, CompareScreen):
            self.pop_screen()
        else:
            self._push_kept("compare", CompareScreen)
        self.call_after_refresh(self.redraw)

    def action_metrics(self) -> None:
        from lossacc_tui.app.screens.metrics import MetricsScreen

        if isinstance(self.screen, MetricsScreen):
            self.pop_screen()
        elif len(self.screen_stack) == 1:
            self._push_kept("metrics", MetricsScreen)
        self.call_after_refresh(self.redraw)

    def _push_kept(self, name: str, cls: type[Screen[Any]]) -> None:
        """Push a view built on first use and kept after (its widgets need not be built again)."""
        if any(isinstance(s, cls) for s in self.screen_stack):
            return
        if not self.is_screen_installed(name):
            self.install_screen(cls(), name)
        self.push_screen(name)

    def action_smooth(self) -> None:
        self.opts.smooth_on = not self.opts.smooth_on
        self._resmooth()

    def action_weight(self) -> None:
        i = WEIGHTS.index(self.opts.smoothing) if self.opts.smoothing in WEIGHTS else -1
        self.opts.smoothing = WEIGHTS[(i + 1) % len(WEIGHTS)]
        self.opts.smooth_on = True
        self._resmooth()

    def _resmooth(self) -> None:
        """The curves smoothed with the weight now chosen: at once when every series has it kept
        (`s` off, or on again: only the points since are smoothed), else in a worker thread (a
        weight not computed yet: O(history), 7-8 ms per 100,000 points here)."""
        weight = self.opts.smoothing if self.opts.smooth_on else 0.0
        lock = self.tracker.lock
        if lock.acquire(timeout=DATA_WAIT):
            try:
                kept = self.tracker.smoothing_is_kept(weight)
            finally:
                lock.release()
            if kept:
                self.tracker.set_smoothing(weight)  # (extends what is kept: the points since)
                self.redraw()
                self.call_after_refresh(self._smooth_ahead)
                return

        def smooth() -> None:
            self.tracker.set_smoothing(weight)
            self.call_from_thread(self.redraw)  # (a key's effect: drawn at once, not as new data)
            self.call_from_thread(self.call_after_refresh, self._smooth_ahead)

        # (no toast: the legends say "(smoothed w)" while smoothing is on, and a toast would lay the
        # screen out twice, to show and to hide it)
        self.run_worker(smooth, thread=True, exclusive=True, group="smooth")

    def _smooth_ahead(self) -> None:
        """After a smoothing key's frame: the weight `w` would pick next, computed in a worker thread
        and kept beside the shown curves (`Tracker.smooth_ahead`), so the next `w` draws at once, as
        `s` does (it had smoothed the whole history at the key: 4 series of 100,000 points, 30-40 ms
        of a worker's CPU before the frame, 100-150 ms on a loaded machine). Only while smoothing
        is on (`s` turning it off keeps what it showed, and computes nothing more)."""
        if not self.opts.smooth_on:
            return
        nxt = (
            WEIGHTS[(WEIGHTS.index(self.opts.smoothing) + 1) % len(WEIGHTS)]
            if self.opts.smoothing in WEIGHTS
            else WEIGHTS[0]
        )
        self.run_worker(
            lambda: self.tracker.smooth_ahead(nxt), thread=True, exclusive=True, group="smooth-ahead"
        )

    def action_log(self) -> None:
        self.opts.log_loss = not self.drawn_log
        self.redraw()

    def action_axis(self) -> None:
        self.opts.axis = "step" if self.drawn_axis == "epoch" else "epoch"
        self.cursor = None
        self.redraw()
        if self.drawn_axis != self.opts.axis:
            self.notify(f"this run has no {self.opts.axis} numbers", timeout=3)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            if b.action in ACTIONS and b.action != "quit" and not b.action.startswith("cursor"):
                title, doc = ACTIONS[b.action]
                yield SystemCommand(title, doc, getattr(self, f"action_{b.action}"))

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: an SVG saved into the current folder (Textual's default is
        ~/Downloads, which a server often lacks), and a note saying where, or why it could not."""
        try:
            saved = self.save_screenshot(filename, path or os.getcwd(), time_format)
        except OSError as e:
            self.notify(f"screenshot not saved: {e.strerror or e}", severity="error", timeout=6)
            return None
        self.notify(f"screenshot saved to {saved}", timeout=6)
        return saved
