"""Reader throughput on large logs, cold (the first read of a whole file), against pandas and polars
reading the same files in the same run, and the memory 10 million points take.

    python -m benchmarks bench_readers [--long]      (references: pip install '.[bench]')

Default 200,000 rows per file; --long 1,000,000; `--only jsonl` (or jsonl-eval, keras, lightning):
the files whose label has that word. Values/s counts the metric values stored (step/epoch/time are
not counted), so a sparse Lightning row with one loss is one value. Our figure is the median of 3
reads, each in a fresh process (imports excluded, except polars, which our reader imports on its
own when a file is large), and of a CSV the part its numpy parser took; each reference is the median
of 3 reads here (imports excluded), then of 3 cold reads, each in a fresh process with its import.
For a CSV also polars on one thread (POLARS_MAX_THREADS=1) and, when pyarrow is installed (not a
dependency of any extra: `pip install pyarrow`), `pyarrow.csv.read_csv` with its threads and on one.
`--floor N`: the sparse Lightning file alone, N interleaved rounds of those reads (`bench_floor`).
"""

from __future__ import annotations

import io
import math
import operator
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

ROWS = 1_000_000 if "--long" in sys.argv else 200_000
REPS = 3
SKIPPED = 77
CHILD = """
import sys, time
from pathlib import Path
if sys.argv[2] == "0":
    sys.modules["polars"] = None  # as without the `fast` extra
from lossacc_tui.readers import bulk, csv_backlog
from lossacc_tui.source import discover
parse_cpu = [0.0]  # of which the numpy CSV parser (a large backlog's table)
parse = csv_backlog.parse_numeric_columns
def timed(*args, **kwargs):
    c = time.process_time()
    try:
        return parse(*args, **kwargs)
    finally:
        parse_cpu[0] += time.process_time() - c
csv_backlog.parse_numeric_columns = timed
t, c = time.perf_counter(), time.process_time()
(src,) = discover(Path(sys.argv[1]))
src.read_all()
dt, cpu = time.perf_counter() - t, time.process_time() - c
print(dt, sum(r.points for r in src.runs), int(bulk._polars is not None), cpu, parse_cpu[0])
"""


def make_lightning_csv(path: Path, rows: int = ROWS) -> None:
    """Lightning CSVLogger shape: a train row every step, then per epoch a validation row and an
    epoch-summary row; float32 values written the way Lightning writes them (`2.8698573112487793`)."""
    rng = np.random.default_rng(0)
    per_epoch = 1000
    loss = (2.3 * np.exp(-np.arange(rows) / rows * 3) + rng.normal(0, 0.01, rows)).astype(np.float32)
    rnd = rng.random((rows, 3)).astype(np.float32)
    out = ["epoch,step,train_acc_epoch,train_loss_epoch,train_loss_step,val_acc,val_loss\n"]
    for i in range(rows):
        epoch, k = divmod(i, per_epoch)
        step = epoch * per_epoch + min(k, per_epoch - 2)
        a, b, c = (repr(float(v)) for v in rnd[i])
        if k == per_epoch - 2:
            out.append(f"{epoch},{step},,,,{a},{b}\n")
        elif k == per_epoch - 1:
            out.append(f"{epoch},{step},{c},{a},,,\n")
        else:
            out.append(f"{epoch},{step},,,{float(loss[i])!r},,\n")
    path.write_text("".join(out))


def make_keras_csv(path: Path, rows: int = ROWS) -> None:
    """Keras CSVLogger shape: epoch and four metrics a row, as Keras writes them (repr of a float)."""
    rng = np.random.default_rng(2)
    v = rng.random((rows, 4))
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss\n"]
    lines += [f"{i},{a!r},{b!r},{c!r},{d!r}\n" for i, (a, b, c, d) in enumerate(v.tolist())]
    path.write_text("".join(lines))


