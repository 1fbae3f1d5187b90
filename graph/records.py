"""Typed records: what every reader yields and every mapping takes.

A reader turns one source format into :class:`Trial` records (or reference records); the mapping
in :mod:`graph.triples` turns a record into quads. Fields hold text as found in the source (cleaned
of characters RDF cannot carry) and codes as the registry spells them; a code trialgraph does not
know is still kept, and the mapping flags it.

Dates are kept as ISO strings of the precision the source gives (``2023``, ``2023-07`` or
``2023-07-21``); ages as :class:`Age`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class DatePoint:
    """A date of the precision the source gives, and whether it is ACTUAL or ESTIMATED."""

    value: str
    kind: str | None = None


@dataclass(slots=True)
class Age:
    """An age limit: the number and unit as written (``18 Years``) and its ISO 8601 duration."""

    text: str
    duration: str  #: xsd:duration, e.g. ``P18Y``, ``P28D``
    years: float  #: the same limit in years, for comparisons


@dataclass(slots=True)
class Organization:
    name: str
    agency_class: str | None = None


@dataclass(slots=True)
class SecondaryId:
    value: str
    id_type: str | None = None
    domain: str | None = None
    link: str | None = None


@dataclass(slots=True)
class Arm:
    label: str
    arm_type: str | None = None
    description: str | None = None
    intervention_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Intervention:
    name: str
    intervention_type: str | None = None
    description: str | None = None
    other_names: list[str] = field(default_factory=list)
    arm_labels: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    kind: str  #: ``primary``, ``secondary`` or ``other``
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass(slots=True)
class Eligibility:
    criteria: str | None = None
    inclusion: str | None = None
    exclusion: str | None = None
    minimum_age: Age | None = None
    maximum_age: Age | None = None
    age_text: str | None = None  #: a population described in words ("adults and children ...")
    sex: str | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = field(default_factory=list)
    gender_based: bool | None = None
    gender_description: str | None = None
    study_population: str | None = None
    sampling_method: str | None = None


@dataclass(slots=True)
class Contact:
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


@dataclass(slots=True)
class Official:
    name: str
    role: str | None = None
    affiliation: str | None = None


@dataclass(slots=True)
class Location:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    status: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contacts: list[Contact] = field(default_factory=list)


@dataclass(slots=True)
class Reference:
    pmid: str | None = None
    ref_type: str | None = None
    citation: str | None = None


@dataclass(slots=True)
class WebLink:
    url: str
    label: str | None = None


@dataclass(slots=True)
class MeshTerm:
    """A MeSH descriptor (``D…``) or supplementary concept (``C…``) the registry attached."""

    ui: str
    term: str | None = None


@dataclass(slots=True)
class RelatedTrial:
    """Another study a record names: by NCT id, or by its sponsor's code when it has none."""

    identifier: str  #: NCT id, or another study code such as ``INO-0107``
    title: str | None = None
    status: str | None = None
    phases: list[str] = field(default_factory=list)
    note: str | None = None  #: how the record relates it ("long-term follow-up of ...")
    alt_identifiers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ResponsibleParty:
    party_type: str | None = None
    name: str | None = None
    title: str | None = None
    affiliation: str | None = None


@dataclass(slots=True)
class Trial:
    """One trial record, from any source format."""

    nct_id: str
    source: str = ""  #: file (and archive member) it came from
    source_format: str = ""
    # identification
    org_study_id: str | None = None
    nct_aliases: list[str] = field(default_factory=list)
    secondary_ids: list[SecondaryId] = field(default_factory=list)
    acronym: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    organization: Organization | None = None
    # status
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    status_verified: str | None = None
    start: DatePoint | None = None
    primary_completion: DatePoint | None = None
    completion: DatePoint | None = None
    first_submitted: str | None = None
    first_posted: DatePoint | None = None
    results_first_posted: DatePoint | None = None
    last_update_submitted: str | None = None
    last_update_posted: DatePoint | None = None
    has_expanded_access: bool | None = None
    has_results: bool | None = None
    # sponsors
    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = field(default_factory=list)
    responsible_party: ResponsibleParty | None = None
    # description
    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    # design
    study_type: str | None = None
    phases: list[str] = field(default_factory=list)
    allocation: str | None = None
    intervention_model: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    masking: str | None = None
    who_masked: list[str] = field(default_factory=list)
    primary_purpose: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    patient_registry: bool | None = None
    # arms, interventions, outcomes
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    # eligibility, people, places
    eligibility: Eligibility | None = None
    officials: list[Official] = field(default_factory=list)
    central_contacts: list[Contact] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    # references
    references: list[Reference] = field(default_factory=list)
    links: list[WebLink] = field(default_factory=list)
    related: list[RelatedTrial] = field(default_factory=list)
    #: conditions exactly as the source printed them, when it had to be split into ``conditions``
    condition_text: str | None = None
    # derived MeSH links, as the registry gave them
    condition_meshes: list[MeshTerm] = field(default_factory=list)
    condition_mesh_ancestors: list[MeshTerm] = field(default_factory=list)
    intervention_meshes: list[MeshTerm] = field(default_factory=list)
    intervention_mesh_ancestors: list[MeshTerm] = field(default_factory=list)
    #: what was missing or odd in the record; loaded anyway and reported
    warnings: list[str] = field(default_factory=list)

    @property
    def last_update(self) -> str | None:
        """The record's last-update date (posted, else submitted)."""
        if self.last_update_posted is not None:
            return self.last_update_posted.value
        return self.last_update_submitted


