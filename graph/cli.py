"""The ``trialgraph`` command line.

Data goes to stdout; progress, summaries and errors to stderr. Exit 0 when all went well, 1 for
bad input or a failed check, 2 for a usage error, 128 + the signal's number (130, 143) for a load or
build that Ctrl-C or SIGTERM stopped. :func:`main` takes an argument list and returns
the exit code, so tests call it directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

import click

from graph import __version__, paths
from graph.errors import GraphError, QueryError
from graph.export import EXPORT_FORMATS, EXTENSIONS, export
from graph.readers import FORMATS as LOAD_FORMATS
from graph.readers.rdf import FORMATS as RDF_FORMATS
from graph.results import SOLUTION_FORMATS, write_result
from graph.store import EmbeddedStore, open_store
from graph.vocab import REPORTS_GRAPH, TRIAL_GRAPH_NS

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _store_option(func: Callable) -> Callable:
    return click.option(
        "--store",
        "store",
        metavar="DIR|memory:|URL",
        default=None,
        help=f"Where the graph lives: a directory (default ./{paths.DEFAULT_STORE} or ${paths.STORE_ENV}), "
        "'memory:', or a SPARQL endpoint URL.",
    )(func)


def _open(store: str | None, *, create: bool) -> EmbeddedStore:
    handle = open_store(store or paths.default_store(), create=create)
    if handle.recovered:
        click.echo(
            f"note: an interrupted load was rolled back: {len(handle.recovered)} graph(s) it was writing "
            "were removed; load them again",
            err=True,
        )
    return handle


def _stdout() -> BinaryIO:
    return sys.stdout.buffer


#: set once an interrupted command has said where it stands
_ANSWERED = threading.Event()


@contextlib.contextmanager
def _interrupts() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM stop the work where it is with :class:`~graph.loader.Interrupted`
    (a load then finishes the batch it writes and says where it stands). The signal is acknowledged
    at once on stderr, even while the main thread waits for the store (Python runs a handler only
    between its own steps); a second one only says that the work is finishing, so that nothing is
    left half-written."""
    from graph.loader import Interrupted, stop_after_store_write

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)
    _ANSWERED.clear()

    def stop(signum: int, frame: object) -> None:
        if not fired:
            fired.append(signum)
            if not stop_after_store_write(signum):  # (else raised once the write is done)
                raise Interrupted(signum)

    def acknowledge(wakeups: int) -> None:  # the C-level handler writes each signal's number here
        seen = 0
        while data := os.read(wakeups, 64):
            for number in data:
                if number not in signals:
                    continue
                seen += 1
                if seen == 1 and not _ANSWERED.wait(0.5):  # not said already where the work stands
                    os.write(2, b"stopping: the write under way is finished first\n")
                elif seen > 1 and not _ANSWERED.is_set():
                    os.write(2, b"still finishing the write under way (kill -9 is safe too: the next command "
                                b"that opens the store rolls it back)\n")
        os.close(wakeups)

    previous = {sig: signal.signal(sig, stop) for sig in signals}
    wakeups, notify = os.pipe()
    os.set_blocking(notify, False)
    old_wakeup = signal.set_wakeup_fd(notify, warn_on_full_buffer=False)
    threading.Thread(target=acknowledge, args=(wakeups,), name="trialgraph-signals", daemon=True).start()
    try:
        yield
    finally:
        _ANSWERED.set()  # the work is over: nothing more to acknowledge
        signal.set_wakeup_fd(old_wakeup)
        os.close(notify)  # the thread reads to the end and stops
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _say_interrupted(stop: BaseException, again: str, what: str | None) -> int:
    """Say where work a signal stopped stands, and how to finish it; the exit code (130 for Ctrl-C)."""
    from graph.loader import Interrupted

    name = stop.name if isinstance(stop, Interrupted) else "Ctrl-C (SIGINT)"
    summary = stop.summary if isinstance(stop, Interrupted) else None
    stands = summary.stopped_line() if summary is not None else what or "nothing was loaded"
    click.echo(f"interrupted by {name}: {stands}", err=True)
    click.echo(again, err=True)
    _ANSWERED.set()
    return stop.exit_code if isinstance(stop, Interrupted) else 130


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="trialgraph")
def cli() -> None:
    """trialgraph: a knowledge graph of clinical trials, the drugs they test, the targets those
    drugs act on, the conditions they study (MeSH), and their sponsors, sites and investigators.

    \b
    Start with:
      trialgraph build                      # ontology + seeds into ./trialgraph-store
      trialgraph load studies.jsonl         # ClinicalTrials.gov API v2 JSON
      trialgraph query 'SELECT (COUNT(*) AS ?n) WHERE { ?t a tg:Trial }'
      trialgraph export -o graph.ttl
    """


@cli.command(context_settings=CONTEXT)
@_store_option
@click.option("--no-open-reference", is_flag=True,
              help="Leave out the shipped open reference data (DrugCentral 2016, DrugBank vocabulary, MeSH 2024 "
                   "descriptors and pharmacological actions): a small store that knows only the curated drugs and "
                   "the curated MeSH subset.")
