"""The ingest benchmark: trialgraph against the store's own bulk loader and a plain-rdflib pipeline.

    python bench/run.py                  # 1k, 5k, 10k, 50k synthetic studies (about 12-15 minutes)
    python bench/run.py --quick          # 1k only: checks that every pipeline made the same triples
    python bench/run.py --sizes 2000,20000 --workers 2 --rdflib-max 5000

Everything is measured in the same run on the same input, each step in a process of its own (wall
seconds from the clock; peak memory of the step with every process it starts, worker processes
included, sampled by ``bench/measure.py``):

- ours:   ``trialgraph load`` of the synthetic JSON Lines into an on-disk store (after an untimed
          ``trialgraph build``, so drugs and conditions are linked as users get them);
- floor:  parsing the same JSON alone (``json.loads`` of every line), plus ``oxigraph load`` — the
          Rust bulk loader of the ``oxigraph`` package, same version as pyoxigraph — of the N-Quads
          our store holds (exported untimed);
- rdflib: the same quads added to an rdflib Graph, one study at a time, then serialised to Turtle
          (the JSON parsing and mapping are done beforehand and not counted, which favours rdflib);
- reports: median latency of each named report on the largest store (--report-runs runs, one
          for a report whose first run takes over 20 s);
- export:  ``trialgraph export`` to N-Quads from the largest store, and to Turtle from the store of
          --turtle-at studies (10k by default: the sorted, merged Turtle export is the slowest
          step, and its rate, MB/s, is what the figure is for).

"Same triples" is checked at every size: the quads each store holds (ours and the one the Rust
loader made from our export) must be as many, and where the rdflib pipeline runs, the distinct
triples over all graphs of both stores and rdflib's Graph must be as many (that count is a
whole-store DISTINCT, too slow to repeat at the largest sizes).

Nothing here asserts speed; ``tests/test_bench.py`` runs ``--quick`` and checks the triples agree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from measure import read_measure  # bench/measure.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REGISTRY_SIZE = 560_000  #: studies in ClinicalTrials.gov, for the extrapolation


@dataclass
class Step:
    seconds: float
    peak_mb: float
    detail: dict = field(default_factory=dict)


def run(argv: list[str], *, env: dict | None = None) -> str:
    """Run a command (untimed); its stdout and stderr."""
    proc = subprocess.run(argv, capture_output=True, env=env, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout + proc.stderr


def _measured(argv: list[str], *, env: dict | None = None) -> tuple[Step, str]:
    """Run ``argv`` under ``bench/measure.py``: wall time, CPU time, and peak memory of the command
    with every process it starts (a load's worker processes included)."""
    text = run([sys.executable, str(ROOT / "bench" / "measure.py"), *argv], env=env)
    m = read_measure(text)
    # sampled, the tree's peak can miss a short one the kernel saw in the largest process
    peak_kb = max(m.tree_peak_kb, m.main_peak_kb)
    return Step(m.wall_s, peak_kb / 1024, {"cpu_seconds": round(m.cpu_s, 1),
                                           "largest_process_peak_mb": round(m.main_peak_kb / 1024, 1)}), text


def generate(n: int, out: Path, seed: int) -> Path:
    path = out / f"studies-{n}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), "--studies", str(n), "--seed", str(seed),
                        "--out", str(out), "--format", "jsonl"], check=True, stderr=subprocess.DEVNULL)
    return path


PARSE_ONLY = """
import json, sys
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.strip():
            json.loads(line); n += 1
print(n)
"""

RDFLIB_PIPELINE = """
import sys, time
import rdflib
graph = rdflib.Graph()
studies = 0
with open(sys.argv[1], encoding="utf-8") as f:
    chunk = []
    for line in f:  # one study's graph at a time, as a per-record pipeline adds them
        if line.startswith("#"):
            if chunk:
                graph.parse(data="".join(chunk), format="nt"); studies += 1; chunk = []
            continue
        chunk.append(line)
    if chunk:
        graph.parse(data="".join(chunk), format="nt"); studies += 1
graph.serialize(destination=sys.argv[2], format="turtle")
print(len(graph), studies)
"""


