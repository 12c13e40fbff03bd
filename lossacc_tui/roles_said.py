"""A training metric named with its split beside one named bare: the named one is the run's.

A loop that shows a progress bar and prints a summary per epoch logs two training losses: the bar's
postfix `loss=` (tqdm's `set_postfix`, Lightning's bar: a value within the epoch, a running mean or
the last batch's) and the printed `train_loss` (the epoch's). Both are candidates for the
training-loss role at the same rank; the first seen (the bar's, drawn before the epoch's print) took
it, and the printed one was left `other`: the analysis compared the bar's within-epoch value with a
validation loss printed at the epoch's end. The name that says its split (`train_loss`, `tr_loss`,
`Loss/train`) is the one the loop gives as its training metric, so it wins a tie over a bare one
(`loss`, `acc`); the bare one keeps its name, role `other`, and a note says so and how to read it
instead (`--map`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

_KIND_WORDS = {"train_loss": "loss", "train_acc": "accuracy"}


def prefer_said(tied: list[tuple[int, int, str]], said: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """Of candidates (rank, index, name) tied for a training role: those whose name says its split
    (`said(name)`), when some do and some do not; else all of them."""
    named = [c for c in tied if said(c[2])]
    return named if named and len(named) < len(tied) else tied


def notes(
    roles: Mapping[str, str],
    role_of: Callable[[str], tuple[str, int] | None],
    said: Callable[[str], bool],
    given: Mapping[str, str],
) -> list[str]:
    """A note for each training loss or accuracy named bare that lost its role to one named with its
    split at the same rank (`prefer_said`). `role_of(name)`: (role, rank) a name is a candidate for
    (`roles.classify`), or None; `said(name)`: whether it says its split; `given`: the user's `--map`
    (role -> name; no note for a role mapped)."""
    out = []
    for role, kind in _KIND_WORDS.items():
        chosen = next((n for n, r in roles.items() if r == role), None)
        if chosen is None or role in given or not said(chosen):
            continue
        for name, r in roles.items():
            if r == "other" and role_of(name) == role_of(chosen) and not said(name):
                out.append(
                    f"{name}: a training {kind} named without its split beside {chosen}, which is read as "
                    f"the training {kind} (its name says so); {name} (often a progress bar's value within "
                    f"each epoch, or a per-step one) stays under its own name: --map {role}={name} reads "
                    "it instead"
                )
    return out


__all__ = ["notes", "prefer_said"]