def build(store: str | None, no_open_reference: bool) -> int:
    """Load the ontology and everything in seeds/ into the store, and print what was loaded.

    Besides the curated tables and seed pages this loads the open reference data shipped in
    seeds/open/: DrugCentral 2016 (mechanism-of-action targets, identifiers, pharmacologic classes;
    CC BY 4.0), the DrugBank vocabulary (names, synonyms, identifiers; CC0), the MeSH 2024
    descriptors (30,764, with tree numbers and entry terms; NLM's terms, see
    seeds/open/mesh/LICENSE) and MeSH 2024's pharmacological actions (NLM), each its own named
    graph with its source, release and licence. A MeSH release loaded later (trialgraph load
    desc2025.xml) replaces the shipped descriptors; building again puts 2024 back.

    Ctrl-C (or SIGTERM) stops the build and says what is not loaded yet (exit 130, 143 for
    SIGTERM); nothing half-written stays in the store, and running the build again finishes it.

    \b
    Example:
      trialgraph build
      trialgraph build --store /data/trials-store
    """
    from graph.build import build as run_build
    from graph.loader import Interrupted

    again = ("run 'trialgraph build" + (" --no-open-reference" if no_open_reference else "") +
             "' again to finish: it loads the ontology and the seeds again, whole")
    with _interrupts():
        try:
            with _open(store, create=True) as handle:
                try:
                    summary = run_build(handle, err=sys.stderr, progress=True, open_reference=not no_open_reference)
                except Interrupted as stop:
                    what = "of the seeds: " + stop.summary.stopped_line() if stop.summary else \
                        "the seeds were not loaded yet"
                    stop.summary = None
                    return _say_interrupted(stop, again, f"the build stopped before it was done; {what}")
        except Interrupted as stop:  # while the store opened or closed
            return _say_interrupted(stop, again, "the build stopped while the store opened or closed")
    click.echo(f"ontology: {summary.ontology_files} file(s), {summary.ontology_quads:,} quads; "
               f"{summary.reports} named reports in {REPORTS_GRAPH}", err=True)
    click.echo(f"seeds: {summary.seeds.line()}", err=True)
    return 0 if summary.ok else 1


@cli.command(context_settings=CONTEXT)
@click.argument("paths_", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes that map records to quads. The store's writes use about 1.5 cores "
                   "of their own: on 2 cores, 1 and 2 workers load about as fast (1 uses less memory); "
                   "more workers pay off on more cores. With more than 1, workers hand their results "
                   "over through files in the temporary directory (TMPDIR), a few files of about 3 MB at a time.")
@click.option("--strict", is_flag=True, help="Reject records that have warnings (missing fields, unknown codes).")
@click.option("--format", "fmt", type=click.Choice(LOAD_FORMATS), default=None,
              help="Input format (default: detected from each file's content).")
@click.option("--no-relink", is_flag=True,
              help="When the load changes the reference data, leave the trials already in the store as they are "
                   "(run 'trialgraph relink' later; a trial loaded again is linked anew anyway).")
@_store_option
def load(paths_: tuple[Path, ...], workers: int, strict: bool, fmt: str | None, no_relink: bool,
         store: str | None) -> int:
    """Load trial records and RDF files (files or directories) into the store.

    Accepts ClinicalTrials.gov API v2 JSON (one study, a page, a JSON array, JSON Lines, a .zip of
    studies, gzip of any), RDF (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) and reference
    data (MeSH descriptor XML or TSV, MeSH pharmacological actions, DrugCentral and DrugBank
    downloads, tables in the format of seeds/reference/), each source its own graph. Each trial
    is one named graph; loading a record again replaces it only if it changed. A record read byte
    for byte as before (same trialgraph, same reference data) is counted unchanged without being
    mapped again, so refreshing from a newer dump costs little more than reading it. A bad record is
    reported (file, NCT id, field) and the rest still loads; the exit code is then 1. At the end of
    a big load the store finishes merging what was written (a minute at 200k studies, four at 400k;
    the load says so), and goes on merging in the background the next time it is opened.

    Progress on stderr counts the records committed to the store, with an ETA from the rate of
    the last commits. Ctrl-C (or SIGTERM) stops the load: the batch being written is finished, so
    every trial in the store is whole, and the load says how many records are in the store and how
    many are not (exit 130, 143 for SIGTERM). Running the same load again finishes it: the records
    already in the store are recognised and skipped. Worker processes end with the load, even when
    it is killed with kill -9.

    Loading reference data (MeSH, DrugCentral, DrugBank, the curated tables) into a store that
    already holds trials maps those trials again from their kept records (see 'trialgraph
    relink'), so the order of loads does not matter: the summary says how many changed.

    \b
    Examples:
      trialgraph load ctg-studies.json
      trialgraph load dump/ --workers 2
      trialgraph load export.nq --store memory:
    """
    from graph.loader import Interrupted, Loader

    again = ("run the same 'trialgraph load' again to finish: it loads what is missing and skips what is "
             "already in the store")
    with _interrupts():
        try:
            with _open(store, create=True) as handle:
                try:
                    summary = Loader(handle, workers=workers, strict=strict, fmt=fmt, err=sys.stderr,
                                     relink=not no_relink).load(list(paths_))
                except Interrupted as stop:  # said before the store closes (its last flush may take a while)
                    return _say_interrupted(stop, again, None)
        except Interrupted as stop:  # while the store opened or closed
            return _say_interrupted(stop, again, "stopped while the store opened or closed; the records "
                                    "loaded are whole")
    click.echo(summary.line(), err=True)
    return 0 if summary.ok else 1


