"""Plain-text tables that fit the screen without shortening a number.

A table declares its columns with a priority: 0 is never dropped, and the
higher the number, the sooner the column goes when the screen is too narrow.
Cells are never cut: a money, latency or token figure is shown whole or its
column is left out, and a footnote names what was left out. Only columns
marked ``wrap`` (free text such as notes) may fold, and only between words.
When even the priority-0 columns do not fit, each row becomes a block of
``header: value`` lines. Piped output (no width) is always complete.

Rendering is linear in rows: widths are measured once per column, and each
line is built by padding and joining strings.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass

GAP = "  "


@dataclass(frozen=True)
class Column:
    header: str
    priority: int = 0  # 0: always shown; higher: dropped sooner when space is short
    right: bool = False  # numbers are right-aligned
    wrap: bool = False  # free text that may fold between words


@dataclass(frozen=True)
class Screen:
    """Where a table goes: its width (None: unlimited, as when piped) and whether to show all."""

    width: int | None = None
    wide: bool = False
    terminal: bool = False

    @classmethod
    def detect(cls, wide: bool = False, stream=None) -> Screen:
        """The terminal's width on a terminal; unlimited when piped, whatever COLUMNS says."""
        stream = stream or sys.stdout
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
        if not terminal:
            return cls(None, wide, False)
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else shutil.get_terminal_size().columns
        return cls(max(width, 20), wide, True)


def cell_width(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _pad(text: str, width: int, right: bool) -> str:
    room = width - cell_width(text)
    if room <= 0:
        return text
    return " " * room + text if right else text + " " * room


def _words_width(texts: Sequence[str]) -> int:
    return max((cell_width(w) for t in texts for w in t.split()), default=0)


def _fold(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken only between words."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and cell_width(line) + 1 + cell_width(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line or not lines else lines


@dataclass(frozen=True)
class Fit:
    shown: tuple[int, ...]  # the indexes of the columns shown, in order
    widths: dict[int, int]
    dropped: tuple[str, ...]  # headers of the columns left out
    blocks: bool = False  # one block per row instead of a table


def fit(columns: Sequence[Column], rows: Sequence[Sequence[str]], screen: Screen) -> Fit:
    """Which columns to show at ``screen``'s width, and how wide each is."""
    natural, empty = {}, set()
    for i, col in enumerate(columns):
        widest = max((cell_width(row[i]) for row in rows), default=0)
        if widest == 0 and col.priority > 0:
            empty.add(i)  # nothing to show: left out without a footnote
        natural[i] = max(cell_width(col.header), widest)
    shown = [i for i in range(len(columns)) if i not in empty]
    if screen.width is None or screen.wide:
        return Fit(tuple(shown), natural, ())

    def need(idx: list[int], widths: dict[int, int]) -> int:
        return sum(widths[i] for i in idx) + len(GAP) * max(len(idx) - 1, 0)

    widths = dict(natural)
    order = sorted(
        (i for i in shown if columns[i].priority > 0), key=lambda i: -columns[i].priority
    )
    dropped: list[int] = []
    while True:
        over = need(shown, widths) - screen.width
        if over <= 0:
            break
        folded = False
        for i in shown:  # let free text fold before giving up a column
            if columns[i].wrap:
                least = max(_words_width([r[i] for r in rows]), cell_width(columns[i].header))
                if widths[i] - over >= least:
                    widths[i] -= over
                    folded = True
                    break
        if folded:
            break
        if not order:
            return Fit(tuple(shown + dropped), natural, (), blocks=True)
        victim = order.pop(0)
        shown.remove(victim)
        dropped.append(victim)
    return Fit(tuple(shown), widths, tuple(columns[i].header or "bar" for i in sorted(dropped)))


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    screen: Screen | None = None,
    *,
    footer: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    """The table as text; ``footer`` is a last row under a rule (totals)."""
    screen = screen or Screen()
    every = [*rows, footer] if footer is not None else list(rows)
    layout = fit(columns, every, screen)
    if layout.blocks:
        return blocks(columns, rows, footer=footer, caption=caption)
    shown, widths = layout.shown, layout.widths
    rule_char = "─" if screen.terminal else "-"

    def line(cells: Sequence[str]) -> list[str]:
        folded = {i: _fold(cells[i], widths[i]) for i in shown if columns[i].wrap}
        height = max((len(v) for v in folded.values()), default=1)
        out = []
        for k in range(height):
            parts = []
            for i in shown:
                if i in folded:
                    text = folded[i][k] if k < len(folded[i]) else ""
                else:
                    text = cells[i] if k == 0 else ""
                parts.append(_pad(text, widths[i], columns[i].right))
            out.append(GAP.join(parts).rstrip())
        return out

    rule = GAP.join(rule_char * widths[i] for i in shown)
    text = [*line([c.header for c in columns]), rule]
    if any(columns[i].wrap for i in shown):
        for row in rows:
            text += line(row)
    else:  # the fast path: one join per row
        spec = [(i, widths[i], columns[i].right) for i in shown]
        for row in rows:
            text.append(GAP.join(_pad(row[i], w, r) for i, w, r in spec).rstrip())
    if footer is not None:
        text += [rule, *line(footer)]
    if caption:
        text += _fold(caption, screen.width) if screen.width and not screen.wide else [caption]
    if layout.dropped:
        left_out = ", ".join(layout.dropped)
        note = f"(not shown at {screen.width} columns: {left_out}; --wide shows all)"
        text += _fold(note, screen.width or len(note))
    return "\n".join(text) + "\n"


def blocks(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    footer: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    """One block per row: the first cell as a heading, then ``header: value`` lines."""
    labels = [c.header or "relative cost" for c in columns]
    out: list[str] = []
    for row in [*rows, *([footer] if footer is not None else [])]:
        out.append(row[0])
        out += [f"  {labels[i]}: {row[i]}" for i in range(1, len(columns)) if row[i]]
        out.append("")
    if caption:
        out.append(caption)
    return "\n".join(out).rstrip("\n") + "\n"