# --- reference records (curated tables, MeSH) -----------------------------------------------------


@dataclass(slots=True)
class Drug:
    """A normalised drug of the curated table ``seeds/reference/drugs.tsv``."""

    drug_id: str  #: our key, e.g. ``inolimomab``
    name: str  #: INN or usual name
    kind: str  #: a code of the DrugKind scheme
    brand_names: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  #: development codes
    synonyms: list[str] = field(default_factory=list)
    xrefs: dict[str, str] = field(default_factory=dict)  #: prefix -> id: drugbank, chembl, unii, mesh
    source: str = ""
    note: str = ""  #: a data-quality note, e.g. why the drug has no sourced target


@dataclass(slots=True)
class Target:
    """A molecular target (a human protein, by UniProt accession)."""

    uniprot: str
    symbol: str
    name: str
    hgnc: str | None = None
    ncbi_gene: str | None = None
    aliases: list[str] = field(default_factory=list)
    source: str = ""


@dataclass(slots=True)
class TargetClaim:
    """That a drug acts on a target: how, and who says so."""

    drug_id: str
    uniprot: str
    action_type: str  #: a code of the ActionType scheme
    mechanism: str
    source: str


@dataclass(slots=True)
class MeshDescriptor:
    """A MeSH descriptor: NLM unique id, preferred label, tree numbers, entry terms."""

    ui: str
    label: str
    tree_numbers: list[str] = field(default_factory=list)
    entry_terms: list[str] = field(default_factory=list)
    source: str = ""


@dataclass(slots=True)
class ConditionRule:
    """A curated rule linking condition text that no MeSH label matches to a descriptor."""

    phrase: str  #: matched case- and punctuation-insensitively, as a whole phrase
    mesh_ui: str
    note: str
    source: str
    scope: str = "condition"  #: where the phrase is looked for: condition, inclusion or summary


@dataclass(slots=True)
class Resolution:
    """A curated decision that two spellings name one entity (person, organization, study)."""

    kind: str  #: ``person``, ``org`` or ``study``
    variant: str
    canonical: str
    reason: str
    source: str


# --- open drug and target sources (DrugCentral, DrugBank, MeSH pharmacological actions) -----------


@dataclass(slots=True)
class SourceDrug:
    """A drug as an open source describes it: its name, other names and identifiers elsewhere."""

    key: str  #: the source's own identifier (a DrugCentral structure id, a DrugBank id)
    name: str
    synonyms: list[str] = field(default_factory=list)
    #: Bioregistry prefix -> identifiers (``drugbank``, ``unii``, ``chembl.compound``, ``mesh`` ...)
    xrefs: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class TargetComponent:
    """One protein of a target (a complex or family lists several)."""

    uniprot: str
    symbol: str | None = None
    swissprot: str | None = None  #: entry name such as ``EGFR_HUMAN``
    organism: str | None = None


@dataclass(slots=True)
class MechanismClaim:
    """A source's statement that a drug acts on a target by its mechanism of action."""

    drug_key: str
    drug_name: str
    target_name: str
    components: list[TargetComponent]
    family: str | None = None
    action: str | None = None  #: the source's own words (``INHIBITOR``, ``POSITIVE ALLOSTERIC MODULATOR`` ...)
    source: str | None = None  #: who the source cites (``CHEMBL``, ``DRUG LABEL``, ``IUPHAR`` ...)
    reference: str | None = None  #: URL or publication
    line: int = 0


@dataclass(slots=True)
class DrugClass:
    """A drug's membership of a pharmacologic class (MeSH PA, FDA EPC or MoA)."""

    drug_key: str
    drug_name: str
    class_type: str  #: ``PA``, ``EPC``, ``MoA``
    class_id: str  #: MeSH descriptor UI or FDA NUI
    class_name: str
    vocabulary: str  #: ``MeSH`` or ``FDA``


@dataclass(slots=True)
class PharmacologicalAction:
    """MeSH's statement that a descriptor or supplementary concept (a substance) has a
    pharmacological action, itself a MeSH descriptor (of the D27.505 tree)."""

    record_ui: str  #: ``D…`` descriptor or ``C…`` supplementary concept
    record_name: str
    action_ui: str  #: ``D…``
    action_name: str
