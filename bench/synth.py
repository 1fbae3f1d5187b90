#!/usr/bin/env python3
"""A synthetic ClinicalTrials.gov registry: API v2 study JSON at any size, deterministic from a seed.

Usage::

    python bench/synth.py --studies 50000 --seed 1 --out /tmp/reg [--format jsonl|zip|both] [-j 2]
    python bench/synth.py --studies 10000 --calibrate-only        # print the calibration table only
    python bench/synth.py --dump-builtins                         # re-measure the built-in constants

Output: ``DIR/studies-N.jsonl`` (one study per line, non-ASCII as ``\\u`` escapes like the real
JSON Lines sample) and/or ``DIR/studies-N.zip`` (one ``NCTxxxxxxxx.json`` member per study, like
the registry's bulk download; deflate level 1, ZIP64 past 65,535 members). NCT ids run from
NCT90000001 up, above every real id. After writing, the calibration table goes to stderr.

Determinism. The same N, seed, calibration source and MeSH table give byte-identical files,
whatever ``--workers`` is: studies come in chunks of :data:`CHUNK`, each with its own random
stream seeded from (seed, chunk), and every pool entity is made from its own stream seeded from
(seed, pool, index), so nothing depends on which process made what or in which order.

Memory. Studies are generated, serialized and written a chunk at a time (at most two chunks per
worker in flight); the zip's central directory is spooled to a temporary file. What stays in
memory is the entity pools' caches, which are capped (below), so memory is flat in N.

Calibration. The distributions are measured at run time from ``--calibrate`` (default: the 479 real
records in ``../shared/data/ctgov-json/collections/combined_unique_studies.jsonl``, beside the
repository, or under ``$TRIALGRAPH_SHARED_DATA``). Without that file the script falls back to
:data:`BUILTIN_PARAMS`, which were measured once on those same 479 records with ``--dump-builtins``
(so the two give the same output; a test checks it). What is measured: histograms of every count
(conditions, keywords, arms, interventions, primary/secondary/other outcomes, locations, officials,
central contacts, collaborators, condition MeSH terms and ancestors, intervention MeSH terms and
ancestors, references, secondary ids, other names per intervention, contacts per location),
length quantiles of every free text (titles, summary, description, criteria, arm and intervention
descriptions, outcome measures and descriptions), enrollment quantiles, and the shares of every
coded value (study type, phase, status, agency classes, responsible party, intervention and arm
types, official roles, sex, ages, design fields, countries, first-submission year, start-date
precision, IPD sharing, results). The same code measures the synthetic studies for the table.
Deliberate departures from the sample, because the sample is not the registry or because the
project's reader would warn:

* phases: about 60% of the whole registry has no phase (issue 6), against 67% in the sample. "No
  phase" means the field is absent (observational and expanded-access studies) or ``["NA"]``
  (interventional studies outside the drug-phase system); the NA share of interventional studies
  is set so that the total is :data:`NO_PHASE_SHARE`; the phased ones keep the sample's mix;
* expanded access: absent from the sample, about 0.2% of the registry (:data:`EXPANDED_ACCESS_SHARE`);
* every study has at least one condition, a title, a status, a study type and a lead sponsor (the
  reader warns when one is missing; 0.4% of the sample has no condition);
* a maximum age below the minimum age is dropped (the reader warns on it);
* dates are made consistent with the status (a study not yet recruiting starts after the
  snapshot day :data:`SNAPSHOT`, a completed one ends before it, results follow completion).

The results section (on the measured share of studies, all completed or terminated) has
participant flow, baseline measures, one outcome measure per outcome plus a few post hoc ones, and
adverse events; its size (about 53 kB) is close to the sample's (about 60 kB). The reader does not
map it, so it is there for the bytes.

Entities recur across studies: each is drawn from a pool with a Zipf-Mandelbrot law (rank r has
weight about 1/(r + 5)**s; the offset keeps the head realistic: the most popular of 2,500 sponsors
gets about 3% of studies), so a few sponsors, sites, drugs and conditions are very common and most
are rare. Attributes of pool entities (agency class, country, intervention type, other names) are
spread evenly over ranks (:func:`spread`), so the popular head has the measured mix. Pool sizes
grow with N and are capped (:data:`POOLS`; for orientation, the registry has about 560k studies,
tens of thousands of sponsors and some hundred thousand distinct sites)::

    pool          size    floor      cap      s    what
    sponsor       N/20       20   40,000    1.0    name + agency class (measured lead-sponsor mix)
    collaborator  N/25       20   25,000    1.0    measured collaborator mix; 30% of collaborator
                                                   draws come from the sponsor pool instead
    site          N/3        50  100,000    0.9    facility + city + state + zip + country + geoPoint
                                                   (real cities, weighted by the measured countries)
    investigator  N/2        50  200,000    0.8    officials, responsible parties, contacts
    condition     N/5        50   30,000    1.0    text + a real MeSH disease descriptor (C tree)
    keyword       N/3        50   50,000    1.0
    drug          N/10       30   20,000    1.0    real MeSH compounds (D tree leaves), then coined;
                                                   drug, biological, supplement, combination, genetic
    procedure     N/40       20    5,000    1.0    MeSH E01/E02/E04; procedure, radiation, diagnostic
    device        N/20       20   10,000    1.0    coined device names
    behavioral    N/40       20    5,000    1.0    MeSH F04 descriptors, then coined programmes
    other         N/20       20   10,000    1.0    generic names, then coined

MeSH ids and labels come from ``../shared/data/mesh/mesh2024_descriptors.tsv`` when present
(``--mesh``), else from :data:`FALLBACK_MESH` (real descriptors: 42 common conditions, drugs and
procedures with their ancestors). Ancestors follow the tree numbers, with the category roots
(:data:`MESH_ROOTS`, e.g. C04 Neoplasms) added.

All text is filler made from an invented word list (:data:`WORDS`); names of people, companies,
hospitals and journals are coined from syllables; cities are real places with approximate
coordinates; MeSH labels are real. Nothing is copied from registry records.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as _dt
import json
import math
import os
import random
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRIALGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_CALIBRATION = SHARED / "ctgov-json" / "collections" / "combined_unique_studies.jsonl"
DEFAULT_MESH = SHARED / "mesh" / "mesh2024_descriptors.tsv"

#: Share of all studies without a phase (absent or NA) in the whole registry (issue 6).
NO_PHASE_SHARE = 0.60
#: Share of expanded-access records in the registry (none in the 479-record sample).
EXPANDED_ACCESS_SHARE = 0.002
#: The day the synthetic registry is "downloaded": every past date is before it.
SNAPSHOT = _dt.date(2025, 12, 1)
#: First synthetic NCT number (real ids are below NCT08000000, so these cannot collide).
FIRST_NCT = 90_000_001
#: Studies per chunk: each chunk has its own random stream (see :meth:`Generator.studies`).
CHUNK = 500
#: zlib level of the zip members.
ZIP_LEVEL = 1
#: Longest text taken from the filler tape (the longest real criteria have 19,020 characters).
_TAPE_ROOM = 25_000
#: Offset of the Zipf-Mandelbrot law of entity popularity (see :class:`Zipf`).
ZIPF_OFFSET = 5.0
#: Probability points of the stored length quantiles.
QPROBS = tuple(sorted({i / 40 for i in range(41)} | {0.99}))


# =================================================================================================
# Measuring a collection of studies (the real one for calibration, the synthetic one for the table)
# =================================================================================================


def _mod(study: dict, module: str, section: str = "protocolSection") -> dict:
    sec = study.get(section)
    if not isinstance(sec, dict):
        return {}
    mod = sec.get(module)
    return mod if isinstance(mod, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _items(study: dict, module: str, key: str, section: str = "protocolSection") -> list:
    return [x for x in _list(_mod(study, module, section).get(key)) if isinstance(x, dict)]


#: Per-study counts: key -> (label for the table, list extractor).
COUNTS: dict[str, tuple[str, Callable[[dict], list]]] = {
    "conditions": ("conditions", lambda s: _list(_mod(s, "conditionsModule").get("conditions"))),
    "keywords": ("keywords", lambda s: _list(_mod(s, "conditionsModule").get("keywords"))),
    "arms": ("arms", lambda s: _items(s, "armsInterventionsModule", "armGroups")),
    "interventions": ("interventions", lambda s: _items(s, "armsInterventionsModule", "interventions")),
    "primaryOutcomes": ("primary outcomes", lambda s: _items(s, "outcomesModule", "primaryOutcomes")),
    "secondaryOutcomes": ("secondary outcomes", lambda s: _items(s, "outcomesModule", "secondaryOutcomes")),
    "otherOutcomes": ("other outcomes", lambda s: _items(s, "outcomesModule", "otherOutcomes")),
    "locations": ("locations", lambda s: _items(s, "contactsLocationsModule", "locations")),
    "officials": ("overall officials", lambda s: _items(s, "contactsLocationsModule", "overallOfficials")),
    "centralContacts": ("central contacts", lambda s: _items(s, "contactsLocationsModule", "centralContacts")),
    "collaborators": ("collaborators", lambda s: _items(s, "sponsorCollaboratorsModule", "collaborators")),
    "conditionMeshes": ("condition MeSH terms",
                        lambda s: _items(s, "conditionBrowseModule", "meshes", "derivedSection")),
    "conditionAncestors": ("condition MeSH ancestors",
                           lambda s: _items(s, "conditionBrowseModule", "ancestors", "derivedSection")),
    "interventionMeshes": ("intervention MeSH terms",
                           lambda s: _items(s, "interventionBrowseModule", "meshes", "derivedSection")),
    "interventionAncestors": ("intervention MeSH ancestors",
                              lambda s: _items(s, "interventionBrowseModule", "ancestors", "derivedSection")),
    "references": ("references", lambda s: _items(s, "referencesModule", "references")),
    "secondaryIds": ("secondary ids", lambda s: _items(s, "identificationModule", "secondaryIdInfos")),
}

#: Per-item counts: key -> (label, item extractor, list key inside the item).
ITEM_COUNTS: dict[str, tuple[str, Callable[[dict], list], str]] = {
    "otherNames": ("other names per intervention",
                   lambda s: _items(s, "armsInterventionsModule", "interventions"), "otherNames"),
    "locationContacts": ("contacts per location with a status",
                         lambda s: [x for x in _items(s, "contactsLocationsModule", "locations") if x.get("status")],
                         "contacts"),
}


def _one(module: str, key: str) -> Callable[[dict], list]:
    return lambda s: [_mod(s, module).get(key)]


def _each(module: str, lists: tuple[str, ...], key: str) -> Callable[[dict], list]:
    return lambda s: [item.get(key) for name in lists for item in _items(s, module, name)]


_OUTCOMES = ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes")

#: Free texts: key -> (label, extractor of the values, one per study or one per item).
TEXTS: dict[str, tuple[str, Callable[[dict], list]]] = {
    "briefTitle": ("brief title", _one("identificationModule", "briefTitle")),
    "officialTitle": ("official title", _one("identificationModule", "officialTitle")),
    "acronym": ("acronym", _one("identificationModule", "acronym")),
    "briefSummary": ("brief summary", _one("descriptionModule", "briefSummary")),
    "detailedDescription": ("detailed description", _one("descriptionModule", "detailedDescription")),
    "eligibilityCriteria": ("eligibility criteria", _one("eligibilityModule", "eligibilityCriteria")),
    "armDescription": ("arm description (per arm)", _each("armsInterventionsModule", ("armGroups",), "description")),
    "interventionDescription": ("intervention description (per intervention)",
                                _each("armsInterventionsModule", ("interventions",), "description")),
    "outcomeMeasure": ("outcome measure (per outcome)", _each("outcomesModule", _OUTCOMES, "measure")),
    "outcomeDescription": ("outcome description (per outcome)", _each("outcomesModule", _OUTCOMES, "description")),
}


def _study_type(s: dict) -> str | None:
    return _mod(s, "designModule").get("studyType")


def _phase(s: dict) -> list:
    if _study_type(s) != "INTERVENTIONAL":
        return []
    return ["/".join(str(p) for p in _list(_mod(s, "designModule").get("phases")))]


def _design(key: str, study_type: str) -> Callable[[dict], list]:
    def get(s: dict) -> list:
        if _study_type(s) != study_type:
            return []
        info = _mod(s, "designModule").get("designInfo")
        return [info.get(key) if isinstance(info, dict) else None]
    return get


def _masking(s: dict) -> list:
    if _study_type(s) != "INTERVENTIONAL":
        return []
    info = _mod(s, "designModule").get("designInfo")
    masking = info.get("maskingInfo") if isinstance(info, dict) else None
    return [masking.get("masking") if isinstance(masking, dict) else None]


def _year(value: Any) -> str | None:
    return value[:4] if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit() else None


def _start_precision(s: dict) -> list:
    struct_ = _mod(s, "statusModule").get("startDateStruct")
    date = struct_.get("date") if isinstance(struct_, dict) else None
    if not isinstance(date, str):
        return []
    return ["day" if len(date) == 10 else "month" if len(date) == 7 else "year"]


def _sampling(s: dict) -> list:
    return [_mod(s, "eligibilityModule").get("samplingMethod")] if _study_type(s) == "OBSERVATIONAL" else []


def _lead_class(s: dict) -> list:
    lead = _mod(s, "sponsorCollaboratorsModule").get("leadSponsor")
    return [lead.get("class")] if isinstance(lead, dict) else []


def _party(s: dict) -> list:
    party = _mod(s, "sponsorCollaboratorsModule").get("responsibleParty")
    return [party.get("type")] if isinstance(party, dict) else [None]


def _arm_types(s: dict) -> list:
    if _study_type(s) != "INTERVENTIONAL":
        return []
    return [a.get("type") for a in _items(s, "armsInterventionsModule", "armGroups")]


def _has_results(s: dict) -> list:
    return ["true" if s.get("hasResults") is True else "false"]


#: Coded values: key -> (label, extractor of the values to count; None counts as "" = absent).
CATS: dict[str, tuple[str, Callable[[dict], list]]] = {
    "studyType": ("study type", lambda s: [_study_type(s)]),
    "phase": ("phase (interventional studies)", _phase),
    "status": ("overall status", _one("statusModule", "overallStatus")),
    "lastKnownStatus": ("last known status", lambda s: [v] if (v := _mod(s, "statusModule").get("lastKnownStatus")) else []),
    "startPrecision": ("start date precision", _start_precision),
    "firstSubmitYear": ("first submitted (year)", lambda s: [_year(_mod(s, "statusModule").get("studyFirstSubmitDate"))]),
    "leadClass": ("lead sponsor class", _lead_class),
    "collaboratorClass": ("collaborator class", lambda s: [c.get("class") for c in _items(s, "sponsorCollaboratorsModule", "collaborators")]),
    "partyType": ("responsible party", _party),
    "interventionType": ("intervention type", lambda s: [i.get("type") for i in _items(s, "armsInterventionsModule", "interventions")]),
    "armType": ("arm type (interventional)", _arm_types),
    "officialRole": ("official role", lambda s: [o.get("role") for o in _items(s, "contactsLocationsModule", "overallOfficials")]),
    "sex": ("sex", _one("eligibilityModule", "sex")),
    "minimumAge": ("minimum age", _one("eligibilityModule", "minimumAge")),
    "maximumAge": ("maximum age", _one("eligibilityModule", "maximumAge")),
    "healthyVolunteers": ("healthy volunteers", lambda s: [str(_mod(s, "eligibilityModule").get("healthyVolunteers")).lower()]),
    "samplingMethod": ("sampling method (observational)", _sampling),
    "allocation": ("allocation", _design("allocation", "INTERVENTIONAL")),
    "interventionModel": ("intervention model", _design("interventionModel", "INTERVENTIONAL")),
    "primaryPurpose": ("primary purpose", _design("primaryPurpose", "INTERVENTIONAL")),
    "masking": ("masking", _masking),
    "observationalModel": ("observational model", _design("observationalModel", "OBSERVATIONAL")),
    "timePerspective": ("time perspective", _design("timePerspective", "OBSERVATIONAL")),
    "country": ("location country", lambda s: [loc.get("country") for loc in _items(s, "contactsLocationsModule", "locations")]),
    "referenceType": ("reference type", lambda s: [r.get("type") for r in _items(s, "referencesModule", "references")]),
    "ipdSharing": ("IPD sharing", _one("ipdSharingStatementModule", "ipdSharing")),
    "hasResults": ("has results", _has_results),
}


#: Coded values shown in the calibration table.
TABLE_CATS = ("studyType", "phase", "status", "hasResults", "leadClass", "interventionType")


def _quantiles(values: list[int]) -> list[int]:
    values = sorted(values)
    if not values:
        return [0] * len(QPROBS)
    out = []
    for p in QPROBS:
        x = p * (len(values) - 1)
        lo = int(x)
        hi = min(lo + 1, len(values) - 1)
        out.append(round(values[lo] + (values[hi] - values[lo]) * (x - lo)))
    return out


class Tally:
    """Counts, lengths and shares of a stream of studies (``keep`` keeps lengths for quantiles)."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.studies = 0
        self.counts = {k: Counter() for k in (*COUNTS, *ITEM_COUNTS)}
        # all coded values for calibration; only those in the table for synthetic studies (faster)
        self.cats = {k: Counter() for k in (CATS if keep else TABLE_CATS)}
        self.text_n = Counter()
        self.text_empty = Counter()
        self.text_sum = Counter()
        self.lengths: dict[str, list[int]] = {k: [] for k in TEXTS}
        self.enrollment: list[int] = []
        self.enrollment_sum = 0
        self.enrollment_n = 0
        self.size_sum = 0
        self.size_no_results_sum = 0
        self.results_n = 0

    def add(self, study: dict, size: int | None = None, results_size: int | None = None) -> None:
        """Count one study; ``size`` and ``results_size`` are its JSON length and that of its
        resultsSection when known (else the study is serialized here)."""
        self.studies += 1
        counts = self.counts
        for key, (_, get) in COUNTS.items():
            counts[key][len(get(study))] += 1
        for key, (_, get, inner) in ITEM_COUNTS.items():
            for item in get(study):
                counts[key][len(_list(item.get(inner)))] += 1
        for key, cat in self.cats.items():
            get = CATS[key][1]
            for value in get(study):
                cat["" if value is None else str(value)] += 1
        for key, (_, get) in TEXTS.items():
            for value in get(study):
                n = len(value.strip()) if isinstance(value, str) else 0
                self.text_n[key] += 1
                if n:
                    self.text_sum[key] += n
                    if self.keep:
                        self.lengths[key].append(n)
                else:
                    self.text_empty[key] += 1
        enrollment = _mod(study, "designModule").get("enrollmentInfo")
        count = enrollment.get("count") if isinstance(enrollment, dict) else None
        if isinstance(count, int) and not isinstance(count, bool):
            self.enrollment_n += 1
            self.enrollment_sum += count
            if self.keep:
                self.enrollment.append(count)
        if size is None:
            size = len(json.dumps(study))
        self.size_sum += size
        if "resultsSection" in study:
            self.results_n += 1
            if results_size is None:
                results_size = len(json.dumps(study["resultsSection"]))
            size -= results_size + len('"resultsSection": , ')
        self.size_no_results_sum += size

    def merge(self, other: "Tally") -> None:
        """Add another tally (of studies generated elsewhere)."""
        self.studies += other.studies
        for key, counter in other.counts.items():
            self.counts[key].update(counter)
        for key, counter in other.cats.items():
            self.cats[key].update(counter)
        self.text_n.update(other.text_n)
        self.text_empty.update(other.text_empty)
        self.text_sum.update(other.text_sum)
        for key, values in other.lengths.items():
            self.lengths[key].extend(values)
        self.enrollment.extend(other.enrollment)
        self.enrollment_sum += other.enrollment_sum
        self.enrollment_n += other.enrollment_n
        self.size_sum += other.size_sum
        self.size_no_results_sum += other.size_no_results_sum
        self.results_n += other.results_n

    def params(self, source: str) -> dict:
        """The generator's parameters (all integers, so they print and compare exactly)."""
        assert self.keep
        texts = {}
        for key in TEXTS:
            texts[key] = {"n": self.text_n[key], "empty": self.text_empty[key],
                          "sum": self.text_sum[key], "q": _quantiles(self.lengths[key])}
        return {
            "source": source,
            "studies": self.studies,
            "counts": {k: dict(sorted(c.items())) for k, c in self.counts.items()},
            "texts": texts,
            "cats": {k: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for k, c in self.cats.items()},
            "enrollment": {"n": self.enrollment_n, "sum": self.enrollment_sum, "q": _quantiles(self.enrollment)},
            "size": {"sum": self.size_sum, "sum_no_results": self.size_no_results_sum, "results": self.results_n},
        }

    def summary(self) -> dict:
        """Means and shares for the calibration table."""
        return summarize(self.studies, {k: dict(c) for k, c in self.counts.items()},
                         {k: {"n": self.text_n[k], "empty": self.text_empty[k], "sum": self.text_sum[k]} for k in TEXTS},
                         {k: dict(c) for k, c in self.cats.items()},
                         {"n": self.enrollment_n, "sum": self.enrollment_sum},
                         {"sum": self.size_sum, "sum_no_results": self.size_no_results_sum, "results": self.results_n})


