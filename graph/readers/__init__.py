"""Readers: one module per source format, and detection of the format from a file's content.

A *trial reader* yields raw records (``read``, I/O) and parses each into typed
:class:`~graph.records.Trial` records (``parse``, pure): registry JSON (:mod:`.ctgov_json`) and
trial pages (:mod:`.pages`). A *graph reader* turns a whole reference source into named graphs
(``graph_writes``): MeSH (:mod:`.mesh`), the curated tables (:mod:`.reference`), DrugCentral
(:mod:`.drugcentral`), DrugBank (:mod:`.drugbank`) and MeSH's pharmacological actions
(:mod:`.mesh_actions`, which also reads them from a descriptor XML beside :mod:`.mesh`). RDF files
(our own exports, or anyone's) are loaded as they are (:mod:`.rdf`).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from graph.errors import InputError
from graph.readers import ctgov_json, drugbank, drugcentral, mesh, mesh_actions, pages, rdf, reference
from graph.readers.base import sniff

#: Trial readers by format name.
TRIAL_READERS: dict[str, ModuleType] = {
    ctgov_json.FORMAT: ctgov_json,
    pages.FORMAT: pages,
}

#: Graph readers by format name (the MeSH readers first: mesh also reads the curated MeSH table; a
#: descriptor XML goes to mesh_actions, which writes its MeSH graph through mesh).
GRAPH_READERS: dict[str, ModuleType] = {
    **{fmt: mesh for fmt in mesh.FORMATS},
    **{fmt: reference for fmt in reference.FORMATS},
    **{fmt: drugcentral for fmt in drugcentral.FORMATS},
    **{fmt: drugbank for fmt in drugbank.FORMATS},
    # a descriptor XML (detected by mesh) holds pharmacological actions too: mesh_actions writes
    # both its MeSH graph (through mesh) and its actions' graph
    **{fmt: mesh_actions for fmt in (*mesh_actions.FORMATS, *mesh_actions.ALSO_READS)},
}

#: Every format name ``trialgraph load --format`` accepts.
FORMATS: tuple[str, ...] = (*TRIAL_READERS, *GRAPH_READERS, *rdf.FORMATS)


def detect(path: Path, label: str | None = None) -> str:
    """The format of a file, from its content (and, for RDF, its name)."""
    label = label or str(path)
    rdf_format = rdf.format_for(path)
    if rdf_format is not None:
        return rdf_format
    head = sniff(path)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InputError("the file is empty", source=label, expected="a trial document, a reference table or RDF")
    for name, reader in TRIAL_READERS.items():
        if reader.looks_like(head):
            return name
    for reader in dict.fromkeys(GRAPH_READERS.values()):
        found = reader.looks_like(path, head)
        if found:
            return found
    raise InputError(
        "format not recognised",
        source=label,
        expected="ClinicalTrials.gov JSON (.json, .jsonl, .zip, .gz), a trial page of a known layout (.txt), "
        "MeSH (descriptor XML or TSV), MeSH pharmacological actions (.tsv), a drug, target or drug_targets table (.tsv), a DrugCentral or DrugBank "
        "download (.tsv, .csv), "
        "or RDF (.ttl, .nt, .nq, .trig, .jsonld, .rdf); name the format with --format",
    )
