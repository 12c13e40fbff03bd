"""Fresh runs for the confidence bounds (`lossacc_tui.analysis.confidence_range`): small real
PyTorch trainings whose per-sample confidences are computed at every evaluation, then the claims
and texts of `check --json` about confidence judged against them.

    /work/venvs/fw/bin/python benchmarks/truth/confidence_runs.py make OUT [PREFIX]  # train (torch)
    python benchmarks/truth/confidence_runs.py score OUT                     # judge (this repo's code)

`make` writes OUT/<recipe>-s<seed>/train.jsonl (one JSON line per epoch: epoch, train_loss,
train_acc, val_loss, val_acc; the plain mean cross-entropy of the whole split after the epoch) and
facts.jsonl (the schema-1 facts of each validation evaluation, benchmarks/truth/facts.py: mean
confidence, accuracy, cross-entropy, ...). Nothing here was tuned on: the recipes are the common
small set-ups (binary and multi-class, SGD with a shrunken last layer, Adam, label noise).

`score` prints, over every validation evaluation, whether the mean confidence lies in the range the
pair allows (violations must be 0), and for every `underconfident` / `confident-mistakes` claim and
every "no reading here" sentence whether it is true of the facts (`claims.judge`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

#: recipe -> (data, hidden sizes, optimiser, learning rate, last-layer init scale, epochs, label noise)
RECIPES: dict[str, tuple[str, tuple[int, ...], str, float, float, int, float]] = {
    "cancer-sgd-small-init": ("cancer", (16,), "sgd", 3e-3, 0.01, 40, 0.0),
    "cancer-adam": ("cancer", (32,), "adam", 1e-3, 1.0, 60, 0.0),
    "wine-adam": ("wine", (32,), "adam", 3e-3, 1.0, 50, 0.0),
    "digits-adam": ("digits", (64,), "adam", 1e-3, 1.0, 40, 0.0),
    "digits-sgd-small-init": ("digits", (64,), "sgd", 1e-2, 0.01, 40, 0.0),
    "binary-noise10-adam": ("binary", (64, 64), "adam", 1e-3, 1.0, 60, 0.1),
    "wine-adam-fast": ("wine", (32,), "adam", 3e-2, 1.0, 30, 0.0),
    "cancer-adam-fast": ("cancer", (32,), "adam", 1e-2, 1.0, 40, 0.0),
}
SEEDS = (0, 1, 2, 3)


def _data(name: str, seed: int, noise: float):  # type: ignore[no-untyped-def]
    """(x_train, y_train, x_val, y_val, k): standardised features, a 70/30 split."""
    import numpy as np
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "wine":
        x, y = datasets.load_wine(return_X_y=True)
    elif name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
    else:
        x, y = datasets.make_classification(
            2000, 20, n_informative=6, class_sep=1.0, flip_y=0.0, random_state=seed
        )
    xt, xv, yt, yv = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
    sc = StandardScaler().fit(xt)
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    if noise:  # labels flipped in both splits (the evaluation counts them as they are)
        for lab in (yt, yv):
            flip = rng.random(len(lab)) < noise
            lab[flip] = (lab[flip] + rng.integers(1, k, flip.sum())) % k
    return sc.transform(xt), yt, sc.transform(xv), yv, k


def make(out: Path, only: str = "") -> None:
    """Train every recipe (or those whose name starts with `only`) and seed; write the log and the
    facts of each (see the module docstring)."""
    import numpy as np
    import torch
    from torch import nn
    from torch.nn import functional as F

    from benchmarks.truth.facts import FactTracker

    torch.set_num_threads(1)
    for name, (data, hidden, opt_name, lr, init, epochs, noise) in RECIPES.items():
        if not name.startswith(only):
            continue
        for seed in SEEDS:
            torch.manual_seed(seed)
            xt, yt, xv, yv, k = _data(data, seed, noise)
            tx, ty = torch.tensor(xt, dtype=torch.float32), torch.tensor(yt)
            vx, vy = torch.tensor(xv, dtype=torch.float32), torch.tensor(yv)
            layers: list[nn.Module] = []
            d = tx.shape[1]
            for h in hidden:
                layers += [nn.Linear(d, h), nn.ReLU()]
                d = h
            last = nn.Linear(d, k)
            with torch.no_grad():
                last.weight.mul_(init)
                last.bias.mul_(init)
            model = nn.Sequential(*layers, last)
            opt = (
                torch.optim.SGD(model.parameters(), lr=lr)
                if opt_name == "sgd"
                else torch.optim.Adam(model.parameters(), lr=lr)
            )
            folder = out / f"{name}-s{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            tracker = FactTracker("val")
            log, facts = [], []
            g = torch.Generator().manual_seed(seed)
            for epoch in range(1, epochs + 1):
                model.train()
                for idx in torch.randperm(len(tx), generator=g).split(32):
                    opt.zero_grad()
                    F.cross_entropy(model(tx[idx]), ty[idx]).backward()
                    opt.step()
                model.eval()
                with torch.no_grad():
                    zt, zv = model(tx), model(vx)
                row = {"epoch": epoch}
                for split, z, y in (("train", zt, ty), ("val", zv, vy)):
                    row[f"{split}_loss"] = round(float(F.cross_entropy(z, y)), 6)
                    row[f"{split}_acc"] = round(float((z.argmax(1) == y).float().mean()), 6)
                log.append(json.dumps(row))
                probs = torch.softmax(zv.double(), 1).numpy()
                facts.append(json.dumps(tracker.facts(probs, np.asarray(yv), epoch, None)))
            (folder / "train.jsonl").write_text("\n".join(log) + "\n")
            (folder / "facts.jsonl").write_text("\n".join(facts) + "\n")
            print(f"  {folder.name}: {epochs} epochs, K={k}", flush=True)


def score(out: Path) -> None:
    """Judge the confidence claims and sentences of `check --json` on every run under `out`."""
    from benchmarks.truth.claims import Truth, judge
    from benchmarks.truth.score import check_json
    from lossacc_tui.analysis.confidence_range import (
        confidence_range,
        confident_mistakes_least_loss,
        underconfidence_possible,
    )

    evals = outside = ruled = ruled_under = allowed = allowed_under = 0
    table: dict[tuple[str, str], list[int]] = {}
    lines: list[str] = []
    for folder in sorted(p for p in out.iterdir() if (p / "facts.jsonl").exists()):
        rows = [json.loads(x) for x in (folder / "facts.jsonl").read_text().splitlines() if x.strip()]
        for r in rows:
            lo, hi = confidence_range(r["loss"], r["accuracy"], None)
            evals += 1
            c = r["mean_conf"]
            outside += not (lo - 1e-6 <= c <= hi + 1e-6)
            under = c < r["accuracy"] - 0.02
            if underconfidence_possible(r["loss"], r["accuracy"], None):
                allowed, allowed_under = allowed + 1, allowed_under + under
            else:
                ruled, ruled_under = ruled + 1, ruled_under + under
            cw = r.get("confident_wrong_share")
            if cw is not None and cw >= 0.5 and r["loss"] < confident_mistakes_least_loss(r["accuracy"]):
                outside += 1
        truth = Truth(rows, {"k": rows[0]["k"]}, 0, "epoch")
        doc = check_json([folder / "train.jsonl"])
        for a in (a for run in doc.get("runs", []) for a in run.get("alerts", [])):
            for cl in a.get("claims") or []:
                if cl["id"] not in ("underconfident", "confident-mistakes", "overconfident"):
                    continue
                verdict, why = judge(cl, truth)
                slot = table.setdefault((cl["id"], cl["strength"]), [0, 0, 0])
                slot[0 if verdict else 1 if verdict is False else 2] += 1
                if verdict is False:
                    where = f"{cl['id']} ({cl['strength']}) in {a['kind']} on {folder.name}"
                    lines.append(f"  false {where}: {why}")
            text = json.dumps(a)
            if "is no reading here: if" in text:
                r = truth.at(a.get("evidence", {}).get("now_x"))
                ok = r is not None and r["mean_conf"] >= r["accuracy"] - 0.02
                table.setdefault(("(ruled out in text)", "follows"), [0, 0, 0])[0 if ok else 1] += 1
                if not ok:
                    lines.append(f"  false ruling-out in {a['kind']} on {folder.name}")
    print(f"validation evaluations: {evals}; mean confidence outside the allowed range: {outside}")
    print(f"underconfidence ruled out by the pair: {ruled} (underconfident in truth: {ruled_under})")
    print(f"underconfidence allowed by the pair: {allowed} (underconfident in truth: {allowed_under})")
    print("\n| claim | strength | true | false | unjudged |\n|---|---|---|---|---|")
    for (cid, st), (t, f, u) in sorted(table.items()):
        print(f"| `{cid}` | {st} | {t} | {f} | {u} |")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("make", "score"):
        sys.exit("usage: confidence_runs.py make OUT [RECIPE-PREFIX] | score OUT")
    if sys.argv[1] == "make":
        make(Path(sys.argv[2]), *sys.argv[3:])
    else:
        score(Path(sys.argv[2]))