def make_jsonl(path: Path, rows: int = ROWS) -> None:
    """One record per step, the shape of a typical `log.jsonl` (5 numbers per line)."""
    rng = np.random.default_rng(1)
    vals = rng.random((rows, 2))
    lines = [
        f'{{"step": {i}, "epoch": {i / 1000:.4f}, "loss": {vals[i, 0]:.6f}, '
        f'"lr": {1e-3 * (1 - i / rows):.6g}, '
        f'"grad_norm": {vals[i, 1] * 5:.4f}}}\n'
        for i in range(rows)
    ]
    path.write_text("".join(lines))


COLD_REFERENCE = """
import os, sys, time
t, c = time.perf_counter(), time.process_time()
if sys.argv[2] == "polars1":
    os.environ["POLARS_MAX_THREADS"] = "1"  # (read when polars is imported)
if sys.argv[2].startswith("polars"):
    import polars
    read = polars.read_csv if sys.argv[3] == "csv" else polars.read_ndjson
    read(sys.argv[1])
elif sys.argv[2].startswith("pyarrow"):
    import pyarrow.csv
    pyarrow.csv.read_csv(sys.argv[1], pyarrow.csv.ReadOptions(use_threads=sys.argv[2] == "pyarrow"))
else:
    import pandas
    pandas.read_csv(sys.argv[1]) if sys.argv[3] == "csv" else pandas.read_json(sys.argv[1], lines=True)
print(time.perf_counter() - t, time.process_time() - c)
"""


ARROW_TABLE = """
import sys, time
import numpy as np
from lossacc_tui.readers.fastnum import _mapped, parse_numeric_columns
t, c = time.perf_counter(), time.process_time()
import pyarrow, pyarrow.csv as pc
with open(sys.argv[1], "rb") as f:
    data = f.read()
skip = data.find(b"\\n") + 1
ncols = data[:skip].count(b",") + 1
assert not data[skip:].translate(None, b"0123456789.eE+-,\\n")  # (what the numpy parser reads)
names = [f"c{i}" for i in range(ncols)]
table = pc.read_csv(
    pyarrow.py_buffer(memoryview(data)[skip:]),
    pc.ReadOptions(use_threads=False, column_names=names),
    pc.ParseOptions(quote_char=False, double_quote=False, ignore_empty_lines=False),
    pc.ConvertOptions(column_types=dict.fromkeys(names, pyarrow.float64()), null_values=[""]),
)
rows = table.num_rows
values, present = _mapped((ncols, rows), np.float64), _mapped((ncols, rows), np.bool_)  # (as ours)
for j in range(ncols):
    r = 0
    for chunk in table.column(j).chunks:
        k, off = len(chunk), chunk.offset
        valid, buf = chunk.buffers()
        values[j, r : r + k] = np.frombuffer(buf, np.float64, count=k, offset=8 * off)
        bits = np.ones(k, bool) if valid is None else np.unpackbits(
            np.frombuffer(valid, np.uint8), count=off + k, bitorder="little")[off:].view(bool)
        present[j, r : r + k] = bits
        r += k
    if not present[j].all():
        np.copyto(values[j], np.nan, where=~present[j])
dt, cpu = time.perf_counter() - t, time.process_time() - c
v, p, _ = parse_numeric_columns(data, ncols, b",", skip, True)
same = (p == present.T).all() and (v[p].view(np.uint64) == values.T[p].view(np.uint64)).all()
print(dt, cpu, int(same))
"""


def read_arrow_table(path: Path) -> tuple[float, float, bool]:
    """(median seconds, median CPU seconds, the same table as ours) of 3 fresh processes reading a
    CSV's rows with pyarrow as our backlog's parser would (numpy already imported, as in our read):
    pyarrow's import, the byte check, `read_csv` on one thread into float64 columns, and those
    columns copied into our (values, present) table; then compared with the numpy parser's, bit
    for bit (not timed)."""
    cmd = [sys.executable, "-c", ARROW_TABLE, str(path)]
    runs = [subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split() for _ in "abc"]
    same = all(r[2] == "1" for r in runs)
    return statistics.median(float(r[0]) for r in runs), statistics.median(float(r[1]) for r in runs), same