def per_study_ntriples(nquads: Path, out: Path) -> int:
    """The union triples of an N-Quads export, grouped by trial graph (``#`` line between graphs)."""
    groups: dict[str, list[str]] = {}
    with open(nquads, encoding="utf-8") as f:
        for line in f:
            head, graph_part, _ = line.rstrip("\n").rsplit(" ", 2)
            groups.setdefault(graph_part, []).append(head + " .\n")
    with open(out, "w", encoding="utf-8") as f:
        for graph_iri in sorted(groups):
            f.write(f"# {graph_iri}\n")
            f.writelines(groups[graph_iri])
    return len(groups)


def count_union_triples(store_dir: Path, env: dict) -> int:
    """Distinct triples over all graphs of a store (ours or one the Rust loader made)."""
    out = run([str(BIN / "trialgraph"), "query", "--format", "csv", "--store", str(store_dir),
               "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"], env=env)
    return int(out.splitlines()[1])


def count_quads(store_dir: Path) -> int:
    """The quads a store holds (its length: one pass over one index, no SPARQL)."""
    out = run([sys.executable, "-c", "import sys, pyoxigraph; print(len(pyoxigraph.Store.read_only(sys.argv[1])))",
               str(store_dir)])
    return int(out.split()[0])


def report_latencies(store_dir: Path, runs: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from graph.reports import load_reports, run as run_report
    from graph.results import Table
    from graph.store import open_store

    out = {}
    with open_store(store_dir, create=False) as store:
        for name, report in sorted(load_reports().items()):
            times: list[float] = []
            for attempt in range(runs):
                if attempt >= 1 and sum(times) > 20:  # a slow whole-store report: one run says enough
                    break
                t = time.perf_counter()
                try:
                    result = run_report(store, report)
                    Table.from_solutions(result)
                except ValueError as exc:  # a friendly parameter that names nothing in this store
                    print(f"  {name}: {exc}", file=sys.stderr)
                    break
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times) * 1000 if times else float("nan")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k studies; check the pipelines agree (CI smoke test)")
    parser.add_argument("--sizes", default="1000,5000,10000,50000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rdflib-max", type=int, default=5000, help="largest size the rdflib pipeline runs at")
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--turtle-at", type=int, default=10000,
                        help="size whose store the Turtle export is timed on (the largest if not one of --sizes)")
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--no-open-reference", action="store_true",
                        help="build each store without the shipped open reference (DrugCentral, DrugBank vocabulary, "
                             "MeSH 2024): only the curated drugs link, but every pipeline still gets the same triples "
                             "(the CI smoke test uses it to stay quick)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--load-only", action="store_true",
                        help="only the ingest table and the relink: no report latencies, no exports")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    work = args.out or Path(tempfile.mkdtemp(prefix="trialgraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    trialgraph = str(BIN / "trialgraph")
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if oxigraph is None:
        raise SystemExit("the 'oxigraph' command is missing — pip install 'oxigraph>=0.5.2,<0.6' (same version as pyoxigraph)")
    env = dict(os.environ, TRIALGRAPH_PROGRESS_INTERVAL="3600", SOURCE_DATE_EPOCH="1700000000")
    results: dict[int, dict] = {}
    exports: dict[str, dict] = {}
    agree = True
    for n in sizes:
        print(f"== {n:,} studies ({time.strftime('%H:%M:%S')})", file=sys.stderr)
        data = generate(n, work, args.seed)
        store = work / f"store-{n}"
        shutil.rmtree(store, ignore_errors=True)
        run([trialgraph, "build", "--store", str(store)] + (["--no-open-reference"] if args.no_open_reference else []),
            env=env)
        ours, text = _measured([trialgraph, "load", str(data), "--store", str(store), "--workers", str(args.workers)], env=env)
        summary = [ln for ln in text.splitlines() if ln.startswith("loaded ")][-1]
        quads_written = int(summary.split(" quads written")[0].rsplit(", ", 1)[-1].replace(",", ""))
        parse, _ = _measured([sys.executable, "-c", PARSE_ONLY, str(data)])
        nquads = work / f"store-{n}.nq"
        # the floor's input is our N-Quads export; at the largest size it is also the export measured
        exported, _ = _measured([trialgraph, "export", "--format", "nquads", "-o", str(nquads), "--store", str(store)], env=env)
        if n == max(sizes):
            exports["nquads"] = {"seconds": exported.seconds, "mb": nquads.stat().st_size / 1e6,
                                 "peak_mb": exported.peak_mb, "studies": n}
        floor_store = work / f"floor-{n}"
        shutil.rmtree(floor_store, ignore_errors=True)
        bulk, _ = _measured([oxigraph, "load", "--location", str(floor_store), "--file", str(nquads)])
        row = {
            "studies": n, "quads": quads_written, "json_mb": data.stat().st_size / 1e6,
            "ours": asdict(ours), "parse": asdict(parse), "oxigraph_load": asdict(bulk),
        }
        row["stored_quads"] = {"ours": count_quads(store), "oxigraph_load": count_quads(floor_store)}
        agree &= row["stored_quads"]["ours"] == row["stored_quads"]["oxigraph_load"]
        if n <= args.rdflib_max:
            union_ours = count_union_triples(store, env)
            row["union_triples"] = {"ours": union_ours, "oxigraph_load": count_union_triples(floor_store, env)}
            agree &= union_ours == row["union_triples"]["oxigraph_load"]
            grouped = work / f"store-{n}.grouped.nt"
            per_study_ntriples(nquads, grouped)
            rdf, text = _measured([sys.executable, "-c", RDFLIB_PIPELINE, str(grouped), str(work / f"rdflib-{n}.ttl")])
            rdflib_triples = int([ln for ln in text.splitlines() if ln and ln[0].isdigit()][-1].split()[0])
            row["rdflib"] = asdict(rdf)
            row["union_triples"]["rdflib"] = rdflib_triples
            agree &= rdflib_triples == union_ours
        # relinking: once with nothing to do, once after a reference file changed (every trial mapped again)
        idle, text = _measured([trialgraph, "relink", "--store", str(store), "--workers", str(args.workers)], env=env)
        # loaded again at another time, the curated drug table changes the reference data's stamp (the
        # fixed SOURCE_DATE_EPOCH would make it the same write as the build's)
        fresh = {k: v for k, v in env.items() if k != "SOURCE_DATE_EPOCH"}
        again, text = _measured([trialgraph, "load", str(ROOT / "seeds" / "reference" / "drugs.tsv"),
                                 "--store", str(store), "--workers", str(args.workers)], env=fresh)
        row["relink"] = {"idle": asdict(idle), "after_reference": asdict(again),
                         "line": [ln for ln in text.splitlines() if "relinked" in ln][-1:]}
        kept = store / "trialgraph.records"
        row["kept_records_mb"] = kept.stat().st_size / 1e6 if kept.exists() else 0.0
        results[n] = row
        shutil.rmtree(floor_store, ignore_errors=True)
    largest = max(sizes)
    store = work / f"store-{largest}"
    if args.load_only:
        print_table(results, {}, {}, largest)
        if args.json:
            args.json.write_text(json.dumps({"sizes": results}, indent=2), encoding="utf-8")
        return 0 if agree else 1
    latencies = report_latencies(store, 1 if args.quick else args.report_runs)
    turtle_at = args.turtle_at if args.turtle_at in sizes else largest
    target = work / f"export-{turtle_at}.ttl"
    step, _ = _measured([trialgraph, "export", "--format", "turtle", "-o", str(target),
                         "--store", str(work / f"store-{turtle_at}")], env=env)
    exports["turtle"] = {"seconds": step.seconds, "mb": target.stat().st_size / 1e6, "peak_mb": step.peak_mb,
                         "studies": turtle_at}
    print_table(results, latencies, exports, largest)
    print(f"\nsame triples in every pipeline: {'yes' if agree else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "reports_ms": latencies, "export": exports,
                                         "agree": agree, "workers": args.workers}, indent=2))
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if agree else 1


