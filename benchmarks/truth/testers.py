"""Score the claims of `lossacc-tui check --json` on runs written by testers (benchmarks/truth/testers:
real training runs of testers 22 and 23, per-sample facts computed by their own scripts). A check set
only: no analysis rule may be tuned on it. Tester 23's runs are fresh; session 14 fixed tester 22's
faults on its runs, so every table gives each tester its own columns.

A claim is judged with claims.judge when the tester computed every fact it needs at the evaluations
it speaks of; otherwise it is "unjudged" with the missing fact named. Each folder holds the log as
written, `facts.jsonl` (facts.py vocabulary, `null` where the tester computed nothing; epoch and step
in the log's own numbering) and `run.json` (source, script, recipe, K, whether the logged loss is
cross-entropy).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.truth.claims import CHANGE_IDS, Truth, judge
from benchmarks.truth.score import check_json

TESTERS = Path(__file__).resolve().parent / "testers"
STRONG = ("follows", "likely")

# per claim id, the facts of an evaluation it is judged on (claims.judge's truth conditions)
NEEDS: dict[str, tuple[str, ...]] = {
    "fewer-mistakes": ("n_wrong",),
    "more-mistakes": ("n_wrong",),
    "loss-rises-beyond-noise": ("loss",),
    "predictions-crossing": ("flips",),
    "mistakes-carry-loss": ("wrong_loss_share",),
    "right-answers-carry-loss": ("wrong_loss_share",),
    "confident-mistakes": ("confident_wrong",),
    "one-class-predictor": ("pred_majority_share",),
    "at-majority-rate": ("accuracy", "majority_rate"),
    "at-chance": ("accuracy", "loss"),
    "overconfident": ("accuracy", "mean_conf"),
    "underconfident": ("accuracy", "mean_conf"),
}
# run-level claims the testers' recipes settle (run.json); the rest of the run-level ids are unjudged
RECIPE_IDS = {"classes", "not-cross-entropy", "label-smoothing", "evaluation-broken"}


@dataclass
class TesterRun:
    """One tester run: its folder, run.json, the facts rows and check --json's runs of its log."""

    folder: Path
    meta: dict
    rows: list[dict]
    runs: list[dict]

    @property
    def name(self) -> str:
        return f"{self.folder.name}/{self.meta['log']}"

    @property
    def alerts(self) -> list[dict]:
        return [a for r in self.runs for a in r.get("alerts", [])]

    def truth(self) -> Truth:
        axis = self.runs[0].get("x_axis", "epoch") if self.runs else "epoch"
        labels = {
            "k": self.meta["k"],
            "loss_is_cross_entropy": self.meta["loss_is_cross_entropy"],
            "built": ["label-smoothing"] if self.meta.get("label_smoothing") else [],
            "evaluation_broken": False,  # every tester evaluates the model's own forward pass on its split
        }
        return Truth(self.rows, labels, 0, axis)


def load(root: Path = TESTERS) -> list[TesterRun]:
    """Every tester run under `root`, its log read by `check --json` in this process."""
    out = []
    for meta_path in sorted(root.glob("*/run.json")):
        folder = meta_path.parent
        meta = json.loads(meta_path.read_text())
        rows = [json.loads(x) for x in (folder / "facts.jsonl").read_text().splitlines() if x.strip()]
        out.append(TesterRun(folder, meta, rows, check_json([folder / meta["log"]]).get("runs", [])))
    return out


def judge_tester(claim: dict, truth: Truth) -> tuple[bool | None, str]:
    """claims.judge where the tester computed the facts the claim needs, else (None, what is missing)."""
    cid = str(claim.get("id"))
    if cid in RECIPE_IDS:
        return judge(claim, truth)
    needs = NEEDS.get(cid)
    if needs is None:
        return None, f"{cid}: not among the facts the testers computed"
    xs = [claim.get("end", claim.get("start"))] + ([claim.get("start")] if cid in CHANGE_IDS else [])
    for x in xs:
        row = truth.at(x)
        if row is None:
            return None, f"no evaluation at or before x={x}"
        missing = [f for f in needs if f != "flips" and row.get(f) is None]
        if missing:
            return None, f"the tester did not compute {', '.join(missing)}"
    return judge(claim, truth)


