"""Progress of long work on stderr: a bar with rate and ETA on a terminal, plain periodic lines
otherwise (logs, CI, pipes). Nothing is shown for work that ends within a second or two.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from tqdm import tqdm

#: Seconds between plain progress lines when stderr is not a terminal.
INTERVAL_ENV = "TRIALGRAPH_PROGRESS_INTERVAL"


def _seconds(value: float) -> str:
    value = int(value)
    if value >= 3600:
        return f"{value // 3600}h{value % 3600 // 60:02d}m"
    if value >= 60:
        return f"{value // 60}m{value % 60:02d}s"
    return f"{value}s"


class Progress:
    """Progress of a load measured in input bytes (for the ETA) and in studies (for the rate)."""

    def __init__(self, total_bytes: int, *, unit: str = "studies", stream: TextIO | None = None,
                 enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.total = max(total_bytes, 1)
        self.unit = unit
        self.start = time.monotonic()
        self.count = 0
        self.quads = 0
        self.done_bytes = 0
        self.enabled = enabled
        self._bar: tqdm | None = None
        self._tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._interval = float(os.environ.get(INTERVAL_ENV, "10"))
        self._next_line = self.start + max(self._interval, 2.0 if self._interval >= 2 else self._interval)
        if self._tty:
            self._bar = tqdm(
                total=self.total, unit="B", unit_scale=True, file=self.stream, delay=1.5, leave=False,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}",
                desc="loading",
            )

    def update(self, done_bytes: int, count: int, quads: int) -> None:
        if not self.enabled:
            return
        self.count, self.quads = count, quads
        step = max(0, min(done_bytes, self.total) - self.done_bytes)
        self.done_bytes += step
        now = time.monotonic()
        rate = count / max(now - self.start, 1e-9)
        if self._bar is not None:
            self._bar.set_postfix_str(f"{count:,} {self.unit}, {rate:,.0f} {self.unit}/s", refresh=False)
            self._bar.update(step)
        elif now >= self._next_line:
            self._next_line = now + self._interval
            fraction = self.done_bytes / self.total
            elapsed = now - self.start
            eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
            print(
                f"progress: {count:,} {self.unit} ({rate:,.0f}/s), {quads:,} quads, "
                f"{fraction:.0%} of input, ETA {_seconds(eta)}",
                file=self.stream,
                flush=True,
            )

    def note(self, text: str) -> None:
        """A line about what the load is doing besides reading records."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(f"progress: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
