"""Records to quads: pure functions, no I/O.

:func:`trial_quads` maps one :class:`~graph.records.Trial` into the quads of its own named graph;
:func:`record_quads` adds the provenance of that graph (source, format, the record's last-update
date, load time, tool version, a hash of the content). Quads are tuples of N-Triples strings
(:class:`graph.terms.Quad`), so a batch can go to the store as N-Quads text.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterable

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from graph import __version__, iris
from graph.records import Age, DatePoint, Organization, Trial
from graph.terms import (
    XSD_ANYURI,
    XSD_DATE,
    XSD_DATETIME,
    XSD_DURATION,
    XSD_GYEAR,
    XSD_GYEARMONTH,
    Quad,
    boolean,
    decimal,
    integer,
    iri,
    lit,
    typed,
)
from graph.vocab import GEO, TG, SCHEMES

_A = iri(str(RDF.type))
_LABEL = iri(str(RDFS.label))
_SEE_ALSO = iri(str(RDFS.seeAlso))
_LAT = iri(str(GEO.lat))
_LONG = iri(str(GEO.long))
_SOURCE = iri(str(DCTERMS.source))
_GENERATED = iri(str(PROV.generatedAtTime))
_PROV_ENTITY = iri(str(PROV.Entity))


class _P:
    """``TG`` terms as N-Triples strings: ``P.nctId`` is ``<https://...#nctId>``."""

    def __getattr__(self, name: str) -> str:
        value = iri(str(getattr(TG, name)))
        setattr(self, name, value)
        return value


P = _P()

_STUDY_TYPE_CLASS = {
    "INTERVENTIONAL": "InterventionalStudy",
    "OBSERVATIONAL": "ObservationalStudy",
    "EXPANDED_ACCESS": "ExpandedAccessStudy",
}


def date_literal(value: str) -> str:
    """A date of year, month or day precision as the matching XSD literal."""
    datatype = {4: XSD_GYEAR, 7: XSD_GYEARMONTH}.get(len(value), XSD_DATE)
    return typed(value, datatype)


class _Emitter:
    """Collects the quads of one graph; helpers skip absent values."""

    __slots__ = ("g", "quads")

    def __init__(self, graph: str) -> None:
        self.g = iri(graph)
        self.quads: list[Quad] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.quads.append(Quad(s, p, o, self.g))

    def text(self, s: str, p: str, value: str | None) -> None:
        if value:
            self.add(s, p, lit(value))

    def texts(self, s: str, p: str, values: Iterable[str]) -> None:
        for value in values:
            self.add(s, p, lit(value))

    def flag(self, s: str, p: str, value: bool | None) -> None:
        if value is not None:
            self.add(s, p, boolean(value))

    def code(self, s: str, p: str, scheme: str, code: str | None, field: str) -> None:
        """A coded value as its SKOS concept, or as flagged text when the code is unknown."""
        if not code:
            return
        known = SCHEMES[scheme]
        if code in known.codes:
            self.add(s, p, iri(known.concept(code)))
        else:
            self.add(s, P.uncodedValue, lit(f"{field}={code}"))
            self.add(s, P.qualityFlag, iri(SCHEMES["quality"].concept("UNKNOWN_CODE")))

    def date(self, s: str, p: str, point: DatePoint | str | None, p_type: str | None = None, field: str = "") -> None:
        if point is None:
            return
        if isinstance(point, str):
            self.add(s, p, date_literal(point))
            return
        self.add(s, p, date_literal(point.value))
        if p_type:
            self.code(s, p_type, "estimate", point.kind, field)

    def age(self, s: str, p: str, p_years: str, age: Age | None) -> None:
        if age is not None:
            self.add(s, p, typed(age.duration, XSD_DURATION))
            self.add(s, p_years, decimal(age.years))


def _organization(out: _Emitter, org: Organization) -> str:
    node = iri(iris.org(org.name))
    out.add(node, _A, P.Organization)
    out.add(node, _LABEL, lit(org.name))
    out.code(node, P.agencyClass, "agency", org.agency_class, "class")
    return node


def _person(out: _Emitter, name: str) -> str:
    node = iri(iris.person(name))
    out.add(node, _A, P.Person)
    out.add(node, _LABEL, lit(name))
    return node