def xmap_problems(runs: list[TesterRun]) -> list[str]:
    """Runs whose log the tool did not read as one run ending at the facts' last evaluation, with the
    facts' last loss equal to the logged last val_loss (4 significant digits: print formats round)."""
    bad = []
    for r in runs:
        t = r.truth()
        last = r.rows[-1]
        vals = [m for run in r.runs for m in run.get("metrics", {}).values() if m.get("role") == "val_loss"]
        ok = len(r.runs) == 1 and len(vals) == 1 and vals[0].get("last_x") is not None
        if ok:
            key = t._key(last)
            ok = key is not None and abs(float(vals[0]["last_x"]) - key) < 1e-6
            lv, fv = vals[0].get("last"), last.get("loss")
            ok = ok and lv is not None and fv is not None and abs(lv - fv) <= 6e-4 * max(1.0, abs(fv))
        if not ok:
            got = [(m.get("last_x"), m.get("last")) for m in vals]
            bad.append(
                f"x mapping    {r.name}: tool read {len(r.runs)} run(s), val_loss (last x, last) {got}; "
                f"facts {t._key(last)}, {last.get('loss')}"
            )
    return bad


def _ratio(a: int, b: int) -> str:
    return "-" if b == 0 else f"{a / b:.2f}"


def testers_part(root: Path = TESTERS, quiet: bool = False) -> list[str]:
    """The claim tables of the testers' runs and every false follows/likely claim (run, evaluation)."""
    runs = load(root)
    if not runs:
        return []
    testers = sorted({r.meta["tester"] for r in runs})
    # (title, key, tester) -> [true, false, unjudged]
    by: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    strong_false, weak_false, unjudged = [], [], defaultdict(int)
    n = 0
    for r in runs:
        truth = r.truth()
        tester = r.meta["tester"]
        for a in r.alerts:
            for c in a.get("claims") or []:
                n += 1
                verdict, why = judge_tester(c, truth)
                slot = 0 if verdict else 1 if verdict is False else 2
                by[("id", str(c.get("id")), tester)][slot] += 1
                by[("strength", str(c.get("strength")), tester)][slot] += 1
                where = (
                    f"{c.get('id')} ({c.get('strength')}, x {c.get('start')}-{c.get('end')}) in {a['kind']} "
                    f"({a['severity']}) on {r.name}: {why}"
                )
                if verdict is False:
                    (strong_false if c.get("strength") in STRONG else weak_false).append(where)
                elif verdict is None:
                    unjudged[f"{c.get('id')}: {why}"] += 1
    per = {t: sum(1 for r in runs if r.meta["tester"] == t) for t in testers}
    out = [
        "",
        f"== runs written by testers ({len(runs)} logs: "
        + ", ".join(f"{per[t]} of tester {t}" for t in testers)
        + "; per-sample facts computed by their scripts; benchmarks/truth/testers). Tester 23's runs"
        " are fresh (session 15); session 14 fixed tester 22's faults on its runs (acc-stuck F1,"
        " acc-flat-loss-down F3), so only tester 23's were never tuned on",
        "",
        f"claims: {n}",
    ]
    for title in ("id", "strength"):
        cols = " | ".join(f"tester {t}: true / false / unjudged | share true" for t in testers)
        out.append(f"\n| claim {title} | {cols} |\n|---|" + "---|---|" * len(testers))
        for key in sorted({k for ti, k, _ in by if ti == title}):
            cells = []
            for t in testers:
                tr, f, u = by.get((title, key, t), [0, 0, 0])
                cells.append(f"{tr} / {f} / {u} | {_ratio(tr, tr + f)}")
            out.append(f"| `{key}` | {' | '.join(cells)} |")
    bad = xmap_problems(runs)
    out.append(
        f"\nlogs read as one run ending at the facts' last evaluation and loss: "
        f"{len(runs) - len(bad)} of {len(runs)}"
    )
    out.append(f"false follows/likely claims: {len(strong_false)}")
    out += [f"  {x}" for x in strong_false]
    if not quiet:
        out += ["false possible claims:"] + [f"  {x}" for x in weak_false]
        out += ["unjudged (why):"] + [f"  {v} x {k}" for k, v in sorted(unjudged.items())]
        out += [f"  {x}" for x in bad]
    return out