def _read_query(sparql: str | None, file: Path | None) -> str:
    if file is not None and sparql is not None:
        raise click.UsageError("give the query either as an argument or with -f, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except OSError as exc:
            raise GraphError(f"{file}: cannot read the query ({exc.strerror})") from None
    if sparql is None:
        raise click.UsageError("give a SPARQL query as an argument, with -f FILE, or '-' to read stdin")
    if sparql == "-":
        return sys.stdin.read()
    return sparql


@cli.command(context_settings=CONTEXT)
@click.argument("sparql", required=False)
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice([*SOLUTION_FORMATS, *[f for f in RDF_FORMATS if f != "nquads"]]),
              default="table", show_default=True,
              help="SELECT/ASK: table, csv, tsv, json (W3C), xml, md. CONSTRUCT/DESCRIBE: an RDF format.")
@_store_option
def query(sparql: str | None, file: Path | None, fmt: str, store: str | None) -> int:
    """Run a SPARQL query over the union of all graphs.

    The prefixes tg:, tgc:, mesh:, meshv:, uniprot:, schema:, skos:, rdfs: ... are predeclared.

    \b
    Examples:
      trialgraph query 'SELECT ?t ?title WHERE { ?t tg:briefTitle ?title } LIMIT 5'
      trialgraph query -f my-question.rq --format csv > answer.csv
      echo 'ASK { ?t tg:phase tgc:phase-PHASE3 }' | trialgraph query -
      trialgraph query 'CONSTRUCT WHERE { ?s tg:leadSponsor ?o }' --format turtle
    """
    text = _read_query(sparql, file)
    with _open(store, create=False) as handle:
        try:
            result = handle.query(text)
        except QueryError as exc:
            hint = _not_a_query_hint(text)
            message = str(exc)
            if isinstance(exc.__cause__, SyntaxError):  # the parser's complaint, told in words (as by serve)
                from graph.server.syntax import explain

                message = explain(text, str(exc.__cause__))
            if hint:
                raise QueryError(f"{message}\n{hint}") from exc
            raise QueryError(message) from exc
        write_result(result, _stdout(), fmt, err=sys.stderr)
    return 0


def _not_a_query_hint(text: str) -> str | None:
    """What a text given in place of a query probably meant: an update, a named report, or a file."""
    from graph.sparql import update_operations

    if update_operations(text):
        return ("this is a SPARQL Update, not a query: run it with trialgraph update '...' "
                "(or remove named graphs with trialgraph drop GRAPH|--trial NCT)")
    word = text.strip()
    if not word or any(ch.isspace() for ch in word) or "{" in word:
        return None
    from graph.reports import load_reports

    try:
        reports = load_reports()
    except GraphError:  # a broken report folder must not hide the query's own error
        reports = {}
    if word in reports:
        return f"'{word}' is a named report: trialgraph report run {word}"
    if Path(word).is_file():
        return f"to read the query from the file '{word}': trialgraph query -f {word}"
    return None


def _graph_iri(text: str) -> str:
    """A graph named by IRI, ``<IRI>`` or a CURIE of our prefixes (``tgg:entities``)."""
    from graph.vocab import PREFIXES

    name = text.strip().removeprefix("<").removesuffix(">")
    prefix, colon, rest = name.partition(":")
    if colon and prefix in PREFIXES and not rest.startswith("//"):
        return PREFIXES[prefix] + rest
    return name


