"""MeSH pharmacological actions: which substances (MeSH descriptors and supplementary concepts) act
as which pharmacological action, itself a MeSH descriptor (Protein Kinase Inhibitors, D047428).

Two sources, each its own named graph, replaced whole when a file of the same kind is loaded again:

====================  ===========================================================================
format                file
====================  ===========================================================================
mesh-actions          a table with the header ``record_ui  record_name  pharm_action_ui
                      pharm_action_name`` (tab-separated, plain or gzip): descriptors (``D…``) and
                      supplementary concepts (``C…``) to their actions; graph
                      ``tgg:reference/mesh-pharmacological-actions``
mesh-xml              NLM's descriptor XML (``descYYYY.xml``): each record's
                      ``PharmacologicalActionList``; graph ``tgg:reference/mesh-descriptor-actions``.
                      The descriptors themselves go to the MeSH graph (:mod:`.mesh`), from the same
                      file in the same load.
====================  ===========================================================================

A descriptor XML knows no supplementary concepts, so loading a newer one does not drop the table's
(the two graphs stand side by side, each with its release). The statements keep NLM's vocabulary,
``mesh:C556306 meshv:pharmacologicalAction mesh:D000074322``, on the MeSH record's IRI: a drug
reaches its actions through the MeSH identifiers its sources give it (``skos:exactMatch``), and a
trial through the registry's own intervention MeSH terms. Reading is :func:`read_table` and
:func:`read_xml` (records of :mod:`graph.records`); :func:`graph_writes` maps them with
:mod:`graph.open_reference_triples`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from graph.errors import InputError
import graph.readers.mesh as mesh
from graph.readers.base import sniff, table_rows
from graph.records import PharmacologicalAction

TABLE = "mesh-actions"
FORMATS = (TABLE,)
#: formats another reader detects whose files also hold pharmacological actions: this module reads
#: them, writing the other reader's graphs too
ALSO_READS = ("mesh-xml",)

COLUMNS = ("record_ui", "record_name", "pharm_action_ui", "pharm_action_name")
RECORD_UI = re.compile(r"^[CD]\d{6,9}$")
_EXPECTED_TABLE = "a tab-separated header 'record_ui <TAB> record_name <TAB> pharm_action_ui <TAB> pharm_action_name'"
_YEAR = re.compile(r"(?:desc|mesh|supp)(\d{4})", re.IGNORECASE)


def looks_like(path: Path, head: bytes) -> str | None:
    """``mesh-actions`` when the first line is the table's header (descriptor XML is detected by
    :mod:`.mesh`)."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0].rstrip("\r")
    return TABLE if tuple(cell.strip() for cell in first.split("\t")) == COLUMNS else None


def release(path: Path, label: str | None = None) -> str | None:
    """The MeSH year of a file: from its name (``mesh2024_…``, ``desc2025.xml``), else from the
    DTD a descriptor XML names (``desc2015.dtd``); None when neither says."""
    found = _YEAR.search(Path(label or str(path)).name)
    if not found:
        found = _YEAR.search(sniff(path, 2048).decode("utf-8", errors="replace"))
    return found.group(1) if found else None


def _check(ui: str, name: str | None, label: str, record: str, field: str, what: str) -> None:
    """A UI of the right shape, and a name unless ``name`` is None (a substance may come without
    one: NLM's table leaves 61 supplementary concepts of 2024 unnamed)."""
    if not RECORD_UI.match(ui):
        raise InputError(f"{ui!r} is not a MeSH UI", source=label, record=record, field=field,
                         expected=f"the {what}'s MeSH UI: D or C followed by 6 to 9 digits")
    if name is not None and not name:
        raise InputError("empty", source=label, record=record, field=field.replace("_ui", "_name"),
                         expected=f"the {what}'s name")


def read_table(path: Path, label: str | None = None) -> Iterator[PharmacologicalAction]:
    """The actions of a table, in file order; a malformed row is an :class:`InputError` naming
    the line and the column."""
    label = label or str(path)
    rows = table_rows(path, label, delimiter="\t", what="MeSH pharmacological actions table")
    checked = False
    for number, row in rows:
        if not checked and tuple(row) != COLUMNS:  # the header, checked on the first row read
            raise InputError(f"unexpected header {chr(9).join(row)!r}", source=label, record="line 1",
                             expected=_EXPECTED_TABLE)
        checked = True
        record = f"line {number}"
        _check(row["record_ui"], None, label, record, "record_ui", "substance")
        _check(row["pharm_action_ui"], row["pharm_action_name"], label, record, "pharm_action_ui", "action")
        if not row["pharm_action_ui"].startswith("D"):
            raise InputError(f"{row['pharm_action_ui']!r} is not a descriptor", source=label, record=record,
                             field="pharm_action_ui", expected="a pharmacological action descriptor (D and digits)")
        yield PharmacologicalAction(row["record_ui"], row["record_name"], row["pharm_action_ui"], row["pharm_action_name"])


def read_xml(path: Path, label: str | None = None) -> Iterator[PharmacologicalAction]:
    """The actions of a descriptor XML, one ``DescriptorRecord`` at a time (flat memory, as
    :mod:`.mesh` reads it)."""
    label = label or str(path)
    for count, elem in mesh.descriptor_records(path, label):
        ui = (elem.findtext("DescriptorUI") or "").strip()
        name = (elem.findtext("DescriptorName/String") or "").strip()
        where = f"descriptor {count}" + (f" ({ui})" if ui else "")
        actions = elem.findall("PharmacologicalActionList/PharmacologicalAction/DescriptorReferredTo")
        if actions:
            _check(ui, name, label, where, "DescriptorUI", "descriptor")
        for action in actions:
            action_ui = (action.findtext("DescriptorUI") or "").strip()
            action_name = (action.findtext("DescriptorName/String") or "").strip()
            _check(action_ui, action_name, label, where,
                   "PharmacologicalAction/DescriptorReferredTo/DescriptorUI", "action")
            yield PharmacologicalAction(ui, name, action_ui, action_name)


def graph_writes(path: Path, fmt: str, label: str, loaded_at: str) -> list["GraphWrite"]:
    """The actions' graph, with its provenance; for a descriptor XML, the MeSH graph first."""
    from graph import open_reference_triples as out

    year = release(path, label)
    if fmt == TABLE:
        return [out.write(out.MESH_ACTIONS, out.action_quads(read_table(path, label)), label=label, fmt=fmt,
                          release=year, loaded_at=loaded_at)]
    if fmt == "mesh-xml":
        writes = mesh.graph_writes(path, fmt, label, loaded_at)
        actions = list(read_xml(path, label))
        if not actions:  # a descriptor file without actions (a subset, a test file): no graph of them
            return writes
        return writes + [out.write(out.MESH_DESCRIPTOR_ACTIONS, out.action_quads(actions), label=label,
                                   fmt=fmt, release=year, loaded_at=loaded_at)]
    raise InputError(f"unknown MeSH actions format {fmt!r}", source=label, expected=" or ".join(FORMATS + ALSO_READS))
