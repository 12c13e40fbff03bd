"""The slow tail of `bench_keys --keys-only --trace DIR`: each traced press with what ran meanwhile.

    python benchmarks/viewbench/tail.py DIR [N]     # the N slowest presses (default 12), then totals

For a press: the key sent (the bench), the key got by the app's input thread, the frames written to
the terminal, and what overlapped its window (sent to on screen): main-thread callbacks (`span`,
with the functions the sampler saw them in), our frames (`redraw`: key or data), collections (`gc`),
blocks of records told on the feed's thread (`feed`) and live analysis passes (`pass`).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def load(folder: Path) -> tuple[list[dict], list[dict]]:
    presses = [json.loads(line) for line in (folder / "presses.jsonl").read_text().splitlines()]
    events = [
        json.loads(line) for f in sorted(folder.glob("view-*.jsonl")) for line in f.read_text().splitlines()
    ]
    events.sort(key=lambda e: e["t"])
    return [p for p in presses if p["tree"] == "this tree"], events


def window(p: dict, events: list[dict]) -> list[dict]:
    lo, hi = p["sent"], p["sent"] + p["took"]
    return [e for e in events if e["t"] < hi and e["t"] + e.get("dur", 0.0) > lo]


def describe(p: dict, evs: list[dict]) -> str:
    t0 = p["sent"]
    lines = [f"{p['key']:>6} {p['took'] * 1000:5.0f} ms (load {p['load']:.1f})"]
    for e in evs:
        at = (e["t"] - t0) * 1000
        dur = e.get("dur", 0.0) * 1000
        if e["ev"] == "key":
            lines.append(f"    {at:6.0f}       key {e['key']}")
        elif e["ev"] == "display":
            lines.append(f"    {at:6.0f} {dur:5.1f} display {e['screen']}")
        elif e["ev"] == "span":
            seen = ", ".join(f"{w} x{n}" for w, n in e["seen"])
            lines.append(f"    {at:6.0f} {dur:5.1f} span {e['what']} cpu {e['cpu'] * 1000:.1f}"
                         f" queued {e.get('queued', 0) * 1000:.1f} [{seen}]")  # fmt: skip
        elif e["ev"] == "redraw":
            kind = "data" if e["data"] else "key"
            lines.append(f"    {at:6.0f} {dur:5.1f} redraw {kind} cpu {e['cpu'] * 1000:.1f}"
                         f"{'' if e['drawn'] else ' (stepped back)'}")  # fmt: skip
        elif e["ev"] == "gc":
            lines.append(f"    {at:6.0f} {dur:5.1f} gc{e['gen']} {'main' if e['main'] else 'other thread'}"
                         f" (gen2 {e.get('gen2')}, frozen {e.get('frozen')})")  # fmt: skip
        elif e["ev"] in ("feed", "pass"):
            what = e.get("what", e.get("points"))
            lines.append(f"    {at:6.0f} {dur:5.1f} {e['ev']} {what} cpu {e['cpu'] * 1000:.1f}")
    return "\n".join(lines)


def main() -> None:
    folder = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    presses, events = load(folder)
    presses.sort(key=lambda p: -p["took"])
    for p in presses[:n]:
        print(describe(p, window(p, events)))
    # totals: slow (top 10 %) against the rest, per kind of event, ms overlapping the window
    cut = max(1, len(presses) // 10)
    for label, group in (("slowest 10 %", presses[:cut]), ("the rest", presses[cut:])):
        sums: dict[str, list[float]] = defaultdict(list)
        for p in group:
            lo, hi = p["sent"], p["sent"] + p["took"]
            tot: dict[str, float] = defaultdict(float)
            for e in window(p, events):
                if e["ev"] in ("key", "display"):
                    continue
                kind = e["ev"] + (":" + e["what"] if e["ev"] in ("span", "pass") else "")
                if e["ev"] == "redraw":
                    kind += ":data" if e["data"] else ":key"
                if e["ev"] == "gc":
                    kind += f"{e['gen']}:{'main' if e['main'] else 'other'}"
                overlap = min(hi, e["t"] + e.get("dur", 0)) - max(lo, e["t"])
                tot[kind] += overlap * 1000
            for k, v in tot.items():
                sums[k].append(v)
        wall = cpu = queued = 0.0
        for p in group:
            for e in window(p, events):
                if e["ev"] == "span":
                    wall, cpu, queued = wall + e["dur"], cpu + e["cpu"], queued + e.get("queued", 0.0)
        n = len(group) / 1000
        print(f"\n{label}: main-thread callbacks of 2 ms or more, per press: {wall / n:.1f} ms wall, "
              f"{cpu / n:.1f} ms CPU, {queued / n:.1f} ms on the OS's run queue, "
              f"{(wall - cpu - queued) / n:.1f} ms waiting otherwise (the GIL, I/O)")  # fmt: skip
        took = statistics.median(p["took"] for p in group) * 1000
        print(f"\n{label} ({len(group)} presses, median {took:.0f} ms): ms of the window, mean over presses")
        for k, vs in sorted(sums.items(), key=lambda kv: -sum(kv[1]))[:15]:
            print(f"  {sum(vs) / len(group):7.1f}  in {len(vs):3d}  {k}")


if __name__ == "__main__":
    main()