@cli.command(context_settings=CONTEXT)
@click.argument("graphs", metavar="[GRAPH]...", nargs=-1)
@click.option("--trial", "trials", multiple=True, metavar="NCT", help="The graph of this trial (repeatable).")
@_store_option
def drop(graphs: tuple[str, ...], trials: tuple[str, ...], store: str | None) -> int:
    """Remove named graphs from the store, all of them or none, and say how many quads went.

    A GRAPH is an IRI or a CURIE (tgg:file/my-notes-ttl); --trial NCT names a trial's graph. An
    unknown graph or NCT id is an error and nothing is removed. What the shared entities graph says
    about a dropped trial's sponsors, sites and drugs stays (other trials share it); loading the
    trial's record again brings the trial back. 'trialgraph stats' counts the graphs;
    'trialgraph query "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"' lists them.

    \b
    Examples:
      trialgraph drop --trial NCT05873205
      trialgraph drop tgg:file/my-notes-ttl
      trialgraph drop https://w3id.org/trialgraph/graph/file/old-export-ttl --trial NCT00465816
    """
    from graph import iris

    if not graphs and not trials:
        raise click.UsageError("name the graphs to drop: GRAPH (an IRI or CURIE) or --trial NCT")
    for nct in trials:
        if not iris.is_nct_id(nct.strip()):
            raise GraphError(f"--trial {nct}: not an NCT id — expected NCT followed by 8 digits")
    wanted = list(dict.fromkeys([*(_graph_iri(g) for g in graphs), *(iris.trial_graph(n.strip()) for n in trials)]))
    from graph.loader import Interrupted, Loader, linker_stamp

    relinked = None
    with _open(store, create=False) as handle:
        missing = [g for g in wanted if not handle.has_graph(g)]
        if missing:
            names = {iris.trial_graph(n.strip()): n.strip() for n in trials}
            shown = ", ".join(f"{names[g]} (no such trial)" if g in names else g for g in missing)
            raise GraphError(f"not in the store: {shown} — nothing was dropped; 'trialgraph stats' counts the "
                             "graphs, and --trial takes the NCT id of a loaded trial")
        counts = {g: _graph_size(handle, g) for g in wanted}
        stamp = linker_stamp(handle)
        handle.update(" ;\n".join(f"DROP GRAPH <{g}>" for g in wanted))  # one update: all or nothing
        if isinstance(handle, EmbeddedStore):
            handle.kept().delete(g for g in wanted if g.startswith(TRIAL_GRAPH_NS))
        for graph, n in counts.items():
            click.echo(f"dropped {graph}: {n:,} quads", err=True)
        click.echo(f"dropped {len(counts)} graph(s), {sum(counts.values()):,} quads", err=True)
        if linker_stamp(handle) != stamp:  # reference data went: the trials link without it now
            with _interrupts():
                try:
                    relinked = Loader(handle, err=sys.stderr).relink()
                except Interrupted as stop:
                    return _say_interrupted(stop, "run 'trialgraph relink' to finish",
                                            "the graphs are dropped; relinking the trials stopped")
                except GraphError as exc:
                    click.echo(f"note: {exc}", err=True)
    if relinked is not None:
        click.echo(relinked.relink_line(), err=True)
    return 0


@cli.command(context_settings=CONTEXT)
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes that map records to quads (as for load).")
@_store_option
def relink(workers: int, store: str | None) -> int:
    """Map the trials in the store again with the reference data it holds now.

    Each trial's record is kept beside the store when it is loaded (compressed, about 5 KB a
    study, in the store folder's trialgraph.records), so that a trial can be linked again to
    what the store knows now: a MeSH release, a DrugCentral or DrugBank download, a curated
    table, loaded after the trials or dropped since. 'trialgraph load' and 'trialgraph drop' do
    this by themselves when they change the reference data (load --no-relink defers it); relink
    does it on demand, and after upgrading trialgraph brings every trial to what this version
    makes of it. Trials whose graph comes out the same are not written; when every trial has a
    kept record the shared entities graph is rebuilt from them, so links that went leave nothing
    behind. Nothing is mapped when every trial is already linked with the present reference data.

    Trials loaded by an earlier trialgraph, from RDF, or into a remote store have no kept
    record: load their files again. Ctrl-C stops it with every trial whole; run it again to finish.

    \b
    Example:
      trialgraph load desc2025.xml --no-relink && trialgraph load drug.target.interaction.tsv.gz --no-relink
      trialgraph relink --workers 2
    """
    from graph.loader import Interrupted, Loader

    with _interrupts():
        try:
            with _open(store, create=False) as handle:
                try:
                    summary = Loader(handle, workers=workers, err=sys.stderr).relink()
                except Interrupted as stop:
                    return _say_interrupted(stop, "run 'trialgraph relink' again to finish", None)
        except Interrupted as stop:
            return _say_interrupted(stop, "run 'trialgraph relink' again to finish",
                                    "stopped while the store opened or closed; every trial is whole")
    click.echo(summary.relink_line(), err=True)
    return 0 if summary.ok else 1


def _graph_size(handle: EmbeddedStore, graph: str) -> int:
    result = handle.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", union=False)
    return next(int(row["n"].value) for row in result)  # type: ignore[union-attr]


@cli.command(context_settings=CONTEXT)
@click.argument("sparql", required=False)
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the update from a file.")
@click.option("--yes", is_flag=True,
              help="Run an update that removes what a pattern or a graph name matches (DROP, CLEAR, MOVE, COPY, "
                   "DELETE WHERE, DELETE ... WHERE, DELETE/INSERT); without it such an update is refused.")
