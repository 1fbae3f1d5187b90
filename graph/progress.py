"""Progress of long work on stderr: a bar on a terminal of known width, plain periodic lines
otherwise (logs, CI, pipes, a terminal that does not say how wide it is). Nothing is shown for
work that ends within a second or two.

What is shown is what is committed to the store, never what was only read or mapped: the count
only grows, and the ETA comes from the rate at which input is committed, measured once the first
batches are in (the start of a load — reading the reference data, starting workers — is not work
on the input, and does not predict the rest).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from typing import Callable, TextIO

from tqdm import tqdm

#: Seconds between plain progress lines when there is no bar.
INTERVAL_ENV = "TRIALGRAPH_PROGRESS_INTERVAL"
#: No ETA before this many seconds of commits (and two commits at least).
WARMUP = 3.0
#: The ETA follows the rate of this many last seconds (a store slows down as it grows).
WINDOW = 60.0


def _seconds(value: float) -> str:
    value = int(value)
    if value >= 3600:
        return f"{value // 3600}h{value % 3600 // 60:02d}m"
    if value >= 60:
        return f"{value // 60}m{value % 60:02d}s"
    return f"{value}s"


def terminal_columns(stream: TextIO) -> int:
    """How wide the terminal of ``stream`` is: ``$COLUMNS`` if set to a positive number, else what
    the terminal says; 0 when it is not a terminal or does not say (a bar needs a width)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        if not stream.isatty():
            return 0
        return max(os.get_terminal_size(stream.fileno()).columns, 0)
    except (AttributeError, OSError, ValueError):
        return 0


class Progress:
    """Progress of a load: the input bytes committed (for the share done and the ETA) and the
    records committed (for the count and the rate). :meth:`update` may be called from any thread."""

    def __init__(self, total_bytes: int, *, unit: str = "studies", stream: TextIO | None = None,
                 enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.total = max(total_bytes, 1)
        self.unit = unit
        self._clock = clock
        self.start = clock()
        self.count = 0
        self.quads = 0
        self.done_bytes = 0
        self.enabled = enabled
        self._lock = threading.Lock()
        self._bar: tqdm | None = None
        #: (time, bytes committed) since the first commit, the last WINDOW seconds of them
        self._samples: deque[tuple[float, int]] = deque()
        self._first_commit: float | None = None
        self._interval = float(os.environ.get(INTERVAL_ENV, "10"))
        self._next_line = self.start + max(self._interval, 2.0 if self._interval >= 2 else self._interval)
        columns = terminal_columns(self.stream) if enabled else 0
        if columns:
            self._bar = tqdm(
                total=self.total, unit="B", unit_scale=True, file=self.stream, delay=1.5, leave=False,
                ncols=columns, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}",
                desc="loading",
            )

    def update(self, done_bytes: int, count: int, quads: int) -> None:
        """What is committed now: ``done_bytes`` of the input, ``count`` records, ``quads`` written.
        A smaller number than before (a thread reporting late) does not move anything back."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            self.count, self.quads = max(count, self.count), max(quads, self.quads)
            step = max(0, min(done_bytes, self.total) - self.done_bytes)
            self.done_bytes += step
            if step:
                self._sample(now)
            rate = self.count / max(now - self.start, 1e-9)
            eta = self.eta(now)
            eta_text = "ETA ?" if eta is None else f"ETA {_seconds(eta)}"
            if self._bar is not None:
                self._bar.set_postfix_str(f"{self.count:,} {self.unit}, {rate:,.0f} {self.unit}/s, {eta_text}",
                                          refresh=False)
                self._bar.update(step)
            elif now >= self._next_line:
                self._next_line = now + self._interval
                print(
                    f"progress: {self.count:,} {self.unit} ({rate:,.0f}/s), {self.quads:,} quads, "
                    f"{self.done_bytes / self.total:.0%} of input, {eta_text}",
                    file=self.stream,
                    flush=True,
                )

    def _sample(self, now: float) -> None:
        if self._first_commit is None:
            self._first_commit = now
            # the rate is measured from here: the bytes before the first commit took the start-up too
            self._samples.append((now, self.done_bytes))
            return
        self._samples.append((now, self.done_bytes))
        while len(self._samples) > 2 and now - self._samples[1][0] >= WINDOW:
            self._samples.popleft()

    def eta(self, now: float | None = None) -> float | None:
        """Seconds until the input is committed, at the rate of the last commits; None during the
        warm-up (less than :data:`WARMUP` seconds or two commits since the first)."""
        now = self._clock() if now is None else now
        if self._first_commit is None or len(self._samples) < 3 or now - self._first_commit < WARMUP:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        if t1 <= t0 or b1 <= b0:
            return None
        rate = (b1 - b0) / (t1 - t0)
        return max(0.0, (self.total - b1) / rate - (now - t1))

    def note(self, text: str) -> None:
        """A line about what the load is doing besides reading records."""
        if not self.enabled:
            return
        with self._lock:
            if self._bar is not None:
                self._bar.write(text, file=self.stream)
            else:
                print(f"progress: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