def read_cold(path: Path, lib: str, kind: str) -> tuple[float, float]:
    """(median seconds, median CPU seconds) of 3 reads of the file by polars or pandas, each in a
    fresh process, its import included (what a cold read costs with that library)."""
    cmd = [sys.executable, "-c", COLD_REFERENCE, str(path), lib, kind]
    runs = [subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split() for _ in "abc"]
    return statistics.median(float(r[0]) for r in runs), statistics.median(float(r[1]) for r in runs)


def pyarrow_csv() -> ModuleType | None:
    """pyarrow.csv when pyarrow is installed (a reference only: no extra of ours needs it)."""
    try:
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow.csv


def make_jsonl_eval(path: Path, rows: int = ROWS) -> None:
    """`make_jsonl`'s training lines with an evaluation line of other keys every 100th line (a
    training loop logging both to one file)."""
    rng = np.random.default_rng(1)
    vals = rng.random((rows, 2))
    lines = [
        f'{{"step": {i}, "epoch": {i / 1000:.4f}, "val_loss": {vals[i, 0]:.6f}, '
        f'"val_acc": {vals[i, 1]:.4f}}}\n'
        if i % 100 == 99
        else f'{{"step": {i}, "epoch": {i / 1000:.4f}, "loss": {vals[i, 0]:.6f}, '
        f'"lr": {1e-3 * (1 - i / rows):.6g}, "grad_norm": {vals[i, 1] * 5:.4f}}}\n'
        for i in range(rows)
    ]
    path.write_text("".join(lines))


def read_ours(path: Path, with_polars: bool = True) -> tuple[float, int, bool, float, float]:
    """(seconds, metric values, polars used, CPU seconds, CPU seconds of the numpy CSV parser) of
    one cold read in a fresh process (`with_polars` False: as if polars were not installed)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "1" if with_polars else "0"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return float(out[0]), int(out[1]), out[2] == "1", float(out[3]), float(out[4])


def median_time(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(median seconds, median CPU seconds of all threads, result) of REPS calls."""
    times, cpus, result = [], [], None
    for _ in range(REPS):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpus), result


