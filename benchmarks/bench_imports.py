"""Start-up cost: `check` on a tiny log, the imports the terminal view needs before its first frame,
and what `watch FILE` does before its quick first frame (lossacc_tui/quickframe/: imports, reading, drawing),
against the interpreter alone and `import numpy` (the floor of any numpy tool), measured in
the same run (median of 7 interleaved runs, each a fresh process).

    python -m benchmarks bench_imports
    python benchmarks/bench_imports.py --against ../main     (also `check` from another checkout)
    BENCH_QUICK_LOG=big.csv python benchmarks/bench_imports.py   (the quick frame's steps on that log)

Also lists the largest imports of each (from `python -X importtime`), checks that `check`
imports none of the follower, the terminal view, Markdown rendering or the optional parsers, and
lists the analysis modules the terminal view imports before its first frame (the analysis itself
is imported when the first points have been told, beside the first frame).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPS = int(os.environ.get("BENCH_REPS", 7))
PACKAGES = frozenset(
    [
        "numpy",
        "orjson",
        "watchdog",
        "textual",
        "textual_plotext",
        "plotext",
        "rich",
        "rich.markdown",
        "polars",
        "tensorboard",
        "lossacc_tui.analysis.analyzer",
        "lossacc_tui.analysis.compare",
        "lossacc_tui.analysis.detectors",
        "lossacc_tui.readers",
        "lossacc_tui.monitor",
        "lossacc_tui.report",
        "lossacc_tui.app.app",
    ]
)
NOT_FOR_CHECK = (
    "watchdog",
    "textual",
    "rich.markdown",
    "polars",
    "tensorboard",
    "lossacc_tui.monitor",
    # readers of other formats: imported only for what may be theirs (readers/registry.py DEFERRED)
    "lossacc_tui.readers.tensorboard",
    "lossacc_tui.readers.wandb_run",
    "lossacc_tui.readers.wandb_folder",
    "lossacc_tui.readers.mlflow",
    "lossacc_tui.readers.mlflow_db",
    "urllib.request",
)


def bytecode_env() -> dict[str, str]:
    """As a user's install runs: the bytecode cache on (this machine's shell sets
    PYTHONDONTWRITEBYTECODE: every start would compile the project's modules again), the project
    compiled once, as `pip install` of a wheel does."""
    import compileall

    import lossacc_tui

    compileall.compile_dir(str(Path(lossacc_tui.__file__).parent), quiet=1)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    run_env = env or BYTECODE_ENV
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env)
    return time.perf_counter() - t


def cpu_seconds(cmd: list[str]) -> float:
    """CPU seconds (user + system) a fresh process running `cmd` uses in all."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=BYTECODE_ENV)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def quick_frame_steps(log: Path) -> None:
    """Where the CPU of `watch FILE`'s quick first frame goes: fresh processes, each doing one more
    step of its path than the one before (median CPU seconds of REPS interleaved runs; CPU, not
    wall time, so a loaded machine disturbs it less)."""
    py = sys.executable
    steps = {
        "the interpreter": "pass",
        "numpy's import": "import numpy",
        "every reader module": "import lossacc_tui.readers",
        "the command line": "import lossacc_tui.cli",
        "detection and the file source": "import lossacc_tui.cli, lossacc_tui.source",
        "the view's Textual-free plot code": "import lossacc_tui.cli, lossacc_tui.source,"
        " lossacc_tui.app.view, lossacc_tui.app.status, lossacc_tui.quickframe",
        "detecting, reading (0.1 s of wall time), drawing": "import sys; from pathlib import Path;"
        " import lossacc_tui.cli; from lossacc_tui import quickframe as q;"
        " r, f = q.read_head(Path(sys.argv[1]), None, None); q.frame_lines(r, 'log', f, 120, 40, True)",
    }
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(REPS):
        for k, code in steps.items():
            cpu[k].append(cpu_seconds([py, "-c", code, str(log)]))
    med = [statistics.median(v) for v in cpu.values()]
    parts = [
        f"{k} {m - (med[i - 1] if i else 0):.3f} s" for i, (k, m) in enumerate(zip(steps, med, strict=True))
    ]
    print(f"  quick first frame, CPU by step ({log.stat().st_size / 1e6:.1f} MB log; total {med[-1]:.3f} s):")
    print("    " + "; ".join(parts))


