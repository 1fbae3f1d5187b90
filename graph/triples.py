"""Records to quads: pure functions, no I/O.

:func:`trial_quads` maps one :class:`~graph.records.Trial` into the quads of its own named graph;
:func:`record_quads` adds the provenance of that graph (source, format, the record's last-update
date, load time, tool version, a hash of the content). Each statement is written at once as its
N-Quads line (:func:`trial_nquads`, :func:`record_nquads`), so a batch goes to the store as N-Quads
text; :func:`trial_quads` and :func:`record_quads` give the same statements as tuples of N-Triples
terms (:class:`graph.terms.Quad`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable, Iterable

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from graph import __version__, drug_text, iris
from graph.linking import Link, Linker, norm
from graph.records import Age, Contact, DatePoint, Intervention, MeshTerm, Organization, Trial
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
    lang_lit,
    lit,
    typed,
)
from graph.vocab import ENTITIES_GRAPH, GEO, SCHEMES, TG

_A = iri(str(RDF.type))
_LABEL = iri(str(RDFS.label))
_SEE_ALSO = iri(str(RDFS.seeAlso))
_ALT_LABEL = iri(str(SKOS.altLabel))
_EXACT_MATCH = iri(str(SKOS.exactMatch))
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
    """Collects the statements of one graph as N-Quads lines; helpers skip absent values.

    A statement becomes its line at once: a load needs nothing else, and building the text
    later, from tuples, cost about a tenth of the mapping.
    """

    __slots__ = ("g", "end", "lines")

    def __init__(self, graph: str) -> None:
        self.g = iri(graph)
        self.end = f" {self.g} .\n"  #: what follows the object on each line
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o}{self.end}")

    def unique(self) -> list[str]:
        """The lines, each once, in the order first stated."""
        return list(dict.fromkeys(self.lines))

    def quads(self, lines: list[str]) -> list[Quad]:
        """Lines of this graph as quads (subject and predicate are IRIs, which hold no space)."""
        cut = len(self.end)
        return [Quad(*line[:-cut].split(" ", 2), self.g) for line in lines]

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


_UNLINKED_DRUG = iri(SCHEMES["quality"].concept("UNLINKED_DRUG"))
_UNLINKED_CONDITION = iri(SCHEMES["quality"].concept("UNLINKED_CONDITION"))
#: Intervention types whose name should name a drug (others are procedures, devices ...).
_DRUG_TYPES = {"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "DIETARY_SUPPLEMENT"}
#: Parenthesised notes in site names: "(All Protocol Activities)".
_SITE_NOTE = re.compile(r"\(([^()]*)\)\s*$")
_NO_LINKER = Linker()


class _TrialMapper:
    """Maps one trial; each section of the record is one method."""

    def __init__(self, trial: Trial, linker: Linker) -> None:
        self.trial = trial
        self.nct = trial.nct_id
        self.linker = linker
        self.out = _Emitter(iris.trial_graph(self.nct))
        self.shared = _Emitter(ENTITIES_GRAPH)  #: facts about shared entities, stated once
        self.t = iri(iris.trial(self.nct))
        self.orgs: dict[str, str] = {}  # normalised name or alias -> org IRI, for sites

    def part(self, kind: str, index: int | str) -> str:
        return iri(iris.trial_part(self.nct, kind, index))

    # --- shared entities, resolved -----------------------------------------------------------

    def organization(self, org: Organization) -> str:
        out = self.shared
        canonical, reason = self.linker.resolve("org", org.name)
        node = iri(iris.org(canonical))
        out.add(node, _A, P.Organization)
        out.add(node, _LABEL, lit(canonical))
        if reason:
            out.add(node, _ALT_LABEL, lit(org.name))
            out.add(node, P.resolutionNote, lit(reason))
        out.code(node, P.agencyClass, "agency", org.agency_class, "class")
        for name in (org.name, canonical):
            self.orgs.setdefault(norm(name), node)
        return node

    def person(self, name: str) -> str:
        out = self.shared
        canonical, reason = self.linker.resolve("person", name)
        node = iri(iris.person(canonical))
        out.add(node, _A, P.Person)
        out.add(node, _LABEL, lit(canonical))
        if reason:
            out.add(node, _ALT_LABEL, lit(name))
            out.add(node, P.resolutionNote, lit(reason))
        return node

    def link_node(self, node: str, link_node: str, link: Link, link_prop: str, target_prop: str,
                  link_class: str, out: _Emitter | None = None) -> None:
        out = out or self.out
        out.add(node, link_prop, link_node)
        out.add(link_node, _A, link_class)
        out.add(link_node, target_prop, iri(link.target))
        out.add(link_node, P.matchMethod, iri(SCHEMES["match"].concept(link.method)))
        out.add(link_node, P.matchedText, lit(link.matched))
        if link.rule:
            out.add(link_node, P.matchRule, lit(link.rule))
        if link_class == P.DrugLink:
            out.add(link_node, P.matchConfidence, decimal(link.confidence))
            if link.source:
                out.add(link_node, P.matchSource, iri(link.source))

    # --- sections ----------------------------------------------------------------------------

    def identification(self) -> None:
        trial, out, t = self.trial, self.out, self.t
        out.add(t, _A, P.Trial)
        if trial.study_type in _STUDY_TYPE_CLASS:
            out.add(t, _A, getattr(P, _STUDY_TYPE_CLASS[trial.study_type]))
        out.add(t, P.nctId, lit(self.nct))
        out.add(t, _LABEL, lit(trial.brief_title or self.nct))
        out.text(t, P.briefTitle, trial.brief_title)
        out.text(t, P.officialTitle, trial.official_title)
        out.text(t, P.acronym, trial.acronym)
        out.text(t, P.orgStudyId, trial.org_study_id)
        out.texts(t, P.nctIdAlias, trial.nct_aliases)
        for i, sid in enumerate(trial.secondary_ids, start=1):
            node = self.part("secondary-id", i)
            out.add(t, P.secondaryIdentifier, node)
            out.add(node, _A, P.SecondaryIdentifier)
            out.add(node, P.identifierValue, lit(sid.value))
            out.text(node, P.identifierType, sid.id_type)
            out.text(node, P.identifierDomain, sid.domain)
            if sid.link:
                out.add(node, P.url, typed(sid.link, XSD_ANYURI))
        if trial.organization:
            out.add(t, P.registeringOrganization, self.organization(trial.organization))

    def status(self) -> None:
        trial, out, t = self.trial, self.out, self.t
        out.code(t, P.overallStatus, "status", trial.overall_status, "overallStatus")
        out.code(t, P.lastKnownStatus, "status", trial.last_known_status, "lastKnownStatus")
        out.text(t, P.whyStopped, trial.why_stopped)
        out.date(t, P.statusVerifiedDate, trial.status_verified)
        out.date(t, P.startDate, trial.start, P.startDateType, "startDate.type")
        out.date(t, P.primaryCompletionDate, trial.primary_completion, P.primaryCompletionDateType,
                 "primaryCompletionDate.type")
        out.date(t, P.completionDate, trial.completion, P.completionDateType, "completionDate.type")
        out.date(t, P.firstSubmittedDate, trial.first_submitted)
        out.date(t, P.firstPostedDate, trial.first_posted)
        out.date(t, P.resultsFirstPostedDate, trial.results_first_posted)
        out.date(t, P.lastUpdateSubmittedDate, trial.last_update_submitted)
        out.date(t, P.lastUpdatePostedDate, trial.last_update_posted)
        out.flag(t, P.hasExpandedAccess, trial.has_expanded_access)
        out.flag(t, P.hasResults, trial.has_results)

    def sponsors(self) -> None:
        trial, out, t = self.trial, self.out, self.t
        if trial.lead_sponsor:
            out.add(t, P.leadSponsor, self.organization(trial.lead_sponsor))
        for org in trial.collaborators:
            out.add(t, P.collaborator, self.organization(org))
        party = trial.responsible_party
        if party:
            out.code(t, P.responsiblePartyType, "party", party.party_type, "responsibleParty.type")
            if party.name:
                out.add(t, P.responsibleParty, self.person(party.name))
            elif party.party_type == "SPONSOR" and trial.lead_sponsor:
                out.add(t, P.responsibleParty, self.organization(trial.lead_sponsor))
            out.text(t, P.responsiblePartyTitle, party.title)
            if party.affiliation:
                out.add(t, P.responsiblePartyAffiliation, self.organization(Organization(party.affiliation)))

    def condition(self, text: str, links: list[Link]) -> None:
        out = self.shared
        condition_iri = iris.condition(text)
        node = iri(condition_iri)
        self.out.add(self.t, P.condition, node)
        out.add(node, _A, P.Condition)
        out.add(node, _LABEL, lit(text))
        if not links:
            out.add(node, P.qualityFlag, _UNLINKED_CONDITION)
        for link in links:
            out.add(node, P.mesh, iri(link.target))
            self.link_node(node, iri(iris.mesh_link(condition_iri, link.target)), link, P.meshLink, P.mesh,
                           P.MeshLink, out)

    def conditions(self) -> None:
        trial, out, t, linker = self.trial, self.out, self.t, self.linker
        out.text(t, P.briefSummary, trial.brief_summary)
        out.text(t, P.detailedDescription, trial.detailed_description)
        out.text(t, P.conditionText, trial.condition_text)
        texts = list(trial.conditions)
        if not texts and trial.condition_text:
            texts = linker.split_conditions(trial.condition_text)
        registry = {norm(m.term): iris.mesh(m.ui) for m in trial.condition_meshes if m.term}
        done: set[str] = set()
        for text in texts:
            links = linker.link_condition(text)
            registered = registry.get(norm(text))
            if registered and registered not in {link.target for link in links}:
                links.append(Link(registered, "REGISTRY_MESH", text))
            self.condition(text, links)
            done.update(link.target for link in links)
        # conditions named in free text: the summary of a record that lists none, and the
        # abbreviations curated rules know in inclusion criteria
        mined: list[Link] = []
        if not texts:
            mined += linker.find_conditions(" ".join(filter(None, (trial.brief_title, trial.brief_summary))), "summary")
        if trial.eligibility is not None:
            mined += linker.find_conditions(trial.eligibility.inclusion or trial.eligibility.criteria or "", "inclusion")
        for link in mined:
            if link.target not in done:
                done.add(link.target)
                self.condition(link.matched, [link])
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
                if term.term:  # English, as MeSH's own labels are: one label, not "X" beside "X"@en
                    self.shared.add(node, _LABEL, lang_lit(term.term, "en"))

    def design(self) -> None:
        trial, out, t = self.trial, self.out, self.t
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

    def drug_links(self, item: Intervention) -> list[Link]:
        """Drugs an intervention names: by its names, else by the registry's MeSH terms for the
        study's interventions — a term whose MeSH identifier a reference gives for a drug, or, when
        the term is the intervention's own name, a drug node named by the term."""
        linker = self.linker
        links: dict[str, Link] = {}
        names = (item.name, *item.other_names)
        for name in names:
            for link in linker.link_drug(name):
                links.setdefault(link.target, link)
        if links:
            return list(links.values())
        keys = {norm(n) for n in names}
        for term in self.trial.intervention_meshes:
            if not term.term or norm(term.term) not in keys:
                continue
            descriptor = iris.mesh(term.ui)
            drug = linker.drug_for_mesh(descriptor)
            if drug is not None:
                links.setdefault(drug, Link(drug, "REGISTRY_MESH_XREF", term.term,
                                            f"the registry's MeSH term {term.ui} is the drug's MeSH identifier"))
                continue
            named = linker.link_drug(term.term)  # the term is a salt or a synonym of a known drug
            if named:
                link = named[0]
                links.setdefault(link.target, link._replace(method="REGISTRY_MESH_XREF", rule=(
                    f"the registry's MeSH term {term.ui} ({term.term}) names the drug")))
                continue
            if item.intervention_type not in _DRUG_TYPES or drug_text.is_class_term(term.term):
                continue  # a class, a procedure or radiation, not a drug
            rule = "the intervention's name is the registry's MeSH term for the study's interventions"
            drug = self.mesh_drug(term)
            links.setdefault(drug, Link(drug, "REGISTRY_MESH", term.term, rule))
        return list(links.values())

    def mesh_drug(self, term: MeshTerm) -> str:
        """A drug node named by a registry MeSH term, matched to its descriptor or concept."""
        drug = iris.drug(term.term)
        node = iri(drug)
        self.shared.add(node, _A, P.Drug)
        self.shared.add(node, _LABEL, lit(term.term))
        self.shared.add(node, _EXACT_MATCH, iri(iris.mesh(term.ui)))
        return drug

    def remaining_mesh_link(self, item: Intervention, linked: set[str], names: set[str], drug_items: int) -> Link | None:
        """The drug of the one drug intervention left unlinked, by the one registry MeSH term that no
        other intervention accounts for ("AC0010" beside pemetrexed and cisplatin, the record's terms
        Pemetrexed, Cisplatin and abivertinib). Only when the registry gives as many terms as the
        record has drug interventions, so that each term stands for one of them; a term accounts for
        an intervention when it is the MeSH identifier of a drug linked in the trial, names such a
        drug, or is an intervention's name."""
        terms = [term for term in self.trial.intervention_meshes if term.term]
        if not terms or len(terms) != drug_items:
            return None
        linker, left = self.linker, []
        for term in terms:
            if norm(term.term) in names or linker.drug_for_mesh(iris.mesh(term.ui)) in linked:
                continue
            named = {link.target for link in linker.link_drug(term.term)}
            if named & linked:
                continue
            left.append((term, named))
        if len(left) != 1:
            return None
        term, named = left[0]
        if drug_text.is_class_term(term.term):
            return None
        rule = (f"the registry's MeSH term {term.ui} ({term.term}) is the one term no other intervention of the "
                f"trial accounts for, and {item.name!r} the one drug intervention no name links")
        drug = linker.drug_for_mesh(iris.mesh(term.ui))
        if drug is None and len(named) == 1:
            drug = next(iter(named))
        if drug is not None:
            return Link(drug, "REGISTRY_MESH_XREF", term.term, rule)
        return Link(self.mesh_drug(term), "REGISTRY_MESH", term.term, rule)

    def interventions(self) -> None:
        trial, out, t = self.trial, self.out, self.t
        nodes: dict[str, str] = {}
        interventions = list(trial.interventions)
        derived: dict[int, Link] = {}
        #: the drug-type interventions with no link and no role, the drugs linked and the names seen
        unlinked: list[tuple[int, str, Intervention]] = []
        linked: set[str] = set()
        names: set[str] = set()
        drug_items = 0  #: drug-type interventions other than controls
        if not interventions and trial.study_type == "EXPANDED_ACCESS" and trial.brief_summary:
            rule = "an expanded-access record that lists no intervention: the drug its summary names"
            for link in self.linker.find_drugs(trial.brief_summary, rule=rule):
                derived[len(interventions)] = link
                interventions.append(Intervention(name=link.matched))
        for i, item in enumerate(interventions, start=1):
            node = self.part("intervention", i)
            nodes.setdefault(item.name.casefold(), node)
            if item.intervention_type:
                nodes.setdefault(f"{item.intervention_type}: {item.name}".casefold(), node)
            out.add(t, P.intervention, node)
            out.add(node, _A, P.Intervention)
            out.add(node, _LABEL, lit(item.name))
            out.code(node, P.interventionType, "itype", item.intervention_type, "intervention.type")
            out.text(node, P.description, item.description)
            out.texts(node, P.otherName, item.other_names)
            role, imitated = (drug_text.role(item.name, item.other_names) if item.intervention_type in _DRUG_TYPES
                              else (None, None))
            if i - 1 in derived:
                links = [derived[i - 1]]
            elif role == "CONTROL":
                links = []  # a placebo of a drug is not that drug
                for k, link in enumerate(self.linker.link_drug(imitated) if imitated else [], start=1):
                    out.add(node, P.placeboOf, iri(link.target))
                    self.link_node(node, self.part(f"intervention-{i}-placebo", k), link, P.placeboLink, P.drug, P.DrugLink)
            else:
                links = self.drug_links(item)
            if item.intervention_type in _DRUG_TYPES and role != "CONTROL":
                drug_items += 1
                if not links and role is None:
                    unlinked.append((i, node, item))
            self.emit_links(node, i, links)
            linked.update(link.target for link in links)
            names.update(norm(n) for n in (item.name, *item.other_names))
            if not links and role:
                out.add(node, P.interventionRole, iri(SCHEMES["irole"].concept(role)))
        if len(unlinked) == 1:
            i, node, item = unlinked[0]
            link = self.remaining_mesh_link(item, linked, names, drug_items)
            if link is not None:
                self.emit_links(node, i, [link])
                unlinked = []
        for _, node, _ in unlinked:  # placebos and the like have a role
            out.add(node, P.qualityFlag, _UNLINKED_DRUG)
        arms: dict[str, str] = {}
        for i, arm in enumerate(trial.arms, start=1):
            node = self.part("arm", i)
            arms.setdefault(arm.label.casefold(), node)
            out.add(t, P.arm, node)
            out.add(node, _A, P.Arm)
            out.add(node, _LABEL, lit(arm.label))
            out.code(node, P.armType, "armtype", arm.arm_type, "armGroup.type")
            out.text(node, P.description, arm.description)
        pairs: set[tuple[str, str]] = set()
        for arm in trial.arms:
            for name in arm.intervention_names:
                target = nodes.get(name.casefold()) or nodes.get(name.partition(": ")[2].casefold())
                if target:
                    pairs.add((arms[arm.label.casefold()], target))
        for i, item in enumerate(interventions, start=1):
            for label in item.arm_labels:
                if label.casefold() in arms:
                    pairs.add((arms[label.casefold()], self.part("intervention", i)))
        for arm_node, intervention_node in sorted(pairs):
            out.add(arm_node, P.armIntervention, intervention_node)

    def emit_links(self, node: str, i: int, links: list[Link]) -> None:
        for k, link in enumerate(links, start=1):
            self.out.add(node, P.drug, iri(link.target))
            self.link_node(node, self.part(f"intervention-{i}-drug", k), link, P.drugLink, P.drug, P.DrugLink)

    def mentions(self, node: str, text: str | None, kind: str, where: str) -> None:
        """Drugs named in free text, linked as mentions (not as interventions)."""
        if not text:
            return
        rule = f"a drug named in the {where}"
        for k, link in enumerate(self.linker.find_drugs(text, rule=rule), start=1):
            self.out.add(node, P.mentionsDrug, iri(link.target))
            self.link_node(node, self.part(f"{kind}-mention", k), link, P.drugLink, P.drug, P.DrugLink)

    def outcomes(self) -> None:
        out, t = self.out, self.t
        counters = {"primary": 0, "secondary": 0, "other": 0}
        prop = {"primary": P.primaryOutcome, "secondary": P.secondaryOutcome, "other": P.otherOutcome}
        for outcome in self.trial.outcomes:
            counters[outcome.kind] += 1
            node = self.part(f"outcome-{outcome.kind}", counters[outcome.kind])
            out.add(t, prop[outcome.kind], node)
            out.add(node, _A, P.Outcome)
            out.add(node, P.measure, lit(outcome.measure))
            out.text(node, P.description, outcome.description)
            out.text(node, P.timeFrame, outcome.time_frame)

    def eligibility(self) -> None:
        elig, out = self.trial.eligibility, self.out
        self.mentions(self.t, self.trial.detailed_description, "description", "detailed description")
        if elig is None:
            return
        node = self.part("eligibility", 1)
        out.add(self.t, P.eligibility, node)
        out.add(node, _A, P.Eligibility)
        out.text(node, P.criteria, elig.criteria)
        out.text(node, P.inclusionCriteria, elig.inclusion)
        out.text(node, P.exclusionCriteria, elig.exclusion)
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
        self.mentions(node, elig.criteria or " ".join(filter(None, (elig.inclusion, elig.exclusion))),
                      "criteria", "eligibility criteria")

    def contact(self, node: str, c: Contact) -> None:
        out = self.out
        out.add(node, _A, P.Contact)
        if c.name:
            out.add(node, P.person, self.person(c.name))
        out.code(node, P.role, "role", c.role, "contact.role")
        out.text(node, P.phone, c.phone)
        out.text(node, P.phoneExtension, c.phone_ext)
        out.text(node, P.email, c.email)

    def site_operator(self, facility: str, orgs: list[tuple[str, str]]) -> tuple[str, str] | None:
        """The organisation of this record whose name (or curated short name) begins the site's name;
        ``orgs`` are the record's organisations by name, longest name first."""
        key = norm(facility)
        for name, org in orgs:
            if name and (key == name or key.startswith(name + " ")):
                return org, name
        return None

    def people_and_places(self) -> None:
        trial, out, shared, t = self.trial, self.out, self.shared, self.t
        for i, official in enumerate(trial.officials, start=1):
            node = self.part("official", i)
            out.add(t, P.official, node)
            out.add(node, _A, P.Official)
            out.add(node, P.person, self.person(official.name))
            out.code(node, P.role, "role", official.role, "official.role")
            if official.affiliation:
                out.add(node, P.affiliation, self.organization(Organization(official.affiliation)))
        for i, c in enumerate(trial.central_contacts, start=1):
            node = self.part("contact", i)
            out.add(t, P.centralContact, node)
            self.contact(node, c)
        for (kind, variant), (canonical, _) in self.linker.resolutions.items():
            if kind == "org" and norm(canonical) in self.orgs:
                self.orgs.setdefault(variant, self.orgs[norm(canonical)])
        orgs = sorted(self.orgs.items(), key=lambda kv: -len(kv[0]))
        for i, loc in enumerate(trial.locations, start=1):
            node = self.part("location", i)
            out.add(t, P.location, node)
            out.add(node, _A, P.Location)
            site = iri(iris.site(loc.facility, loc.city, loc.state, loc.country))
            out.add(node, P.site, site)
            out.code(node, P.recruitmentStatus, "status", loc.status, "location.status")
            shared.add(site, _A, P.Site)
            label = loc.facility or ", ".join(p for p in (loc.city, loc.state, loc.country) if p) or "unnamed site"
            shared.add(site, _LABEL, lit(label))
            shared.text(site, P.city, loc.city)
            shared.text(site, P.state, loc.state)
            shared.text(site, P.postalCode, loc.postal_code)
            shared.text(site, P.country, loc.country)
            if loc.latitude is not None and loc.longitude is not None:
                shared.add(site, _LAT, decimal(loc.latitude))
                shared.add(site, _LONG, decimal(loc.longitude))
            if loc.facility:
                note = _SITE_NOTE.search(loc.facility)
                if note and note.group(1).strip():
                    shared.add(site, P.siteNote, lit(note.group(1).strip()))
                operator = self.site_operator(loc.facility, orgs)
                if operator:
                    shared.add(site, P.operatedBy, operator[0])
            for j, c in enumerate(loc.contacts, start=1):
                cnode = self.part(f"location-{i}-contact", j)
                out.add(node, P.contact, cnode)
                self.contact(cnode, c)

    def references(self) -> None:
        trial, out, t = self.trial, self.out, self.t
        for i, ref in enumerate(trial.references, start=1):
            node = self.part("reference", i)
            out.add(t, P.reference, node)
            out.add(node, _A, P.Reference)
            if ref.pmid:
                out.add(node, P.pmid, lit(ref.pmid))
                out.add(node, _SEE_ALSO, iri(iris.pubmed(ref.pmid)))
            out.code(node, P.referenceType, "reftype", ref.ref_type, "reference.type")
            out.text(node, P.citation, ref.citation)
        for i, link in enumerate(trial.links, start=1):
            node = self.part("link", i)
            out.add(t, P.webLink, node)
            out.add(node, _A, P.WebLink)
            out.add(node, P.url, typed(link.url, XSD_ANYURI))
            out.text(node, _LABEL, link.label)
        for related in trial.related:
            canonical, reason = self.linker.resolve("study", related.identifier)
            node = iri(iris.study(canonical))
            out.add(t, P.relatedTrial, node)
            out.add(node, _A, P.Trial)
            if iris.is_nct_id(canonical):
                out.add(node, P.nctId, lit(canonical.upper()))
            else:
                out.add(node, P.orgStudyId, lit(canonical))
            for alt in {*related.alt_identifiers, related.identifier} - {canonical}:
                out.add(node, _ALT_LABEL, lit(alt))
            if reason:
                out.add(node, P.resolutionNote, lit(reason))
            out.add(node, _LABEL, lit(related.title or canonical))
            out.code(node, P.overallStatus, "status", related.status, "relatedTrial.status")
            if related.phases:
                out.code(node, P.phase, "phase", "/".join(related.phases), "relatedTrial.phase")
            out.text(node, P.relationNote, related.note)

    def nquads(self) -> tuple[list[str], list[str]]:
        """The lines of the trial's own graph, and those about shared entities."""
        self.identification()
        self.status()
        self.sponsors()
        self.conditions()
        self.design()
        self.interventions()
        self.outcomes()
        self.eligibility()
        self.people_and_places()
        self.references()
        return self.out.unique(), self.shared.unique()


