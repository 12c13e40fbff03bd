"""The run list tells a run that is not analysed from a healthy one (session 15's noticed fault): a
run with losses and no accuracy, or with too few evaluations for a trend, raises no alert, and its
row looked like a quiet healthy run's (`·`, no alert count). Its row now has the `?` badge and says
why ("no accuracy", "too few evals") where the row has room for it: the second line at 120 columns,
after the position in a one-line row where it fits whole (80 columns: the badge alone otherwise).

The logs are printed by a hand-written numpy loop (logistic regression) as `print(f"epoch {e} loss
{l:.4f} ...")` writes them: a 12-epoch run with accuracy, the same loop printing losses only, and a
2-epoch run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from app_helpers import run_text, settled, sync, wait_for, watch_app


def _train(epochs: int, seed: int) -> list[tuple[int, float, float, float, float]]:
    rng = np.random.default_rng(seed)
    x, xv = rng.normal(size=(400, 5)), rng.normal(size=(200, 5))
    w0 = rng.normal(size=5)
    y = (x @ w0 + rng.normal(size=400) * 0.8 > 0).astype(float)
    yv = (xv @ w0 + rng.normal(size=200) * 0.8 > 0).astype(float)
    w, out = np.zeros(5), []
    for e in range(1, epochs + 1):
        p = 1 / (1 + np.exp(-x @ w))
        loss, acc = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), np.mean((p > 0.5) == y)
        w -= 0.3 * x.T @ (p - y) / len(y)
        pv = 1 / (1 + np.exp(-xv @ w))
        vl, va = -np.mean(yv * np.log(pv) + (1 - yv) * np.log(1 - pv)), np.mean((pv > 0.5) == yv)
        out.append((e, float(loss), float(acc), float(vl), float(va)))
    return out


def _folder(root: Path) -> Path:
    with open(root / "full.log", "w") as f:
        for e, loss, acc, vl, va in _train(12, 0):
            print(f"epoch {e} loss {loss:.4f} acc {acc:.3f} val_loss {vl:.4f} val_acc {va:.3f}", file=f)
    with open(root / "loss_only.log", "w") as f:
        for e, loss, _, vl, _ in _train(12, 1):
            print(f"epoch {e} loss {loss:.4f} val_loss {vl:.4f}", file=f)
    with open(root / "short.log", "w") as f:
        for e, loss, acc, vl, va in _train(2, 2):
            print(f"epoch {e} loss {loss:.4f} acc {acc:.3f} val_loss {vl:.4f} val_acc {va:.3f}", file=f)
    return root


def _rows(text: str) -> dict[str, str]:
    """Each run's row (its lines joined), by the log's name."""
    rows: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        for log in ("full.log", "loss_only.log", "short.log"):
            if log in line:
                name = log
        rows[name] = rows.get(name, "") + line
    return rows


@sync
async def test_a_run_not_analysed_says_so_in_the_run_list_at_120_columns(tmp_path: Path) -> None:
    app = watch_app(_folder(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 12 * 4 + 12 * 2 + 2 * 4)
        await wait_for(pilot, lambda: "too few evals" in run_text(app), what="the short run's row")
        rows = _rows(run_text(app))
        assert "?" in rows["loss_only.log"] and "no accuracy" in rows["loss_only.log"], rows
        assert "?" in rows["short.log"] and "too few evals" in rows["short.log"], rows
        assert "?" not in rows["full.log"] and "alert" in rows["full.log"], rows


@sync
async def test_a_run_not_analysed_has_its_badge_at_80_columns(tmp_path: Path) -> None:
    app = watch_app(_folder(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app, 12 * 4 + 12 * 2 + 2 * 4)
        await wait_for(pilot, lambda: run_text(app).count("?") == 2, what="two unanalysed badges")
        rows = _rows(run_text(app))
        assert "?" in rows["loss_only.log"] and "?" in rows["short.log"] and "?" not in rows["full.log"], rows
