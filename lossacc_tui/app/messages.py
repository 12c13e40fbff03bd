"""Messages into the app. The feed's thread posts `FeedChanged`; widgets post the rest.

Status-type messages define `can_replace`: when several are queued only the newest is handled, so a
fast writer cannot flood the queue (the tracker also posts at most one until it is handled).
"""

from __future__ import annotations

from textual.message import Message


class FeedChanged(Message):
    """New points, alerts or statuses are waiting in the tracker (posted from the feed's thread)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedChanged)


class Resized(Message):
    """A plot or list changed size: what it shows must be fitted to the new width."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Resized)


class RunChosen(Message):
    """The user moved to another run in the run list."""

    def __init__(self, key: int) -> None:
        super().__init__()
        self.key = key


class AlertChosen(Message):
    """The user moved to an alert in the alert list (None: back to the run summary)."""

    def __init__(self, key: str | None) -> None:
        super().__init__()
        self.key = key


class CursorAt(Message):
    """A plot was clicked (or dragged on): the value cursor goes to the logged x nearest `x`."""

    def __init__(self, x: float) -> None:
        super().__init__()
        self.x = x

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CursorAt)


class RunMarked(Message):
    """space or p in the run list: `what` is "mark" (select for compare) or "pin"."""

    def __init__(self, key: int, what: str) -> None:
        super().__init__()
        self.key, self.what = key, what