def trial_nquads(trial: Trial, linker: Linker | None = None) -> tuple[list[str], list[str]]:
    """One trial as N-Quads lines, without provenance: those of its own named graph, and those
    about the shared entities it names (sponsors, sites, people, drugs, conditions).

    With a :class:`~graph.linking.Linker`, interventions are linked to drugs, condition text to
    MeSH descriptors and names to their curated canonical forms, each link with how it was made.
    """
    return _TrialMapper(trial, linker or _NO_LINKER).nquads()


def trial_quads(trial: Trial, linker: Linker | None = None) -> list[Quad]:
    """The statements of :func:`trial_nquads` as quads: the trial's own graph, then the shared ones."""
    mapper = _TrialMapper(trial, linker or _NO_LINKER)
    own, shared = mapper.nquads()
    return mapper.out.quads(own) + mapper.shared.quads(shared)


def content_hash(nquads: str) -> str:
    """A fingerprint of a graph's content (its N-Quads, in mapping order): equal content, equal hash."""
    return hashlib.sha256(nquads.encode("utf-8")).hexdigest()


def record_quads(
    trial: Trial,
    *,
    record_hash: str,
    loaded_at: str,
    source: str | None = None,
) -> list[Quad]:
    """Provenance of a trial's named graph, stored in that graph so it is replaced with it."""
    out = _record(trial, record_hash, loaded_at, source)
    return out.quads(out.lines)


def record_nquads(trial: Trial, *, record_hash: str, loaded_at: str, mapping_key: int = 0) -> list[str]:
    """:func:`record_quads` as N-Quads lines; with the loader's ``mapping_key`` of the record (16
    hexadecimal digits in ``tg:mappingKey``) when it has one."""
    return _record(trial, record_hash, loaded_at, None, mapping_key).lines


def _record(trial: Trial, record_hash: str, loaded_at: str, source: str | None, mapping_key: int = 0) -> _Emitter:
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
    if mapping_key:
        out.add(g, P.mappingKey, lit(f"{mapping_key:016x}"))
    for warning in trial.warnings:
        out.add(g, P.qualityNote, lit(warning))
    return out


MapFunction = Callable[[Trial], list[Quad]]
