"""How well trialgraph's own linking recovers NLM's MeSH terms when the registry's are taken away.

    python bench/linking_quality.py [--records 100] [--json results.json]

The first N real records of ``../shared/data/ctgov-json`` (the JSON Lines collection) are loaded
with their ``derivedSection`` removed — NLM's condition and intervention MeSH terms, and the
ancestors — into a store built as users build it (``trialgraph build``), and, as the baseline in
the same run, into one built with ``--no-open-reference`` (the curated MeSH subset and drugs only).
Against the terms NLM gave each record:

- conditions: precision and recall of the descriptors trialgraph links the conditions to
  (``tg:condition/tg:mesh``), over (trial, descriptor) pairs; precision also over the records NLM
  gave any condition term (NLM leaves many records without one — 30 of the first 100, most of
  them listing only "NSCLC" — and a link there has nothing to be judged against);
- interventions: recall of NLM's intervention terms that name a drug the store knows (a drug whose
  sources match it to that descriptor, ``skos:exactMatch``), reached trial → intervention → drug.

A table is printed; ``--json`` also writes the figures. Nothing here asserts a level.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.build import build  # noqa: E402
from graph.loader import Loader  # noqa: E402
from graph.store import open_store  # noqa: E402
from graph.vocab import MESH_NS  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ctgov-json" / "collections" / "combined_unique_studies.jsonl"
TG = "PREFIX tg: <https://w3id.org/trialgraph/vocab#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def nlm_terms(records: list[dict]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(NCT id, descriptor UI) pairs NLM gave the conditions and the interventions."""
    conditions, interventions = set(), set()
    for record in records:
        nct = record["protocolSection"]["identificationModule"]["nctId"]
        derived = record.get("derivedSection", {})
        for key, out in (("conditionBrowseModule", conditions), ("interventionBrowseModule", interventions)):
            for mesh in derived.get(key, {}).get("meshes", []):
                out.add((nct, _ui(mesh["id"])))
    return conditions, interventions


def _ui(ui: str) -> str:
    """D000006402 and D006402 are one descriptor (the registry pads some UIs)."""
    return ui[0] + ui[1:].lstrip("0").rjust(6, "0")


def measure(records: list[dict], folder: Path, *, open_reference: bool) -> dict:
    stripped = folder / "stripped.jsonl"
    stripped.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "derivedSection"}) + "\n"
                                for r in records), encoding="utf-8")
    store = open_store(folder / "store")
    try:
        assert build(store, err=io.StringIO(), progress=False, open_reference=open_reference).ok
        started = time.monotonic()
        summary = Loader(store, err=io.StringIO(), progress=False).load([stripped])
        seconds = time.monotonic() - started
        assert summary.ok and summary.rejected == 0
        wanted = {r["protocolSection"]["identificationModule"]["nctId"] for r in records}
        linked = {(r["nct"].value, _ui(r["m"].value.removeprefix(MESH_NS))) for r in store.query(
            TG + "SELECT DISTINCT ?nct ?m WHERE { ?t tg:nctId ?nct ; tg:condition/tg:mesh ?m }")
            if r["nct"].value in wanted}
        reached = {(r["nct"].value, _ui(r["m"].value.removeprefix(MESH_NS))) for r in store.query(
            TG + "SELECT DISTINCT ?nct ?m WHERE { ?t tg:nctId ?nct ; tg:intervention/tg:drug/skos:exactMatch ?m "
                 "FILTER(STRSTARTS(STR(?m), STR(mesh:))) }") if r["nct"].value in wanted}
        drug_mesh = {_ui(r["m"].value.removeprefix(MESH_NS)) for r in store.query(
            TG + "SELECT DISTINCT ?m WHERE { ?d a tg:Drug ; skos:exactMatch ?m FILTER(STRSTARTS(STR(?m), STR(mesh:))) }")}
    finally:
        store.close()
    conditions, interventions = nlm_terms(records)
    knowable = {(nct, ui) for nct, ui in interventions if ui in drug_mesh}
    hit = linked & conditions
    indexed = {nct for nct, _ in conditions}  # records NLM gave any condition term
    linked_indexed = {pair for pair in linked if pair[0] in indexed}
    return {
        "records": len(records), "load_seconds": round(seconds, 2),
        "condition_pairs_nlm": len(conditions), "condition_pairs_linked": len(linked), "condition_pairs_agreeing": len(hit),
        "condition_precision": round(len(hit) / len(linked), 4) if linked else None,
        "condition_pairs_linked_in_records_nlm_indexed": len(linked_indexed),
        "condition_precision_in_records_nlm_indexed": round(len(hit) / len(linked_indexed), 4) if linked_indexed else None,
        "condition_recall": round(len(hit) / len(conditions), 4) if conditions else None,
        "intervention_pairs_nlm": len(interventions), "intervention_pairs_naming_a_known_drug": len(knowable),
        "intervention_pairs_reached": len(knowable & reached),
        "intervention_recall": round(len(knowable & reached) / len(knowable), 4) if knowable else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if not DATA.exists():
        raise SystemExit(f"{DATA}: not found — the real records are read from ../shared/data beside the checkout")
    with DATA.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line, _ in zip(handle, range(args.records))]
    results = {}
    for name, full in (("curated MeSH subset and drugs (--no-open-reference)", False), ("trialgraph build", True)):
        with tempfile.TemporaryDirectory() as folder:
            results[name] = measure(records, Path(folder), open_reference=full)
    rows = [("", *results)]
    for key in ("condition_pairs_nlm", "condition_pairs_linked", "condition_pairs_agreeing", "condition_precision",
                "condition_pairs_linked_in_records_nlm_indexed", "condition_precision_in_records_nlm_indexed",
                "condition_recall", "intervention_pairs_naming_a_known_drug", "intervention_pairs_reached",
                "intervention_recall", "load_seconds"):
        rows.append((key, *(str(r[key]) for r in results.values())))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