def trial_quads(trial: Trial) -> list[Quad]:
    """The quads of one trial's named graph, without provenance."""
    nct = trial.nct_id
    out = _Emitter(iris.trial_graph(nct))
    t = iri(iris.trial(nct))

    def part(kind: str, index: int | str) -> str:
        return iri(iris.trial_part(nct, kind, index))

    # identification
    out.add(t, _A, P.Trial)
    if trial.study_type in _STUDY_TYPE_CLASS:
        out.add(t, _A, getattr(P, _STUDY_TYPE_CLASS[trial.study_type]))
    out.add(t, P.nctId, lit(nct))
    out.add(t, _LABEL, lit(trial.brief_title or nct))
    out.text(t, P.briefTitle, trial.brief_title)
    out.text(t, P.officialTitle, trial.official_title)
    out.text(t, P.acronym, trial.acronym)
    out.text(t, P.orgStudyId, trial.org_study_id)
    out.texts(t, P.nctIdAlias, trial.nct_aliases)
    for i, sid in enumerate(trial.secondary_ids, start=1):
        node = part("secondary-id", i)
        out.add(t, P.secondaryIdentifier, node)
        out.add(node, _A, P.SecondaryIdentifier)
        out.add(node, P.identifierValue, lit(sid.value))
        out.text(node, P.identifierType, sid.id_type)
        out.text(node, P.identifierDomain, sid.domain)
        if sid.link:
            out.add(node, P.url, typed(sid.link, XSD_ANYURI))
    if trial.organization:
        out.add(t, P.registeringOrganization, _organization(out, trial.organization))

    # status and dates
    out.code(t, P.overallStatus, "status", trial.overall_status, "overallStatus")
    out.code(t, P.lastKnownStatus, "status", trial.last_known_status, "lastKnownStatus")
    out.text(t, P.whyStopped, trial.why_stopped)
    out.date(t, P.statusVerifiedDate, trial.status_verified)
    out.date(t, P.startDate, trial.start, P.startDateType, "startDate.type")
    out.date(t, P.primaryCompletionDate, trial.primary_completion, P.primaryCompletionDateType, "primaryCompletionDate.type")
    out.date(t, P.completionDate, trial.completion, P.completionDateType, "completionDate.type")
    out.date(t, P.firstSubmittedDate, trial.first_submitted)
    out.date(t, P.firstPostedDate, trial.first_posted)
    out.date(t, P.resultsFirstPostedDate, trial.results_first_posted)
    out.date(t, P.lastUpdateSubmittedDate, trial.last_update_submitted)
    out.date(t, P.lastUpdatePostedDate, trial.last_update_posted)
    out.flag(t, P.hasExpandedAccess, trial.has_expanded_access)
    out.flag(t, P.hasResults, trial.has_results)

    # sponsors
    if trial.lead_sponsor:
        out.add(t, P.leadSponsor, _organization(out, trial.lead_sponsor))
    for org in trial.collaborators:
        out.add(t, P.collaborator, _organization(out, org))
    party = trial.responsible_party
    if party:
        out.code(t, P.responsiblePartyType, "party", party.party_type, "responsibleParty.type")
        if party.name:
            person = _person(out, party.name)
            out.add(t, P.responsibleParty, person)
            if party.affiliation:
                out.add(person, P.affiliation, _organization(out, Organization(party.affiliation)))
        elif party.party_type == "SPONSOR" and trial.lead_sponsor:
            out.add(t, P.responsibleParty, iri(iris.org(trial.lead_sponsor.name)))

    # description, conditions, keywords, MeSH as the registry gave it
    out.text(t, P.briefSummary, trial.brief_summary)
    out.text(t, P.detailedDescription, trial.detailed_description)
    for text in trial.conditions:
        node = iri(iris.condition(text))
        out.add(t, P.condition, node)
        out.add(node, _A, P.Condition)
        out.add(node, _LABEL, lit(text))
    out.texts(t, P.keyword, trial.keywords)
    for prop, terms in (
        (P.conditionMesh, trial.condition_meshes),
        (P.conditionMeshAncestor, trial.condition_mesh_ancestors),
        (P.interventionMesh, trial.intervention_meshes),
        (P.interventionMeshAncestor, trial.intervention_mesh_ancestors),
    ):
        for term in terms:
            node = iri(iris.mesh(term.ui))
            out.add(t, prop, node)
            out.text(node, _LABEL, term.term)

    # design
    for phase in trial.phases:
        out.code(t, P.phase, "phase", phase, "phases")
    out.code(t, P.studyType, "studytype", trial.study_type, "studyType")
    out.code(t, P.allocation, "allocation", trial.allocation, "allocation")
    out.code(t, P.interventionModel, "model", trial.intervention_model, "interventionModel")
    out.code(t, P.observationalModel, "obsmodel", trial.observational_model, "observationalModel")
    out.code(t, P.timePerspective, "perspective", trial.time_perspective, "timePerspective")
    out.code(t, P.masking, "masking", trial.masking, "masking")
    for who in trial.who_masked:
        out.code(t, P.whoMasked, "masked", who, "whoMasked")
    out.code(t, P.primaryPurpose, "purpose", trial.primary_purpose, "primaryPurpose")
    if trial.enrollment is not None:
        out.add(t, P.enrollment, integer(trial.enrollment))
    out.code(t, P.enrollmentType, "estimate", trial.enrollment_type, "enrollmentType")
    out.flag(t, P.patientRegistry, trial.patient_registry)

    # arms and interventions
    intervention_nodes: dict[str, str] = {}
    for i, item in enumerate(trial.interventions, start=1):
        node = part("intervention", i)
        intervention_nodes.setdefault(item.name.casefold(), node)
        if item.intervention_type:
            intervention_nodes.setdefault(f"{item.intervention_type}: {item.name}".casefold(), node)
        out.add(t, P.intervention, node)
        out.add(node, _A, P.Intervention)
        out.add(node, _LABEL, lit(item.name))
        out.code(node, P.interventionType, "itype", item.intervention_type, "intervention.type")
        out.text(node, P.description, item.description)
        out.texts(node, P.otherName, item.other_names)
    arm_nodes: dict[str, str] = {}
    for i, arm in enumerate(trial.arms, start=1):
        node = part("arm", i)
        arm_nodes.setdefault(arm.label.casefold(), node)
        out.add(t, P.arm, node)
        out.add(node, _A, P.Arm)
        out.add(node, _LABEL, lit(arm.label))
        out.code(node, P.armType, "armtype", arm.arm_type, "armGroup.type")
        out.text(node, P.description, arm.description)
    links: set[tuple[str, str]] = set()
    for arm in trial.arms:
        for name in arm.intervention_names:
            target = intervention_nodes.get(name.casefold()) or intervention_nodes.get(
                name.partition(": ")[2].casefold()
            )
            if target:
                links.add((arm_nodes[arm.label.casefold()], target))
    for i, item in enumerate(trial.interventions, start=1):
        for label in item.arm_labels:
            arm_node = arm_nodes.get(label.casefold())
            if arm_node:
                links.add((arm_node, part("intervention", i)))
    for arm_node, intervention_node in sorted(links):
        out.add(arm_node, P.armIntervention, intervention_node)

    # outcomes
    counters = {"primary": 0, "secondary": 0, "other": 0}
    outcome_prop = {"primary": P.primaryOutcome, "secondary": P.secondaryOutcome, "other": P.otherOutcome}
    for outcome in trial.outcomes:
        counters[outcome.kind] += 1
        node = part(f"outcome-{outcome.kind}", counters[outcome.kind])
        out.add(t, outcome_prop[outcome.kind], node)
        out.add(node, _A, P.Outcome)
        out.add(node, P.measure, lit(outcome.measure))
        out.text(node, P.description, outcome.description)
        out.text(node, P.timeFrame, outcome.time_frame)

    # eligibility
    elig = trial.eligibility
    if elig is not None:
        node = part("eligibility", 1)
        out.add(t, P.eligibility, node)
        out.add(node, _A, P.Eligibility)
        out.text(node, P.criteria, elig.criteria)
        out.age(node, P.minimumAge, P.minimumAgeYears, elig.minimum_age)
        out.age(node, P.maximumAge, P.maximumAgeYears, elig.maximum_age)
        out.text(node, P.ageDescription, elig.age_text)
        out.code(node, P.sex, "sex", elig.sex, "sex")
        out.flag(node, P.healthyVolunteers, elig.healthy_volunteers)
        for group in elig.std_ages:
            out.code(node, P.standardAgeGroup, "agegroup", group, "stdAges")
        out.flag(node, P.genderBased, elig.gender_based)
        out.text(node, P.genderDescription, elig.gender_description)
        out.text(node, P.studyPopulation, elig.study_population)
        out.code(node, P.samplingMethod, "sampling", elig.sampling_method, "samplingMethod")

    # people and places
    for i, official in enumerate(trial.officials, start=1):
        node = part("official", i)
        out.add(t, P.official, node)
        out.add(node, _A, P.Official)
        out.add(node, P.person, _person(out, official.name))
        out.code(node, P.role, "role", official.role, "official.role")
        if official.affiliation:
            out.add(node, P.affiliation, _organization(out, Organization(official.affiliation)))

    def contact(node: str, c) -> None:  # noqa: ANN001 - records.Contact
        out.add(node, _A, P.Contact)
        if c.name:
            out.add(node, P.person, _person(out, c.name))
        out.code(node, P.role, "role", c.role, "contact.role")
        out.text(node, P.phone, c.phone)
        out.text(node, P.phoneExtension, c.phone_ext)
        out.text(node, P.email, c.email)

    for i, c in enumerate(trial.central_contacts, start=1):
        node = part("contact", i)
        out.add(t, P.centralContact, node)
        contact(node, c)
    for i, loc in enumerate(trial.locations, start=1):
        node = part("location", i)
        out.add(t, P.location, node)
        out.add(node, _A, P.Location)
        site = iri(iris.site(loc.facility, loc.city, loc.state, loc.country))
        out.add(node, P.site, site)
        out.code(node, P.recruitmentStatus, "status", loc.status, "location.status")
        out.add(site, _A, P.Site)
        out.add(site, _LABEL, lit(loc.facility or ", ".join(p for p in (loc.city, loc.state, loc.country) if p) or "unnamed site"))
        out.text(site, P.city, loc.city)
        out.text(site, P.state, loc.state)
        out.text(site, P.postalCode, loc.postal_code)
        out.text(site, P.country, loc.country)
        if loc.latitude is not None and loc.longitude is not None:
            out.add(site, _LAT, decimal(loc.latitude))
            out.add(site, _LONG, decimal(loc.longitude))
        for j, c in enumerate(loc.contacts, start=1):
            cnode = part(f"location-{i}-contact", j)
            out.add(node, P.contact, cnode)
            contact(cnode, c)

    # references and links
    for i, ref in enumerate(trial.references, start=1):
        node = part("reference", i)
        out.add(t, P.reference, node)
        out.add(node, _A, P.Reference)
        if ref.pmid:
            out.add(node, P.pmid, lit(ref.pmid))
            out.add(node, _SEE_ALSO, iri(iris.pubmed(ref.pmid)))
        out.code(node, P.referenceType, "reftype", ref.ref_type, "reference.type")
        out.text(node, P.citation, ref.citation)
    for i, link in enumerate(trial.links, start=1):
        node = part("link", i)
        out.add(t, P.webLink, node)
        out.add(node, _A, P.WebLink)
        out.add(node, P.url, typed(link.url, XSD_ANYURI))
        out.text(node, _LABEL, link.label)
    return list(dict.fromkeys(out.quads))