def largest_imports(cmd: list[str], top: int = 7) -> list[tuple[int, str]]:
    """(cumulative microseconds, package) of the largest packages imported (from -X importtime):
    third-party packages and this project's subpackages, wherever they were imported from."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True, env=BYTECODE_ENV or None
    ).stderr
    rows: dict[str, int] = {}
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        if name in PACKAGES:
            rows[name] = max(rows.get(name, 0), int(parts[1]))
    return sorted(((us, m) for m, us in rows.items()), reverse=True)[:top]


BYTECODE_ENV: dict[str, str] = {}


def main() -> int:
    BYTECODE_ENV.update(bytecode_env())
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        log = Path(d) / "training.log"
        log.write_text(
            "epoch,accuracy,loss,val_accuracy,val_loss\n"
            + "".join(
                f"{i},{0.5 + i / 100:.4f},{0.9 - i / 100:.4f},{0.5 + i / 100:.4f},{0.95 - i / 100:.4f}\n"
                for i in range(20)
            )
        )
        check = [py, "-m", "lossacc_tui", "check", str(log)]
        app = [py, "-c", "import lossacc_tui.cli, lossacc_tui.app.launch"]
        # what `watch FILE` imports and does before its quick first frame (lossacc_tui/quickframe/): the
        # command line, the reader, the view's Textual-free plot code, the frame drawn in memory
        quick = [
            py,
            "-c",
            "import sys; from pathlib import Path; import lossacc_tui.cli;"
            " from lossacc_tui import quickframe as q; r, f = q.read_head(Path(sys.argv[1]), None, None);"
            " q.frame_lines(r, 'log', f, 120, 40, True)",
            str(log),
        ]
        cmds = {
            "python -c pass": [py, "-c", "pass"],
            "python -c 'import numpy'": [py, "-c", "import numpy"],
            "lossacc-tui check (20-line log)": check,
            "terminal view imports (cli + app)": app,
            "quick first frame (imports + frame)": quick,
            "import textual.app": [py, "-c", "import textual.app"],
            "import lossacc_tui.readers": [py, "-c", "import lossacc_tui.readers"],
        }
        envs: dict[str, dict[str, str] | None] = dict.fromkeys(cmds)
        if "--against" in sys.argv:  # the same commands from another checkout (before a change)
            other = str(Path(sys.argv[sys.argv.index("--against") + 1]).resolve())
            for k in ("lossacc-tui check (20-line log)", "import lossacc_tui.readers"):
                cmds[f"{k} [{Path(other).name}]"] = cmds[k]
                envs[f"{k} [{Path(other).name}]"] = dict(BYTECODE_ENV, PYTHONPATH=other)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(REPS):
            for k, cmd in cmds.items():
                times[k].append(timed(cmd, envs[k]))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {REPS} runs:")
        base = med["python -c 'import numpy'"]
        for k, v in med.items():
            print(f"  {k:<36} {v:.3f} s  ({v / base:.2f}x import numpy)")
        probe = "import sys, runpy; sys.argv = ['lossacc-tui', 'check', sys.argv[1]]\n"
        probe += (
            "try:\n    runpy.run_module('lossacc_tui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        )
        probe += f"print('LOADED:', *(m for m in {NOT_FOR_CHECK!r} if m in sys.modules))"
        out = subprocess.run([py, "-c", probe, str(log)], capture_output=True, text=True).stdout
        loaded = out.rsplit("LOADED:", 1)[-1].strip()
        print(
            f"  check imported none of {', '.join(NOT_FOR_CHECK)}: {'yes' if not loaded else 'NO: ' + loaded}"
        )
        probe = app[-1] + "; print(*sorted(m for m in sys.modules if m.startswith('lossacc_tui.analysis')))"
        out = subprocess.run([py, "-c", "import sys; " + probe], capture_output=True, text=True).stdout
        print(f"  analysis modules the terminal view imports: {out.strip() or 'none'}")
        quick_frame_steps(Path(os.environ.get("BENCH_QUICK_LOG", log)))
        for label, cmd in (("check", check[1:]), ("terminal view", app[1:]), ("quick frame", quick[1:])):
            tops = ", ".join(f"{m} {us / 1000:.0f} ms" for us, m in largest_imports(cmd))
            print(f"  largest imports, {label}: {tops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