def bench_file(label: str, path: Path, kind: str) -> None:
    import pandas as pd
    import polars as pl

    reads = [read_ours(path) for _ in range(REPS)]
    dt, cpu = statistics.median(r[0] for r in reads), statistics.median(r[3] for r in reads)
    parse_cpu = statistics.median(r[4] for r in reads)
    values, used = reads[0][1], reads[0][2]
    parser = (
        "the backlog in one read, the numpy parser into one table"
        if kind == "csv"
        else "the backlog in one read, msgspec's typed decode in 256 KiB pieces into one table"
    )
    if used:
        alone = [read_ours(path, with_polars=False) for _ in range(REPS)]
        ndt, ncpu = statistics.median(r[0] for r in alone), statistics.median(r[3] for r in alone)
    if kind == "csv":
        pdt, pcpu, df = median_time(lambda: pd.read_csv(path))
        pldt, plcpu, _ = median_time(lambda: pl.read_csv(path))
    else:
        pdt, pcpu, df = median_time(lambda: pd.read_json(path, lines=True))
        pldt, plcpu, _ = median_time(lambda: pl.read_ndjson(path))
    metrics = int(df.drop(columns=[c for c in ("epoch", "step") if c in df]).notna().sum().sum())  # type: ignore[attr-defined]
    assert metrics == values, f"{label}: we stored {values:,} metric values, pandas read {metrics:,}"
    size = path.stat().st_size / 1e6
    print(f"{label}: {ROWS:,} rows, {size:.1f} MB, {values:,} metric values (times: wall, then CPU)")
    print(
        f"  ours: {dt:.2f} s = {values / dt / 1e6:.2f} M values/s;"
        f" CPU {cpu:.2f} s = {values / cpu / 1e6:.2f} M/s"
        f" ({'polars parser, the backlog in one call' if used else parser})"
    )
    if parse_cpu:
        print(
            f"    of which the numpy parser's table: CPU {parse_cpu:.2f} s; the rest of the read"
            f" (detection, reading the file, splitting the runs, the series) {cpu - parse_cpu:.2f} s"
        )
    if used:
        print(
            f"  ours without polars ({parser}): {ndt:.2f} s = {values / ndt / 1e6:.2f} M values/s;"
            f" CPU {ncpu:.2f} s = {values / ncpu / 1e6:.2f} M/s"
        )
    name = "csv" if kind == "csv" else "ndjson"
    print(
        f"  reference polars.read_{name}: {pldt:.2f} s = {values / pldt / 1e6:.2f} M values/s;"
        f" CPU {plcpu:.2f} s;"
        f" ours takes {dt / pldt:.2f}x its time, {cpu / plcpu:.2f}x its CPU"
    )
    name = "csv" if kind == "csv" else "json"
    print(
        f"  reference pandas.read_{name}: {pdt:.2f} s = {values / pdt / 1e6:.2f} M values/s;"
        f" CPU {pcpu:.2f} s;"
        f" ours takes {dt / pdt:.2f}x its time, {cpu / pcpu:.2f}x its CPU"
    )
    if kind == "csv" and pyarrow_csv() is not None:  # (not a dependency: shown when installed)
        padt, pacpu, _ = median_time(lambda: pyarrow_csv().read_csv(path))  # type: ignore[union-attr]
        print(
            f"  reference pyarrow.csv.read_csv: {padt:.2f} s = {values / padt / 1e6:.2f} M values/s;"
            f" CPU {pacpu:.2f} s; ours takes {dt / padt:.2f}x its time, {cpu / pacpu:.2f}x its CPU"
        )
    if kind == "csv" and parse_cpu and pyarrow_csv() is not None:
        adt, acpu, same = read_arrow_table(path)
        whole = acpu + cpu - parse_cpu
        print(
            f"  pyarrow as our parser would be (its import, one thread, float64 columns into our table;"
            f" {'the same table' if same else 'NOT the same table'}): {adt:.2f} s; CPU {acpu:.2f} s"
            f" against our parser's {parse_cpu:.2f} s; with the rest of our read {whole:.2f} s"
            f" = {values / whole / 1e6:.2f} M values/s"
        )
    libs = ["polars", "pandas"]
    if kind == "csv":  # the compiled parsers on one thread too (polars1, pyarrow1), and pyarrow's
        libs[1:1] = ["polars1", *(["pyarrow", "pyarrow1"] if pyarrow_csv() is not None else [])]
    for lib in libs:
        cdt, ccpu = read_cold(path, lib, kind)
        name = f"{lib[:-1]} on one thread" if lib.endswith("1") else lib
        print(
            f"  reference {name}, cold (a fresh process, its import included): {cdt:.2f} s;"
            f" CPU {ccpu:.2f} s = {values / ccpu / 1e6:.2f} M values/s; ours takes {cpu / ccpu:.2f}x its CPU"
        )
    if kind != "csv" and path.name == "log.jsonl":  # (the same keys on every line)
        jsonl_alternatives(path, values)