def content_hash(quads: Iterable[Quad]) -> str:
    """A fingerprint of a graph's content: equal content, equal hash (order as mapped)."""
    digest = hashlib.sha256()
    for q in quads:
        digest.update(q.nquad().encode("utf-8"))
    return digest.hexdigest()


def record_quads(
    trial: Trial,
    *,
    record_hash: str,
    loaded_at: str,
    source: str | None = None,
) -> list[Quad]:
    """Provenance of a trial's named graph, stored in that graph so it is replaced with it."""
    graph = iris.trial_graph(trial.nct_id)
    out = _Emitter(graph)
    g = iri(graph)
    out.add(g, _A, P.TrialRecord)
    out.add(g, _A, _PROV_ENTITY)
    out.add(g, P.describes, iri(iris.trial(trial.nct_id)))
    out.text(g, _SOURCE, source if source is not None else trial.source)
    out.text(g, P.sourceFormat, trial.source_format)
    if trial.last_update:
        out.add(g, P.recordLastUpdate, date_literal(trial.last_update))
    out.add(g, _GENERATED, typed(loaded_at, XSD_DATETIME))
    out.add(g, P.toolVersion, lit(f"trialgraph {__version__}"))
    out.add(g, P.recordHash, lit(record_hash))
    for warning in trial.warnings:
        out.add(g, P.qualityNote, lit(warning))
    return out.quads


MapFunction = Callable[[Trial], list[Quad]]
