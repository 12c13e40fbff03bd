"""Options shared by the subcommands: metric roles (`--map`) and analysis parameters
(`--config FILE`, `--set NAME=VALUE`, `--majority`, `--classes`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace

from lossacc_tui.analysis import CONFIG_FORMATS, Params

ROLE_NAMES = ("train_loss", "val_loss", "train_acc", "val_acc", "lr")


class OptionError(Exception):
    """A command-line value that cannot be used (one line for stderr)."""


def parse_map(items: Sequence[str]) -> dict[str, str]:
    """`--map val_acc=eval_f1` (repeatable, or comma separated) -> {role: source name}."""
    out: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            role, sep, name = part.partition("=")
            role, name = role.strip(), name.strip()
            if not sep or role not in ROLE_NAMES or not name:
                raise OptionError(
                    f"--map takes ROLE=METRIC with ROLE one of {', '.join(ROLE_NAMES)}; got {part!r}"
                )
            out[role] = name
    return out


#: The smallest `--keep`: the analysis reads up to a few hundred recent points (its windows) and a
#: per-step training loss about an evaluation's worth; all of them stay unfolded above this.
KEEP_MIN = 10_000


def keep_points(text: str) -> int:
    """`--keep N`: a whole number of points, at least KEEP_MIN (argparse type: a one-line error)."""
    try:
        n = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a whole number of points, got {text!r}") from None
    if n < KEEP_MIN:
        raise argparse.ArgumentTypeError(f"takes at least {KEEP_MIN:,} points, got {n:,}")
    return n


def add_keep_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--keep",
        type=keep_points,
        metavar="N",
        help="keep at most about 3N points per metric: older ones are folded into per-block min/max "
        f"points (a long run in bounded memory; N >= {KEEP_MIN:,})",
    )


def add_analysis_options(sp: argparse.ArgumentParser) -> None:
    g = sp.add_argument_group("analysis (see `lossacc-tui explain --params` for every parameter)")
    g.add_argument(
        "--config", metavar="FILE", help=f"analysis parameters from a file ({', '.join(CONFIG_FORMATS)})"
    )
    g.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one analysis parameter, e.g. --set window=8",
    )
    g.add_argument("--majority", type=float, metavar="RATE", help="share of the majority class, e.g. 0.9")
    g.add_argument("--classes", type=int, metavar="K", help="number of classes (else inferred from the loss)")


def params_from_args(args: argparse.Namespace) -> Params:
    """Defaults, then the config file, then --set, --majority and --classes."""
    try:
        base = Params.from_file(args.config) if getattr(args, "config", None) else Params()
        over: dict[str, object] = {}
        for item in getattr(args, "set", []) or []:
            name, sep, value = item.partition("=")
            if not sep:
                raise OptionError(f"--set takes NAME=VALUE; got {item!r}")
            over[name.strip()] = value.strip()
        if getattr(args, "majority", None) is not None:
            over["majority_rate"] = args.majority
        if getattr(args, "classes", None) is not None:
            over["n_classes"] = args.classes
        if not over:
            return base
        given = Params.from_mapping(over)
        names = {k.replace("-", "_") for k in over}
        return replace(base, **{n: getattr(given, n) for n in names})
    except OSError as e:
        raise OptionError(f"{args.config}: cannot read ({e.strerror or e})") from None
    except ValueError as e:
        raise OptionError(str(e).splitlines()[0] if str(e) else "bad analysis parameter") from None
