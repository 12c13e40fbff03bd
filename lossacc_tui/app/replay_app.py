"""The app on a Replay: the same screens, plus the replay's controls."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from lossacc_tui.app.app import LossAccApp
from lossacc_tui.app.keys import REPLAY_KEYS


class ReplayApp(LossAccApp):
    """`self.replay` is the Replay feed; its controls return at once (its thread acts on them)."""

    BINDINGS: ClassVar[list[BindingType]] = REPLAY_KEYS
    failure: str | None = None  # why the replay ended at once (launch prints it; exit code 2)

    def _tick(self, copied: bool = False) -> None:
        r = self.replay
        if r.loaded.is_set() and r.total == 0 and self.failure is None and self.tracker.lock.acquire(False):
            try:
                errors = [s.message for s in self.tracker.statuses.values() if s.state == "error"]
            finally:
                self.tracker.lock.release()
            self.failure = errors[-1] if errors else f"no data points in {self.label}: nothing to replay"
            self.exit(return_code=2)
            return
        super()._tick(copied)

    def action_pause(self) -> None:
        self.replay.toggle_pause()

    def action_step(self) -> None:
        self.replay.step()

    def action_faster(self) -> None:
        self.replay.faster()

    def action_slower(self) -> None:
        self.replay.slower()

    def action_next_alert(self) -> None:
        if not self.replay.next_alert():
            self.notify(
                "no later alert" if self.replay.marks is not None else "still finding alerts…", timeout=2
            )

    def action_prev_alert(self) -> None:
        if not self.replay.prev_alert():
            self.notify(
                "no earlier alert" if self.replay.marks is not None else "still finding alerts…", timeout=2
            )

    def action_to_end(self) -> None:
        self.replay.to_end()
