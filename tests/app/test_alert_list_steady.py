"""An alert that comes and goes at every analysis (a noisy run) does not make the alert list grow
and shrink, which lays the whole screen out each time: a list that got a row shorter keeps it
blank (and not selectable) until the alert is back; a list much shorter is shortened."""

from __future__ import annotations

from app_helpers import sync
from textual.app import App, ComposeResult

from lossacc_tui.app.view import AlertRow
from lossacc_tui.app.widgets.alert_list import KEEP_BLANK, AlertList


class Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield AlertList(id="alerts")


def row(k: int) -> AlertRow:
    key = f"overfitting|{k}|val_loss"
    return AlertRow(key, "overfitting", "warning", f"val_loss up {k}%", f"epoch {k}–", True)


@sync
async def test_a_row_that_comes_and_goes_keeps_the_lists_height() -> None:
    app = Pane()
    async with app.run_test(size=(60, 30)) as pilot:
        alerts = app.query_one(AlertList)
        alerts.set_rows([row(1), row(2), row(3)], None)
        await pilot.pause()
        height = alerts.outer_size.height
        alerts.set_rows([row(1), row(3)], None)  # the alert at 2 closed and merged away
        await pilot.pause()
        assert alerts.outer_size.height == height and alerts.option_count == 3
        assert [r.key for r in alerts.rows] == [row(1).key, row(3).key]
        assert (
            alerts.get_option_at_index(2).disabled and not str(alerts.get_option_at_index(2).prompt).strip()
        )
        assert "3 active" not in str(alerts.border_subtitle) and "2 active" in str(alerts.border_subtitle)
        alerts.set_rows([row(1), row(2), row(4)], row(4).key)  # back, and another one chosen
        await pilot.pause()
        assert alerts.option_count == 3 and not alerts.get_option_at_index(2).disabled
        assert alerts.get_option_at_index(alerts.highlighted or 0).id == row(4).key
        assert "epoch 4" in str(alerts.get_option_at_index(2).prompt)
        alerts.set_rows([], None)  # shorter by more than KEEP_BLANK rows: the list is shortened
        await pilot.pause()
        assert KEEP_BLANK < 3 and alerts.option_count == 0
