"""A complete last line rewritten in place (same width: a writer correcting its last record) is read
as it ends up, in a log far longer than the bytes compared at its head. Real writer process; the
test waits until the follower has the provisional value before the writer corrects it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import read_runs
from test_follow import watch
from test_follow_writers import CSV, HERE, table


def test_a_rewritten_last_line_is_read_as_it_ends_up(tmp_path: Path) -> None:
    expected = read_runs(CSV)
    n = len(expected[0].series["loss"])
    log = tmp_path / "metrics.csv"
    log.write_text("")
    m, c = watch(log)
    cmd = [sys.executable, str(HERE / "writers.py"), "rewrite-ended", str(log), str(CSV), "0"]
    writer = subprocess.Popen(cmd)
    try:

        def last_loss() -> float | None:
            runs = m.runs
            if len(runs) != 1 or len(runs[0].series.get("loss", ())) != n:
                return None
            return float(runs[0].series["loss"].values[-1])

        c.wait(lambda: (v := last_loss()) is not None and v > 9, timeout=60)  # the provisional 9.99...
        (tmp_path / "go").touch()
        assert writer.wait(timeout=60) == 0
        real = float(expected[0].series["loss"].values[-1])
        c.wait(lambda: last_loss() == real, timeout=60)
        assert table(m.runs) == table(expected)  # nothing lost, nothing doubled, the real value
    finally:
        if writer.poll() is None:
            writer.kill()
        m.stop()
