"""Keys under load and the view's CPU, in a real terminal (tmux, 120x40).

    python -m benchmarks bench_keys            # short: 4 presses a key, 8 s CPU windows
    python -m benchmarks bench_keys --long     # 10 presses a key, 20 s CPU windows
    python benchmarks/bench_keys.py --frames-only   # the in-process frame and key costs alone
    python benchmarks/bench_keys.py --keys-only --rounds 12 --against /tmp/trunk
        # the loaded presses, 12 of each key, on this tree's view and on another tree's (a
        # `git -C REPO archive main | tar -x -C /tmp/trunk`), interleaved round by round
    python benchmarks/bench_keys.py --views-only --against /tmp/trunk
        # the main-thread CPU of ?, c, m, w, l in process, first press and later (viewbench/views.py)
    python benchmarks/bench_keys.py --cpu-only --against /tmp/trunk [--window 30] [--windows 3]
        # the view's CPU at 10 lines/s on this tree and another, both through the same windows,
        # read with nanosecond clocks (viewbench/cpu_ab.py)

1. Key to screen: for every key of the terminal view whose effect shows as text, the time from the
   key sent to the screen showing its effect, on a 100,000-point run, first with the log quiet,
   then while a writer appends 2,000 lines a second to it. Median and p99 over all presses (and
   per key: median and worst). Goal: median under 100 ms, p99 under 250 ms, loaded too.
2. CPU of the view (the whole `lossacc-tui watch` process, from /proc, and its main thread alone)
   while a writer appends 10 and 200 lines a second, to a run of 100 points and to one of 100,000,
   and to a noisy 100,000-point run (hundreds of alerts opened and closed); every line of these
   Keras CSV logs is an evaluation (drawn within a second). Then a step log (JSON lines: a training
   loss every step, an evaluation every EVAL_EVERY steps: `step_rows`), whose training lines alone
   may wait up to 3 s for their frame (app/pacing.py). Goal: under 2 % of a core at 10 lines/s,
   under 15 % at 200, the same at every length and number of alerts.

3. Main-thread CPU of one data frame and of one key's frame, in-process (the app headless at 120x40,
   following the 100,000-point log through its real Monitor; `--frames-only`): a frame for 10 new lines
   (the plots, the summary, the lists, and Textual compositing what changed) and the frames of the
   cursor and log-scale keys; CPU time of the UI thread, which a loaded machine does not stretch.
   Reference in the same run: plotext drawing the same 100,000 points (loss and val_loss) at the loss
   plot's size. Goal: a data frame within 20 ms (2 % of a core at one frame a second).

The screen is read with `tmux capture-pane` in a loop, so each key figure includes tmux's own latency
and the polling; the reference measures exactly that floor in the same run: a key sent to `cat`,
which echoes it at once. The CPU references, in the same run: `tail -f` on the same log at the same
rate (a process that follows the file and writes what it reads to the same kind of terminal); the
floor, an idle Textual app of one line of text in the same tmux (what Textual itself costs doing
nothing); and TensorBoard (`tensorboard --logdir`, its defaults: a reload every 5 s by its own
loader, with no browser open) following the same run written as an event file at the same rate
(its process and any children; needs the tensorboard extra, else skipped).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from viewbench.cpu import cpu
from viewbench.cpu_ab import cpu_against
from viewbench.frames import frames
from viewbench.keys import AGAINST, keys, keys_against
from viewbench.logs import make_log
from viewbench.term import CLI, tmux
from viewbench.views import views


def main() -> int:
    if shutil.which("tmux") is None or not CLI.exists():
        print("bench_keys: skipped: needs tmux and the installed lossacc-tui command")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.csv"
        make_log(log, 100_000)
        try:
            if "--views-only" in sys.argv:
                views(log, Path(AGAINST) if AGAINST is not None else None)
                return 0
            if "--keys-only" not in sys.argv and "--cpu-only" not in sys.argv:
                # (on a copy: the frames append lines to their log, and the keys' part waits for
                # the 100,000-point run's last epoch, 99,999, which it then never showed: a crash)
                copy = log.with_name("frames.csv")
                shutil.copyfile(log, copy)
                frames(copy)
            if "--frames-only" in sys.argv:
                return 0
            if AGAINST is not None and "--cpu-only" in sys.argv:
                cpu_against(Path(tmp), Path(AGAINST))
                return 0
            if AGAINST is not None:
                keys_against(log, Path(AGAINST))
                return 0
            if "--cpu-only" not in sys.argv:
                keys(log)
            if "--keys-only" not in sys.argv:
                cpu(Path(tmp))
        finally:
            tmux("kill-server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