def print_table(results: dict[int, dict], latencies: dict[str, float], exports: dict, largest: int) -> None:
    print("\ningest (wall seconds; rates from wall time; mem: peak MB of the step's processes together, workers included)")
    header = f"{'studies':>8} {'quads':>11} | {'ours s':>7} {'st/s':>6} {'quads/s':>8} {'mem':>5} | " \
             f"{'parse':>6} {'oxi load':>8} {'floor':>6} | {'rdflib s':>8} | {'ours/floor':>10} {'rdflib/ours':>11}"
    print(header)
    print("-" * len(header))
    for n, r in sorted(results.items()):
        ours = r["ours"]["seconds"]
        floor = r["parse"]["seconds"] + r["oxigraph_load"]["seconds"]
        rdf = r.get("rdflib", {}).get("seconds")
        print(f"{n:>8,} {r['quads']:>11,} | {ours:>7.1f} {n / ours:>6.0f} {r['quads'] / ours:>8,.0f} "
              f"{r['ours']['peak_mb']:>5.0f} | {r['parse']['seconds']:>6.1f} {r['oxigraph_load']['seconds']:>8.1f} "
              f"{floor:>6.1f} | {rdf if rdf is not None else float('nan'):>8.1f} | {ours / floor:>10.2f} "
              f"{(rdf / ours) if rdf else float('nan'):>11.1f}")
    sizes = sorted(results)
    if len(sizes) > 1:
        big = sizes[-1]
        small = 5000 if 5000 in results and big > 5000 else sizes[-2]
        growth = results[big]["ours"]["seconds"] / results[small]["ours"]["seconds"]
        per_study = results[big]["ours"]["seconds"] / big
        print(f"\ntime({big // 1000}k) / time({small // 1000}k) = {growth:.2f} for {big / small:.0f}x the studies; "
              "ms per study: " + ", ".join(f"{n // 1000}k {results[n]['ours']['seconds'] / n * 1000:.2f}" for n in sizes)
              + f"\nfull registry ({REGISTRY_SIZE:,} studies) on a straight line from {big:,}: "
              f"{per_study * REGISTRY_SIZE / 60:.0f} minutes (a lower bound: the wait for the store's merging "
              "at the end of a load grows faster than the input, see the README)")
    print("\nrelink (wall seconds): nothing to do | after a reference file is loaded (every trial mapped again); "
          "kept records on disk")
    for n, r in sorted(results.items()):
        if "relink" in r:
            print(f"  {n:>8,} studies  {r['relink']['idle']['seconds']:>6.1f} s | "
                  f"{r['relink']['after_reference']['seconds']:>7.1f} s, peak {r['relink']['after_reference']['peak_mb']:.0f} MB"
                  f" | {r['kept_records_mb']:.1f} MB")
    if not latencies and not exports:
        return
    print(f"\nnamed reports on the {largest:,}-study store (median ms)")
    for name, ms in sorted(latencies.items(), key=lambda kv: -kv[1] if kv[1] == kv[1] else 0):
        print(f"  {name:<36} {ms:>9.1f}")
    print("\nexport")
    for fmt, e in exports.items():
        print(f"  {fmt:<8} {e['studies']:>7,} studies {e['seconds']:>7.1f} s  {e['mb']:>8.1f} MB  "
              f"{e['mb'] / e['seconds']:>6.1f} MB/s  peak {e['peak_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