@click.option("--allow-service", is_flag=True, help="Let the update use SERVICE and LOAD (they fetch URLs).")
@_store_option
def update(sparql: str | None, file: Path | None, yes: bool, allow_service: bool, store: str | None) -> int:
    """Run a SPARQL 1.1 Update against the store, in one transaction, and say how the number of
    quads changed.

    The prefixes of 'trialgraph query' are predeclared. Unlike a query, an update's patterns
    outside GRAPH match the store's default graph only (which holds nothing trialgraph loads): to
    match the trials, write GRAPH ?g { ... }. INSERT DATA, DELETE DATA (the triples it
    lists), INSERT ... WHERE, ADD and CREATE run as they are; an update that removes or overwrites
    whatever a pattern or graph name matches (DROP, CLEAR, MOVE, COPY, DELETE WHERE,
    DELETE ... WHERE, DELETE/INSERT) needs --yes. SERVICE and LOAD fetch URLs and are refused unless
    --allow-service, as 'trialgraph serve' refuses them. Named graphs can also be removed with
    'trialgraph drop'. A trial record loaded again replaces its graph, edits included.

    \b
    Examples:
      trialgraph update 'INSERT DATA { GRAPH tgg:notes { clinicaltrials:NCT05873205 rdfs:comment "checked" } }'
      trialgraph update -f fix-labels.ru
      trialgraph update --yes 'DELETE WHERE { GRAPH tgg:notes { ?s rdfs:comment ?c } }'
      trialgraph update --yes 'DROP GRAPH tgg:file/old-notes-ttl'
    """
    from graph.server.protocol import federation_used
    from graph.sparql import DESTRUCTIVE, update_operations

    text = _read_query(sparql, file)
    if not text.strip():
        raise GraphError("the update is empty — expected SPARQL Update text")
    used = federation_used(text, update=True)
    if used and not allow_service:
        raise GraphError(f"{used} is refused: it would fetch URLs — give --allow-service to allow it")
    if not used:  # (an allowed LOAD or SERVICE would fetch its URL twice)
        _check_update_syntax(text)
    operations = update_operations(text)
    if operations is None and not yes:
        raise GraphError("this update uses syntax the checker cannot read, so it cannot tell whether it removes "
                         "data — give --yes to run it anyway")
    destructive = sorted({op for op in operations or () if op in DESTRUCTIVE})
    if destructive and not yes:
        raise GraphError(f"this update uses {', '.join(destructive)}, which removes whatever its pattern or graph "
                         "name matches — give --yes to run it (or 'trialgraph drop' to remove named graphs)")
    with _open(store, create=False) as handle:
        before = len(handle)
        try:
            handle.update(text)
        except (RuntimeError, OSError, ValueError) as exc:  # the engine refused it as a whole: nothing changed
            raise GraphError(f"the update was not run: {exc}") from None
        after = len(handle)
    change = after - before
    click.echo(f"update done ({', '.join(operations) if operations else 'SPARQL Update'}): the store holds "
               f"{after:,} quads ({'+' if change >= 0 else '-'}{abs(change):,})", err=True)
    return 0


def _check_update_syntax(text: str) -> None:
    """Raise QueryError for text the engine cannot read as an update, before the store is opened:
    it is run on an empty in-memory store of its own (it uses neither SERVICE nor LOAD)."""
    import pyoxigraph as ox

    from graph.vocab import PREFIXES

    try:
        ox.Store().update(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL update: {exc}") from exc
    except (RuntimeError, OSError, ValueError):
        pass  # read, but cannot run on an empty store (DROP GRAPH of a graph it lacks): the real run says


@cli.command(name="export", context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="RDF format (default: from the file extension, else turtle).")
@click.option("--trial", "trials", multiple=True, metavar="NCT", help="Only these trials' graphs (repeatable).")
@click.option("--graph", "graph_iri", metavar="IRI", default=None, help="Only this named graph.")
@_store_option
def export_cmd(output: Path | None, fmt: str | None, trials: tuple[str, ...], graph_iri: str | None,
               store: str | None) -> int:
    """Write the graph as RDF: the whole store, some trials, or one named graph.

    N-Quads and TriG keep the named graphs (one per trial record, one per reference source);
    Turtle, N-Triples, JSON-LD and RDF/XML hold the union graph. Output is sorted, so the same
    store content always gives the same bytes. A Turtle or N-Triples export of --trial or --graph
    begins with comment lines naming the graphs it came from: 'trialgraph load' of the file replaces
    those graphs (loading it back changes nothing; an edited copy replaces what it says).

    \b
    Examples:
      trialgraph export -o trials.ttl
      trialgraph export --format nquads > everything.nq
      trialgraph export --trial NCT05873205 --format turtle
    """
    if fmt is None:
        by_ext = {v: k for k, v in EXTENSIONS.items()}
        fmt = by_ext.get(output.suffix.lower(), "turtle") if output else "turtle"
    with _open(store, create=False) as handle:
        if output is None:
            export(handle, _stdout(), fmt, trials=list(trials) or None, graph=graph_iri)
        else:
            tmp = output.with_name(output.name + ".part")
            with open(tmp, "wb") as sink:
                export(handle, sink, fmt, trials=list(trials) or None, graph=graph_iri)
            tmp.replace(output)
            click.echo(f"wrote {output} ({output.stat().st_size:,} bytes, {fmt})", err=True)
    return 0


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_store_option
def stats(fmt: str, store: str | None) -> int:
    """Count what the store holds: trials, drugs, targets, conditions, MeSH links, sponsors,
    sites, people, triples and named graphs; and how many DRUG and BIOLOGICAL interventions that
    name a drug (not a placebo, the standard of care or a class) are linked to one (the report
    linking_coverage breaks this down by type, method and source).

    \b
    Example:
      trialgraph stats
      trialgraph stats --format json
    """
    from graph.stats import DRUG_KEYS, collect, linking_line

    with _open(store, create=False) as handle:
        counts = collect(handle)
    if fmt == "json":
        click.echo(json.dumps(counts, indent=2))
    else:
        width = max(len(k) for k in counts)
        for key, value in counts.items():
            if key not in DRUG_KEYS:
                click.echo(f"{key.ljust(width)}  {value:>12,}")
        click.echo(linking_line(counts))
    return 0


@cli.command(context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--shapes/--no-shapes", default=True, show_default=True, help="Run the SHACL shapes of ontology/.")
@click.option("--checks/--no-checks", default=True, show_default=True, help="Run the data-quality reports (tag 'check').")
@click.option("--strict", is_flag=True, help="Exit 1 for data-quality findings too, not only for SHACL violations.")
@_store_option
def validate(fmt: str, shapes: bool, checks: bool, strict: bool, store: str | None) -> int:
    """Check the graph: the SHACL shapes (what a well-formed trial, drug, target and MeSH link
    are) and the data-quality reports, reported apart.

    A SHACL violation means the graph is malformed: exit 1. The rows of the data-quality reports
    (conditions without MeSH, drug names nothing links, drugs without a target ...) are findings,
    which real registry data always has: they are listed, and exit 1 only with --strict. What
    --no-shapes or --no-checks leaves out is reported as skipped. The JSON report keeps
    'violations' (SHACL) and 'checks' (findings) apart.

    \b
    Examples:
      trialgraph validate
      trialgraph validate --strict                  # findings fail too
      trialgraph validate --format json > validation.json
      trialgraph validate --no-shapes               # the quick data-quality reports only
    """
    from graph.validate import check_store

    with _open(store, create=False) as handle:
        result = check_store(handle, shapes=shapes, checks=checks, strict=strict)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        click.echo(result.to_text(), nl=False)
    return 0 if result.ok else 1


@cli.group(context_settings=CONTEXT)
def report() -> None:
    """Named reports: the SPARQL questions kept in queries/, run with parameters.

    \b
    Examples:
      trialgraph report list
      trialgraph report show trials_by_target
      trialgraph report run trials_by_target -p target=CD38
      trialgraph report run phase_status_summary --format md --chart phases.png
    """


def _queries_option(func: Callable) -> Callable:
    return click.option("--queries", "queries", type=click.Path(file_okay=False, exists=True, path_type=Path),
                        default=None, help="A folder of reports to use instead of the built-in queries/.")(func)


@report.command(name="list", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "turtle"]), default="table", show_default=True,
              help="turtle: the catalogue as SHACL SPARQL executables.")
