"""Readers: one module per source format, and detection of the format from a file's content.

A *trial reader* yields raw records (:func:`read`, I/O) and parses each into typed
:class:`~graph.records.Trial` records (:func:`parse`, pure); see :mod:`graph.readers.ctgov_json`.
RDF files (our own exports, or anyone's) are loaded as they are, see :mod:`graph.readers.rdf`.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from graph.errors import InputError
from graph.readers import ctgov_json, rdf
from graph.readers.base import sniff

#: Trial readers by format name.
TRIAL_READERS: dict[str, ModuleType] = {
    ctgov_json.FORMAT: ctgov_json,
}

#: Every format name ``trialgraph load --format`` accepts.
FORMATS: tuple[str, ...] = (*TRIAL_READERS, *rdf.FORMATS)


def detect(path: Path, label: str | None = None) -> str:
    """The format of a file, from its content (and, for RDF, its name)."""
    label = label or str(path)
    rdf_format = rdf.format_for(path)
    if rdf_format is not None:
        return rdf_format
    head = sniff(path)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InputError("the file is empty", source=label, expected="a trial document or an RDF file")
    for name, reader in TRIAL_READERS.items():
        if reader.looks_like(head):
            return name
    raise InputError(
        "format not recognised",
        source=label,
        expected="ClinicalTrials.gov JSON (.json, .jsonl, .zip, .gz) or RDF (.ttl, .nt, .nq, .trig, .jsonld, .rdf); "
        "name the format with --format",
    )