def jsonl_alternatives(path: Path, values: int) -> None:
    """Other compiled JSON readers on the same JSONL file, each to float64 columns (what a run
    stores), CPU time of the median of REPS: orjson on the lines joined into one array, msgspec's
    typed decode (a Struct of float fields) of the same, pyarrow's JSON reader. Each is optional."""
    import numpy as np
    import orjson

    data = path.read_bytes()
    keys = list(orjson.loads(data[: data.find(b"\n")]))
    joined = b"[" + data[:-1].replace(b"\n", b",") + b"]"

    def with_orjson() -> object:
        rows = orjson.loads(joined)
        return [np.fromiter((r[k] for r in rows), np.float64, count=len(rows)) for k in keys]

    tries: list[tuple[str, Callable[[], object]]] = [("orjson.loads of the joined lines", with_orjson)]
    try:
        import msgspec

        fields = [(f"f{i}", float) for i in range(len(keys))]
        rename = {f"f{i}": k for i, k in enumerate(keys)}
        row = msgspec.defstruct("Row", fields, rename=rename, forbid_unknown_fields=True, gc=False)
        decoder = msgspec.json.Decoder(list[row])  # type: ignore[valid-type]

        def with_msgspec() -> object:
            rows = decoder.decode(joined)
            get = [operator.attrgetter(f"f{i}") for i in range(len(keys))]
            return [np.fromiter(map(g, rows), np.float64, count=len(rows)) for g in get]

        tries.append(("msgspec typed decode of the joined lines", with_msgspec))
    except ImportError:
        print("  (msgspec not installed: pip install msgspec)")
    try:
        import pyarrow.json as pj

        tries.append(("pyarrow.json.read_json", lambda: pj.read_json(io.BytesIO(data))))
    except ImportError:
        print("  (pyarrow not installed: pip install pyarrow)")
    for label, fn in tries:
        _, cpu, _ = median_time(fn)
        print(f"  reference {label}: CPU {cpu:.2f} s = {values / cpu / 1e6:.2f} M values/s")
    print(f"  import cost, CPU of a fresh process (median of 5) beyond `python -c pass`: {import_costs()}")


def import_costs() -> str:
    """CPU seconds `import msgspec.json` and `import polars` add to a fresh interpreter."""

    def cpu(code: str) -> float:
        proc = subprocess.Popen([sys.executable, "-c", code])
        _, _, usage = os.wait4(proc.pid, 0)
        return usage.ru_utime + usage.ru_stime

    out = {}
    for code in ("pass", "import msgspec.json", "import polars"):
        out[code] = statistics.median(cpu(code) for _ in range(5))
    return ", ".join(f"{c.split()[1]} {out[c] - out['pass']:.3f} s" for c in out if c != "pass")


