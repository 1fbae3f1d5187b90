"""``trialgraph build``: the ontology and everything in ``seeds/`` into a store, in one step."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from graph import paths
from graph.loader import Loader, LoadSummary
from graph.readers import rdf
from graph.store import EmbeddedStore
from graph.vocab import ONTOLOGY_GRAPH, REPORTS_GRAPH


@dataclass
class BuildSummary:
    ontology_files: int = 0
    ontology_quads: int = 0
    reports: int = 0
    seeds: LoadSummary = field(default_factory=LoadSummary)

    @property
    def ok(self) -> bool:
        return self.seeds.ok


def ontology_quads(folder: Path | None = None) -> list[ox.Quad]:
    """Every Turtle file of the ontology folder, in the ontology graph, blank nodes skolemised."""
    folder = folder or paths.ontology_dir()
    quads: list[ox.Quad] = []
    for path in sorted(folder.glob("*.ttl")):
        quads.extend(rdf.skolemized_quads(path, "turtle", ONTOLOGY_GRAPH))
    return quads


def load_ontology(store: EmbeddedStore, folder: Path | None = None) -> tuple[int, int]:
    """Replace the ontology graph; returns (files, quads)."""
    folder = folder or paths.ontology_dir()
    quads = ontology_quads(folder)
    store.replace_with_quads([ONTOLOGY_GRAPH], quads)
    return len(list(folder.glob("*.ttl"))), len(quads)


#: The curated tables that become graphs, in load order (condition rules, resolutions and MeSH
#: roots are read by the linker and the MeSH reader themselves).
REFERENCE_TABLES = ("mesh.tsv", "drugs.tsv", "targets.tsv", "drug_targets.tsv")


def load_report_catalogue(store: EmbeddedStore, folder: Path | None = None) -> int:
    """The named reports as SHACL SPARQL executables, in their own graph; returns how many."""
    from graph.reports import catalogue_turtle, load_reports

    reports = load_reports(folder)
    text = catalogue_turtle(reports.values())
    graph = ox.NamedNode(REPORTS_GRAPH)
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
    store.replace_with_quads([REPORTS_GRAPH], quads)
    return len(reports)


#: The open reference data shipped with trialgraph (``seeds/open/``, see its README.md for sources
#: and licences), loaded after the curated tables.
OPEN_REFERENCE = (
    "drugcentral-2016/identifiers.tsv", "drugcentral-2016/drug_target.tsv", "drugcentral-2016/pharm_class.tsv",
    "drugbank-vocabulary/drugbank_vocabulary.csv",
    "mesh/desc2024.tsv.gz",
    "mesh-pharmacological-actions/mesh2024_pharmacological_actions.tsv",
)


def seed_files(folder: Path | None = None, *, open_reference: bool = True) -> list[Path]:
    """The seed inputs: the curated reference tables, the open reference data (unless
    ``open_reference`` is false), then the trial pages (``seeds/*.txt``)."""
    folder = folder or paths.seeds_dir()
    tables = [folder / "reference" / name for name in REFERENCE_TABLES if (folder / "reference" / name).exists()]
    shipped = [folder / "open" / name for name in OPEN_REFERENCE if (folder / "open" / name).exists()]
    return tables + (shipped if open_reference else []) + sorted(folder.glob("*.txt"))


def build(store: EmbeddedStore, *, err: TextIO | None = None, progress: bool = True,
          open_reference: bool = True) -> BuildSummary:
    """Load the ontology and the seeds into ``store``; ``open_reference=False`` leaves out the
    shipped DrugCentral, DrugBank and MeSH data (a small store: the curated drugs and MeSH subset only)."""
    err = err or sys.stderr
    summary = BuildSummary()
    summary.ontology_files, summary.ontology_quads = load_ontology(store)
    summary.reports = load_report_catalogue(store)
    loader = Loader(store, err=err, progress=progress)
    summary.seeds = loader.load(seed_files(open_reference=open_reference))
    return summary
