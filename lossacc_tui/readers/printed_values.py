"""How a printed value is spelled when it is not a bare number: a line is rewritten to the plain
`name: number` it means before its names and numbers are read (`text_kv`, and every console
reader that reads a user's own prints through it).

- A framework's repr of one number is that number (tester 27 T3):

      loss: tensor(0.5321, grad_fn=<NllLossBackward0>)      -> loss: 0.5321
      acc tensor(0.8100, device='cuda:0', dtype=torch.float64) -> acc 0.8100
      val_loss=np.float64(0.5321), val_acc=np.float32(0.81)  -> val_loss=0.5321, val_acc=0.81
      array(0.53, dtype=float32), tensor([0.53])             -> 0.53, 0.53

  (`print("loss:", loss)` of a torch tensor, a numpy 2 scalar printed by `!r` or inside a
  container). A repr of several numbers (`tensor([0.1, 0.2])`) is left as it is: it is no value
  of one metric, and `several` names it so the reader can say it was not read.
- An arrow between a name and its value is the separator (tester 27 T2):

      train loss -> 0.5321 | val acc → 0.81       -> train loss: 0.5321 | val acc: 0.81

  A split word's arrow to the names it owns is its colon (`val -> loss 0.52 acc 0.79` ->
  `val: loss 0.52 acc 0.79`, read by `lead_split` as validation's); an arrow between two numbers is
  a change (`best acc 0.80 -> 0.82`), whose value is the one it came to (`best acc 0.82`).
"""

from __future__ import annotations

import re

from lossacc_tui.readers.lead_split import carries_split

# a split word alone (`val`, `[Train]`, `test:`), whose arrow points at the names it owns
_SPLIT_ONLY = re.compile(r"^\[?[A-Za-z]+\]?[.:]?$")
_NUM = r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)"
# torch: `tensor(0.53)`, `tensor([0.53])`, `tensor(0.53, device='cuda:0', grad_fn=<MeanBackward0>)`;
# numpy: `np.float64(0.53)`, `np.float32(nan)`, `np.longdouble('0.53')`, `array(0.53, dtype=float32)`
# (the keyword arguments torch and numpy print hold no parentheses)
_REPR = re.compile(
    r"(?<![\w.])(?:(?:torch\.)?tensor|(?:np\.|numpy\.)?array)\(\s*(?:\[\s*)*(?P<t>" + _NUM + r")(?:\s*\])*"
    r"\s*(?:,\s*[a-z_]+=[^()\n]*)?\)"
    r"|(?<![\w.])(?:np|numpy)\.(?:float|int|uint|longdouble|double|single|half)\d*"
    r"\(\s*'?(?P<n>" + _NUM + r")'?\s*\)"
)
# the start of a repr of several numbers: `tensor([0.1, 0.2])`, `array([[0.1, ...`
_SEVERAL = re.compile(
    r"(?<![\w./@-])(?P<name>[A-Za-z][\w./@-]{0,63})\s*[:=]?\s*(?:(?:torch\.)?tensor|(?:np\.|numpy\.)?array)\(\s*\[[^\]\n]*,"
)
_ARROWS = "->", "=>", "→", "⟶", "⇒", "➜", "➔"
# an arrow with a number or a name after it; the word before it (from its start: a long run of
# characters with no space costs no more than a short one) decides (`_arrow`)
_ARROW = re.compile(
    r"(?:(?<!\S)(?P<before>\S{1,64}))?(?P<sp>\s*)(?:-{1,2}>|=>|→|⟶|⇒|➜|➔)\s*"
    r"(?:(?=(?P<num>[-+]?(?:\d|\.\d|nan|inf)))|(?=[A-Za-z]))"
)
_NUMBER = re.compile(_NUM + r"%?$")
_LIST_END = re.compile(_NUM + r"%?[,;|]$")
_WRAPPED = re.compile(r"(?:tensor|array|np\.|numpy\.)")


def _arrow(m: re.Match[str]) -> str:
    """`name -> 0.5` -> `name: 0.5`; `val -> loss 0.5` (a split word, then names) -> `val: loss 0.5`;
    `0.80 -> 0.82` (a change) -> `0.82`, the value it came to; anything else as written."""
    before = m["before"]
    if before is None or before in _ARROWS or _LIST_END.match(before):
        return m[0]
    if m["num"] is None:  # a name after the arrow: only a split word's arrow is a separator
        return f"{before}: " if carries_split(before.strip("[]:.")) and _SPLIT_ONLY.match(before) else m[0]
    if _NUMBER.match(before):
        return ""
    return f"{before}: "


def unwrap(text: str) -> str:
    """`text` with each one-number repr replaced by its number and each name-to-number arrow by
    `: ` (the line itself when it has neither; 1 us for most lines).

    >>> unwrap("epoch 1 loss: tensor(2.2776, grad_fn=<DivBackward0>) val_acc tensor(0.33, device='cuda:0')")
    'epoch 1 loss: 2.2776 val_acc 0.33'
    >>> unwrap("train loss -> 0.5321 | val acc → 0.81 | best 0.80 -> 0.82")
    'train loss: 0.5321 | val acc: 0.81 | best 0.82'
    >>> unwrap("Epoch 3 | train -> loss 0.41 | [val] -> loss 0.52 | go -> on")
    'Epoch 3 | train: loss 0.41 | [val]: loss 0.52 | go -> on'
    """
    if "(" in text and _WRAPPED.search(text):
        text = _REPR.sub(lambda m: m["t"] or m["n"], text)
    if ">" in text or "→" in text or "⟶" in text or "⇒" in text or "➜" in text or "➔" in text:
        text = _ARROW.sub(_arrow, text)
    return text


def several(text: str) -> list[str]:
    """The names in `text` whose printed value is a repr of several numbers (`loss tensor([0.1,
    0.2])`): not one metric's value, so not read (call after `unwrap`)."""
    if "([" not in text and "( [" not in text:
        return []
    return [m["name"] for m in _SEVERAL.finditer(text)]
