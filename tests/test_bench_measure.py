"""``bench/measure.py`` counts the memory and CPU of worker processes, not only of the command.

A load's workers are started through a forkserver, so they are not children the command waits
for and the kernel's per-child accounting leaves them out; the benchmark's memory and CPU figures
must still include them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, bench_script

MEASURE = str(ROOT / "bench" / "measure.py")

WORKERS = """
import multiprocessing, time

def work(megabytes):
    block = bytearray(megabytes * 1_000_000)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident, not only reserved
    started = time.process_time()
    while time.process_time() - started < 0.5:
        pass
    time.sleep(1.0)  # held while the sampler looks
    return time.process_time()

if __name__ == "__main__":
    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        spent = pool.map(work, [150, 150])
    print(f"workers cpu {sum(spent)}")
"""


def test_worker_memory_and_cpu_are_counted(tmp_path: Path) -> None:
    script = tmp_path / "workers.py"
    script.write_text(WORKERS)
    done = subprocess.run([sys.executable, MEASURE, sys.executable, str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    workers_cpu = float(done.stdout.split("workers cpu ")[1])
    m = bench_script("measure").read_measure(done.stderr)
    assert m.returncode == 0
    assert m.main_peak_kb < 100_000  # the command itself holds little
    assert m.tree_peak_kb > 2 * 150_000  # both workers' blocks are in the peak
    assert m.cpu_s >= 0.9 * workers_cpu  # the workers' CPU is in the total


def test_a_process_that_ends_keeps_the_cpu_it_was_seen_to_use() -> None:
    measure = bench_script("measure")
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its /proc entry is gone: it reads as 0 CPU now
    cpu = {ended.pid: 4.5}
    measure.sample_cpu(cpu, [ended.pid])
    assert cpu[ended.pid] == 4.5
    measure.sample_cpu(cpu, [os.getpid()])
    assert cpu[os.getpid()] > 0


def test_usage_and_a_command_that_cannot_run_are_told_plainly() -> None:
    shown = subprocess.run([sys.executable, MEASURE, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "python bench/measure.py COMMAND" in shown.stdout
    bare = subprocess.run([sys.executable, MEASURE], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2 and "COMMAND" in bare.stderr
    missing = subprocess.run([sys.executable, MEASURE, "no-such-command-here"], capture_output=True, text=True,
                             timeout=60)
    assert missing.returncode == 127
    assert "cannot run 'no-such-command-here'" in missing.stderr and "Traceback" not in missing.stderr