@_queries_option
@_store_option
def report_list(fmt: str, queries: Path | None, store: str | None) -> int:
    """List the reports: name, summary, parameters.

    \b
    Examples:
      trialgraph report list
      trialgraph report list --format turtle > reports.ttl
    """
    from graph.reports import catalogue_turtle, load_reports

    reports = load_reports(queries)
    if fmt == "turtle":
        click.echo(catalogue_turtle(reports.values()), nl=False)
    elif fmt == "json":
        click.echo(json.dumps([
            {"name": r.name, "summary": r.summary, "tags": r.tags, "check": r.is_check,
             "parameters": [{"name": p.name, "type": p.kind, "required": p.required, "default": p.default,
                             "choices": p.choices} for p in r.parameters.values()]}
            for r in reports.values()], indent=2))
    else:
        width = max((len(n) for n in reports), default=10)
        for r in reports.values():
            params = " ".join(("" if p.required else "[") + f"{p.name}=" + ("" if p.required else "]")
                              for p in r.parameters.values())
            click.echo(f"{r.name.ljust(width)}  {r.summary}" + (f"  ({params})" if params else ""))
    return 0


@report.command(name="show", context_settings=CONTEXT)
@click.argument("name")
@_queries_option
@_store_option
def report_show(name: str, queries: Path | None, store: str | None) -> int:
    """Show a report: what it answers, its parameters with defaults, and its SPARQL.

    \b
    Example:
      trialgraph report show target_landscape
    """
    from graph.reports import get_report

    r = get_report(name, queries)
    click.echo(f"{r.name}: {r.summary}")
    if r.description:
        click.echo("\n" + r.description)
    if r.tags:
        click.echo("\ntags: " + ", ".join(r.tags))
    click.echo("\nparameters:" + ("" if r.parameters else " none"))
    for p in r.parameters.values():
        click.echo(f"  -p {p.name}=VALUE   {p.describe()}")
    if r.chart:
        click.echo(f"\nchart: {r.chart['y']} by {r.chart['x']} (--chart FILE.png|FILE.svg)")
    click.echo(f"\nfile: {r.path}\n")
    click.echo(r.sparql, nl=False)
    return 0


def _params(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise click.UsageError(f"-p {item!r}: expected key=value")
        out[key.strip()] = value
    return out


@report.command(name="run", context_settings=CONTEXT)
@click.argument("name")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "md", "xml"]), default="table",
              show_default=True, help="json, csv and tsv are the W3C SPARQL results formats.")