def summarize(studies: int, counts: dict, texts: dict, cats: dict, enrollment: dict, size: dict) -> dict:
    out: dict[str, Any] = {"studies": studies, "counts": {}, "texts": {}, "cats": {}}
    for key, hist in counts.items():
        n = sum(hist.values())
        total = sum(int(v) * c for v, c in hist.items())
        out["counts"][key] = (total / n if n else 0.0, hist.get(0, 0) / n if n else 0.0)
    for key, t in texts.items():
        present = t["n"] - t["empty"]
        out["texts"][key] = (t["sum"] / present if present else 0.0, t["empty"] / t["n"] if t["n"] else 0.0)
    for key, hist in cats.items():
        n = sum(hist.values())
        out["cats"][key] = {v: c / n for v, c in hist.items()} if n else {}
    out["enrollment"] = enrollment["sum"] / enrollment["n"] if enrollment["n"] else 0.0
    out["size"] = (size["sum"] / studies if studies else 0.0, size["sum_no_results"] / studies if studies else 0.0,
                   (size["sum"] - size["sum_no_results"]) / size["results"] if size.get("results") else 0.0)
    return out


def params_summary(params: dict) -> dict:
    return summarize(params["studies"], params["counts"], params["texts"], params["cats"],
                     params["enrollment"], params["size"])


def measure_file(path: Path) -> dict:
    """Parameters measured on a JSON Lines file of real studies."""
    tally = Tally(keep=True)
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                study = json.loads(line)
                if isinstance(study, dict):
                    tally.add(study)
    return tally.params(path.name)


def load_params(calibrate: Path | None) -> dict:
    """Measured parameters when the file is there, else the built-in ones."""
    if calibrate is not None and calibrate.exists():
        return measure_file(calibrate)
    return BUILTIN_PARAMS


# =================================================================================================
# Samplers
# =================================================================================================


class FastRandom(random.Random):
    """``random.Random`` with integer helpers built on ``random()`` (five times faster than the
    exact ones, at a bias of at most n/2**53, which does not matter here)."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


class Hist:
    """Draws a value with the measured frequencies (``minimum`` lifts smaller values)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, hist: dict, minimum: int | None = None, skip: Iterable[str] = ()) -> None:
        merged: dict[Any, int] = {}
        for value, count in hist.items():
            if value in skip or count <= 0:
                continue
            if minimum is not None:
                value = max(int(value), minimum)
            merged[value] = merged.get(value, 0) + count
        if not merged:
            merged = {minimum if minimum is not None else "": 1}
        self.values = list(merged)
        self.cum = []
        acc = 0
        for count in merged.values():
            acc += count
            self.cum.append(acc)
        self.total = acc

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]

    def at(self, u: float) -> Any:
        """The value at quantile ``u`` (for stratified draws)."""
        return self.values[bisect.bisect_right(self.cum, u * self.total)]


_GOLDEN = 0.6180339887498949


def spread(index: int, salt: int) -> float:
    """A low-discrepancy point in [0, 1) for entity ``index``: consecutive entities (the popular head
    of a pool) get evenly spread attributes, so their mix matches the measured shares."""
    return ((index + 1) * _GOLDEN + salt * 0.1234567) % 1.0


class Lengths:
    """Draws a text length from measured quantiles (linear between them), or 0 for an absent text."""

    __slots__ = ("empty", "q")

    def __init__(self, text: dict, empty: float | None = None) -> None:
        self.empty = text["empty"] / text["n"] if empty is None and text["n"] else (empty or 0.0)
        self.q = text["q"]

    def draw(self, rng: random.Random) -> int:
        if self.empty and rng.random() < self.empty:
            return 0
        u = rng.random()
        i = bisect.bisect_right(QPROBS, u) - 1
        p0, p1 = QPROBS[i], QPROBS[min(i + 1, len(QPROBS) - 1)]
        v0, v1 = self.q[i], self.q[min(i + 1, len(self.q) - 1)]
        return max(1, int(v0 + (v1 - v0) * ((u - p0) / (p1 - p0) if p1 > p0 else 0)))


class Zipf:
    """Ranks 0..size-1 with weight about 1/(rank+q)**s (Zipf-Mandelbrot; continuous inverse transform).

    The offset ``q`` flattens the head: with q = 5 and s = 1 the most popular of 2,500 entities gets
    about 3% of the draws (ClinicalTrials.gov's biggest sponsor has a few percent of all studies),
    where plain Zipf (q = 1) would give it 9%.
    """

    __slots__ = ("size", "s", "q", "a", "inv")

    def __init__(self, size: int, s: float, q: float = ZIPF_OFFSET) -> None:
        self.size = max(1, size)
        self.s = s
        self.q = q
        if s == 1.0:
            self.a = math.log((self.size + q) / q)
            self.inv = 0.0
        else:
            self.a = (self.size + q) ** (1 - s) - q ** (1 - s)
            self.inv = 1 / (1 - s)

    def rank(self, u: float) -> int:
        if self.s == 1.0:
            x = self.q * math.exp(u * self.a)
        else:
            x = (self.q ** (1 - self.s) + u * self.a) ** self.inv
        r = int(x - self.q)
        return r if r < self.size else self.size - 1


class Pool:
    """A Zipf-popular pool of entities, each made on first use from its own seeded RNG."""

    def __init__(self, name: str, size: int, s: float, seed: int, make: Callable[[random.Random, int], Any]) -> None:
        self.name = name
        self.size = size
        self.zipf = Zipf(size, s)
        self.seed = seed
        self.make = make
        self.cache: dict[int, Any] = {}

    def draw(self, rng: random.Random) -> Any:
        return self.get(self.zipf.rank(rng.random()))

    def get(self, index: int) -> Any:
        entity = self.cache.get(index)
        if entity is None:
            entity = self.cache[index] = self.make(FastRandom(f"{self.seed}/{self.name}/{index}"), index)
        return entity


#: name: (divisor of N, floor, cap, Zipf exponent) — see the module docstring.
POOLS: dict[str, tuple[int, int, int, float]] = {
    "sponsor": (20, 20, 40_000, 1.0),
    "collaborator": (25, 20, 25_000, 1.0),
    "site": (3, 50, 100_000, 0.9),
    "investigator": (2, 50, 200_000, 0.8),
    "condition": (5, 50, 30_000, 1.0),
    "keyword": (3, 50, 50_000, 1.0),
    "drug": (10, 30, 20_000, 1.0),
    "procedure": (40, 20, 5_000, 1.0),
    "device": (20, 20, 10_000, 1.0),
    "behavioral": (40, 20, 5_000, 1.0),
    "other": (20, 20, 10_000, 1.0),
}


