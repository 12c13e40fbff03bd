"""Every key of the app, and what each action does (shown by the help screen and the command
palette, so the three always agree)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: the value cursor (home/end take priority over the lists' own: they jump the cursor while it is
#: shown, else the focused list's highlight: see ViewActions._list_jumps in actions.py)
CURSOR_KEYS: list[BindingType] = [
    Binding("left", "cursor_left", "Cursor", key_display="←→", show=False),
    Binding("right", "cursor_right", "Cursor right", show=False),
    Binding("home", "cursor_home", "Cursor to start", show=False, priority=True),
    Binding("end", "cursor_end", "Cursor to end", show=False, priority=True),
    Binding("escape", "cursor_off", "Cursor off", show=False),
]

WATCH_KEYS: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("c", "compare", "Compare"),
    Binding("m", "metrics", "Metrics"),
    Binding("s", "smooth", "Smooth"),
    Binding("w", "weight", "Weight", show=False),
    Binding("l", "log", "Log loss"),
    Binding("x", "axis", "Step/epoch"),
    *CURSOR_KEYS,
]

#: in a replay the footer shows the replay's keys; the plot toggles still work
REPLAY_KEYS: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("c", "compare", "Compare"),
    Binding("m", "metrics", "Metrics", show=False),
    Binding("space", "pause", "Pause"),
    Binding("full_stop", "step", "Step", key_display="."),
    Binding("plus,equals_sign", "faster", "Speed", key_display="+/-"),
    Binding("minus", "slower", "Slower", show=False),
    Binding("n", "next_alert", "Alert", key_display="n/p"),
    Binding("p", "prev_alert", "Prev alert", show=False),
    Binding("e,end", "to_end", "End", key_display="e"),
    Binding("s", "smooth", "Smooth", show=False),
    Binding("w", "weight", "Weight", show=False),
    Binding("l", "log", "Log loss", show=False),
    Binding("x", "axis", "Step/epoch", show=False),
    *[b for b in CURSOR_KEYS if isinstance(b, Binding) and b.key != "end"],  # (end: the replay's end)
]

#: action -> (title in the command palette, what it does)
ACTIONS: dict[str, tuple[str, str]] = {
    "quit": ("Quit", "Quit and restore the terminal"),
    "help": ("Help", "Keys and what each pane shows"),
    "compare": (
        "Compare runs",
        "Val loss and accuracy of the runs selected (space), else of the run's folder, ranked both ways",
    ),
    "metrics": (
        "Every metric",
        "One small plot per metric of the run, latest value each; / filters, pgdn pages",
    ),
    "smooth": ("Smoothing on/off", "TensorBoard-style debiased EMA, computed on the full series"),
    "weight": ("Smoothing weight", "Next smoothing weight (0.6, 0.8, 0.9, 0.95, 0.99, 0.3)"),
    "log": ("Log scale", "Log scale for the loss plot on/off (on by itself when the loss spans 1000x)"),
    "axis": ("Step/epoch axis", "x axis: epoch or step"),
    "cursor_left": ("Cursor left", "Value cursor to the previous logged x (starts at the last one)"),
    "cursor_right": ("Cursor right", "Value cursor to the next logged x; a click on a plot puts it there"),
    "cursor_home": ("Cursor to start", "Value cursor to the first logged x"),
    "cursor_end": ("Cursor to end", "Value cursor to the last logged x"),
    "cursor_off": ("Cursor off", "Hide the value cursor: the legends show the latest values again"),
    "pause": ("Pause/resume", "Replay: pause or resume"),
    "step": ("Step", "Replay: pause and play one record"),
    "faster": ("Faster", "Replay: twice as fast"),
    "slower": ("Slower", "Replay: half as fast"),
    "next_alert": ("Next alert", "Replay: jump to where the next alert opens (and pause)"),
    "prev_alert": ("Previous alert", "Replay: jump back to where the previous alert opened (and pause)"),
    "to_end": ("End", "Replay: jump to the end of the log"),
}
