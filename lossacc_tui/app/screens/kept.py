"""What lets a view that is built once and kept (help, compare, metrics) show again at the cost of a
repaint: its styles are not worked out again when nothing they depend on changed while it was away
(`KeptStyles`), and it is laid out and its lines drawn unseen before its first key (`build_unseen`).

Textual re-applies the whole stylesheet to every widget of a screen each time it is pushed (its
`ScreenResume` event's `refresh_styles`), which also throws away every widget's rendered lines: the
compare view's push cost 2-3 ms of CSS plus a full re-render of its table and plots (8 ms of
compositing at 120x40, in process; 5-10x that on a loaded machine). A screen's first showing also
laid it out three or four times (its own size, then the Resize events that follow): 25-70 ms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.screen import Screen


def style_inputs(app: Any) -> tuple[object, ...]:
    """What a kept screen's styles depend on beyond its own widgets' classes (which restyle their
    widget at once when they change): the app's CSS generation (a theme or stylesheet change bumps
    it), its classes (the theme's) and its pseudo-classes (focus, dark/light, ANSI, no colour)."""
    pseudo = tuple(sorted(getattr(app, "_PSEUDO_CLASSES", {})))
    return (
        getattr(app, "_css_update_count", None),
        frozenset(app.classes),
        tuple(bool(app._PSEUDO_CLASSES[p](app)) for p in pseudo),
    )


class KeptStyles:
    """Mixin, before `Screen` in a kept screen's bases: a push restyles the screen only when
    `style_inputs` changed since it was last shown (the first push always does)."""

    app: Any
    _styled_as: tuple[object, ...] | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # (Textual dispatches this before Screen's own handler, which reads refresh_styles)
        now = style_inputs(self.app)
        if event.refresh_styles and now == self._styled_as:
            event.refresh_styles = False
        self._styled_as = now


#: what `build_unseen` does, one step a call: the data drawn into the widgets, the screen laid out
#: at the app's size, the data drawn again at the sizes the widgets got (a plot draws to its canvas'
#: size), laid out again for what that changed, then every widget's lines rendered
STEPS = ("draw", "lay out", "draw", "lay out", "render")


def build_unseen(screen: Screen[Any], draw: Callable[[], bool]) -> bool:
    """One step (`STEPS`) of building `screen` unseen before its first showing (a screen not shown
    is never laid out by Textual); True once done (or shown meanwhile), else call again after the
    events this step posts are handled (a callback later). `draw()` puts the data in the widgets,
    False when it could not yet (the feed holds the runs). Its first showing then finds the layout
    done and the lines rendered, as every later showing does."""
    step = screen.__dict__.get("_unseen_step", 0)
    if step >= len(STEPS) or screen.is_current:
        return True
    if not screen.is_mounted or not all(w.is_mounted for w in screen.query("*")):
        return False  # (composing or mounting: later)
    what = STEPS[step]
    if what == "draw" and not draw():
        return False
    size = screen.app.size
    if screen.outer_size != size or screen._layout_required:
        # (at "lay out"; at "render" too, while the last layout's Resize events asked for another)
        screen._layout_required = False
        screen._refresh_layout(size)  # (posts Resize events to the widgets it sized: handled later)
        tries = screen.__dict__.get("_unseen_tries", 0) + 1
        screen.__dict__["_unseen_tries"] = tries
        if what == "render" and tries < 8:
            return False
    if what == "render":
        # every widget's lines, as the first showing's full repaint asks for them (each widget keeps
        # them: KeptLines, or Textual's own line cache); the update made here is not displayed
        screen._compositor.render_update(full=True, screen_stack=[])
    screen.__dict__["_unseen_step"] = step + 1
    return step + 1 >= len(STEPS)


def synced_draw(app: Any, redraw: Callable[[Any], None]) -> bool:
    """A `build_unseen` draw step of a view drawn from the tracker: the tracker synced and
    `redraw(app)` run under its lock; False when the lock is busy (the feed holds the runs: later)."""
    lock = app.tracker.lock
    if not lock.acquire(timeout=0.02):
        return False
    try:
        app.tracker.sync()
        redraw(app)
    finally:
        lock.release()
    return True
