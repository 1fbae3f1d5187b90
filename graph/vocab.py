"""trialgraph's vocabulary: the one module that spells IRIs.

``TG`` is our closed namespace (a misspelt term is an error), ``TGC`` holds the SKOS concepts for
the registry's coded values, and :data:`PREFIXES` is the prefix table used for queries, exports
and reports. ``tests/test_vocab.py`` checks that this module and ``ontology/*.ttl`` declare the
same terms.

>>> str(TG.Trial)
'https://w3id.org/trialgraph/vocab#Trial'
>>> code_iri("phase", "PHASE1/PHASE2")
'https://w3id.org/trialgraph/code/phase-PHASE1_PHASE2'
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/trialgraph/"
VOCAB_NS = BASE + "vocab#"
CODE_NS = BASE + "code/"
ID_NS = BASE + "id/"
GRAPH_NS = BASE + "graph/"
REPORT_NS = BASE + "report/"

#: IRIs of entities (deterministic, see :mod:`graph.iris`)
TRIAL_NS = "https://clinicaltrials.gov/study/"
TRIAL_PART_NS = ID_NS + "trial/"
ORG_NS = ID_NS + "org/"
SITE_NS = ID_NS + "site/"
PERSON_NS = ID_NS + "person/"
STUDY_NS = ID_NS + "study/"
CLAIM_NS = ID_NS + "target-claim/"
LINK_NS = ID_NS + "link/"
BIOREGISTRY_NS = "https://bioregistry.io/"
DRUG_NS = ID_NS + "drug/"
CONDITION_NS = ID_NS + "condition/"
MESH_NS = "http://id.nlm.nih.gov/mesh/"
MESHV_NS = "http://id.nlm.nih.gov/mesh/vocab#"
UNIPROT_NS = "http://purl.uniprot.org/uniprot/"
PUBMED_NS = "https://pubmed.ncbi.nlm.nih.gov/"

#: Named graphs of reference sources
ONTOLOGY_GRAPH = GRAPH_NS + "ontology"
MESH_GRAPH = GRAPH_NS + "mesh"
REFERENCE_GRAPH_NS = GRAPH_NS + "reference/"
REPORTS_GRAPH = GRAPH_NS + "reports"
TRIAL_GRAPH_NS = GRAPH_NS + "trial/"
#: What records say about shared entities (sponsors, sites, people, conditions, drugs named by the
#: registry): each fact once, whichever records state it, so queries never see it repeated.
ENTITIES_GRAPH = GRAPH_NS + "entities"


class TG(DefinedNamespace):
    """Classes and properties of trialgraph's own vocabulary (``ontology/trialgraph.ttl``)."""

    _NS = Namespace(VOCAB_NS)
    _fail = True

    # --- classes -------------------------------------------------------------------------------
    Trial: URIRef
    InterventionalStudy: URIRef
    ObservationalStudy: URIRef
    ExpandedAccessStudy: URIRef
    Arm: URIRef
    Intervention: URIRef
    Drug: URIRef
    Target: URIRef
    TargetClaim: URIRef
    PharmacologicClass: URIRef
    Condition: URIRef
    Organization: URIRef
    Site: URIRef
    Location: URIRef
    Person: URIRef
    Official: URIRef
    Contact: URIRef
    Outcome: URIRef
    Eligibility: URIRef
    Reference: URIRef
    SecondaryIdentifier: URIRef
    WebLink: URIRef
    TrialRecord: URIRef
    ReferenceSource: URIRef
    DrugLink: URIRef
    MeshLink: URIRef

    # --- identification ------------------------------------------------------------------------
    nctId: URIRef
    nctIdAlias: URIRef
    orgStudyId: URIRef
    acronym: URIRef
    briefTitle: URIRef
    officialTitle: URIRef
    registeringOrganization: URIRef
    secondaryIdentifier: URIRef
    identifierValue: URIRef
    identifierType: URIRef
    identifierDomain: URIRef
    url: URIRef

    # --- status and dates ----------------------------------------------------------------------
    overallStatus: URIRef
    lastKnownStatus: URIRef
    whyStopped: URIRef
    statusVerifiedDate: URIRef
    startDate: URIRef
    startDateType: URIRef
    primaryCompletionDate: URIRef
    primaryCompletionDateType: URIRef
    completionDate: URIRef
    completionDateType: URIRef
    firstSubmittedDate: URIRef
    firstPostedDate: URIRef
    resultsFirstPostedDate: URIRef
    lastUpdateSubmittedDate: URIRef
    lastUpdatePostedDate: URIRef
    hasExpandedAccess: URIRef
    hasResults: URIRef

    # --- sponsors ------------------------------------------------------------------------------
    leadSponsor: URIRef
    collaborator: URIRef
    agencyClass: URIRef
    responsibleParty: URIRef
    responsiblePartyType: URIRef
    responsiblePartyTitle: URIRef
    responsiblePartyAffiliation: URIRef

    # --- description, conditions, keywords ----------------------------------------------------
    briefSummary: URIRef
    detailedDescription: URIRef
    description: URIRef
    condition: URIRef
    conditionText: URIRef
    keyword: URIRef
    conditionMesh: URIRef
    conditionMeshAncestor: URIRef
    interventionMesh: URIRef
    interventionMeshAncestor: URIRef

    # --- design --------------------------------------------------------------------------------
    studyType: URIRef
    phase: URIRef
    includesPhase: URIRef
    phaseRank: URIRef
    allocation: URIRef
    interventionModel: URIRef
    observationalModel: URIRef
    timePerspective: URIRef
    masking: URIRef
    whoMasked: URIRef
    primaryPurpose: URIRef
    enrollment: URIRef
    enrollmentType: URIRef
    patientRegistry: URIRef

    # --- arms, interventions, drugs, targets ---------------------------------------------------
    arm: URIRef
    armType: URIRef
    intervention: URIRef
    armIntervention: URIRef
    interventionType: URIRef
    otherName: URIRef
    drug: URIRef
    hasTarget: URIRef
    targetClaim: URIRef
    target: URIRef
    actionType: URIRef
    mechanism: URIRef
    drugKind: URIRef
    brandName: URIRef
    developmentCode: URIRef
    xref: URIRef
    geneSymbol: URIRef
    hgncId: URIRef
    ncbiGeneId: URIRef
    uniprotId: URIRef
    targetFamily: URIRef
    organism: URIRef
    sourceActionType: URIRef
    complexName: URIRef
    claimReference: URIRef
    pharmacologicClass: URIRef
    className: URIRef
    classType: URIRef
    interventionRole: URIRef
    placeboOf: URIRef

    # --- outcomes ------------------------------------------------------------------------------
    primaryOutcome: URIRef
    secondaryOutcome: URIRef
    otherOutcome: URIRef
    measure: URIRef
    timeFrame: URIRef

    # --- eligibility ---------------------------------------------------------------------------
    eligibility: URIRef
    criteria: URIRef
    inclusionCriteria: URIRef
    exclusionCriteria: URIRef
    minimumAge: URIRef
    maximumAge: URIRef
    minimumAgeYears: URIRef
    maximumAgeYears: URIRef
    ageDescription: URIRef
    sex: URIRef
    healthyVolunteers: URIRef
    standardAgeGroup: URIRef
    genderBased: URIRef
    genderDescription: URIRef
    studyPopulation: URIRef
    samplingMethod: URIRef

    # --- people, sites, contacts ---------------------------------------------------------------
    official: URIRef
    person: URIRef
    role: URIRef
    affiliation: URIRef
    centralContact: URIRef
    location: URIRef
    site: URIRef
    recruitmentStatus: URIRef
    contact: URIRef
    phone: URIRef
    phoneExtension: URIRef
    email: URIRef
    city: URIRef
    state: URIRef
    postalCode: URIRef
    country: URIRef
    operatedBy: URIRef
    siteNote: URIRef

    # --- references and links ------------------------------------------------------------------
    reference: URIRef
    pmid: URIRef
    citation: URIRef
    referenceType: URIRef
    webLink: URIRef
    relatedTrial: URIRef
    relationNote: URIRef

    # --- links made by trialgraph, with how they were made ------------------------------------
    mesh: URIRef
    meshLink: URIRef
    drugLink: URIRef
    placeboLink: URIRef
    mentionsDrug: URIRef
    matchMethod: URIRef
    matchedText: URIRef
    matchRule: URIRef
    matchConfidence: URIRef
    matchSource: URIRef
    resolutionNote: URIRef
    probableMatch: URIRef

    # --- provenance and data quality -----------------------------------------------------------
    describes: URIRef
    sourceFormat: URIRef
    recordLastUpdate: URIRef
    recordHash: URIRef
    mappingKey: URIRef
    toolVersion: URIRef
    sourceRelease: URIRef
    qualityFlag: URIRef
    qualityNote: URIRef
    uncodedValue: URIRef