def _peak_rss_kb() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child() -> None:
    """In a fresh process: hold 10 million points in one run and report the peak RSS."""
    from lossacc_tui.model import Batch, Run

    before = _peak_rss_kb()
    run = Run(name="mem", path="-", format="jsonl")
    n, total = 100_000, 10_000_000
    for k in range(total // n // 2):
        steps = np.arange(k * n, (k + 1) * n, dtype=np.float64)
        vals = np.random.default_rng(k).random(n)
        run.add_batch(
            Batch(
                n=n,
                values={"loss": vals, "val_loss": vals},
                present={"loss": None, "val_loss": None},
                step=steps,
            )
        )
    peak = _peak_rss_kb()
    print(f"{run.points} {before} {peak} {run.nbytes()}")


def bench_memory() -> None:
    res = subprocess.run(
        [sys.executable, __file__, "--memory-child"], capture_output=True, text=True, check=True
    )
    points, before, peak, nbytes = (int(v) for v in res.stdout.split())
    print(
        f"memory: {points:,} points held, peak RSS {peak / 1024:.0f} MB (interpreter and numpy alone:"
        f" {before / 1024:.0f} MB; arrays {nbytes / 1e6:.0f} MB)"
    )


WARM_ONE_THREAD = """
import os, sys, time
os.environ["POLARS_MAX_THREADS"] = "1"
import pandas, polars
try:
    import pyarrow.csv as pc
except ImportError:
    pc = None
def timed(read):
    read()  # (warm: the second read is timed)
    t, c = time.perf_counter(), time.process_time()
    read()
    return [time.perf_counter() - t, time.process_time() - c]
out = timed(lambda: polars.read_csv(sys.argv[1])) + timed(lambda: pandas.read_csv(sys.argv[1]))
if pc is not None:
    out += timed(lambda: pc.read_csv(sys.argv[1], pc.ReadOptions(use_threads=False)))
print(*out)
"""


def bench_floor(rounds: int) -> None:
    """`--floor N`: the sparse Lightning file only, N rounds interleaved, each read in a fresh
    process: ours (and its parser's share), pyarrow as our parser would be, the compiled readers
    cold on one thread and with their threads (imports included), and warm on one thread (a
    second read in the same process): what each reaches by CPU and by wall (min and median)."""
    arrow = pyarrow_csv() is not None
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "metrics.csv"
        make_lightning_csv(path)
        got: dict[str, list[tuple[float, float]]] = {}

        def add(name: str, wall: float, cpu: float) -> None:
            got.setdefault(name, []).append((wall, cpu))

        for _ in range(rounds):
            dt, values, _, cpu, parse_cpu = read_ours(path)
            add("ours, the whole read (imports excluded)", dt, cpu)
            add("  of which our numpy parser's table (CPU)", math.nan, parse_cpu)
            add("  the rest of our read (CPU)", math.nan, cpu - parse_cpu)
            if arrow:
                adt, acpu, same = read_arrow_table(path)
                assert same, "pyarrow's table is not the numpy parser's"
                add("pyarrow as our parser (import, one thread, our table)", adt, acpu)
                add("  with the rest of our read (CPU)", math.nan, acpu + cpu - parse_cpu)
            for lib in ("polars", "polars1", *(("pyarrow", "pyarrow1") if arrow else ())):
                name = f"{lib[:-1]} on one thread" if lib.endswith("1") else f"{lib} with its threads"
                add(f"{name}, cold (its import included)", *read_cold(path, lib, "csv"))
            cmd = [sys.executable, "-c", WARM_ONE_THREAD, str(path)]
            warm = [
                float(x)
                for x in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
            ]
            for k, lib in enumerate(("polars", "pandas", *(("pyarrow",) if arrow else ()))):
                add(f"{lib}.read_csv warm, one thread", warm[2 * k], warm[2 * k + 1])
        print(
            f"{ROWS:,} rows, {values:,} metric values; {rounds} rounds, interleaved; load average now"
            f" {os.getloadavg()[0]:.1f}. Wall, then CPU: min / median s (M values/s by the median CPU)"
        )
        for name, runs in got.items():
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            wall = (
                "" if math.isnan(walls[0]) else f"wall {min(walls):.3f} / {statistics.median(walls):.3f} s; "
            )
            med = statistics.median(cpus)
            print(f"  {name}: {wall}CPU {min(cpus):.3f} / {med:.3f} s ({values / med / 1e6:.2f} M/s)")


def main() -> int:
    try:
        import pandas  # noqa: F401
        import polars  # noqa: F401
    except ImportError as e:
        print(f"skipped: the references need the bench extra (pip install '.[bench]'): {e}")
        return SKIPPED
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if "--floor" in sys.argv:
        bench_floor(int(sys.argv[sys.argv.index("--floor") + 1]))
        return 0
    with tempfile.TemporaryDirectory() as d:
        files = [
            ("lightning-csv (sparse: one metric a row)", Path(d) / "metrics.csv", make_lightning_csv, "csv"),
            ("keras-csv (four metrics a row)", Path(d) / "training.log.csv", make_keras_csv, "csv"),
            ("jsonl (three metrics a row)", Path(d) / "log.jsonl", make_jsonl, "json"),
            ("jsonl-eval (an evaluation line every 100)", Path(d) / "eval.jsonl", make_jsonl_eval, "json"),
        ]
        only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
        for label, path, make, kind in files:
            if only is not None and only not in label:
                continue
            make(path)
            bench_file(label, path, kind)
            path.unlink()
    bench_memory()
    return 0


if __name__ == "__main__":
    if "--memory-child" in sys.argv:
        memory_child()
    else:
        sys.exit(main())
