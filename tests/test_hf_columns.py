"""The column-at-a-time reading of a trainer_state.json's log_history (the fast path for entries
whose values are all numbers or null) gives exactly what reading it entry by entry gives: the same
runs, series, roles, values, x values and problems, on real files, on a history written by a real
numpy training loop, and over successive saves of a growing history."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import REALWORLD, snapshot

from lossacc_tui.readers import hf_trainer_state, jsondoc, jsonstream
from lossacc_tui.readers.hf_trainer_state import HFTrainerStateReader
from lossacc_tui.readers.jsondoc import JsonDocumentReader
from lossacc_tui.source import Source, discover

CASE = REALWORLD.parent / "cases" / "formats" / "fmt-10-hf" / "output_dir" / "trainer_state.json"


def real_files() -> list[Path]:
    if not REALWORLD.is_dir():
        pytest.skip(
            f"real-world logs not found at {REALWORLD} (they live in the shared folder beside the repo)"
        )
    files = sorted((REALWORLD / "hf_trainer_state").glob("*trainer_state.json"))
    return [*files, CASE] if CASE.is_file() else files


def numpy_training_history(seed: int, steps: int = 1500, diverge: bool = False) -> list[dict[str, object]]:
    """The log_history a Trainer would write for logistic regression trained by minibatch SGD in
    numpy: a train entry every 5 steps (loss, learning_rate, grad_norm: null when the step clipped
    nothing, as a logger that only reports clipping would), an eval entry each epoch, the summary
    entry last. `diverge`: a learning rate that blows the weights up (losses become NaN/Infinity)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2000, 8))
    y = (x @ rng.normal(size=8) + 0.5 * rng.normal(size=2000) > 0).astype(float)
    xt, yt, xv, yv = x[:1600], y[:1600], x[1600:], y[1600:]
    w = np.zeros(8)
    eps, clip = (0.0, np.inf) if diverge else (1e-12, 0.3)  # diverging: no guard, no clipping
    per_epoch = len(xt) // 32
    hist: list[dict[str, object]] = []
    losses = []
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            lr = (5e3 if diverge and step > steps // 2 else 0.5) * (1 - step / (steps + 1))
            i = rng.integers(0, len(xt), 32)
            p = 1 / (1 + np.exp(-(xt[i] @ w)))
            losses.append(float(-np.mean(yt[i] * np.log(p + eps) + (1 - yt[i]) * np.log(1 - p + eps))))
            g = xt[i].T @ (p - yt[i]) / 32
            norm = float(np.linalg.norm(g))
            w -= lr * (clip * g / norm if norm > clip else g)
            epoch = round(step / per_epoch, 4)
            if step % 5 == 0:
                clipped = norm if norm > min(clip, 0.3) else None
                entry = {
                    "epoch": epoch,
                    "grad_norm": clipped,
                    "learning_rate": lr,
                    "loss": float(np.mean(losses)),
                }
                hist.append({**entry, "step": step})
                losses = []
            if step % per_epoch == 0:
                pv = 1 / (1 + np.exp(-(xv @ w)))
                vl = float(-np.mean(yv * np.log(pv + eps) + (1 - yv) * np.log(1 - pv + eps)))
                acc = float(np.mean((pv > 0.5) == yv))
                hist.append(
                    {
                        "epoch": epoch,
                        "eval_accuracy": acc,
                        "eval_loss": vl,
                        "eval_runtime": 0.01,
                        "step": step,
                    }
                )
    hist.append(
        {"epoch": round(steps / per_epoch, 4), "step": steps, "train_loss": 0.5, "train_runtime": 3.2}
    )
    return hist


def state(hist: list[dict[str, object]]) -> bytes:
    """A trainer_state.json as the Trainer saves it (json.dumps, indent 2, sorted keys)."""
    doc = {"best_metric": None, "global_step": hist[-1]["step"], "log_history": hist, "max_steps": 1500}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def per_entry(self: HFTrainerStateReader, entries: list[object], plain: bool = False) -> list:  # type: ignore[type-arg]
    return JsonDocumentReader.entry_batches(self, entries)


def seen(sources: list[Source]) -> list[object]:
    """What a user sees of some sources: runs with their series (values, steps, epochs), roles, problems."""
    out: list[object] = []
    for s in sources:
        for r in s.runs:
            roles = {n: se.role for n, se in r.series.items()}
            out.append((snapshot([r]), roles, r.format, [(p.line, p.message) for p in s.problems(r)]))
    return out


def read_whole(path: Path) -> list[Source]:
    sources = discover(path)
    for s in sources:
        s.read_all()
    return sources


def read_saves(path: Path, saves: list[bytes]) -> list[Source]:
    """Each save replaces the file whole (as the Trainer's atomic save does) and is read again."""
    path.write_bytes(saves[0])
    (src,) = discover(path)
    for data in saves:
        path.write_bytes(data)
        src.feed(0, data)
        src.finish(0)
    return [src]


def both(monkeypatch: pytest.MonkeyPatch, read) -> tuple[list[object], list[object]]:  # type: ignore[no-untyped-def]
    fast = seen(read())
    with monkeypatch.context() as m:
        m.setattr(HFTrainerStateReader, "entry_batches", per_entry)
        slow = seen(read())
    return fast, slow


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many blocks and many batches even in a small file (the boundaries are where slips hide)."""
    monkeypatch.setattr(jsonstream, "BLOCK_BYTES", 20_000)
    monkeypatch.setattr(jsondoc, "BATCH_ROWS", 97)
    monkeypatch.setattr(hf_trainer_state, "BATCH_ROWS", 97)


@pytest.mark.parametrize("blocks", ["default", "small"])
def test_columns_equal_entry_by_entry_on_real_trainer_states(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, blocks: str
) -> None:
    if blocks == "small":
        request.getfixturevalue("small_blocks")
    for path in real_files():
        fast, slow = both(monkeypatch, lambda path=path: read_whole(path))
        assert fast == slow and fast[0][0][0][1], path  # equal, and the run has series


@pytest.mark.parametrize("diverge", [False, True])
def test_columns_equal_entry_by_entry_on_a_numpy_training_history(
    monkeypatch: pytest.MonkeyPatch, small_blocks: None, tmp_path: Path, diverge: bool
) -> None:
    hist = numpy_training_history(seed=3, diverge=diverge)
    assert any(e.get("grad_norm", 0) is None for e in hist) and any(e.get("grad_norm") for e in hist)
    assert diverge == any(isinstance(v, float) and v != v for e in hist for v in e.values())
    path = tmp_path / "trainer_state.json"
    path.write_bytes(state(hist))
    fast, slow = both(monkeypatch, lambda: read_whole(path))
    assert fast == slow
    (((_, series),), roles, _, _) = fast[0]
    assert len(series["loss"][0]) == sum("loss" in e for e in hist)
    assert roles["eval_accuracy"] != "other" and "eval_runtime" not in series and "train_loss" not in series


def test_columns_equal_entry_by_entry_over_successive_saves(
    monkeypatch: pytest.MonkeyPatch, small_blocks: None, tmp_path: Path
) -> None:
    hist = numpy_training_history(seed=5)
    saves = [state(hist[:n]) for n in (1, 40, 41, 200, len(hist) - 1, len(hist))]
    saves.append(state(numpy_training_history(seed=6, steps=300)))  # the run started over
    fast, slow = both(monkeypatch, lambda: read_saves(tmp_path / "trainer_state.json", saves))
    assert fast == slow and len(fast) == 2  # the restart is a second run, nothing doubled
    (((_, series),), _, _, _) = fast[0]
    assert len(series["loss"][0]) == sum("loss" in e for e in hist)