TGC = Namespace(CODE_NS)
MESH = Namespace(MESH_NS)
MESHV = Namespace(MESHV_NS)
UNIPROT = Namespace(UNIPROT_NS)
SCHEMA = Namespace("http://schema.org/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
FHIR = Namespace("http://hl7.org/fhir/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

#: Prefix table for queries, reports and serialisations (CURIE prefixes follow Bioregistry where
#: one exists: ``mesh``, ``uniprot``, ``pubmed``, ``clinicaltrials``).
PREFIXES: dict[str, str] = {
    "tg": VOCAB_NS,
    "tgc": CODE_NS,
    "tgorg": ORG_NS,
    "tgsite": SITE_NS,
    "tgperson": PERSON_NS,
    "tgdrug": DRUG_NS,
    "tgcond": CONDITION_NS,
    "tgtrial": TRIAL_PART_NS,
    "tgg": GRAPH_NS,
    "clinicaltrials": TRIAL_NS,
    "mesh": MESH_NS,
    "meshv": MESHV_NS,
    "uniprot": UNIPROT_NS,
    "pubmed": PUBMED_NS,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "sh": str(SH),
    "schema": str(SCHEMA),
    "biolink": str(BIOLINK),
    "fhir": str(FHIR),
    "geo": str(GEO),
}


@dataclass(frozen=True)
class CodeScheme:
    """A SKOS concept scheme for one of the registry's coded fields."""

    name: str  #: local name of the ``skos:ConceptScheme`` in ``TGC``
    prefix: str  #: local-name prefix of its concepts: ``tgc:<prefix>-<CODE>``
    codes: tuple[str, ...]  #: the registry's codes, as ``skos:notation``

    @property
    def iri(self) -> str:
        return CODE_NS + self.name

    def concept(self, code: str) -> str:
        return CODE_NS + f"{self.prefix}-{code.replace('/', '_')}"


_STATUS_CODES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)

#: Every concept scheme, by the key the readers use.
SCHEMES: dict[str, CodeScheme] = {
    s.prefix: s
    for s in (
        CodeScheme("Phase", "phase", (
            "NA", "EARLY_PHASE1", "PHASE1", "PHASE1/PHASE2", "PHASE2", "PHASE2/PHASE3", "PHASE3",
            "PHASE4",
        )),
        CodeScheme("Status", "status", _STATUS_CODES),
        CodeScheme("StudyType", "studytype", ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")),
        CodeScheme("Allocation", "allocation", ("RANDOMIZED", "NON_RANDOMIZED", "NA")),
        CodeScheme("InterventionModel", "model", (
            "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL",
        )),
        CodeScheme("ObservationalModel", "obsmodel", (
            "COHORT", "CASE_CONTROL", "CASE_ONLY", "CASE_CROSSOVER", "ECOLOGIC_OR_COMMUNITY",
            "FAMILY_BASED", "DEFINED_POPULATION", "NATURAL_HISTORY", "OTHER",
        )),
        CodeScheme("TimePerspective", "perspective", (
            "RETROSPECTIVE", "PROSPECTIVE", "CROSS_SECTIONAL", "OTHER",
        )),
        CodeScheme("Masking", "masking", ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")),
        CodeScheme("WhoMasked", "masked", (
            "PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR",
        )),
        CodeScheme("PrimaryPurpose", "purpose", (
            "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
            "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
        )),
        CodeScheme("InterventionType", "itype", (
            "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
            "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER",
        )),
        CodeScheme("ArmType", "armtype", (
            "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
            "NO_INTERVENTION", "OTHER",
        )),
        CodeScheme("AgencyClass", "agency", (
            "NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN",
        )),
        CodeScheme("Sex", "sex", ("ALL", "FEMALE", "MALE")),
        CodeScheme("StandardAgeGroup", "agegroup", ("CHILD", "ADULT", "OLDER_ADULT")),
        CodeScheme("Role", "role", (
            "STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR",
            "CONTACT",
        )),
        CodeScheme("ActualOrEstimated", "estimate", ("ACTUAL", "ESTIMATED")),
        CodeScheme("ResponsiblePartyType", "party", (
            "SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR",
        )),
        CodeScheme("ReferenceType", "reftype", ("BACKGROUND", "RESULT", "DERIVED")),
        CodeScheme("SamplingMethod", "sampling", ("PROBABILITY_SAMPLE", "NON_PROBABILITY_SAMPLE")),
        CodeScheme("DataQuality", "quality", (
            "UNKNOWN_CODE", "MISSING_FIELD", "UNLINKED_DRUG", "UNLINKED_CONDITION",
        )),
        CodeScheme("DrugKind", "drugkind", (
            "MONOCLONAL_ANTIBODY", "POLYCLONAL_ANTIBODY", "SMALL_MOLECULE", "IMMUNOGLOBULIN",
            "CORTICOSTEROID", "PROTEIN", "CELL_THERAPY", "OTHER",
        )),
        CodeScheme("ActionType", "action", (
            "ANTAGONIST", "INHIBITOR", "AGONIST", "BINDING_AGENT", "CYTOLYTIC_ANTIBODY",
            "DEPLETING_ANTIBODY", "MODULATOR", "BLOCKER", "PARTIAL_AGONIST", "INVERSE_AGONIST",
            "POSITIVE_ALLOSTERIC_MODULATOR", "NEGATIVE_ALLOSTERIC_MODULATOR", "ACTIVATOR", "OPENER",
            "RELEASING_AGENT", "SUBSTRATE", "OTHER",
        )),
        CodeScheme("MatchMethod", "match", (
            "PREFERRED_LABEL", "ENTRY_TERM", "INN", "BRAND_NAME", "DEVELOPMENT_CODE", "SYNONYM",
            "CURATED_RULE", "REGISTRY_MESH", "TEXT_MENTION", "NAME_VARIANT", "SALT_FOLDED", "COMBINATION_PART",
            "PARTIAL_MATCH", "SPELLING_VARIANT", "REGISTRY_MESH_XREF", "INVERTED_TERM", "BROADER_TERM",
        )),
        CodeScheme("InterventionRole", "irole", ("CONTROL", "STANDARD_OF_CARE", "DRUG_CLASS", "NO_SUBSTANCE")),
    )
}

#: Order of phases for "highest phase" questions (``tg:phaseRank`` on each phase concept).
PHASE_RANK: dict[str, float] = {
    "NA": 0, "EARLY_PHASE1": 0.5, "PHASE1": 1, "PHASE1/PHASE2": 1.5, "PHASE2": 2,
    "PHASE2/PHASE3": 2.5, "PHASE3": 3, "PHASE4": 4,
}

#: Which single phases a combined phase concept includes (``tg:includesPhase``).
PHASE_PARTS: dict[str, tuple[str, ...]] = {
    "PHASE1/PHASE2": ("PHASE1", "PHASE2"),
    "PHASE2/PHASE3": ("PHASE2", "PHASE3"),
}


def code_iri(scheme: str, code: str) -> str:
    """The concept IRI of a registry code in one of :data:`SCHEMES` (no check that it is known)."""
    return SCHEMES[scheme].concept(code)


def is_known_code(scheme: str, code: str) -> bool:
    return code in SCHEMES[scheme].codes


def sparql_prefixes(names: list[str] | None = None) -> str:
    """``PREFIX`` lines for SPARQL text, for all of :data:`PREFIXES` or the given names."""
    keys = names if names is not None else list(PREFIXES)
    return "".join(f"PREFIX {k}: <{PREFIXES[k]}>\n" for k in keys)
