"""Run one command and report its wall time, CPU time and peak memory, workers included.

    python bench/measure.py COMMAND [ARGS...]

The command's output is passed through; the last line on stderr is

    @@measure WALL_S MAIN_PEAK_KB CPU_S RETURNCODE TREE_PEAK_KB

- MAIN_PEAK_KB: the kernel's peak RSS of the largest single process the command ran
  (``RUSAGE_CHILDREN``), which leaves out the memory of worker processes running beside it;
- TREE_PEAK_KB: the peak, sampled every 0.2 s, of the memory of the command and all its
  descendants together, each counted by its proportional set size (shared pages split between
  the processes sharing them, so nothing is counted twice); 0 where ``/proc`` cannot tell;
- CPU_S: user + system time of the command and all its descendants: the kernel's count for those
  it waited for, or the sum of each process's last sampled CPU time if that is more (worker
  processes started through a server process are not waited for by the command).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from typing import NamedTuple

INTERVAL = 0.2  #: seconds between samples
TICKS = os.sysconf("SC_CLK_TCK")  #: clock ticks per second, the unit of /proc/PID/stat times


class Measure(NamedTuple):
    """The figures of one ``@@measure`` line."""

    wall_s: float
    main_peak_kb: int
    cpu_s: float
    returncode: int
    tree_peak_kb: int


def read_measure(text: str) -> Measure:
    """The figures of the last ``@@measure`` line in a command's output."""
    line = [ln for ln in text.splitlines() if ln.startswith("@@measure ")][-1]
    wall, main_kb, cpu, returncode, tree_kb = line.split()[1:]
    return Measure(float(wall), int(main_kb), float(cpu), int(returncode), int(tree_kb))


def children(pid: int) -> list[int]:
    """The running processes ``pid`` started, from ``/proc/PID/task/TID/children`` (none if it ended)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                found.extend(int(child) for child in f.read().split())
    except OSError:  # ended meanwhile, or no /proc
        pass
    return found


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    found, i = [root], 0
    while i < len(found):
        found.extend(children(found[i]))
        i += 1
    return found


def memory_kb(pid: int) -> int:
    """Proportional set size of one process in kB (its resident size if PSS is not available)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path, encoding="ascii") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (``/proc/PID/stat``), 0 if it cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)


def sample_cpu(cpu: dict[int, float], pids: list[int]) -> None:
    """Record each process's CPU time so far. A process that has just ended reads as 0 (its
    ``/proc`` entry is gone): the last value seen is kept, as CPU time only grows."""
    for pid in pids:
        cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        print(f"measure: cannot run {argv[0]!r}: {exc.strerror}", file=sys.stderr)
        return 127
    tree_peak = 0
    cpu: dict[int, float] = {}
    while True:
        tree = descendants(proc.pid)
        tree_peak = max(tree_peak, sum(memory_kb(pid) for pid in tree))
        sample_cpu(cpu, tree)
        try:
            out, err = proc.communicate(timeout=INTERVAL)
            break
        except subprocess.TimeoutExpired:
            continue
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stdout.write(out)
    sys.stderr.write(err)
    cpu_total = max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))
    print(f"@@measure {wall} {usage.ru_maxrss} {cpu_total} {proc.returncode} {tree_peak}",
          file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