def pool_size(name: str, n: int) -> int:
    divisor, floor, cap, _ = POOLS[name]
    return max(floor, min(cap, n // divisor))


# =================================================================================================
# Words, names, places
# =================================================================================================

#: The invented vocabulary of all filler text (plain words and made-up terms, no registry prose).
WORDS = """
the a of and to in with for on by at from or as is are was be will may each all any this that
these those their its not no more less than after before during within between over under about
patient patients participant participants subject subjects volunteer group groups arm cohort
study trial phase period visit visits week weeks month months day days year years baseline
follow-up end start screening enrolment randomisation dose doses dosing daily weekly twice once
single multiple oral intravenous topical injection infusion tablet capsule placebo standard
usual care therapy treatment regimen procedure device programme session sessions training
response rate rates score scores scale level levels change changes time duration safety
tolerability efficacy effect effects outcome outcomes measure measures event events adverse
serious mild moderate severe chronic acute early late primary secondary exploratory overall
total mean median proportion number count risk benefit quality life function pain fatigue
sleep mood activity mobility strength recovery relapse remission progression survival
blood plasma serum urine sample samples marker markers imaging scan test tests assessment
assessed measured recorded collected reported compared evaluated observed monitored analysed
receive received receiving continue continued stop stopped complete completed assigned
eligible eligibility inclusion exclusion criteria history prior current known confirmed
diagnosis diagnosed condition disease disorder symptom symptoms sign signs stage grade
adult adults child children older younger healthy clinical hospital clinic centre centres
site sites investigator investigators team nurse physician local national regional
protocol consent informed written signed approval review committee data record records
questionnaire diary interview survey index form forms report reports analysis model plan
high low normal abnormal increased decreased stable improved reduced lower higher better
first second third final main key additional further similar different specific general
vornal trelix quastin belmora dravic pelunar sorvane mixtal cobrene flavitic ostrel
narvic telbane rimoset zandric lupexa corvalen hestrin mabrix tolvane prendal
""".split()

_SYLLABLES = ("ba be bo ca ce da de di do fa fe ga go ha ka ke ki la le li lo lu ma me mi mo "
              "na ne ni no pa pe ra re ri ro sa se si ta te ti to va ve vi za zo").split()
_ENDINGS = ("", "n", "r", "s")
_CODED_SPACE = len(_SYLLABLES) ** 3 * len(_ENDINGS)


def coined(index: int, salt: int = 0) -> str:
    """A pronounceable made-up word, different for each index below 442,368 (for one salt)."""
    x = (index * 7919 + salt * 104_729) % _CODED_SPACE
    x, end = divmod(x, len(_ENDINGS))
    x, a = divmod(x, len(_SYLLABLES))
    c, b = divmod(x, len(_SYLLABLES))
    return (_SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c] + _ENDINGS[end]).capitalize()


FIRST_NAMES = ("Anna Ben Carla David Elena Farid Grace Hiro Ines Jonas Kavya Liam Maria Noah Olga Pedro "
               "Qing Rosa Samir Tomas Uma Victor Wen Yusuf Zara Aiko Bruno Chen Dana Emil Fatima Goran "
               "Hana Ivan Julia Kofi Lena Marco Nadia Oscar Priya Rafael Sofia Tariq Ursula Vera "
               "Walter Xin Yara Zoltan Alice Bilal Clara Diego Eva Felix").split()
DEGREES = ("MD", "MD, PhD", "PhD", "MD", "", "MD", "MSc", "PharmD", "RN", "MD")
INDUSTRY_SUFFIXES = ("Pharmaceuticals", "Therapeutics, Inc.", "Biosciences", "Pharma AG", "Medical Devices",
                     "Biotech Co., Ltd.", "Health Sciences", "Laboratories")
ACADEMIC_PATTERNS = ("University of {n}", "{n} University Hospital", "{n} Medical Center",
                     "{n} Institute of Clinical Research", "{n} Foundation Hospital", "{n} College of Medicine")
SITE_PATTERNS = ("{n} University Hospital", "{n} Medical Center", "{n} General Hospital", "{n} Research Clinic",
                 "{n} Cancer Institute", "{n} Children's Hospital", "{n} Heart Institute", "{n} Health Centre",
                 "Clinical Research Unit {n}", "{n} Regional Hospital")
DRUG_SUFFIXES = ("mab", "nib", "tinib", "stat", "vir", "parin", "olol", "pril", "sartan", "zumab", "cept", "tide")
DEVICE_NOUNS = ("infusion pump", "stent system", "wearable sensor", "catheter", "implant", "monitoring app",
                "laser system", "brace", "hearing aid", "dressing", "electrode array", "imaging probe")
BEHAVIOR_NOUNS = ("coaching programme", "education sessions", "exercise plan", "peer support group",
                  "mobile health programme", "relaxation training", "diet counselling")
OTHER_NOUNS = ("Standard of care", "Questionnaire", "Blood sampling", "Observation", "Usual care",
               "Data collection", "Saliva sample", "Health record review", "Interview", "No intervention")
TYPE_LABELS = {"DRUG": "Drug", "BIOLOGICAL": "Biological", "DEVICE": "Device", "PROCEDURE": "Procedure",
               "BEHAVIORAL": "Behavioral", "OTHER": "Other", "RADIATION": "Radiation",
               "DIAGNOSTIC_TEST": "Diagnostic Test", "DIETARY_SUPPLEMENT": "Dietary Supplement",
               "COMBINATION_PRODUCT": "Combination Product", "GENETIC": "Genetic"}
#: intervention type -> entity pool
TYPE_GROUPS = {"DRUG": "drug", "BIOLOGICAL": "drug", "DIETARY_SUPPLEMENT": "drug", "COMBINATION_PRODUCT": "drug",
               "GENETIC": "drug", "PROCEDURE": "procedure", "RADIATION": "procedure", "DIAGNOSTIC_TEST": "procedure",
               "DEVICE": "device", "BEHAVIORAL": "behavioral", "OTHER": "other"}
ARM_PREFIXES = {"EXPERIMENTAL": "Experimental", "ACTIVE_COMPARATOR": "Active comparator",
                "PLACEBO_COMPARATOR": "Placebo", "SHAM_COMPARATOR": "Sham", "NO_INTERVENTION": "Control",
                "OTHER": "Group", None: "Cohort"}
TIME_FRAMES = ("{n} weeks", "Baseline and week {n}", "Up to {n} months", "From baseline to month {n}",
               "{n} days after the last dose", "Day 1 to day {n}", "Every {n} weeks for one year", "{n} months")
UNITS = ("participants", "points on a scale", "mg/dL", "percentage of participants", "days", "mmHg", "units/L")
_AE = {
    "Nervous system disorders": "Headache Dizziness Somnolence Paraesthesia Tremor Dysgeusia Syncope Migraine "
                                "Neuropathy_peripheral Lethargy Memory_impairment",
    "Gastrointestinal disorders": "Nausea Vomiting Diarrhoea Constipation Dyspepsia Abdominal_pain Stomatitis "
                                  "Abdominal_distension Flatulence Dry_mouth Gastrooesophageal_reflux_disease Haemorrhoids",
    "General disorders": "Fatigue Pyrexia Oedema_peripheral Asthenia Chills Injection_site_reaction Malaise "
                         "Chest_discomfort Influenza_like_illness Non-cardiac_chest_pain",
    "Skin and subcutaneous tissue disorders": "Rash Pruritus Alopecia Dry_skin Erythema Urticaria Hyperhidrosis Dermatitis",
    "Respiratory, thoracic and mediastinal disorders": "Cough Dyspnoea Epistaxis Oropharyngeal_pain Nasal_congestion "
                                                       "Rhinorrhoea Productive_cough Wheezing",
    "Blood and lymphatic system disorders": "Anaemia Neutropenia Thrombocytopenia Leukopenia Lymphopenia Febrile_neutropenia",
    "Musculoskeletal and connective tissue disorders": "Back_pain Arthralgia Myalgia Muscle_spasms Pain_in_extremity "
                                                       "Neck_pain Musculoskeletal_pain Joint_swelling",
    "Infections and infestations": "Nasopharyngitis Urinary_tract_infection Pneumonia Influenza Sinusitis Bronchitis "
                                   "Upper_respiratory_tract_infection Gastroenteritis Cellulitis Herpes_zoster",
    "Psychiatric disorders": "Insomnia Anxiety Depression Irritability Confusional_state",
    "Metabolism and nutrition disorders": "Decreased_appetite Hypokalaemia Hyperglycaemia Dehydration Hypomagnesaemia",
    "Vascular disorders": "Hypertension Hypotension Hot_flush Haematoma Flushing",
    "Investigations": "Weight_decreased Alanine_aminotransferase_increased Blood_creatinine_increased "
                      "Aspartate_aminotransferase_increased Weight_increased",
    "Injury, poisoning and procedural complications": "Fall Contusion Procedural_pain Laceration",
    "Eye disorders": "Vision_blurred Dry_eye Conjunctivitis",
    "Cardiac disorders": "Palpitations Tachycardia Atrial_fibrillation",
    "Renal and urinary disorders": "Dysuria Pollakiuria Haematuria",
}
#: Adverse-event terms with their organ system (generic medical words, for results sections).
AE_TERMS = tuple((term.replace("_", " "), system) for system, terms in _AE.items() for term in terms.split())
EXPANDED_ACCESS_STATUSES = {"AVAILABLE": 4, "NO_LONGER_AVAILABLE": 3, "APPROVED_FOR_MARKETING": 2,
                            "TEMPORARILY_NOT_AVAILABLE": 1}
ACTIVE_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING")
WHO_MASKED = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")
MASK_LEVELS = {"NONE": 0, "SINGLE": 1, "DOUBLE": 2, "TRIPLE": 3, "QUADRUPLE": 4}

#: Real cities with approximate coordinates: country|city|state|lat|lon|zip template (# = digit).
CITIES = """
United States|New York|New York|40.71427|-74.00597|#####
United States|Los Angeles|California|34.05223|-118.24368|#####
United States|Chicago|Illinois|41.85003|-87.65005|#####
United States|Houston|Texas|29.76328|-95.36327|#####
United States|Boston|Massachusetts|42.35843|-71.05977|#####
United States|Philadelphia|Pennsylvania|39.95233|-75.16379|#####
United States|Seattle|Washington|47.60621|-122.33207|#####
United States|Atlanta|Georgia|33.749|-84.38798|#####
United States|Miami|Florida|25.77427|-80.19366|#####
United States|Denver|Colorado|39.73915|-104.9847|#####
United States|Nashville|Tennessee|36.16589|-86.78444|#####
United States|Rochester|Minnesota|44.02163|-92.4699|#####
United States|Baltimore|Maryland|39.29038|-76.61219|#####
United States|Cleveland|Ohio|41.4995|-81.69541|#####
United States|San Francisco|California|37.77493|-122.41942|#####
United States|Salt Lake City|Utah|40.76078|-111.89105|#####
Japan|Tokyo|Tokyo|35.6895|139.69171|###-####
Japan|Osaka|Osaka|34.69374|135.50218|###-####
Japan|Nagoya|Aichi|35.18147|136.90641|###-####
Japan|Sapporo|Hokkaido|43.06417|141.34694|###-####
Japan|Fukuoka|Fukuoka|33.60639|130.41806|###-####
China|Beijing|Beijing|39.9075|116.39723|######
China|Shanghai|Shanghai|31.22222|121.45806|######
China|Guangzhou|Guangdong|23.11667|113.25|######
China|Wuhan|Hubei|30.58333|114.26667|######
China|Chengdu|Sichuan|30.66667|104.06667|######
China|Hangzhou|Zhejiang|30.29365|120.16142|######
France|Paris||48.85341|2.3488|#####
France|Lyon||45.74846|4.84671|#####
France|Marseille||43.29695|5.38107|#####
France|Toulouse||43.60426|1.44367|#####
France|Lille||50.63297|3.05858|#####
Italy|Rome||41.89193|12.51133|#####
Italy|Milan||45.46427|9.18951|#####
Italy|Naples||40.85216|14.26811|#####
Italy|Bologna||44.49381|11.33875|#####
Italy|Turin||45.07049|7.68682|#####
Spain|Madrid||40.4165|-3.70256|#####
Spain|Barcelona||41.38879|2.15899|#####
Spain|Valencia||39.46975|-0.37739|#####
Spain|Seville||37.38283|-5.97317|#####
Germany|Berlin||52.52437|13.41053|#####
Germany|Munich||48.13743|11.57549|#####
Germany|Hamburg||53.57532|10.01534|#####
Germany|Heidelberg||49.40768|8.69079|#####
Germany|Cologne||50.93333|6.95|#####
Australia|Sydney|New South Wales|-33.86785|151.20732|####
Australia|Melbourne|Victoria|-37.814|144.96332|####
Australia|Brisbane|Queensland|-27.46794|153.02809|####
Australia|Perth|Western Australia|-31.95224|115.8614|####
Korea, Republic of|Seoul||37.566|126.9784|#####
Korea, Republic of|Busan||35.10168|129.03004|#####
Korea, Republic of|Incheon||37.45646|126.70515|#####
United Kingdom|London||51.50853|-0.12574|
United Kingdom|Manchester||53.48095|-2.23743|
United Kingdom|Birmingham||52.48142|-1.89983|
United Kingdom|Glasgow||55.86515|-4.25763|
United Kingdom|Oxford||51.75222|-1.25596|
Canada|Toronto|Ontario|43.70011|-79.4163|
Canada|Montreal|Quebec|45.50884|-73.58781|
Canada|Vancouver|British Columbia|49.24966|-123.11934|
Canada|Calgary|Alberta|51.05011|-114.08529|
Turkey|Istanbul||41.01384|28.94966|#####
Turkey|Ankara||39.91987|32.85427|#####
Turkey|Izmir||38.41273|27.13838|#####
Poland|Warsaw||52.22977|21.01178|##-###
Poland|Krakow||50.06143|19.93658|##-###
Poland|Gdansk||54.35205|18.64637|##-###
Belgium|Brussels||50.85045|4.34878|####
Belgium|Leuven||50.87959|4.70093|####
Belgium|Ghent||51.05|3.71667|####
Taiwan|Taipei||25.04776|121.53185|###
Taiwan|Taichung||24.1469|120.6839|###
Taiwan|Kaohsiung||22.61626|120.31333|###
Israel|Tel Aviv||32.08088|34.78057|#######
Israel|Jerusalem||31.76904|35.21633|#######
Israel|Haifa||32.81841|34.9885|#######
Hungary|Budapest||47.49835|19.04045|####
Hungary|Debrecen||47.53333|21.63333|####
Bulgaria|Sofia||42.69751|23.32415|####
Bulgaria|Plovdiv||42.15|24.75|####
Netherlands|Amsterdam||52.37403|4.88969|
Netherlands|Rotterdam||51.9225|4.47917|
Netherlands|Utrecht||52.09083|5.12222|
Czechia|Prague||50.08804|14.42076|### ##
Czechia|Brno||49.19522|16.60796|### ##
Switzerland|Zurich||47.36667|8.55|####
Switzerland|Geneva||46.20222|6.14569|####
Switzerland|Bern||46.94809|7.44744|####
Brazil|São Paulo|São Paulo|-23.5475|-46.63611|#####-###
Brazil|Rio de Janeiro|Rio de Janeiro|-22.90642|-43.18223|#####-###
Brazil|Porto Alegre|Rio Grande do Sul|-30.03306|-51.23|#####-###
Austria|Vienna||48.20849|16.37208|####
Austria|Graz||47.06667|15.45|####
Austria|Innsbruck||47.26266|11.39454|####
Mexico|Mexico City||19.42847|-99.12766|#####
Mexico|Guadalajara||20.66682|-103.39182|#####
Mexico|Monterrey||25.67507|-100.31847|#####
Argentina|Buenos Aires||-34.61315|-58.37723|
Argentina|Córdoba||-31.4135|-64.18105|
India|New Delhi||28.63576|77.22445|######
India|Mumbai||19.07283|72.88261|######
India|Chennai||13.08784|80.27847|######
Greece|Athens||37.98376|23.72784|### ##
Greece|Thessaloniki||40.64361|22.93086|### ##
Portugal|Lisbon||38.71667|-9.13333|####-###
Portugal|Porto||41.14961|-8.61099|####-###
Russian Federation|Moscow||55.75222|37.61556|######
Russian Federation|Saint Petersburg||59.93863|30.31413|######
Colombia|Bogotá||4.60971|-74.08175|
Colombia|Medellín||6.25184|-75.56359|
Romania|Bucharest||44.43225|26.10626|######
Romania|Cluj-Napoca||46.76667|23.6|######
Slovakia|Bratislava||48.14816|17.10674|### ##
Sweden|Stockholm||59.32938|18.06871|### ##
Sweden|Gothenburg||57.70716|11.96679|### ##
Malaysia|Kuala Lumpur||3.1412|101.68653|#####
Chile|Santiago||-33.45694|-70.64827|
Serbia|Belgrade||44.80401|20.46513|#####
Singapore|Singapore||1.28967|103.85007|######
Pakistan|Lahore||31.558|74.35071|#####
Pakistan|Karachi||24.8608|67.0104|#####
South Africa|Johannesburg||-26.20227|28.04363|####
South Africa|Cape Town||-33.92584|18.42322|####
Ireland|Dublin||53.33306|-6.24889|
Norway|Oslo||59.91273|10.74609|####
Denmark|Copenhagen||55.67594|12.56553|####
Denmark|Aarhus||56.15674|10.21076|####
Egypt|Cairo||30.06263|31.24967|
Thailand|Bangkok||13.75398|100.50144|#####
Finland|Helsinki||60.16952|24.93545|#####
"""

#: MeSH category roots (3-character tree numbers, missing from the tree-number table).
MESH_ROOTS = {
    "C01": "D007239", "C04": "D009369", "C05": "D009140", "C06": "D004066", "C07": "D009057",
    "C08": "D012140", "C09": "D010038", "C10": "D009422", "C11": "D005128", "C12": "D000091642",
    "C14": "D002318", "C15": "D006425", "C16": "D009358", "C17": "D017437", "C18": "D009750",
    "C19": "D004700", "C20": "D007154", "C21": "D007280", "C22": "D000820", "C23": "D013568",
    "C24": "D009784", "C25": "D064419", "C26": "D014947", "F03": "D001523",
    "D01": "D007287", "D02": "D009930", "D03": "D006571", "D04": "D011083", "D05": "D046911",
    "D08": "D045762", "D09": "D002241", "D10": "D008055", "D12": "D000602", "D13": "D009706",
    "D20": "D045424", "D23": "D001685", "D26": "D004364", "D27": "D020164",
    "E01": "D003933", "E02": "D013812", "E03": "D000760", "E04": "D013514", "E05": "D008919",
    "E07": "D004864", "F04": "D004191",
}
#: Labels of the MeSH roots (for the fallback, where the descriptor table is not loaded).
MESH_ROOT_LABELS = {
    "D007239": "Infections", "D009369": "Neoplasms", "D009140": "Musculoskeletal Diseases",
    "D004066": "Digestive System Diseases", "D009057": "Stomatognathic Diseases",
    "D012140": "Respiratory Tract Diseases", "D010038": "Otorhinolaryngologic Diseases",
    "D009422": "Nervous System Diseases", "D005128": "Eye Diseases", "D000091642": "Urogenital Diseases",
    "D002318": "Cardiovascular Diseases", "D006425": "Hemic and Lymphatic Diseases",
    "D009358": "Congenital, Hereditary, and Neonatal Diseases and Abnormalities",
    "D017437": "Skin and Connective Tissue Diseases", "D009750": "Nutritional and Metabolic Diseases",
    "D004700": "Endocrine System Diseases", "D007154": "Immune System Diseases",
    "D007280": "Disorders of Environmental Origin", "D000820": "Animal Diseases",
    "D013568": "Pathological Conditions, Signs and Symptoms", "D009784": "Occupational Diseases",
    "D064419": "Chemically-Induced Disorders", "D014947": "Wounds and Injuries", "D001523": "Mental Disorders",
    "D007287": "Inorganic Chemicals", "D009930": "Organic Chemicals", "D006571": "Heterocyclic Compounds",
    "D011083": "Polycyclic Compounds", "D046911": "Macromolecular Substances", "D045762": "Enzymes and Coenzymes",
    "D002241": "Carbohydrates", "D008055": "Lipids", "D000602": "Amino Acids, Peptides, and Proteins",
    "D009706": "Nucleic Acids, Nucleotides, and Nucleosides", "D045424": "Complex Mixtures",
    "D001685": "Biological Factors", "D004364": "Pharmaceutical Preparations", "D020164": "Chemical Actions and Uses",
    "D003933": "Diagnosis", "D013812": "Therapeutics", "D000760": "Anesthesia and Analgesia",
    "D013514": "Surgical Procedures, Operative", "D008919": "Investigative Techniques",
    "D004864": "Equipment and Supplies", "D004191": "Behavioral Disciplines and Activities",
}
_DRUG_BRANCHES = ("D02", "D03", "D04", "D06", "D08", "D09", "D10", "D12", "D13", "D20", "D23", "D26")
_PROCEDURE_BRANCHES = ("E01", "E02", "E04")


class Mesh:
    """MeSH descriptors: ids, labels, entry terms, tree numbers, and the pools drawn from them."""

    def __init__(self, path: Path | None) -> None:
        self.label: dict[str, str] = dict(MESH_ROOT_LABELS)
        self.trees: dict[str, tuple[str, ...]] = {}
        self.entries: dict[str, tuple[str, ...]] = {}
        self.by_tree: dict[str, str] = {}
        if path is not None and path.exists():
            self.source = str(path)
            with open(path, encoding="utf-8", newline="") as stream:
                for row in csv.DictReader(stream, delimiter="\t"):
                    self._add(row["descriptor_ui"], row["preferred_label"],
                              [t for t in (row.get("tree_numbers") or "").split("|") if t],
                              [e for e in (row.get("entry_terms") or "").split("|") if e][:4])
        else:
            self.source = "built-in list"
            for line in FALLBACK_MESH.strip().splitlines():
                head, trees = line.rsplit(" @ ", 1)
                ui, label = head.split(" ", 1)
                self._add(ui, label, trees.split(","), [])
        for code, ui in MESH_ROOTS.items():
            if ui in self.label:
                self.by_tree.setdefault(code, ui)
        self._inner = {t.rsplit(".", 1)[0] for t in self.by_tree if "." in t}
        self.diseases = self._branch(lambda t: t[0] == "C" and not t.startswith("C22"))
        self.drugs = self._branch(lambda t: t[:3] in _DRUG_BRANCHES and t not in self._inner)  # compounds, not classes
        self.procedures = self._branch(lambda t: t[:3] in _PROCEDURE_BRANCHES)
        self.behaviors = self._branch(lambda t: t.startswith("F04"))
        self._ancestors: dict[str, tuple[str, ...]] = {}

    def _add(self, ui: str, label: str, trees: list[str], entries: list[str]) -> None:
        self.label[ui] = label
        self.trees[ui] = tuple(trees)
        self.entries[ui] = tuple(e for e in entries if len(e) < 60 and "," not in e)
        for tree in trees:
            self.by_tree[tree] = ui

    def _branch(self, keep: Callable[[str], bool]) -> list[str]:
        roots = set(MESH_ROOTS.values())
        return sorted(ui for ui, trees in self.trees.items() if ui not in roots and any(keep(t) for t in trees))

    def ancestors(self, ui: str) -> tuple[str, ...]:
        """Broader descriptors along every tree number, nearest first, roots last."""
        found = self._ancestors.get(ui)
        if found is None:
            out: dict[str, None] = {}
            for tree in self.trees.get(ui, ()):
                parts = tree.split(".")
                for k in range(len(parts) - 1, 0, -1):
                    parent = self.by_tree.get(".".join(parts[:k]))
                    if parent and parent != ui:
                        out[parent] = None
            found = self._ancestors[ui] = tuple(out)
        return found


# =================================================================================================
# The generator
# =================================================================================================


class Generator:
    """Synthetic studies for one (N, seed, parameters, MeSH) combination."""

    def __init__(self, n: int, seed: int, params: dict, mesh: Mesh) -> None:
        self.n = n
        self.seed = seed
        self.params = params
        self.mesh = mesh
        self.rng = FastRandom(seed)
        p = params
        counts, cats, texts = p["counts"], p["cats"], p["texts"]
        self.count = {k: Hist(v, minimum=0) for k, v in counts.items()}
        self.count["conditions"] = Hist(counts["conditions"], minimum=1)
        self.length = {k: Lengths(v) for k, v in texts.items()}
        for key in ("briefTitle", "officialTitle", "outcomeMeasure"):
            self.length[key] = Lengths(texts[key], empty=0.0)
        self.cat = {k: Hist(v, skip=("",)) for k, v in cats.items()}
        for key in ("minimumAge", "maximumAge", "ipdSharing", "healthyVolunteers", "partyType", "lastKnownStatus"):
            self.cat[key] = Hist(cats.get(key) or {"": 1})  # "" = absent, kept
        self.enrollment = Lengths({"n": 1, "empty": 0, "q": p["enrollment"]["q"]})
        self.year = Hist(cats["firstSubmitYear"], skip=("",))
        # study types and phases
        types = cats["studyType"]
        t_int, t_obs = types.get("INTERVENTIONAL", 0), types.get("OBSERVATIONAL", 0)
        total = (t_int + t_obs) or 1
        self.p_ea = EXPANDED_ACCESS_SHARE
        self.p_obs = (1 - self.p_ea) * t_obs / total
        self.p_int = 1 - self.p_ea - self.p_obs
        phased = {k: v for k, v in cats["phase"].items() if k not in ("", "NA")}
        p_na = (NO_PHASE_SHARE - self.p_obs - self.p_ea) / self.p_int if self.p_int else 0.0
        self.p_na = min(1.0, max(0.0, p_na))
        self.phase = Hist(phased or {"PHASE2": 1})
        # status: what happens to results and dates
        self.status = Hist(cats["status"], skip=("", *EXPANDED_ACCESS_STATUSES))
        self.ea_status = Hist(EXPANDED_ACCESS_STATUSES)
        st = cats["status"]
        finished = (st.get("COMPLETED", 0) + st.get("TERMINATED", 0)) / (sum(st.values()) or 1)
        share = cats["hasResults"].get("true", 0) / (sum(cats["hasResults"].values()) or 1)
        self.p_results = min(1.0, share / (1 - self.p_ea) / finished) if finished else 0.0
        self.p_day = cats["startPrecision"].get("day", 1) / (sum(cats["startPrecision"].values()) or 1)
        # intervention groups
        itypes = {k: v for k, v in cats["interventionType"].items() if k in TYPE_GROUPS}
        by_group: dict[str, int] = {}
        for k, v in itypes.items():
            by_group[TYPE_GROUPS[k]] = by_group.get(TYPE_GROUPS[k], 0) + v
        self.itype_group = Hist(by_group or {"drug": 1})
        self.itype_in_group = {g: Hist({k: v for k, v in itypes.items() if TYPE_GROUPS[k] == g} or {g.upper(): 1})
                               for g in dict.fromkeys(TYPE_GROUPS.values())}
        # places
        self.cities = [line.split("|") for line in CITIES.strip().splitlines()]
        measured = cats.get("country", {})
        per_country = Counter(c[0] for c in self.cities)
        self.city = Hist({i: max(1, measured.get(c[0], 0)) * 1000 // per_country[c[0]] for i, c in enumerate(self.cities)})
        # filler text
        self._tape_init()
        # pools
        r = random.Random(f"{seed}/mesh-order")
        self.disease_order = list(mesh.diseases)
        r.shuffle(self.disease_order)
        self.drug_order = list(mesh.drugs)
        r.shuffle(self.drug_order)
        self.procedure_order = list(mesh.procedures)
        r.shuffle(self.procedure_order)
        self.behavior_order = list(mesh.behaviors)
        r.shuffle(self.behavior_order)
        self.lead_class = Hist(cats["leadClass"], skip=("",))
        self.collab_class = Hist(cats["collaboratorClass"], skip=("",))
        self.pools = {
            name: Pool(name, pool_size(name, n), POOLS[name][3], seed, getattr(self, f"_make_{name}"))
            for name in POOLS
        }

    # --- filler text -----------------------------------------------------------------------------

    def _tape_init(self) -> None:
        """A long stream of invented sentences; texts are slices of it at random sentence starts."""
        r = random.Random(f"{self.seed}/tape")
        words = r.choices(WORDS, k=120_000)
        sentences = []
        i = 0
        while i < len(words):
            k = r.randint(5, 18)
            chunk = words[i:i + k]
            i += k
            if r.random() < 0.15:
                chunk.insert(r.randrange(len(chunk)), str(r.choice((2, 4, 6, 8, 12, 14, 24, 28, 48, 52, 100))))
            sentences.append(" ".join(chunk).capitalize() + ".")
        self.tape = " ".join(sentences)
        starts = []
        pos = 0
        for sentence in sentences:
            starts.append(pos)
            pos += len(sentence) + 1
        self.starts = [x for x in starts if x < len(self.tape) - _TAPE_ROOM]

    def text(self, length: int) -> str:
        """About ``length`` characters of filler, starting at a sentence, ending with a full stop."""
        starts = self.starts
        start = starts[int(self.rng.random() * len(starts))]
        piece = self.tape[start:start + length + 4]
        cut = piece.rfind(" ")
        if length > 12 and cut > length // 2:
            piece = piece[:cut]
        piece = piece.rstrip(" .")
        return piece + "." if piece else "Text."

    def title(self, length: int) -> str:
        piece = self.text(max(8, length)).rstrip(".").replace(". ", " ")
        return piece[:1].upper() + piece[1:]

    def paragraphs(self, length: int) -> str:
        text = self.text(length)
        if length < 500:
            return text
        out = []
        pos = 0
        while True:
            cut = text.find(". ", pos + 350)
            if cut < 0:
                out.append(text[pos:])
                break
            out.append(text[pos:cut + 1])
            pos = cut + 2
        return "\n\n".join(out)

    def criteria(self, length: int) -> str:
        """Inclusion and exclusion bullets (one sentence each) of about ``length`` characters."""
        body = self.text(max(20, int((length - 48) / 1.025)))  # headings and bullet marks add the rest
        cut = body.find(". ", len(body) * 55 // 100)
        if cut < 0:
            return "Inclusion Criteria:\n\n* " + body.replace(". ", ".\n* ")
        return ("Inclusion Criteria:\n\n* " + body[:cut + 1].replace(". ", ".\n* ")
                + "\n\nExclusion Criteria:\n\n* " + body[cut + 2:].replace(". ", ".\n* "))

    # --- entity factories (each gets its own RNG, so entities do not depend on draw order) ------

    def _make_sponsor(self, r: random.Random, i: int, collaborator: bool = False) -> dict:
        cls = (self.collab_class if collaborator else self.lead_class).at(spread(i, 1 if collaborator else 0))
        name = coined(i + (200_000 if collaborator else 0), salt=1)
        if cls == "INDUSTRY":
            full = f"{name} {r.choice(INDUSTRY_SUFFIXES)}"
        elif cls == "NIH":
            full = f"National Institute of {r.choice(('Clinical', 'Translational', 'Chronic', 'Rare'))} {name} Research"
        elif cls in ("FED", "OTHER_GOV"):
            full = f"{name} {r.choice(('Ministry of Health', 'Public Health Agency', 'Health Department'))}"
        elif cls == "NETWORK":
            full = f"{name} {r.choice(('Research Network', 'Study Group', 'Trials Consortium'))}"
        elif cls == "INDIV":
            full = f"{r.choice(FIRST_NAMES)} {coined(i, salt=2)}"
        else:
            full = r.choice(ACADEMIC_PATTERNS).format(n=name)
        return {"name": full, "class": cls}

    def _make_collaborator(self, r: random.Random, i: int) -> dict:
        return self._make_sponsor(r, i, collaborator=True)

    def _make_site(self, r: random.Random, i: int) -> dict:
        country, city, state, lat, lon, zip_t = self.cities[self.city.at(spread(i, 2))]
        facility = r.choice(SITE_PATTERNS).format(n=coined(i, salt=3))
        site: dict[str, Any] = {"facility": facility, "city": city}
        if state:
            site["state"] = state
        if zip_t:
            site["zip"] = "".join(str(r.randrange(10)) if ch == "#" else ch for ch in zip_t)
        site["country"] = country
        site["geoPoint"] = {"lat": float(lat), "lon": float(lon)}
        return site

    def _make_investigator(self, r: random.Random, i: int) -> tuple[str, str, str]:
        given = r.choice(FIRST_NAMES)
        surname = coined(i, salt=4)
        degree = r.choice(DEGREES)
        plain = f"{given} {surname}"
        email = f"{given.lower()}.{surname.lower()}@example.org"
        return (f"{plain}, {degree}" if degree else plain), plain, email

    def _make_condition(self, r: random.Random, i: int) -> tuple[str, str | None]:
        order = self.disease_order
        if not order:
            return f"{coined(i, salt=5)} syndrome", None
        ui = order[i % len(order)]
        label = self.mesh.label[ui]
        round_ = i // len(order)
        if round_ == 0:
            text = label if r.random() < 0.6 else (r.choice(self.mesh.entries[ui]) if self.mesh.entries[ui] else label)
        else:
            qualifiers = ("Recurrent", "Refractory", "Advanced", "Chronic", "Early", "Severe", "Mild", "Pediatric")
            q = qualifiers[(round_ - 1) % len(qualifiers)]
            text = f"{q} {label}" if round_ <= len(qualifiers) else f"{label}, Subtype {round_}"
        return text, ui

    def _make_keyword(self, r: random.Random, i: int) -> str:
        words = [w for w in r.choices(WORDS[60:], k=r.randint(1, 3))]
        return " ".join(words) + ("" if i < 2000 else f" {coined(i, salt=6).lower()}")

    def _named(self, r: random.Random, i: int, order: list[str], group: str, fallback: Callable[[], str]) -> dict:
        itype = self.itype_in_group[group].at(spread(i, 3))
        other = self.count["otherNames"].at(spread(i, 4))
        if i < len(order):
            ui = order[i]
            name = self.mesh.label[ui]
            names = list(self.mesh.entries[ui][:other])
        else:
            ui = None
            name = fallback()
            names = []
        while len(names) < other:
            names.append(f"TG-{r.randrange(100, 99999)}")
        return {"type": itype, "name": name, "otherNames": names, "mesh": ui}

    def _make_drug(self, r: random.Random, i: int) -> dict:
        return self._named(r, i, self.drug_order, "drug",
                           lambda: coined(i, salt=7).lower().capitalize() + r.choice(DRUG_SUFFIXES))

    def _make_procedure(self, r: random.Random, i: int) -> dict:
        return self._named(r, i, self.procedure_order, "procedure",
                           lambda: f"{coined(i, salt=8)} technique")

    def _make_device(self, r: random.Random, i: int) -> dict:
        return self._named(r, i, [], "device", lambda: f"{coined(i, salt=9)} {r.choice(DEVICE_NOUNS)}")

    def _make_behavioral(self, r: random.Random, i: int) -> dict:
        return self._named(r, i, self.behavior_order, "behavioral",
                           lambda: f"{coined(i, salt=10)} {r.choice(BEHAVIOR_NOUNS)}")

    def _make_other(self, r: random.Random, i: int) -> dict:
        return self._named(r, i, [], "other", lambda: OTHER_NOUNS[i] if i < len(OTHER_NOUNS)
                           else f"{OTHER_NOUNS[i % len(OTHER_NOUNS)]} ({coined(i, salt=11)} protocol)")

    # --- helpers ---------------------------------------------------------------------------------

    def _distinct(self, pool: str, k: int, key: Callable[[Any], Any] = lambda e: e, exclude: Any = None) -> list:
        """Up to ``k`` different entities from a pool (a few retries on repeats)."""
        pool_ = self.pools[pool]
        draw = pool_.draw
        rng = self.rng
        out: dict[Any, Any] = {}
        tries = 0
        while len(out) < k and tries < k * 2 + 5:
            tries += 1
            e = draw(rng)
            kk = key(e)
            if kk != exclude and kk not in out:
                out[kk] = e
        if len(out) < k:  # a long list from a small pool: walk the ranks from a random point
            j = rng.randrange(pool_.size)
            for step in range(pool_.size):
                e = pool_.get((j + step) % pool_.size)
                kk = key(e)
                if kk != exclude and kk not in out:
                    out[kk] = e
                    if len(out) == k:
                        break
        return list(out.values())

    def _date(self, ordinal: int, day: bool = True) -> str:
        d = _dt.date.fromordinal(ordinal)
        return d.isoformat() if day else d.isoformat()[:7]

    def _person(self) -> tuple[str, str, str]:
        return self.pools["investigator"].draw(self.rng)

    def _phone(self) -> str:
        r = self.rng
        return f"+1 555 {r.randrange(100, 1000)} {r.randrange(1000, 10000)}"

    # --- one study -------------------------------------------------------------------------------

    def studies(self, start: int = 0, stop: int | None = None) -> Iterator[dict]:
        """Studies ``start``..``stop``-1. Each chunk of :data:`CHUNK` studies has its own random
        stream, so a chunk's studies do not depend on who generates it (parallel workers)."""
        if start % CHUNK:
            raise ValueError(f"start must be a multiple of {CHUNK}")
        for i in range(start, self.n if stop is None else min(stop, self.n)):
            if i % CHUNK == 0:
                self.rng.seed(f"{self.seed}/chunk/{i // CHUNK}")
            yield self.study(i)

    def study(self, i: int) -> dict:
        rng = self.rng
        rnd = rng.random
        nct = f"NCT{FIRST_NCT + i:08d}"
        u = rnd()
        study_type = "EXPANDED_ACCESS" if u < self.p_ea else "OBSERVATIONAL" if u < self.p_ea + self.p_obs else "INTERVENTIONAL"
        interventional = study_type == "INTERVENTIONAL"
        ea = study_type == "EXPANDED_ACCESS"
        status = self.ea_status.draw(rng) if ea else self.status.draw(rng)
        dates, has_results = self._status(status, ea)
        if not ea and status in ("COMPLETED", "TERMINATED") and rnd() < self.p_results:
            has_results = True
            dates = self._results_dates(dates)

        # sponsors
        lead = self.pools["sponsor"].draw(rng)
        n_collab = self.count["collaborators"].draw(rng)
        collaborators = []
        if n_collab:
            seen = {lead["name"]}
            for _ in range(n_collab * 2):
                c = (self.pools["sponsor"] if rnd() < 0.3 else self.pools["collaborator"]).draw(rng)
                if c["name"] not in seen:
                    seen.add(c["name"])
                    collaborators.append(c)
                    if len(collaborators) == n_collab:
                        break

        # conditions and keywords
        conditions = self._distinct("condition", self.count["conditions"].draw(rng), key=lambda c: c[0])
        keywords = self._distinct("keyword", self.count["keywords"].draw(rng))

        # interventions
        n_int = self.count["interventions"].draw(rng)
        if ea:
            n_int = max(1, min(n_int, 2))
        interventions: dict[str, dict] = {}
        tries = 0
        while len(interventions) < n_int and tries < n_int * 3 + 3:
            tries += 1
            group = "drug" if ea else self.itype_group.draw(rng)
            e = self.pools[group].draw(rng)
            interventions.setdefault(e["name"], e)
        chosen = list(interventions.values())

        # arms
        n_arms = 0 if ea else self.count["arms"].draw(rng)
        arms = []
        for k in range(n_arms):
            arm_type = self.cat["armType"].draw(rng) if interventional else None
            prefix = ARM_PREFIXES.get(arm_type, "Group")
            arms.append({"label": f"{prefix} {k + 1}", "type": arm_type, "refs": []})
        if arms:
            active = [a for a in arms if a["type"] != "NO_INTERVENTION"] or arms
            for j in range(len(chosen)):
                active[j % len(active)]["refs"].append(j)
            for arm in active:
                if chosen and rnd() < 0.25:
                    j = rng.randrange(len(chosen))
                    if j not in arm["refs"]:
                        arm["refs"].append(j)
        arm_groups = []
        arm_labels: list[list[str]] = [[] for _ in chosen]
        for arm in arms:
            names = [chosen[j]["name"] for j in arm["refs"]]
            label = arm["label"] + (f": {names[0]}" if names and rnd() < 0.6 else "")
            arm_group: dict[str, Any] = {"label": label}
            if arm["type"]:
                arm_group["type"] = arm["type"]
            n = self.length["armDescription"].draw(rng)
            if n:
                arm_group["description"] = self.text(n)
            if names:
                arm_group["interventionNames"] = [f"{TYPE_LABELS[chosen[j]['type']]}: {chosen[j]['name']}" for j in arm["refs"]]
            for j in arm["refs"]:
                arm_labels[j].append(label)
            arm_groups.append(arm_group)
        intervention_list = []
        for j, e in enumerate(chosen):
            item: dict[str, Any] = {"type": e["type"], "name": e["name"]}
            n = self.length["interventionDescription"].draw(rng)
            if n:
                item["description"] = self.text(n)
            if arm_labels[j]:
                item["armGroupLabels"] = arm_labels[j]
            if e["otherNames"]:
                item["otherNames"] = e["otherNames"]
            intervention_list.append(item)

        # locations and people
        n_loc = self.count["locations"].draw(rng)
        sites = self._distinct("site", n_loc, key=lambda s: s["facility"])
        loc_status = status if status in ACTIVE_STATUSES[:3] else None
        locations = []
        contact_hist = self.count["locationContacts"]
        for site in sites:
            if loc_status is None:
                locations.append(site)
                continue
            loc = {"facility": site["facility"], "status": loc_status}
            loc.update(site)
            n_contacts = contact_hist.draw(rng)
            if n_contacts:
                contacts = []
                for c in range(n_contacts):
                    full, _, email = self._person()
                    if c == 0:
                        contacts.append({"name": full, "role": "CONTACT", "phone": self._phone(), "email": email})
                    else:
                        contacts.append({"name": full, "role": "PRINCIPAL_INVESTIGATOR"})
                loc["contacts"] = contacts
            locations.append(loc)
        affiliations = [s["facility"] for s in sites[:5]] or [lead["name"]]
        officials = []
        for _ in range(self.count["officials"].draw(rng)):
            full, _, _ = self._person()
            officials.append({"name": full, "affiliation": rng.choice(affiliations),
                              "role": self.cat["officialRole"].draw(rng)})
        central = []
        for c in range(self.count["centralContacts"].draw(rng)):
            full, _, email = self._person()
            central.append({"name": full, "role": "CONTACT", "phone": self._phone(), "email": email})

        # identification
        brief_title = self.title(self.length["briefTitle"].draw(rng))
        ident: dict[str, Any] = {
            "nctId": nct,
            "orgStudyIdInfo": {"id": f"{lead['name'][:3].upper()}-{rng.randrange(1000, 99999)}"},
        }
        n_sec = self.count["secondaryIds"].draw(rng)
        if n_sec:
            ident["secondaryIdInfos"] = [
                {"id": f"{2000 + rng.randrange(26)}-{rng.randrange(100000, 999999)}-{rng.randrange(10, 99)}",
                 "type": rng.choice(("REGISTRY", "OTHER", "EUDRACT_NUMBER", "OTHER_GRANT"))}
                for _ in range(n_sec)
            ]
        ident["organization"] = {"fullName": lead["name"], "class": lead["class"]}
        ident["briefTitle"] = brief_title
        n = self.length["officialTitle"].draw(rng)
        ident["officialTitle"] = self.title(n)
        n = self.length["acronym"].draw(rng)
        if n:
            ident["acronym"] = coined(rng.randrange(_CODED_SPACE), salt=12).upper()[:max(2, min(n, 12))]

        # status module
        status_module = self._status_module(status, dates, ea)

        # sponsor module
        party_type = self.cat["partyType"].draw(rng)
        sponsor_module: dict[str, Any] = {}
        if party_type:
            party: dict[str, Any] = {"type": party_type}
            if party_type != "SPONSOR":
                full = officials[0]["name"] if officials else self._person()[0]
                party.update({"investigatorFullName": full,
                              "investigatorTitle": rng.choice(("Principal Investigator", "Professor", "Associate Professor", "Clinical Director")),
                              "investigatorAffiliation": rng.choice(affiliations)})
            sponsor_module["responsibleParty"] = party
        sponsor_module["leadSponsor"] = {"name": lead["name"], "class": lead["class"]}
        if collaborators:
            sponsor_module["collaborators"] = [{"name": c["name"], "class": c["class"]} for c in collaborators]

        # description
        description: dict[str, Any] = {}
        n = self.length["briefSummary"].draw(rng)
        description["briefSummary"] = self.paragraphs(max(n, 40))
        n = self.length["detailedDescription"].draw(rng)
        if n:
            description["detailedDescription"] = self.paragraphs(n)

        conditions_module: dict[str, Any] = {"conditions": [c[0] for c in conditions]}
        if keywords:
            conditions_module["keywords"] = keywords

        design = self._design(study_type, len(arm_groups), status, dates)

        protocol: dict[str, Any] = {
            "identificationModule": ident,
            "statusModule": status_module,
            "sponsorCollaboratorsModule": sponsor_module,
            "oversightModule": {"oversightHasDmc": rnd() < 0.3, "isFdaRegulatedDrug": rnd() < 0.2,
                                "isFdaRegulatedDevice": rnd() < 0.1},
            "descriptionModule": description,
            "conditionsModule": conditions_module,
            "designModule": design,
        }
        if arm_groups or intervention_list:
            aim: dict[str, Any] = {}
            if arm_groups:
                aim["armGroups"] = arm_groups
            if intervention_list:
                aim["interventions"] = intervention_list
            protocol["armsInterventionsModule"] = aim
        if not ea:
            outcomes = self._outcomes()
            if outcomes:
                protocol["outcomesModule"] = outcomes
        protocol["eligibilityModule"] = self._eligibility(study_type)
        clm: dict[str, Any] = {}
        if central:
            clm["centralContacts"] = central
        if officials:
            clm["overallOfficials"] = officials
        if locations:
            clm["locations"] = locations
        if clm:
            protocol["contactsLocationsModule"] = clm
        refs = self._references()
        if refs:
            protocol["referencesModule"] = {"references": refs}
        ipd = self.cat["ipdSharing"].draw(rng)
        if ipd:
            sharing: dict[str, Any] = {"ipdSharing": ipd}
            if ipd == "YES":
                sharing.update(description=self.text(rng.randint(50, 400)),
                               infoTypes=["STUDY_PROTOCOL", "SAP", "ICF", "CSR"][:rng.randint(1, 4)],
                               timeFrame=self.text(rng.randint(30, 200)), accessCriteria=self.text(rng.randint(40, 300)))
            elif rnd() < 0.4:
                sharing["description"] = self.text(rng.randint(30, 200))
            protocol["ipdSharingStatementModule"] = sharing

        study: dict[str, Any] = {"protocolSection": protocol}
        if has_results:
            study["resultsSection"] = self._results(arm_groups, protocol.get("outcomesModule", {}), dates)
        study["derivedSection"] = self._derived(conditions, chosen)
        study["hasResults"] = has_results
        return study

    # --- parts -----------------------------------------------------------------------------------

    def _status(self, status: str, ea: bool) -> tuple[dict, bool]:
        """Consistent dates (ordinals) for a status."""
        rng = self.rng
        snap = SNAPSHOT.toordinal()
        year = int(self.year.draw(rng))
        submit = _dt.date(year, 1, 1).toordinal() + rng.randrange(365)
        if status == "NOT_YET_RECRUITING":
            submit = snap - rng.randrange(10, 365)
        elif status in ("RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE", "TEMPORARILY_NOT_AVAILABLE") and submit < snap - 6 * 365:
            submit = snap - rng.randrange(30, 6 * 365)
        elif status == "UNKNOWN" and submit > snap - 3 * 365:
            submit = snap - rng.randrange(3 * 365, 12 * 365)
        elif status == "ACTIVE_NOT_RECRUITING" and submit > snap - 200:
            submit = snap - rng.randrange(200, 5 * 365)
        submit = min(submit, snap - 10)
        d: dict[str, Any] = {"submit": submit}
        if not ea:
            if status == "NOT_YET_RECRUITING":
                start, start_actual = snap + rng.randrange(15, 300), False
            elif status == "WITHDRAWN":
                start, start_actual = submit + rng.randrange(0, 365), False
            else:
                start, start_actual = min(submit + rng.randrange(-180, 120), snap - 5), True
            duration = int(120 * math.exp(rng.random() * 3.2))  # 4 months to about 8 years
            primary = start + duration
            completion = primary + rng.randrange(0, 365)
            done = status in ("COMPLETED", "TERMINATED")
            if done and completion > snap - 20:
                completion = snap - rng.randrange(20, 700)
                primary = min(primary, completion - rng.randrange(0, 120))
                if primary <= start:
                    start = primary - rng.randrange(60, 900)
            if status in ACTIVE_STATUSES[:3] and primary <= snap:
                primary = snap + rng.randrange(30, 900)
                completion = max(completion, primary + rng.randrange(0, 365))
            if status == "ACTIVE_NOT_RECRUITING" and completion <= snap:
                completion = snap + rng.randrange(30, 600)
            d.update(start=start, start_actual=start_actual, primary=primary, completion=completion,
                     primary_actual=primary <= snap and status not in ("UNKNOWN", "WITHDRAWN", "SUSPENDED"),
                     completion_actual=completion <= snap and status not in ("UNKNOWN", "WITHDRAWN", "SUSPENDED"))
        post = min(submit + rng.randrange(1, 40), snap - 1)
        d["qc"] = max(submit, post - rng.randrange(0, 4))
        d["post"] = post
        recent = status in ACTIVE_STATUSES or status in EXPANDED_ACCESS_STATUSES
        span = snap - post
        update = post + (span - rng.randrange(0, min(span, 400) + 1) if recent else rng.randrange(0, span + 1))
        d["update"] = min(update, snap - 1)
        d["update_post"] = min(d["update"] + rng.randrange(1, 6), snap)
        return d, False

    def _results_dates(self, d: dict) -> dict:
        rng = self.rng
        snap = SNAPSHOT.toordinal()
        rs = max(d["post"] + 1, min(d["completion"] + rng.randrange(150, 500), snap - 30))
        d["results_submit"] = rs
        d["results_post"] = min(rs + rng.randrange(10, 60), snap - 1)
        if d["update"] < d["results_post"]:
            d["update"] = d["results_post"]
            d["update_post"] = min(d["update"] + rng.randrange(0, 6), snap)
        return d

    def _status_module(self, status: str, d: dict, ea: bool) -> dict:
        rng = self.rng
        date = self._date
        m: dict[str, Any] = {"statusVerifiedDate": date(d["update"], day=False), "overallStatus": status}
        if status == "UNKNOWN":
            m["lastKnownStatus"] = self.cat["lastKnownStatus"].draw(rng) or "RECRUITING"
        if status in ("TERMINATED", "WITHDRAWN", "SUSPENDED"):
            m["whyStopped"] = self.text(rng.randint(20, 120))
        m["expandedAccessInfo"] = {"hasExpandedAccess": ea}
        if not ea:
            m["startDateStruct"] = {"date": date(d["start"], day=rng.random() < self.p_day),
                                    "type": "ACTUAL" if d["start_actual"] else "ESTIMATED"}
            m["primaryCompletionDateStruct"] = {"date": date(d["primary"]),
                                                "type": "ACTUAL" if d["primary_actual"] else "ESTIMATED"}
            m["completionDateStruct"] = {"date": date(d["completion"]),
                                         "type": "ACTUAL" if d["completion_actual"] else "ESTIMATED"}
        m["studyFirstSubmitDate"] = date(d["submit"])
        m["studyFirstSubmitQcDate"] = date(d["qc"])
        m["studyFirstPostDateStruct"] = {"date": date(d["post"]), "type": "ACTUAL"}
        if "results_submit" in d:
            m["resultsFirstSubmitDate"] = date(d["results_submit"])
            m["resultsFirstSubmitQcDate"] = date(d["results_submit"])
            m["resultsFirstPostDateStruct"] = {"date": date(d["results_post"]), "type": "ACTUAL"}
        m["lastUpdateSubmitDate"] = date(d["update"])
        m["lastUpdatePostDateStruct"] = {"date": date(d["update_post"]), "type": "ACTUAL"}
        return m

    def _design(self, study_type: str, n_arms: int, status: str, d: dict) -> dict:
        rng = self.rng
        cat = self.cat
        design: dict[str, Any] = {"studyType": study_type}
        if study_type == "EXPANDED_ACCESS":
            design["expandedAccessTypes"] = {"individual": rng.random() < 0.6, "intermediate": rng.random() < 0.3,
                                             "treatment": rng.random() < 0.3}
            return design
        if study_type == "INTERVENTIONAL":
            design["phases"] = ["NA"] if rng.random() < self.p_na else self.phase.draw(rng).split("/")
            allocation = cat["allocation"].draw(rng)
            model = cat["interventionModel"].draw(rng)
            if n_arms <= 1:
                allocation, model = "NA", "SINGLE_GROUP"
            else:
                if allocation == "NA":
                    allocation = "RANDOMIZED"
                if model == "SINGLE_GROUP":
                    model = "PARALLEL"
            masking = cat["masking"].draw(rng)
            info: dict[str, Any] = {"allocation": allocation, "interventionModel": model,
                                    "primaryPurpose": cat["primaryPurpose"].draw(rng)}
            mask: dict[str, Any] = {"masking": masking}
            level = MASK_LEVELS.get(masking, 0)
            if level:
                who = list(WHO_MASKED)
                if level < 4:
                    who = sorted(rng.sample(who, level), key=WHO_MASKED.index)
                mask["whoMasked"] = who
            if rng.random() < 0.28:
                info["interventionModelDescription"] = self.text(rng.randint(40, 300))
            if level and rng.random() < 0.3:
                mask["maskingDescription"] = self.text(rng.randint(30, 250))
            info["maskingInfo"] = mask
            design["designInfo"] = info
        else:
            design["patientRegistry"] = rng.random() < 0.05
            design["designInfo"] = {"observationalModel": cat["observationalModel"].draw(rng),
                                    "timePerspective": cat["timePerspective"].draw(rng)}
        if status == "WITHDRAWN":
            design["enrollmentInfo"] = {"count": 0, "type": "ACTUAL"}
        else:
            count = self.enrollment.draw(rng)
            if status == "TERMINATED":
                count = max(1, count * rng.randint(1, 9) // 10)
            actual = status in ("COMPLETED", "TERMINATED") or (status == "ACTIVE_NOT_RECRUITING" and rng.random() < 0.7)
            design["enrollmentInfo"] = {"count": count, "type": "ACTUAL" if actual else "ESTIMATED"}
        return design

    def _outcomes(self) -> dict:
        rng = self.rng
        out: dict[str, Any] = {}
        for key in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            items = []
            for _ in range(self.count[key].draw(rng)):
                item: dict[str, Any] = {"measure": self.title(self.length["outcomeMeasure"].draw(rng))}
                n = self.length["outcomeDescription"].draw(rng)
                if n:
                    item["description"] = self.text(n)
                item["timeFrame"] = rng.choice(TIME_FRAMES).format(n=rng.choice((1, 2, 3, 4, 6, 8, 12, 24, 26, 52)))
                items.append(item)
            if items:
                out[key] = items
        return out

    def _eligibility(self, study_type: str) -> dict:
        rng = self.rng
        cat = self.cat
        m: dict[str, Any] = {}
        n = self.length["eligibilityCriteria"].draw(rng)
        if n:
            m["eligibilityCriteria"] = self.criteria(n)
        hv = cat["healthyVolunteers"].draw(rng)
        if hv in ("true", "false"):
            m["healthyVolunteers"] = hv == "true"
        m["sex"] = cat["sex"].draw(rng) or "ALL"
        low = cat["minimumAge"].draw(rng)
        high = cat["maximumAge"].draw(rng)
        lo_years = _years(low) if low else 0.0
        hi_years = _years(high) if high else None
        if hi_years is not None and hi_years < lo_years:
            high, hi_years = "", None
        if low:
            m["minimumAge"] = low
        if high:
            m["maximumAge"] = high
        ages = []
        if lo_years < 18:
            ages.append("CHILD")
        if (hi_years is None or hi_years >= 18) and lo_years < 65:
            ages.append("ADULT")
        if hi_years is None or hi_years >= 65:
            ages.append("OLDER_ADULT")
        m["stdAges"] = ages or ["ADULT"]
        if study_type == "OBSERVATIONAL":
            m["studyPopulation"] = self.text(rng.randint(60, 400))
            sampling = cat["samplingMethod"].draw(rng)
            if sampling:
                m["samplingMethod"] = sampling
        return m

    def _references(self) -> list:
        rng = self.rng
        refs = []
        for _ in range(self.count["references"].draw(rng)):
            authors = ", ".join(f"{coined(rng.randrange(_CODED_SPACE), salt=13)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
                                for _ in range(rng.randint(1, 4)))
            year = rng.randint(1995, 2025)
            citation = (f"{authors}. {self.title(rng.randint(60, 220))}. J {coined(rng.randrange(300), salt=14)} Med. "
                        f"{year};{rng.randint(1, 80)}({rng.randint(1, 12)}):{rng.randint(1, 900)}-{rng.randint(901, 999)}.")
            ref: dict[str, Any] = {"pmid": str(rng.randrange(1_000_000, 39_000_000)),
                                   "type": self.cat["referenceType"].draw(rng), "citation": citation}
            refs.append(ref)
        return refs

    def _derived(self, conditions: list, chosen: list) -> dict:
        rng = self.rng
        mesh = self.mesh
        label = mesh.label
        derived: dict[str, Any] = {"miscInfoModule": {"versionHolder": SNAPSHOT.isoformat()}}
        # conditions
        k = self.count["conditionMeshes"].draw(rng)
        uis: dict[str, str | None] = {}
        for text, ui in conditions:
            if ui and len(uis) < k:
                uis.setdefault(ui, text)
        tries = 0
        while len(uis) < k and tries < 10:
            tries += 1
            text, ui = self.pools["condition"].draw(rng)
            if ui:
                uis.setdefault(ui, None)
        browse = self._browse(uis, self.count["conditionAncestors"].draw(rng), "condition", "All Conditions")
        if browse:
            derived["conditionBrowseModule"] = browse
        # interventions
        k = self.count["interventionMeshes"].draw(rng)
        uis = {}
        for e in chosen:
            if e["mesh"] and len(uis) < k:
                uis.setdefault(e["mesh"], e["name"])
        tries = 0
        while len(uis) < k and tries < 10:
            tries += 1
            e = self.pools["drug"].draw(rng)
            if e["mesh"]:
                uis.setdefault(e["mesh"], None)
        browse = self._browse(uis, self.count["interventionAncestors"].draw(rng), "drug", "All Drugs and Chemicals")
        if browse:
            derived["interventionBrowseModule"] = browse
        return derived

    def _browse(self, uis: dict, k_anc: int, pool: str, all_label: str) -> dict:
        mesh = self.mesh
        label = mesh.label
        ancestors: dict[str, None] = {}
        for ui in uis:
            for a in mesh.ancestors(ui):
                if a not in uis:
                    ancestors[a] = None
        tries = 0
        while len(ancestors) < k_anc and tries < 5:
            tries += 1
            e = self.pools[pool].draw(self.rng)
            ui = e[1] if isinstance(e, tuple) else e["mesh"]
            for a in ([ui] if ui else []) + list(mesh.ancestors(ui) if ui else ()):
                if a not in uis:
                    ancestors[a] = None
        anc = list(ancestors)[:k_anc]
        if not uis and not anc:
            return {}
        m: dict[str, Any] = {}
        if uis:
            m["meshes"] = [{"id": ui, "term": label[ui]} for ui in uis]
        if anc:
            m["ancestors"] = [{"id": ui, "term": label[ui]} for ui in anc]
        leaves = []
        for ui, found in uis.items():
            leaf: dict[str, Any] = {"id": f"M{int(ui[1:]) % 89_000 + 1_000}", "name": label[ui]}
            if found:
                leaf["asFound"] = found
            leaf["relevance"] = "HIGH"
            leaves.append(leaf)
        for ui in anc:
            leaves.append({"id": f"M{int(ui[1:]) % 89_000 + 1_000}", "name": label[ui], "relevance": "LOW"})
        m["browseLeaves"] = leaves
        branches = {}
        for ui in list(uis) + anc:
            for tree in mesh.trees.get(ui, ())[:1]:
                root = MESH_ROOTS.get(tree[:3])
                if root and root in label:
                    branches[f"B{tree[0]}{tree[1:3]}"] = label[root]
        m["browseBranches"] = [{"abbrev": a, "name": n} for a, n in branches.items()] + [{"abbrev": "All", "name": all_label}]
        return m

    def _results(self, arm_groups: list, outcomes: dict, d: dict) -> dict:
        """A well-formed results section: participant flow, baseline, one measure per outcome, adverse
        events. The reader does not map it; it is there for its size (calibrated on the sample)."""
        rng = self.rng
        rand = rng.random
        text = self.text
        groups = [a["label"] for a in arm_groups[:4]] or ["All participants"]
        n = len(groups)
        started = [rng.randint(5, 400) for _ in groups]
        completed = [max(0, s - rng.randint(0, max(1, s // 5))) for s in started]

        def ids(prefix: str, k: int = n) -> list[str]:
            return [f"{prefix}{g:03d}" for g in range(k)]

        fg = ids("FG")
        flow = {
            "recruitmentDetails": text(rng.randint(60, 300)),
            "groups": [{"id": fg[g], "title": t, "description": text(rng.randint(40, 300))} for g, t in enumerate(groups)],
            "periods": [{"title": "Overall Study", "milestones": [
                {"type": "STARTED", "achievements": [{"groupId": fg[g], "numSubjects": str(started[g])} for g in range(n)]},
                {"type": "COMPLETED", "achievements": [{"groupId": fg[g], "numSubjects": str(completed[g])} for g in range(n)]},
                {"type": "NOT COMPLETED", "achievements": [{"groupId": fg[g], "numSubjects": str(started[g] - completed[g])} for g in range(n)]},
            ], "dropWithdraws": [
                {"type": reason, "reasons": [{"groupId": fg[g], "numSubjects": str(rng.randint(0, 5))} for g in range(n)]}
                for reason in ("Withdrawal by Subject", "Lost to Follow-up", "Adverse Event")[:rng.randint(1, 3)]
            ]}],
        }
        bg = ids("BG", n + 1)
        counts = started + [sum(started)]

        def split(count: int, k: int) -> list[int]:
            cuts = sorted(int(rand() * (count + 1)) for _ in range(k - 1))
            return [b - a for a, b in zip([0] + cuts, cuts + [count])]

        def categorical(title: str, labels: tuple[str, ...]) -> dict:
            shares = [split(c, len(labels)) for c in counts]
            return {"title": title, "paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
                    "classes": [{"categories": [
                        {"title": label, "measurements": [{"groupId": bg[g], "value": str(shares[g][k])} for g in range(n + 1)]}
                        for k, label in enumerate(labels)]}]}

        baseline = {
            "populationDescription": text(rng.randint(40, 200)),
            "groups": [{"id": bg[g], "title": t, "description": text(rng.randint(30, 200))} for g, t in enumerate(groups)]
            + [{"id": bg[n], "title": "Total", "description": "Total of all reporting groups"}],
            "denoms": [{"units": "Participants", "counts": [{"groupId": bg[g], "value": str(c)} for g, c in enumerate(counts)]}],
            "measures": [
                {"title": "Age, Continuous", "paramType": "MEAN", "dispersionType": "STANDARD_DEVIATION",
                 "unitOfMeasure": "years", "classes": [{"categories": [{"measurements": [
                     {"groupId": bg[g], "value": f"{rng.uniform(25, 70):.1f}", "spread": f"{rng.uniform(5, 15):.1f}"}
                     for g in range(n + 1)]}]}]},
                categorical("Sex: Female, Male", ("Female", "Male")),
                categorical("Ethnicity (NIH/OMB)", ("Hispanic or Latino", "Not Hispanic or Latino", "Unknown or Not Reported")),
                categorical("Race (NIH/OMB)", ("American Indian or Alaska Native", "Asian", "Native Hawaiian or Other Pacific Islander",
                                               "Black or African American", "White", "More than one race", "Unknown or Not Reported")),
                categorical("Age, Categorical", ("<=18 years", "Between 18 and 65 years", ">=65 years")),
                categorical("Region of Enrollment", ("United States", "Canada", "France", "Germany", "Japan", "Spain")[:rng.randint(1, 6)]),
            ] + [
                {"title": title, "paramType": "MEAN", "dispersionType": "STANDARD_DEVIATION", "unitOfMeasure": unit,
                 "classes": [{"categories": [{"measurements": [
                     {"groupId": bg[g], "value": f"{rng.uniform(low, high):.1f}", "spread": f"{rng.uniform(1, 12):.1f}"}
                     for g in range(n + 1)]}]}]}
                for title, unit, low, high in (("Body Mass Index", "kg/m^2", 20, 32), ("Weight", "kg", 55, 95),
                                               ("Height", "cm", 155, 185), ("Disease duration", "years", 1, 15))[:rng.randint(0, 4)]
            ],
        }
        og = ids("OG")
        measures = []
        post_hoc = [{"measure": self.title(self.length["outcomeMeasure"].draw(rng)),
                     "timeFrame": rng.choice(TIME_FRAMES).format(n=rng.choice((4, 12, 24, 52)))} for _ in range(rng.randint(0, 7))]
        for kind, key in (("PRIMARY", "primaryOutcomes"), ("SECONDARY", "secondaryOutcomes"),
                          ("OTHER_PRE_SPECIFIED", "otherOutcomes"), ("POST_HOC", "")):
            for o in (outcomes.get(key, []) if key else post_hoc)[:20]:
                measure: dict[str, Any] = {
                    "type": kind, "title": o["measure"], "description": o.get("description") or text(rng.randint(60, 300)),
                    "populationDescription": text(rng.randint(30, 200)), "reportingStatus": "POSTED", "paramType": "MEAN",
                    "dispersionType": "Standard Deviation", "unitOfMeasure": rng.choice(UNITS), "timeFrame": o["timeFrame"],
                    "groups": [{"id": og[g], "title": t, "description": text(rng.randint(30, 200))} for g, t in enumerate(groups)],
                    "denoms": [{"units": "Participants", "counts": [{"groupId": og[g], "value": str(completed[g])} for g in range(n)]}],
                    "classes": [{"title": title, "categories": [{"title": category, "measurements": [
                        {"groupId": og[g], "value": f"{rng.uniform(0, 100):.1f}", "spread": f"{rng.uniform(1, 20):.1f}"}
                        for g in range(n)]} for category in ("Responders", "Partial", "Non-responders")[:rng.randint(1, 3)]]}
                        for title in ("Baseline", "Week 12", "End of treatment")[:rng.randint(1, 3)]],
                }
                if kind == "PRIMARY" and n > 1:
                    low = rng.uniform(-5, 1)
                    measure["analyses"] = [{
                        "groupIds": og[:2], "nonInferiorityType": "SUPERIORITY", "pValue": f"{rng.uniform(0.001, 0.5):.3f}",
                        "statisticalMethod": rng.choice(("ANCOVA", "t-Test, 2 sided", "Mixed Models Analysis", "Wilcoxon (Mann-Whitney)")),
                        "paramType": "Mean Difference (Final Values)", "paramValue": f"{low + 2:.2f}", "ciPctValue": "95",
                        "ciNumSides": "TWO_SIDED", "ciLowerLimit": f"{low:.2f}", "ciUpperLimit": f"{low + 4:.2f}",
                    }]
                measures.append(measure)
        eg = ids("EG")

        def events(k: int, serious: bool) -> list:
            out = []
            for term, system in rng.sample(AE_TERMS, min(k, len(AE_TERMS))):
                stats = []
                for g in range(n):
                    affected = int(rand() * (started[g] // (8 if serious else 3) + 1))
                    stats.append({"groupId": eg[g], "numEvents": affected + int(rand() * 4), "numAffected": affected,
                                  "numAtRisk": started[g]})
                out.append({"term": term, "organSystem": system, "sourceVocabulary": "MedDRA (27.0)",
                            "assessmentType": "SYSTEMATIC_ASSESSMENT", "stats": stats})
            return out

        adverse = {
            "frequencyThreshold": "5", "timeFrame": f"Up to {rng.choice((6, 12, 24))} months",
            "description": text(rng.randint(40, 250)),
            "eventGroups": [{"id": eg[g], "title": t, "description": text(rng.randint(30, 200)), "deathsNumAffected": 0,
                             "deathsNumAtRisk": started[g], "seriousNumAffected": rng.randint(0, started[g] // 5),
                             "seriousNumAtRisk": started[g], "otherNumAffected": rng.randint(0, started[g] // 2),
                             "otherNumAtRisk": started[g]} for g, t in enumerate(groups)],
            "seriousEvents": events(rng.randint(0, 30), True),
            "otherEvents": events(rng.randint(5, 140), False),
        }
        full, _, email = self._person()
        return {
            "participantFlowModule": flow,
            "baselineCharacteristicsModule": baseline,
            "outcomeMeasuresModule": {"outcomeMeasures": measures},
            "adverseEventsModule": adverse,
            "moreInfoModule": {
                "limitationsAndCaveats": {"description": text(rng.randint(40, 200))},
                "certainAgreement": {"piSponsorEmployee": False, "restrictiveAgreement": rand() < 0.5},
                "pointOfContact": {"title": full, "organization": arm_groups[0]["label"] if arm_groups else "Sponsor",
                                   "email": email, "phone": self._phone()},
            },
        }


_UNIT_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25, "hour": 1 / 8766, "minute": 1 / 525960}


def _years(age: str) -> float:
    number, unit = age.split()
    return float(number) * _UNIT_YEARS.get(unit.lower().rstrip("s"), 1.0)


# =================================================================================================
# Writing
# =================================================================================================

_DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1  # 2025-01-01, fixed so that the bytes are reproducible
_DOS_TIME = 0


class ZipStream:
    """A zip written member by member; the central directory is spooled to a temporary file."""

    def __init__(self, path: Path, level: int = ZIP_LEVEL) -> None:
        self.file = open(path, "wb")
        self.central = tempfile.TemporaryFile(dir=path.parent)
        self.level = level
        self.count = 0
        self.offset = 0
        self.central_size = 0

    def add(self, name: str, data: bytes) -> None:
        packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        self.add_packed(name, zlib.crc32(data), packer.compress(data) + packer.flush(), len(data))

    def add_packed(self, name: str, crc: int, packed: bytes, size: int) -> None:
        """A member already deflated (raw deflate, wbits -15) with the CRC-32 and size of its data."""
        raw = name.encode("utf-8")
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _DOS_TIME, _DOS_DATE, crc,
                            len(packed), size, len(raw), 0)
        self.file.write(local)
        self.file.write(raw)
        self.file.write(packed)
        offset, extra, version = self.offset, b"", 20
        if offset >= 0xFFFFFFFF:
            extra, offset, version = struct.pack("<HHQ", 1, 8, self.offset), 0xFFFFFFFF, 45
        entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | version, version, 0, 8, _DOS_TIME, _DOS_DATE,
                            crc, len(packed), size, len(raw), len(extra), 0, 0, 0, 0o100644 << 16, offset) + raw + extra
        self.central.write(entry)
        self.central_size += len(entry)
        self.offset += len(local) + len(raw) + len(packed)
        self.count += 1

    def close(self) -> None:
        start, size, count = self.offset, self.central_size, self.count
        self.central.seek(0)
        shutil.copyfileobj(self.central, self.file)
        self.central.close()
        if count >= 0xFFFF or start >= 0xFFFFFFFF or size >= 0xFFFFFFFF:
            end64 = start + size
            self.file.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
            self.file.write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        self.file.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                    min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF), 0))
        self.file.close()


_ENCODER = json.JSONEncoder(check_circular=False)


def serialize(study: dict) -> str:
    """One study as JSON on one line (non-ASCII as \\u escapes, like the real JSON Lines sample)."""
    return _ENCODER.encode(study)


def serialize_sized(study: dict) -> tuple[str, int]:
    """:func:`serialize` (the same text), plus the length of the resultsSection's JSON."""
    encode = _ENCODER.encode
    parts = []
    results = 0
    for key, value in study.items():
        text = encode(value)
        if key == "resultsSection":
            results = len(text)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}", results


def generate(n: int, seed: int, params: dict | None = None, mesh: Mesh | None = None) -> Iterator[dict]:
    """``n`` synthetic studies (dicts), deterministic from the seed (built-in parameters and MeSH
    list unless given)."""
    params = params if params is not None else BUILTIN_PARAMS
    mesh = mesh if mesh is not None else load_mesh(None)
    yield from Generator(n, seed, params, mesh).studies()


def _chunk(gen: Generator, index: int, fmt: str) -> tuple[bytes, list[tuple[str, int, bytes, int]], Tally]:
    """One chunk, serialized (JSON Lines bytes) and/or compressed (zip members), with its tally."""
    lines: list[str] = []
    members: list[tuple[str, int, bytes, int]] = []
    tally = Tally()
    for study in gen.studies(index * CHUNK, (index + 1) * CHUNK):
        text, results_size = serialize_sized(study)
        tally.add(study, len(text), results_size)
        if fmt in ("jsonl", "both"):
            lines.append(text)
        if fmt in ("zip", "both"):
            data = text.encode("utf-8")
            packer = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
            packed = packer.compress(data) + packer.flush()
            members.append((study["protocolSection"]["identificationModule"]["nctId"] + ".json",
                            zlib.crc32(data), packed, len(data)))
    blob = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return blob, members, tally


_WORKER: tuple[Generator, str] | None = None


def _worker_init(n: int, seed: int, params: dict, mesh_path: str | None, fmt: str) -> None:
    global _WORKER
    _WORKER = (Generator(n, seed, params, load_mesh(Path(mesh_path) if mesh_path else None)), fmt)


def _worker_chunk(index: int) -> tuple[bytes, list, Tally]:
    assert _WORKER is not None
    return _chunk(_WORKER[0], index, _WORKER[1])


_MESH_CACHE: dict[str, Mesh] = {}


def load_mesh(path: Path | None) -> Mesh:
    key = str(path) if path is not None and path.exists() else ""
    if key not in _MESH_CACHE:
        _MESH_CACHE[key] = Mesh(path if key else None)
    return _MESH_CACHE[key]


def _chunks(n: int, seed: int, params: dict, mesh: Mesh, fmt: str, workers: int) -> Iterator[tuple[bytes, list, Tally]]:
    """The chunks in order, made in this process or by ``workers`` processes (same bytes either way).
    At most two chunks per worker are in flight, so memory does not grow with N."""
    count = (n + CHUNK - 1) // CHUNK
    workers = max(1, min(workers, count))
    if workers == 1:
        gen = Generator(n, seed, params, mesh)
        for index in range(count):
            yield _chunk(gen, index, fmt)
        return
    import multiprocessing
    from collections import deque
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    mesh_path = mesh.source if mesh.source != "built-in list" else None
    with context.Pool(workers, _worker_init, (n, seed, params, mesh_path, fmt)) as pool:
        pending: deque = deque()
        next_index = 0
        while pending or next_index < count:
            while next_index < count and len(pending) < 2 * workers:
                pending.append(pool.apply_async(_worker_chunk, (next_index,)))
                next_index += 1
            yield pending.popleft().get()


def write(n: int, seed: int, out: Path, fmt: str = "jsonl", params: dict | None = None,
          mesh: Mesh | None = None, workers: int = 1, progress: bool = False) -> tuple[list[Path], Tally, float]:
    """Write the studies; returns the files, the tally of what was written and the seconds taken."""
    params = params if params is not None else BUILTIN_PARAMS
    mesh = mesh if mesh is not None else load_mesh(None)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    jsonl = zipped = None
    if fmt in ("jsonl", "both"):
        files.append(out / f"studies-{n}.jsonl")
        jsonl = open(files[-1], "wb")
    if fmt in ("zip", "both"):
        files.append(out / f"studies-{n}.zip")
        zipped = ZipStream(files[-1])
    tally = Tally()
    started = time.perf_counter()
    done = 0
    try:
        for blob, members, part in _chunks(n, seed, params, mesh, fmt, workers):
            tally.merge(part)
            if jsonl is not None:
                jsonl.write(blob)
            if zipped is not None:
                for name, crc, packed, size in members:
                    zipped.add_packed(name, crc, packed, size)
            done += part.studies
            if progress and done % 10_000 < CHUNK and done >= 10_000:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:,} studies ({rate:,.0f}/s)", file=sys.stderr)
    finally:
        if jsonl is not None:
            jsonl.close()
        if zipped is not None:
            zipped.close()
    return files, tally, time.perf_counter() - started


# =================================================================================================
# The calibration table
# =================================================================================================


def calibration_table(params: dict, tally: Tally, seed: int) -> str:
    real = params_summary(params)
    synth = tally.summary()
    source = params["source"] + (", built-in constants" if params is BUILTIN_PARAMS else ", measured now")
    lines = [f"calibration: real = {real['studies']} studies ({source}), "
             f"synthetic = {synth['studies']:,} studies (seed {seed})", ""]
    lines.append(f"{'count per study':<36}{'real mean':>10}{'synth mean':>12}{'real zero':>11}{'synth zero':>12}")
    for key, (label, *_) in {**COUNTS, **ITEM_COUNTS}.items():
        rm, rz = real["counts"][key]
        sm, sz = synth["counts"][key]
        lines.append(f"{label:<36}{rm:>10.2f}{sm:>12.2f}{rz:>10.1%}{sz:>12.1%}")
    lines.append(f"{'enrollment':<36}{real['enrollment']:>10.1f}{synth['enrollment']:>12.1f}")
    lines.append("")
    lines.append(f"{'text length (characters)':<44}{'real mean':>10}{'synth mean':>12}{'real empty':>11}{'synth empty':>12}")
    for key, (label, _) in TEXTS.items():
        rm, rz = real["texts"][key]
        sm, sz = synth["texts"][key]
        lines.append(f"{label:<44}{rm:>10.0f}{sm:>12.0f}{rz:>10.1%}{sz:>12.1%}")
    rs, rn, rr = real["size"]
    ss, sn, sr = synth["size"]
    lines.append(f"{'whole study as JSON':<44}{rs:>10.0f}{ss:>12.0f}")
    lines.append(f"{'whole study as JSON, without resultsSection':<44}{rn:>10.0f}{sn:>12.0f}")
    lines.append(f"{'resultsSection (studies with results)':<44}{rr:>10.0f}{sr:>12.0f}")

    def shares(key: str, title: str, real_override: dict | None = None) -> None:
        lines.append("")
        lines.append(f"{title:<36}{'real':>10}{'synth':>12}")
        r = real_override if real_override is not None else real["cats"][key]
        s = synth["cats"].get(key, {})
        for value in sorted(set(r) | set(s), key=lambda v: (-r.get(v, 0), -s.get(v, 0), v)):
            lines.append(f"{value or '(absent)':<36}{r.get(value, 0):>10.1%}{s.get(value, 0):>12.1%}")

    shares("studyType", "study type (share of studies)")
    # phases over all studies: "" = no phases field
    def phase_over_all(summary: dict) -> dict:
        t = summary["cats"]["studyType"]
        p = summary["cats"]["phase"]
        t_int = t.get("INTERVENTIONAL", 0)
        out = {k: v * t_int for k, v in p.items()}
        out["(absent)"] = out.pop("", 0) + (1 - t_int)
        return out

    rp, sp = phase_over_all(real), phase_over_all(synth)
    lines.append("")
    lines.append(f"{'phase (share of all studies)':<36}{'real':>10}{'synth':>12}")
    for value in sorted(set(rp) | set(sp), key=lambda v: (-rp.get(v, 0), v)):
        lines.append(f"{value:<36}{rp.get(value, 0):>10.1%}{sp.get(value, 0):>12.1%}")
    r_none = rp.get("(absent)", 0) + rp.get("NA", 0)
    s_none = sp.get("(absent)", 0) + sp.get("NA", 0)
    lines.append(f"{'no phase (absent or NA)':<36}{r_none:>10.1%}{s_none:>12.1%}   target {NO_PHASE_SHARE:.0%} (registry)")
    shares("status", "overall status")
    shares("hasResults", "has results")
    shares("leadClass", "lead sponsor class")
    shares("interventionType", "intervention type (per intervention)")
    return "\n".join(lines)


def no_phase_share(studies: Iterable[dict]) -> float:
    """Share of studies without a phase: no ``phases`` field, an empty list or ``["NA"]``."""
    total = none = 0
    for s in studies:
        total += 1
        phases = _mod(s, "designModule").get("phases") or []
        none += phases in ([], ["NA"])
    return none / total if total else 0.0


# =================================================================================================
# Command line
# =================================================================================================


def _literal(value: Any, indent: int, width: int = 110) -> str:
    """A compact, wrapped Python literal (tokens are never split, so the result always parses)."""
    flat = repr(value)
    if indent + len(flat) <= width or not isinstance(value, (dict, list)):
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, list):
        tokens = [repr(v) for v in value]
        open_, close = "[", "]"
    elif all(not isinstance(v, (dict, list)) for v in value.values()):
        tokens = [f"{k!r}: {v!r}" for k, v in value.items()]
        open_, close = "{", "}"
    else:
        inner = ",\n".join(f"{pad}{k!r}: {_literal(v, indent + 4, width)}" for k, v in value.items())
        return "{\n" + inner + ",\n" + " " * indent + "}"
    lines, line = [], ""
    for token in tokens:
        if line and len(pad) + len(line) + len(token) + 2 > width:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {token}" if line else token
    lines.append(line)
    return open_ + "\n" + "\n".join(pad + text for text in lines) + ",\n" + " " * indent + close


def dump_builtins(params: dict) -> str:
    """The parameters as the Python literal that :data:`BUILTIN_PARAMS` holds."""
    return "BUILTIN_PARAMS: dict = " + _literal(params, 0)


def _shown(path: Path) -> str:
    """A default path as help shows it: relative to the project (``../shared/data/...``)."""
    return os.path.relpath(path, ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", "-n", type=int, default=1000, help="number of studies (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, help="output directory")
    parser.add_argument("--format", choices=("jsonl", "zip", "both"), default="jsonl")
    parser.add_argument("--calibrate", type=Path, default=None,
                        help=f"real studies as JSON Lines (default {_shown(DEFAULT_CALIBRATION)}; built-in parameters when absent)")
    parser.add_argument("--no-calibrate", action="store_true", help="use the built-in parameters")
    parser.add_argument("--mesh", type=Path, default=None, help=f"MeSH descriptor table (default {_shown(DEFAULT_MESH)})")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="generate in memory and print the calibration table to stdout; write nothing")
    parser.add_argument("--dump-builtins", action="store_true", help="print the measured parameters as Python")
    parser.add_argument("--workers", "-j", type=int, default=min(4, os.cpu_count() or 1),
                        help="generating processes (default: CPUs, at most 4; the output does not depend on it)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no calibration table on stderr")
    args = parser.parse_args(argv)

    if args.calibrate is not None and not args.calibrate.exists():
        parser.error(f"--calibrate: {args.calibrate} does not exist")
    calibration = None if args.no_calibrate else (args.calibrate or DEFAULT_CALIBRATION)
    if args.dump_builtins:
        if calibration is None or not calibration.exists():
            parser.error(f"--dump-builtins needs the real records ({DEFAULT_CALIBRATION})")
        print(dump_builtins(measure_file(calibration)))
        return 0
    params = load_params(calibration)
    if calibration is not None and not calibration.exists():
        print(f"note: {calibration} not found; using the built-in parameters", file=sys.stderr)
    mesh = load_mesh(args.mesh or DEFAULT_MESH)
    if args.studies < 1 or FIRST_NCT + args.studies > 99_999_999:
        parser.error("--studies must be between 1 and 9,999,998")

    if args.calibrate_only:
        tally = Tally()
        started = time.perf_counter()
        for _, _, part in _chunks(args.studies, args.seed, params, mesh, "none", args.workers):
            tally.merge(part)
        seconds = time.perf_counter() - started
        print(calibration_table(params, tally, args.seed))
        print(f"\nMeSH: {mesh.source}; generated and measured in {seconds:.1f} s")
        return 0
    if args.out is None:
        parser.error("--out is required (or use --calibrate-only)")
    files, tally, seconds = write(args.studies, args.seed, args.out, args.format, params, mesh,
                                  workers=args.workers, progress=not args.quiet)
    rate = args.studies / seconds if seconds else float("inf")
    if not args.quiet:
        print(calibration_table(params, tally, args.seed), file=sys.stderr)
        print(f"\nMeSH: {mesh.source}", file=sys.stderr)
    for f in files:
        print(f"{f}  ({f.stat().st_size / 1e6:,.1f} MB)", file=sys.stderr)
    print(f"{args.studies:,} studies in {seconds:.1f} s ({rate:,.0f} studies/s)", file=sys.stderr)
    return 0


# =================================================================================================
# Built-in data
# =================================================================================================

#: Real MeSH descriptors used when the descriptor table is absent: "ui label @ tree,tree".
#: Taken from mesh2024_descriptors.tsv: 42 common conditions, drugs and procedures with the
#: ancestors along their first tree number.
FALLBACK_MESH = """
D000068258 Bevacizumab @ D12.776.124.486.485.114.224.060.375
D000068878 Trastuzumab @ D12.776.124.486.485.114.224.060.875
D000068879 Adalimumab @ D12.776.124.486.485.114.224.060.250
D000069036 Insulin Glargine @ D06.472.699.587.200.300.100
D000069059 Atorvastatin @ D03.383.129.578.075
D000069283 Rituximab @ D12.776.124.486.485.114.224.075.785
D000069285 Infliximab @ D12.776.124.486.485.114.224.608
D000072471 Heterocyclic Compounds, Fused-Ring @ D03.633
D000072473 Fused-Ring Compounds @ D04.210
D000077143 Docetaxel @ D02.455.426.392.368.242.888.389
D000077594 Nivolumab @ D12.776.124.486.485.114.224.060.829
D000082 Acetaminophen @ D02.065.199.092.040
D000083 Acetanilides @ D02.065.199.092
D000086382 COVID-19 @ C01.748.610.763.500
D000086982 Blood-Borne Infections @ C01.221.250
D000093542 Gemcitabine @ D03.258
D000146 Acids, Carbocyclic @ D02.241.223
D000359 Aftercare @ E02.760.169.063
D000470 Alkaloids @ D03.132
D000529 Complementary Therapies @ E02.190
D000544 Alzheimer Disease @ C10.228.140.380.100
D000577 Amides @ D02.065
D000578 Amidines @ D02.078
D000588 Amines @ D02.092
D000630 Aminopterin @ D03.633.100.733.631.192
D000740 Anemia @ C15.378.050
D000758 Anesthesia @ E03.155
D000768 Anesthesia, General @ E03.155.197
D000813 Anilides @ D02.065.199
D000906 Antibodies @ D12.776.124.486.485.114
D000911 Antibodies, Monoclonal @ D12.776.124.486.485.114.224
D001008 Anxiety Disorders @ F03.080
D001168 Arthritis @ C05.550.114
D001172 Arthritis, Rheumatoid @ C05.550.114.154
D001241 Aspirin @ D02.455.426.559.389.657.410.595.176
D001249 Asthma @ C08.127.108
D001393 Azoles @ D03.383.129
D001416 Back Pain @ C23.888.592.612.107
D001480 Basal Ganglia Diseases @ C10.228.140.079
D001521 Behavior Therapy @ F04.754.137
D001555 Benzene Derivatives @ D02.455.426.559.389
D001645 Biguanides @ D02.078.370.141
D001691 Biological Therapy @ E02.095
D001798 Blood Proteins @ D12.776.124
D001847 Bone Diseases @ C05.116
D001927 Brain Diseases @ C10.228.140
D001943 Breast Neoplasms @ C04.588.180
D001982 Bronchial Diseases @ C08.127
D001984 Bronchial Neoplasms @ C04.588.894.797.520.109
D002045 Bupivacaine @ D02.065.199.239
D002264 Carboxylic Acids @ D02.241
D002283 Carcinoma, Bronchogenic @ C04.588.894.797.520.109.220
D002289 Carcinoma, Non-Small-Cell Lung @ C04.588.894.797.520.109.220.249
D002493 Central Nervous System Diseases @ C10.228
D002561 Cerebrovascular Disorders @ C10.228.140.300
D002945 Cisplatin @ D01.210.375
D003141 Communicable Diseases @ C01.221
D003266 Continuity of Patient Care @ E02.760.169
D003324 Coronary Artery Disease @ C14.280.647.250.260
D003327 Coronary Disease @ C14.280.647.250
D003376 Counseling @ F02.784.176
D003424 Crohn Disease @ C06.405.205.731.500
D003510 Cyclohexanes @ D02.455.426.392.368.367
D003516 Cycloparaffins @ D02.455.426.392.368
D003520 Cyclophosphamide @ D02.455.526.728.650.730.243
D003704 Dementia @ C10.228.140.380
D003865 Depressive Disorder, Major @ F03.600.300.375
D003866 Depressive Disorder @ F03.600.300
D003907 Dexamethasone @ D04.210.500.745.432.769.344
D003920 Diabetes Mellitus @ C18.452.394.750
D003922 Diabetes Mellitus, Type 1 @ C18.452.394.750.124
D003924 Diabetes Mellitus, Type 2 @ C18.452.394.750.149
D003949 Diagnostic Techniques, Surgical @ E01.370.388
D003952 Diagnostic Imaging @ E01.370.350
D004067 Digestive System Neoplasms @ C04.588.274
D004724 Endoscopy @ E01.370.388.250
D005081 Exercise Therapy @ E02.760.169.063.500.387
D005261 Female Urogenital Diseases and Pregnancy Complications @ C12.050
D005473 Fluoxetine @ D02.092.831.280
D005759 Gastroenteritis @ C06.405.205
D005767 Gastrointestinal Diseases @ C06.405
D005770 Gastrointestinal Neoplasms @ C04.588.274.476
D005791 Patient Care @ E02.760
D005834 Genital Neoplasms, Male @ C04.588.945.440
D006086 Graft vs Host Disease @ C20.452
D006146 Guanidines @ D02.078.370
D006331 Heart Diseases @ C14.280
D006333 Heart Failure @ C14.280.434
D006402 Hematologic Diseases @ C15.378
D006526 Hepatitis C @ C01.221.250.750
D006573 Heterocyclic Compounds, 1-Ring @ D03.383
D006574 Heterocyclic Compounds, 2-Ring @ D03.633.100
D006728 Hormones @ D06.472
D006838 Hydrocarbons @ D02.455
D006840 Hydrocarbons, Alicyclic @ D02.455.426.392
D006841 Hydrocarbons, Aromatic @ D02.455.426.559
D006844 Hydrocarbons, Cyclic @ D02.455.426
D006846 Hydrocarbons, Halogenated @ D02.455.526
D006973 Hypertension @ C14.907.489
D007052 Ibuprofen @ D02.241.223.701.430
D007093 Imidazoles @ D03.383.129.308
D007136 Immunoglobulins @ D12.776.124.486.485
D007162 Immunoproteins @ D12.776.124.486
D007319 Sleep Initiation and Maintenance Disorders @ C10.886.425.800.800
D007405 Intervertebral Disc Displacement @ C05.116.900.307
D007414 Intestinal Neoplasms @ C04.588.274.476.411
D007592 Joint Diseases @ C05.550
D007649 Ketamine @ D02.455.426.392.368.367.652
D007674 Kidney Diseases @ C12.050.351.968.419
D007783 Lactones @ D02.540
D007938 Leukemia @ C04.557.337
D007951 Leukemia, Myeloid @ C04.557.337.539
D008012 Lidocaine @ D02.065.199.092.500
D008171 Lung Diseases @ C08.381
D008173 Lung Diseases, Obstructive @ C08.381.495
D008175 Lung Neoplasms @ C04.588.894.797.520
D008223 Lymphoma @ C04.557.386
D008279 Magnetic Resonance Imaging @ E01.370.350.825.500
D008606 Mental Processes @ F02.463
D008659 Metabolic Diseases @ C18.452
D008687 Metformin @ D02.078.370.141.450
D008727 Methotrexate @ D03.633.100.733.631.192.500
D009019 Morphinans @ D03.132.577.249
D009020 Morphine @ D03.132.577.249.562.571
D009022 Morphine Derivatives @ D03.132.577.249.562
D009101 Multiple Myeloma @ C04.557.595.500
D009103 Multiple Sclerosis @ C10.114.375.500
D009150 Mustard Compounds @ D02.455.526.728
D009370 Neoplasms by Histologic Type @ C04.557
D009371 Neoplasms by Site @ C04.588
D009461 Neurologic Manifestations @ C23.888.592
D009588 Nitrogen Mustard Compounds @ D02.455.526.728.650
D009748 Nutrition Disorders @ C18.654
D009765 Obesity @ C18.654.726.750.500
D010003 Osteoarthritis @ C05.550.114.606
D010146 Pain @ C23.888.592.612
D010149 Pain, Postoperative @ C23.550.767.700
D010187 Pancreatic Hormones @ D06.472.699.587
D010300 Parkinson Disease @ C10.228.140.079.862.500
D010335 Pathologic Processes @ C23.550
D010535 Laparoscopy @ E01.370.388.250.520
D010636 Phenols @ D02.455.426.559.389.657
D010666 Phenylpropionates @ D02.241.223.701
D010752 Phosphoramide Mustards @ D02.455.526.728.650.730
D011014 Pneumonia @ C01.748.610
D011024 Pneumonia, Viral @ C01.748.610.763
D011183 Postoperative Complications @ C23.550.767
D011241 Prednisone @ D04.210.500.745.432.719.702
D011244 Pregnadienediols @ D04.210.500.745.432.719
D011245 Pregnadienes @ D04.210.500.745.432
D011246 Pregnadienetriols @ D04.210.500.745.432.769
D011278 Pregnanes @ D04.210.500.745
D011437 Propylamines @ D02.092.831
D011471 Prostatic Neoplasms @ C04.588.945.440.770
D011506 Proteins @ D12.776
D011565 Psoriasis @ C17.800.859.675
D011585 Psychology, Applied @ F02.784
D011613 Psychotherapy @ F04.754
D011621 Pteridines @ D03.633.100.733
D011622 Pterins @ D03.633.100.733.631
D011758 Pyrroles @ D03.383.129.578
D011878 Radiotherapy @ E02.815
D012046 Rehabilitation @ E02.760.169.063.500
D012141 Respiratory Tract Infections @ C01.748
D012142 Respiratory Tract Neoplasms @ C04.588.894.797
D012459 Salicylates @ D02.455.426.559.389.657.410.595
D012559 Schizophrenia @ F03.700.750
D012632 Secosteroids @ D04.210.500.812
D012816 Signs and Symptoms @ C23.888
D012871 Skin Diseases @ C17.800
D012893 Sleep Wake Disorders @ C10.886
D013122 Spinal Diseases @ C05.116.900
D013256 Steroids @ D04.210.500
D013899 Thoracic Neoplasms @ C04.588.894
D014054 Tomography @ E01.370.350.825
D014565 Urogenital Neoplasms @ C04.588.945
D014570 Urologic Diseases @ C12.050.351.968
D014652 Vascular Diseases @ C14.907
D014807 Vitamin D @ D04.210.500.812.768
D015057 1-Naphthylamine @ D02.092.705
D015179 Colorectal Neoplasms @ C04.588.274.476.411.307
D015212 Inflammatory Bowel Diseases @ C06.405.205.731
D015470 Leukemia, Myeloid, Acute @ C04.557.337.539.275
D015658 HIV Infections @ C01.221.250.875
D015670 Acupuncture Therapy @ E02.190.044
D015928 Cognitive Behavioral Therapy @ F04.754.137.350
D016190 Carboplatin @ D02.257.125
D016559 Tacrolimus @ D02.540.505.810
D017116 Low Back Pain @ C23.888.592.612.107.400
D017202 Myocardial Ischemia @ C14.280.647
D017239 Paclitaxel @ D02.455.426.392.368.242.888.777
D017294 Ondansetron @ D03.383.129.308.690
D017444 Skin Diseases, Papulosquamous @ C17.800.859
D017586 Diskectomy @ E02.718.444
D017606 Chlorine Compounds @ D01.210
D017690 Cell Transplantation @ E02.095.147.500
D018380 Hematopoietic Stem Cell Transplantation @ E02.095.147.500.500.500
D018942 Macrolides @ D02.540.505
D019637 Orthopedic Procedures @ E02.718
D019937 Diagnostic Techniques and Procedures @ E01.370
D019964 Mood Disorders @ F03.600
D019966 Substance-Related Disorders @ C25.775
D019967 Schizophrenia Spectrum and Other Psychotic Disorders @ F03.700
D020274 Autoimmune Diseases of the Nervous System @ C10.114
D020278 Demyelinating Autoimmune Diseases, CNS @ C10.114.375
D020280 Sertraline @ D02.092.705.800
D020370 Osteoarthritis, Knee @ C05.550.114.606.500
D020521 Stroke @ C10.228.140.300.775
D020734 Parkinsonian Disorders @ C10.228.140.079.862
D020919 Sleep Disorders, Intrinsic @ C10.886.425.800
D020920 Dyssomnias @ C10.886.425
D026741 Physical Therapy Modalities @ E02.779
D029424 Pulmonary Disease, Chronic Obstructive @ C08.381.495.389
D033581 Stem Cell Transplantation @ E02.095.147.500.500
D036361 Peptide Hormones @ D06.472.699
D043822 Cyclodecanes @ D02.455.426.392.368.242
D043823 Taxoids @ D02.455.426.392.368.242.888
D044343 Overnutrition @ C18.654.726
D044882 Glucose Metabolism Disorders @ C18.452.394
D049528 Insulin, Long-Acting @ D06.472.699.587.200.300
D050177 Overweight @ C18.654.726.750
D051436 Renal Insufficiency, Chronic @ C12.050.351.968.419.780.750
D051437 Renal Insufficiency @ C12.050.351.968.419.780
D052776 Female Urogenital Diseases @ C12.050.351
D053610 Opiate Alkaloids @ D03.132.577
D054219 Neoplasms, Plasma Cell @ C04.557.595
D056831 Coordination Complexes @ D02.257
D058846 Antibodies, Monoclonal, Murine-Derived @ D12.776.124.486.485.114.224.075
D061067 Antibodies, Monoclonal, Humanized @ D12.776.124.486.485.114.224.060
D061385 Insulins @ D06.472.699.587.200
D062385 Hydroxybenzoates @ D02.455.426.559.389.657.410
D064866 Mindfulness @ F02.463.551
D064987 Cell- and Tissue-Based Therapy @ E02.095.147
"""

#: Parameters measured on the 479 real records of
#: ../shared/data/ctgov-json/collections/combined_unique_studies.jsonl with ``--dump-builtins``
#: (the same numbers the script measures at run time when that file is present).
BUILTIN_PARAMS: dict = {
    'source': 'combined_unique_studies.jsonl',
    'studies': 479,
    'counts': {
        'conditions': {0: 2, 1: 306, 2: 80, 3: 47, 4: 17, 5: 11, 6: 4, 7: 3, 8: 4, 9: 2, 10: 1, 11: 1, 19: 1},
        'keywords': {
            0: 191, 1: 45, 2: 27, 3: 65, 4: 54, 5: 32, 6: 21, 7: 19, 8: 4, 9: 2, 10: 8, 11: 3, 12: 1, 13: 2,
            14: 2, 16: 2, 25: 1,
        },
        'arms': {0: 40, 1: 142, 2: 237, 3: 37, 4: 13, 5: 4, 6: 2, 7: 1, 8: 1, 10: 1, 13: 1},
        'interventions': {0: 26, 1: 216, 2: 177, 3: 33, 4: 16, 5: 8, 6: 2, 9: 1},
        'primaryOutcomes': {0: 3, 1: 305, 2: 78, 3: 30, 4: 17, 5: 18, 6: 6, 7: 8, 8: 6, 11: 2, 12: 1, 13: 1, 14: 2, 15: 2},
        'secondaryOutcomes': {
            0: 89, 1: 51, 2: 58, 3: 52, 4: 55, 5: 33, 6: 25, 7: 19, 8: 16, 9: 17, 10: 7, 11: 7, 12: 8, 13: 8,
            14: 6, 15: 8, 16: 2, 17: 2, 18: 3, 19: 1, 20: 1, 25: 1, 26: 1, 27: 1, 28: 1, 33: 1, 36: 1, 47: 1,
            54: 1, 56: 1, 61: 1, 89: 1,
        },
        'otherOutcomes': {0: 422, 1: 17, 2: 10, 3: 6, 4: 5, 5: 7, 6: 1, 7: 3, 8: 2, 9: 3, 11: 1, 12: 1, 13: 1},
        'locations': {
            0: 39, 1: 297, 2: 33, 3: 18, 4: 8, 5: 9, 6: 8, 7: 2, 8: 6, 9: 2, 10: 3, 12: 2, 13: 2, 14: 1, 15: 4,
            17: 2, 18: 1, 20: 2, 21: 2, 22: 2, 23: 1, 25: 2, 26: 3, 27: 1, 28: 1, 30: 1, 32: 1, 33: 1, 42: 1,
            44: 3, 47: 1, 50: 1, 53: 1, 54: 1, 56: 1, 63: 1, 67: 1, 72: 1, 91: 1, 105: 1, 107: 1, 116: 1,
            131: 1, 135: 1, 148: 1, 162: 1, 254: 1, 258: 1, 278: 1, 315: 1, 437: 1,
        },
        'officials': {0: 162, 1: 278, 2: 30, 3: 2, 4: 4, 5: 1, 6: 1, 15: 1},
        'centralContacts': {0: 271, 1: 120, 2: 88},
        'collaborators': {0: 326, 1: 98, 2: 32, 3: 13, 4: 4, 5: 4, 6: 1, 7: 1},
        'conditionMeshes': {0: 118, 1: 141, 2: 117, 3: 65, 4: 17, 5: 14, 6: 1, 7: 5, 9: 1},
        'conditionAncestors': {
            0: 121, 1: 8, 2: 26, 3: 77, 4: 54, 5: 70, 6: 20, 7: 24, 8: 17, 9: 16, 10: 9, 11: 12, 12: 9, 13: 9,
            14: 2, 15: 2, 16: 2, 17: 1,
        },
        'interventionMeshes': {0: 363, 1: 59, 2: 38, 3: 9, 4: 4, 5: 4, 6: 1, 7: 1},
        'interventionAncestors': {
            0: 391, 1: 6, 2: 11, 3: 3, 4: 7, 5: 5, 6: 8, 7: 7, 8: 5, 9: 3, 10: 5, 11: 3, 12: 3, 13: 4, 14: 3,
            15: 2, 16: 2, 17: 1, 19: 1, 20: 2, 22: 2, 23: 1, 29: 1, 30: 1, 33: 1, 35: 1,
        },
        'references': {
            0: 359, 1: 43, 2: 15, 3: 10, 4: 7, 5: 3, 6: 2, 7: 7, 8: 9, 9: 2, 10: 4, 11: 2, 12: 2, 13: 3, 15: 1,
            17: 1, 18: 1, 19: 1, 22: 1, 26: 1, 27: 1, 28: 1, 37: 1, 47: 1, 48: 1,
        },
        'secondaryIds': {0: 417, 1: 47, 2: 11, 3: 3, 4: 1},
        'otherNames': {0: 639, 1: 135, 2: 14, 3: 5, 11: 1},
        'locationContacts': {0: 720, 1: 254, 2: 128, 3: 28, 4: 3, 5: 5, 6: 2, 7: 3, 16: 1},
    },
    'texts': {
        'briefTitle': {
            'n': 479,
            'empty': 0,
            'sum': 42608,
            'q': [
                22, 34, 40, 43, 46, 48, 51, 53, 55, 58, 63, 65, 68, 69, 73, 75, 77, 78, 80, 84, 87, 89, 91, 93,
                94, 96, 99, 101, 103, 105, 108, 110, 112, 114, 118, 120, 128, 137, 153, 187, 218, 294,
            ],
        },
        'officialTitle': {
            'n': 479,
            'empty': 4,
            'sum': 70233,
            'q': [
                23, 48, 60, 71, 80, 85, 89, 93, 100, 103, 107, 110, 113, 115, 119, 121, 126, 129, 133, 135,
                138, 143, 148, 153, 155, 159, 162, 166, 173, 180, 186, 192, 198, 206, 212, 218, 226, 233, 247,
                272, 324, 494,
            ],
        },
        'acronym': {
            'n': 479,
            'empty': 340,
            'sum': 1002,
            'q': [
                3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 9, 9,
                10, 10, 10, 10, 11, 11, 12, 13, 14, 14,
            ],
        },
        'briefSummary': {
            'n': 479,
            'empty': 2,
            'sum': 250560,
            'q': [
                49, 103, 132, 144, 152, 162, 170, 177, 184, 193, 203, 212, 227, 237, 256, 269, 281, 296, 312,
                334, 349, 362, 384, 409, 434, 460, 493, 519, 534, 561, 626, 661, 699, 768, 876, 1028, 1133,
                1358, 1603, 1980, 2561, 3673,
            ],
        },
        'detailedDescription': {
            'n': 479,
            'empty': 147,
            'sum': 505766,
            'q': [
                22, 124, 229, 263, 300, 332, 399, 455, 502, 534, 565, 598, 619, 666, 708, 732, 768, 803, 844,
                864, 918, 989, 1071, 1105, 1151, 1213, 1277, 1353, 1466, 1578, 1677, 1775, 1992, 2149, 2261,
                2549, 3062, 3685, 5168, 6879, 9753, 16841,
            ],
        },
        'eligibilityCriteria': {
            'n': 479,
            'empty': 2,
            'sum': 898299,
            'q': [
                44, 203, 247, 300, 359, 388, 419, 458, 494, 530, 559, 585, 633, 676, 727, 796, 853, 915, 983,
                1049, 1128, 1209, 1290, 1453, 1555, 1644, 1767, 1883, 2016, 2216, 2483, 2634, 2791, 3194, 3621,
                3929, 4717, 5181, 5667, 7782, 9235, 19020,
            ],
        },
        'armDescription': {
            'n': 849,
            'empty': 93,
            'sum': 131091,
            'q': [
                7, 15, 21, 30, 35, 41, 46, 51, 55, 58, 61, 65, 70, 73, 78, 82, 87, 93, 99, 106, 114, 123, 130,
                137, 150, 158, 166, 179, 190, 206, 219, 244, 264, 288, 312, 339, 375, 440, 535, 706, 860, 992,
            ],
        },
        'interventionDescription': {
            'n': 794,
            'empty': 26,
            'sum': 154817,
            'q': [
                5, 13, 19, 23, 25, 29, 34, 38, 41, 46, 53, 59, 65, 71, 77, 83, 91, 98, 107, 113, 122, 132, 139,
                152, 161, 180, 196, 216, 233, 252, 274, 297, 323, 359, 398, 443, 493, 565, 673, 833, 963, 999,
            ],
        },
        'outcomeMeasure': {
            'n': 3634,
            'empty': 0,
            'sum': 178399,
            'q': [
                2, 5, 10, 14, 16, 17, 19, 21, 21, 23, 25, 26, 27, 28, 30, 31, 32, 33, 35, 37, 38, 40, 41, 43,
                45, 48, 50, 53, 56, 59, 62, 66, 71, 75, 80, 87, 98, 110, 128, 153, 191, 253,
            ],
        },
        'outcomeDescription': {
            'n': 3634,
            'empty': 421,
            'sum': 662671,
            'q': [
                3, 25, 31, 39, 46, 53, 61, 67, 72, 77, 83, 88, 92, 98, 104, 111, 119, 125, 132, 138, 145, 153,
                161, 171, 182, 194, 208, 221, 235, 248, 265, 283, 311, 338, 376, 415, 460, 513, 599, 725, 894,
                1018,
            ],
        },
    },
    'cats': {
        'studyType': {'INTERVENTIONAL': 380, 'OBSERVATIONAL': 97, '': 2},
        'phase': {
            'NA': 222, 'PHASE2': 58, 'PHASE3': 45, 'PHASE1': 18, 'PHASE1/PHASE2': 15, 'PHASE4': 13,
            'PHASE2/PHASE3': 8, 'EARLY_PHASE1': 1,
        },
        'status': {
            'COMPLETED': 188, 'RECRUITING': 132, 'NOT_YET_RECRUITING': 60, 'UNKNOWN': 35,
            'ACTIVE_NOT_RECRUITING': 33, 'TERMINATED': 17, 'WITHDRAWN': 9, '': 2, 'ENROLLING_BY_INVITATION': 2,
            'SUSPENDED': 1,
        },
        'lastKnownStatus': {'RECRUITING': 16, 'NOT_YET_RECRUITING': 11, 'ACTIVE_NOT_RECRUITING': 4, 'ENROLLING_BY_INVITATION': 4},
        'startPrecision': {'day': 402, 'month': 75},
        'firstSubmitYear': {
            '2023': 122, '2022': 67, '2024': 55, '2021': 51, '2019': 35, '2020': 35, '2018': 22, '2025': 16,
            '2017': 14, '2016': 11, '2015': 10, '2014': 7, '2009': 6, '2012': 6, '2013': 6, '2006': 3,
            '2008': 3, '2011': 3, '': 2, '2005': 2, '1999': 1, '2007': 1, '2010': 1,
        },
        'leadClass': {'OTHER': 249, 'INDUSTRY': 217, 'OTHER_GOV': 5, 'NETWORK': 3, 'INDIV': 2, 'FED': 1},
        'collaboratorClass': {'OTHER': 90, 'INDUSTRY': 69, 'UNKNOWN': 42, 'NIH': 28, 'FED': 10, 'OTHER_GOV': 9, 'NETWORK': 2},
        'partyType': {'SPONSOR': 334, 'PRINCIPAL_INVESTIGATOR': 116, 'SPONSOR_INVESTIGATOR': 19, '': 10},
        'interventionType': {
            'DRUG': 265, 'DEVICE': 218, 'OTHER': 128, 'PROCEDURE': 81, 'BEHAVIORAL': 56, 'BIOLOGICAL': 17,
            'DIAGNOSTIC_TEST': 9, 'RADIATION': 9, 'COMBINATION_PRODUCT': 7, 'DIETARY_SUPPLEMENT': 4,
        },
        'armType': {
            'EXPERIMENTAL': 443, 'ACTIVE_COMPARATOR': 149, 'OTHER': 48, 'NO_INTERVENTION': 37,
            'PLACEBO_COMPARATOR': 35, 'SHAM_COMPARATOR': 26,
        },
        'officialRole': {'PRINCIPAL_INVESTIGATOR': 258, 'STUDY_DIRECTOR': 83, 'STUDY_CHAIR': 45},
        'sex': {'ALL': 461, 'FEMALE': 12, 'MALE': 4, '': 2},
        'minimumAge': {
            '18 Years': 324, '20 Years': 23, '22 Years': 21, '19 Years': 17, '21 Years': 17, '': 16,
            '30 Years': 10, '13 Years': 7, '25 Years': 4, '50 Years': 4, '65 Years': 3, '0 Years': 2,
            '10 Years': 2, '12 Years': 2, '15 Years': 2, '16 Years': 2, '17 Years': 2, '3 Years': 2,
            '35 Years': 2, '4 Years': 2, '40 Years': 2, '70 Years': 2, '1 Year': 1, '11 Years': 1,
            '18 Months': 1, '24 Years': 1, '45 Years': 1, '5 Years': 1, '55 Years': 1, '60 Years': 1,
            '8 Months': 1, '8 Years': 1, '9 Years': 1,
        },
        'maximumAge': {
            '': 219, '75 Years': 55, '65 Years': 37, '70 Years': 33, '80 Years': 26, '60 Years': 21,
            '85 Years': 11, '50 Years': 6, '55 Years': 6, '99 Years': 6, '17 Years': 5, '64 Years': 5,
            '69 Years': 5, '100 Years': 4, '40 Years': 4, '30 Years': 3, '45 Years': 3, '90 Years': 3,
            '12 Years': 2, '130 Years': 2, '22 Years': 2, '8 Years': 2, '16 Years': 1, '20 Years': 1,
            '21 Years': 1, '24 Years': 1, '25 Years': 1, '35 Years': 1, '46 Years': 1, '49 Years': 1,
            '59 Years': 1, '62 Years': 1, '63 Years': 1, '66 Years': 1, '7 Years': 1, '71 Years': 1,
            '74 Years': 1, '76 Years': 1, '78 Years': 1, '79 Years': 1, '88 Years': 1,
        },
        'healthyVolunteers': {'false': 396, 'true': 59, 'none': 24},
        'samplingMethod': {'NON_PROBABILITY_SAMPLE': 66, 'PROBABILITY_SAMPLE': 31},
        'allocation': {'RANDOMIZED': 241, 'NA': 107, 'NON_RANDOMIZED': 31, '': 1},
        'interventionModel': {'PARALLEL': 239, 'SINGLE_GROUP': 114, 'CROSSOVER': 13, 'SEQUENTIAL': 12, 'FACTORIAL': 2},
        'primaryPurpose': {
            'TREATMENT': 315, 'PREVENTION': 13, 'DIAGNOSTIC': 12, 'BASIC_SCIENCE': 10,
            'HEALTH_SERVICES_RESEARCH': 10, 'OTHER': 9, 'SUPPORTIVE_CARE': 6, 'DEVICE_FEASIBILITY': 5,
        },
        'masking': {'NONE': 217, 'SINGLE': 67, 'DOUBLE': 46, 'QUADRUPLE': 34, 'TRIPLE': 14, '': 2},
        'observationalModel': {'COHORT': 71, 'OTHER': 11, 'CASE_ONLY': 8, 'CASE_CONTROL': 7},
        'timePerspective': {'PROSPECTIVE': 68, 'RETROSPECTIVE': 17, 'OTHER': 9, 'CROSS_SECTIONAL': 3},
        'country': {
            'United States': 1251, 'Japan': 482, 'China': 316, 'France': 275, 'Italy': 208, 'Spain': 197,
            'Germany': 175, 'Australia': 110, 'Korea, Republic of': 100, 'United Kingdom': 94, 'Canada': 82,
            'Turkey': 73, 'Poland': 67, 'Belgium': 63, 'Taiwan': 57, 'Israel': 55, 'Hungary': 47,
            'Bulgaria': 46, 'Czechia': 45, 'Netherlands': 45, 'Austria': 44, 'Brazil': 44, 'Switzerland': 44,
            'Argentina': 38, 'Mexico': 38, 'India': 33, 'Greece': 29, 'Portugal': 28, 'Colombia': 22,
            'Russian Federation': 22, 'Turkey (Türkiye)': 21, 'Romania': 19, 'Slovakia': 18, 'Sweden': 17,
            'Malaysia': 15, 'Chile': 14, 'Serbia': 14, 'Pakistan': 12, 'Singapore': 12, 'South Korea': 12,
            'South Africa': 11, 'Ireland': 10, 'Norway': 9, 'Denmark': 8, 'Estonia': 8, 'Lithuania': 8,
            'Thailand': 8, 'Vietnam': 8, 'Croatia': 7, 'Latvia': 7, 'Finland': 5, 'Hong Kong': 5,
            'Puerto Rico': 5, 'Russia': 5, 'Bosnia and Herzegovina': 4, 'Egypt': 4, 'Georgia': 4, 'Peru': 4,
            'Philippines': 4, 'Iceland': 3, 'New Zealand': 3, 'Cuba': 2, 'Slovenia': 2,
            'United Arab Emirates': 2, 'Bangladesh': 1, 'Cyprus': 1, 'Indonesia': 1, 'Jordan': 1, 'Panama': 1,
            'Paraguay': 1, 'Saudi Arabia': 1, 'Uruguay': 1,
        },
        'referenceType': {'BACKGROUND': 522, 'RESULT': 146, 'DERIVED': 58},
        'ipdSharing': {'NO': 248, '': 142, 'YES': 66, 'UNDECIDED': 23},
        'hasResults': {'false': 447, 'true': 32},
    },
    'enrollment': {
        'n': 475,
        'sum': 158985,
        'q': [
            0, 3, 8, 14, 20, 20, 25, 30, 30, 34, 40, 40, 44, 48, 50, 60, 60, 65, 71, 76, 82, 92, 100, 100, 112,
            120, 136, 150, 163, 194, 200, 232, 261, 300, 334, 390, 500, 575, 1000, 2575, 6239, 13309,
        ],
    },
    'size': {'sum': 8770125, 'sum_no_results': 6918590, 'results': 31},
}

if __name__ == "__main__":
    sys.exit(main())