@click.option("--chart", "chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the report's counts as a bar chart (FILE.png or FILE.svg).")
@_queries_option
@_store_option
def report_run(name: str, params: tuple[str, ...], fmt: str, chart: Path | None, queries: Path | None,
               store: str | None) -> int:
    """Run a report with parameters; rows go to stdout.

    Parameter values are checked, then bound (never pasted into the query). Friendly values are
    resolved: a target as CD38, P28907, uniprot:P28907 or an IRI; a drug by name, brand or
    synonym; a condition by MeSH UI, CURIE, tree number, label or entry term (any case); status and
    phase as registry codes; a pharmacologic class (trials_by_class) by MeSH UI, FDA NUI or name.

    \b
    Examples:
      trialgraph report run trials_by_target -p target=CD38
      trialgraph report run trials_in_mesh_branch -p "condition=Multiple Myeloma" --format csv
      trialgraph report run phase_status_summary --chart phase-status.svg
    """
    from graph.charts import bar_chart
    from graph.reports import get_report, load_reports, run
    from graph.results import Table

    r = get_report(name, queries)
    if chart is not None and not r.chart:
        charted = ", ".join(n for n, rep in load_reports(queries).items() if rep.chart)
        raise GraphError(f"{r.name} does not count by category, so it has no chart — reports with one: {charted}")
    values = _params(params)
    with _open(store, create=False) as handle:
        if chart is not None:
            table = Table.from_solutions(run(handle, r, values))
            bars = bar_chart(table, r.chart["x"], r.chart["y"], chart, title=r.chart.get("title", r.summary))
            click.echo(f"wrote {chart} ({bars} bars)", err=True)
        write_result(run(handle, r, values), _stdout(), fmt, err=sys.stderr)
    return 0


@cli.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets other machines in (no authentication).")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="0 picks a free port.")
@click.option("--allow-update", is_flag=True, help="Accept SPARQL updates (refused with 403 by default).")
@click.option("--allow-service", is_flag=True, help="Let queries use SERVICE and updates LOAD (they fetch URLs).")
@click.option("--time-limit", type=click.FloatRange(0.1, None), default=30.0, show_default=True, metavar="SECONDS",
              help="Longest a query, report or network may run; it is then stopped and answered with 503.")
@click.option("--max-rows", type=click.IntRange(1, None), default=100_000, show_default=True,
              help="Most rows in a SELECT answer (more: 422).")
@click.option("--max-bytes", type=click.IntRange(1, None), default=100 * 1024 * 1024, show_default=True,
              help="Most bytes in any answer (more: 422).")
@click.option("--max-query-depth", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="Deepest nesting of brackets ({ ( [) a query may have (deeper: 400); the parser would crash on thousands.")
@click.option("--max-query-length", type=click.IntRange(1, None), default=1_000_000, show_default=True,
              metavar="CHARACTERS", help="Longest query or update text (longer: 400).")
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Query worker processes (read-only); with --allow-update there is one. A reserved one more "
                   "answers quick queries while these are all busy.")
@click.option("--max-memory", type=click.IntRange(16, None), default=None, metavar="MIB",
              help="Most memory (resident, MiB) one query worker may hold; a query that needs more is stopped "
                   "(503) and its worker replaced. Default: half the machine's memory shared among the workers "
                   "and the reserved one (RAM / 2 / (workers + 1)).")
@click.option("--quick-limit", type=click.FloatRange(0, None), default=0.5, show_default=True, metavar="SECONDS",
              help="Longest a query may run on the reserved worker (used while every other is busy); a longer "
                   "one waits for a general worker instead. 0: no reserved worker.")
