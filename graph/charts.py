"""Bar charts of reports that count by category, as PNG or SVG files a person can read."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from graph.errors import ReportError
from graph.results import Table, display

#: Categories shown at most; the rest are summed into one bar.
MAX_BARS = 30


def bar_chart(table: Table, x: str, y: str, output: Path, *, title: str = "") -> int:
    """Draw ``y`` (a count) by ``x`` (a category) as horizontal bars; returns the number of bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for column in (x, y):
        if column not in table.variables:
            raise ReportError(f"chart: the report has no column {column!r} — columns: {', '.join(table.variables)}")
    if output.suffix.lower() not in (".png", ".svg"):
        raise ReportError(f"chart: {output.name} — expected a .png or .svg file name")
    xi, yi = table.variables.index(x), table.variables.index(y)
    pairs: list[tuple[str, float]] = []
    for row in table.rows:
        label = display(row[xi]) or "(none)"
        try:
            value = float(display(row[yi]) or 0)
        except ValueError:
            raise ReportError(f"chart: column {y!r} holds {display(row[yi])!r}, not a number") from None
        pairs.append((label, value))
    pairs.sort(key=lambda p: -p[1])
    if len(pairs) > MAX_BARS:
        rest = sum(v for _, v in pairs[MAX_BARS - 1:])
        pairs = pairs[: MAX_BARS - 1] + [(f"{len(pairs) - MAX_BARS + 1} others", rest)]
    labels: Sequence[str] = [p[0] if len(p[0]) <= 48 else p[0][:47] + "…" for p in pairs]
    values = [p[1] for p in pairs]
    height = max(2.5, 0.38 * len(pairs) + 1.2)
    fig, ax = plt.subplots(figsize=(9, height), dpi=120)
    bars = ax.barh(range(len(values)), values, color="#3b6ea8")
    ax.set_yticks(range(len(values)), labels=labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(y)
    ax.set_ylabel(x)
    ax.bar_label(bars, labels=[f"{v:,.0f}" if v == int(v) else f"{v:,.2f}" for v in values], padding=3, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or f"{y} by {x}", fontsize=11, loc="left")
    ax.margins(x=0.12)
    fig.tight_layout()
    fig.savefig(output, format=output.suffix.lower().lstrip("."))
    plt.close(fig)
    return len(pairs)