@click.option("--max-client-requests", type=click.IntRange(1, None), default=4, show_default=True,
              help="Requests one client (IP address) may have waiting or running at once; more get 429 with "
                   "Retry-After.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="A line per request on stderr.")
@_queries_option
@_store_option
def serve(host: str, port: int, allow_update: bool, allow_service: bool, time_limit: float, max_rows: int,
          max_bytes: int, max_query_depth: int, max_query_length: int, workers: int, max_memory: int | None,
          quick_limit: float, max_client_requests: int, access_log: bool, queries: Path | None,
          store: str | None) -> int:
    """Serve the graph over HTTP: a SPARQL 1.1 endpoint at /sparql, a page to query it and run the
    reports at /, the reports at /reports/NAME, and the network view at /network.

    Read-only unless --allow-update. Every query runs in a worker process and is stopped at the
    time limit or the memory limit. The store stays locked while the server runs (stop it with Ctrl-C).

    \b
    Examples:
      trialgraph serve                                   # http://127.0.0.1:7878/
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' \\
           http://127.0.0.1:7878/sparql
      curl 'http://127.0.0.1:7878/reports/trials_by_target.csv?target=CD38'
      trialgraph serve --port 8080 --time-limit 10 --workers 4
      trialgraph serve --allow-update --store /data/trials-store
    """
    from graph.server import Limits, ServerConfig
    from graph.server import serve as run_server

    config = ServerConfig(
        location=store or paths.default_store(), host=host, port=port, workers=workers, allow_update=allow_update,
        allow_service=allow_service, limits=Limits(time=time_limit, rows=max_rows, bytes=max_bytes, depth=max_query_depth,
                      length=max_query_length, memory=max_memory * 2**20 if max_memory else None,
                      quick=quick_limit, per_client=max_client_requests),
        queries=queries, access_log=access_log,
    )
    return run_server(config, err=sys.stderr)


@cli.command(context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write; the format comes from its extension: .html .png .svg .graphml .gexf .cyjs")
@click.option("--format", "fmt", type=click.Choice(["html", "png", "svg", "graphml", "gexf", "cyjs", "text", "json"]),
              default=None, help="Network format (default: from -o's extension); text or json: the analysis.")
@click.option("--drug", "drugs", multiple=True, metavar="NAME", help="Centre on a drug: name, brand, code or synonym.")
@click.option("--target", "targets", multiple=True, metavar="NAME", help="Centre on a target: CD38, P28907, uniprot:P28907.")
@click.option("--condition", "conditions", multiple=True, metavar="MESH", help="Centre on a condition: D006086, a MeSH label.")
@click.option("--radius", type=click.IntRange(0, 20), default=2, show_default=True,
              help="Steps (links followed both ways) kept around --drug/--target/--condition.")
@click.option("--phase", "phases", multiple=True, metavar="CODE", help="Only trials in this phase: PHASE2, 'phase 3' ...")
@click.option("--status", "statuses", multiple=True, metavar="CODE", help="Only trials with this status: RECRUITING ...")
@click.option("--sponsor", "sponsors", multiple=True, metavar="NAME", help="Only trials this organisation sponsors or helps.")
@click.option("--mesh-branch", metavar="MESH", default=None,
              help="Only conditions under this MeSH descriptor (itself and all its descendants), and their trials "
                   "(also the trials whose registry MeSH ancestors include it).")
@click.option("--rollup", "rollup", type=click.IntRange(1, 15), default=None, metavar="DEPTH",
              help="Replace each condition by its MeSH ancestors at this tree depth (2 = C15.378).")
@click.option("--max-nodes", type=click.IntRange(1, None), default=None, metavar="N",
              help="Keep the N most connected nodes (default for html 2000, png/svg 400; none for the rest).")
@click.option("--tested-only", is_flag=True, help="Leave out drugs that no trial tests.")
@click.option("--stats", is_flag=True, help="Print the analysis (counts, components, central nodes, drugs sharing a target).")
@_store_option
def network(output: Path | None, fmt: str | None, drugs: tuple[str, ...], targets: tuple[str, ...],
            conditions: tuple[str, ...], radius: int, phases: tuple[str, ...], statuses: tuple[str, ...],
            sponsors: tuple[str, ...], mesh_branch: str | None, rollup: int | None, max_nodes: int | None,
            tested_only: bool, stats: bool, store: str | None) -> int:
    """Draw or export the drug-target-condition network: drugs, their targets, the MeSH conditions
    and trials that test them, and the trials' sponsors. Built from the network reports of queries/.

    html is one self-contained interactive page (works offline: zoom, drag, search, click through to
    ClinicalTrials.gov, UniProt and MeSH); png and svg are pictures; graphml and gexf open in
    Cytoscape and Gephi; cyjs is Cytoscape.js JSON. With --stats, --format text|json, or with
    neither -o nor --format, it prints the analysis instead: counts, components, the most connected
    and most between nodes, and drugs that share a target. What --max-nodes cuts is said on stderr.

    \b
    Examples:
      trialgraph network --drug inolimomab -o inolimomab.html
      trialgraph network --target CD38 --radius 3 -o cd38.svg
      trialgraph network --mesh-branch D006402 --rollup 3 --phase PHASE3 -o blood.graphml
      trialgraph network --status RECRUITING --max-nodes 500 -o recruiting.gexf
      trialgraph network --stats --format json > network-stats.json
    """
    from graph import network_output
    from graph.network import analyse, build_network, stats_text

    stats = stats or (output is None and fmt is None) or fmt in ("text", "json")
    if stats:
        fmt = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "text")
        if fmt not in ("text", "json"):
            raise click.UsageError(f"--stats prints the analysis as text or json, not {fmt}")
    else:
        fmt = network_output.format_for(output, fmt) if output is not None else fmt
    limit = max_nodes if max_nodes is not None else (None if stats else network_output.DRAWN_LIMITS.get(fmt or ""))
    with _open(store, create=False) as handle:
        result = build_network(handle, drug=list(drugs), target=list(targets), condition=list(conditions), radius=radius,
                               phases=list(phases), statuses=list(statuses), sponsor=list(sponsors),
                               mesh_branch=mesh_branch, rollup_depth=rollup, max_nodes=limit, tested_only=tested_only)
    click.echo(f"network: {result.summary()}", err=True)
    for note in [*result.notes, *filter(None, [result.cut_message()])]:
        click.echo(f"note: {note}", err=True)
    if stats:
        analysis = analyse(result)
        data = (json.dumps(analysis, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else stats_text(analysis)).encode()
    else:
        data = network_output.render(result, fmt)
    if output is None:
        if fmt == "png" and sys.stdout.isatty():
            raise GraphError("PNG is binary — give -o FILE.png or redirect stdout to a file")
        _stdout().write(data)
        _stdout().flush()
        return 0
    paths.write_atomically(output, data)
    click.echo(f"wrote {output} ({len(data):,} bytes, {fmt})", err=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="trialgraph",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except GraphError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. '| head'); nothing more to say
        return 0
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
