"""The trial-page reader: both layouts of ``seeds/``, our own pages of the same layouts, bad pages."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.loader import Loader
from graph.readers import detect, pages
from graph.readers.base import RawRecord
from graph.records import Trial
from graph.store import EmbeddedStore
from tests.conftest import DATA, ROOT, minimal_study

SEEDS = ROOT / "seeds"
SUMMARY_SEED = SEEDS / "000_b15e3bfb093243a2.txt"
SECTIONED_SEED = SEEDS / "002_ed0aa3c7bdb966ab.txt"
PAGES = DATA / "pages"
BAD = PAGES / "bad"


def read_page(path: Path) -> tuple[list[Trial], list[str]]:
    trials: list[Trial] = []
    errors: list[str] = []
    for raw in pages.read(path):
        if isinstance(raw, InputError):
            errors.append(str(raw))
            continue
        for item in pages.parse(raw):
            if isinstance(item, InputError):
                errors.append(str(item))
            else:
                trials.append(item)
    return trials, errors


def one_trial(path: Path) -> Trial:
    trials, errors = read_page(path)
    assert errors == []
    assert len(trials) == 1
    return trials[0]


# --- the seed pages -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def isatuximab() -> Trial:
    return one_trial(SECTIONED_SEED)


@pytest.fixture(scope="module")
def inolimomab() -> Trial:
    return one_trial(SUMMARY_SEED)


def test_sectioned_seed_identification_and_status(isatuximab: Trial) -> None:
    t = isatuximab
    assert t.nct_id == "NCT05873205"
    assert t.source == str(SECTIONED_SEED) and t.source_format == "trial-page"
    assert t.brief_title == (
        "Open-Label, Phase II Trial of Isatuximab for Patients With Refractory Immune Cytopenias "
        "After Allogeneic Hematopoietic Cell Transplantation"
    )
    assert t.overall_status == "RECRUITING"
    assert t.phases == ["PHASE2"]
    assert t.study_type == "INTERVENTIONAL"
    assert t.enrollment == 25 and t.enrollment_type is None
    assert t.start is not None and t.start.value == "2023-07-21"
    assert t.completion is not None and t.completion.value == "2026-06-29"
    assert t.last_update_posted is not None and t.last_update_posted.value == "2025-07-29"
    assert t.last_update == "2025-07-29"
    assert t.has_results is False
    assert t.org_study_id == "23-119" and t.secondary_ids == []


def test_sectioned_seed_description_conditions_design(isatuximab: Trial) -> None:
    t = isatuximab
    assert t.brief_summary is not None
    assert t.brief_summary.startswith("The purpose of this study is to find out whether isatuximab")
    assert "sponsor-provided synopsis" not in t.brief_summary  # the site's blurb is not the summary
    assert t.detailed_description is None  # the page has the heading and its blurb only
    assert t.condition_text == "Blood Cancer Refractory Immune Cytopenias"
    assert t.conditions == []
    assert (t.allocation, t.intervention_model, t.primary_purpose, t.masking) == ("NA", "SINGLE_GROUP", "TREATMENT", "NONE")


def test_sectioned_seed_arms_and_interventions(isatuximab: Trial) -> None:
    t = isatuximab
    assert len(t.arms) == 1
    arm = t.arms[0]
    assert arm.label == "Participants with Refractory Immune Cytopenias"
    assert arm.arm_type == "EXPERIMENTAL"
    assert arm.description is not None and arm.description.startswith("Participants will be adults who develop")
    assert arm.intervention_names == ["Isatuximab"]
    assert len(t.interventions) == 1
    drug = t.interventions[0]
    assert (drug.name, drug.intervention_type) == ("Isatuximab", "BIOLOGICAL")
    assert drug.description == "All participants enrolled on the study will receive isatuximab intravenously as a single agent"
    assert drug.arm_labels == [arm.label]


def test_sectioned_seed_eligibility(isatuximab: Trial) -> None:
    e = isatuximab.eligibility
    assert e is not None
    assert e.minimum_age is not None
    minimum_iso = e.minimum_age.duration  # an age as ISO 8601, not a timing
    assert (e.minimum_age.text, minimum_iso) == ("18 Years", "P18Y")
    assert e.maximum_age is None
    assert e.sex == "ALL"
    assert e.healthy_volunteers is False
    assert e.inclusion is not None and e.exclusion is not None and e.criteria is not None
    assert "AIHA" in e.inclusion and "daratumumab" not in e.inclusion
    assert "daratumumab" in e.exclusion and "AIHA" not in e.exclusion
    assert e.inclusion.startswith("* Age ≥ 18 years")
    assert e.exclusion.startswith("* Presence of relapse/progression")
    assert e.exclusion.endswith("comply with the study procedures.")
    assert e.criteria.startswith("Inclusion Criteria") and "Exclusion Criteria" in e.criteria
    assert "Minimum Eligible Age" not in e.criteria and "Accepts Healthy Volunteers" not in e.criteria


def test_sectioned_seed_sponsors_and_people(isatuximab: Trial) -> None:
    t = isatuximab
    assert t.lead_sponsor is not None
    assert (t.lead_sponsor.name, t.lead_sponsor.agency_class) == ("Memorial Sloan Kettering Cancer Center", "OTHER")
    assert [(c.name, c.agency_class) for c in t.collaborators] == [("Sanofi", "INDUSTRY")]
    assert t.responsible_party is not None and t.responsible_party.party_type == "SPONSOR"
    assert [(o.name, o.role, o.affiliation) for o in t.officials] == [
        ("Michael Scorder, MD", "PRINCIPAL_INVESTIGATOR", "Memorial Sloan Kettering Cancer Center")
    ]
    assert [(c.name, c.role, c.phone) for c in t.central_contacts] == [
        ("Michael Scordo, MD", "CONTACT", "646-608-3771"),
        ("Sergio Geralt, MD", "CONTACT", "646-608-3731"),
    ]


def test_sectioned_seed_locations_with_their_facility_contacts(isatuximab: Trial) -> None:
    t = isatuximab
    assert [site.city for site in t.locations] == [
        "Basking Ridge", "Middletown", "Montvale", "Commack", "Harrison", "New York", "Rockville Centre"
    ]
    assert [site.state for site in t.locations] == ["New Jersey"] * 3 + ["New York"] * 4
    assert {site.country for site in t.locations} == {"United States"}
    assert {site.status for site in t.locations} == {"RECRUITING"}
    assert t.locations[0].facility == "Memorial Sloan Kettering Basking Ridge (Limited Protocol Activities)"
    assert t.locations[5].facility == "Memorial Sloan Kettering Cancer Center (All Protocol Activities)"
    for site in t.locations:
        assert [(c.name, c.phone) for c in site.contacts] == [("Michael Scordo, MD", "646-608-3771")]
        assert site.contacts[0].role == "CONTACT"  # "Role: primary" is the registry's CONTACT code
    assert len(t.central_contacts) == 2  # the facility contacts did not end up there
    assert t.warnings == []  # the page is read completely


def test_sectioned_seed_links_and_related_trials(isatuximab: Trial) -> None:
    t = isatuximab
    assert [(link.url, link.label) for link in t.links] == [("http://www.mskcc.org", "Memorial Sloan Kettering Cancer Center")]
    assert len(t.related) == 1
    related = t.related[0]
    assert related.identifier == "NCT00379587"
    assert related.title == "Rituximab for Prevention of Chronic GVHD"
    assert related.status == "COMPLETED"
    assert related.phases == ["PHASE1/PHASE2"]


def test_summary_seed(inolimomab: Trial) -> None:
    t = inolimomab
    assert t.nct_id == "NCT05047328" and t.source_format == "trial-page"
    assert t.study_type == "EXPANDED_ACCESS"
    assert t.overall_status == "AVAILABLE"
    assert t.phases == []  # "Phase" with no value
    assert t.lead_sponsor is not None
    assert (t.lead_sponsor.name, t.lead_sponsor.agency_class) == ("ElsaLys Biotech", None)
    assert [(c.name, c.role, c.phone, c.email) for c in t.central_contacts] == [
        ("Raphaele Beaudet", "CONTACT", "+33 (0) 6 85 06 46 23", "relationshospitalieres_RB@elsalysbiotech.com")
    ]
    assert t.brief_title == "Leukotac (inolimomab) early access program"
    assert t.brief_summary is not None and t.brief_summary.startswith("Leukotac (inolimomab) is not approved yet")
    assert t.detailed_description is not None
    assert t.detailed_description.startswith("Despite improvements in allogeneic hematopoietic stem cell transplantation")
    assert "NCT number" not in t.detailed_description and "Study Design" not in t.detailed_description
    assert t.conditions == [] and t.condition_text is None
    assert t.last_update_posted is None


def test_summary_seed_population(inolimomab: Trial) -> None:
    e = inolimomab.eligibility
    assert e is not None
    assert e.age_text == "adults and in children over 28 days of age"
    assert e.minimum_age is not None
    minimum_iso = e.minimum_age.duration  # an age as ISO 8601, not a timing
    assert (e.minimum_age.text, minimum_iso) == ("28 Days", "P28D")
    assert e.maximum_age is None


def test_summary_seed_related_studies(inolimomab: Trial) -> None:
    by_id = {r.identifier: r for r in inolimomab.related}
    assert set(by_id) == {"INO-0107", "INO-0107-LTFU"}
    phase3 = by_id["INO-0107"]
    assert phase3.alt_identifiers == ["INO-107"]
    assert phase3.phases == ["PHASE3"]
    assert phase3.note is not None and "INO-107" in phase3.note and "zero padding" in phase3.note
    assert "Thymoglobulin" in phase3.note
    follow_up = by_id["INO-0107-LTFU"]
    assert follow_up.note is not None and "long-term follow-up study of INO-0107" in follow_up.note
    assert follow_up.phases == [] and follow_up.alt_identifiers == []


def test_summary_seed_warnings(inolimomab: Trial) -> None:
    assert inolimomab.warnings[0] == "loaded without Related Conditions & MeSH terms"
    assert any(w.startswith("title: the page prints none") for w in inolimomab.warnings)


# --- our own pages of the same layouts ------------------------------------------------------------


def test_summary_page_reordered_with_two_contacts() -> None:
    t = one_trial(PAGES / "summary_velquitamab.txt")
    assert t.nct_id == "NCT99900011"
    assert t.study_type == "EXPANDED_ACCESS"
    assert t.overall_status == "TEMPORARILY_NOT_AVAILABLE"
    assert t.phases == []
    assert t.lead_sponsor is not None and t.lead_sponsor.name == "Norvane Therapeutics"
    assert [(c.name, c.phone, c.phone_ext, c.email) for c in t.central_contacts] == [
        ("Ilse Marquardt", "+49 30 5550 1234", None, "eap@norvane.example"),
        ("Tomasz Wielgosz", "+48 22 555 0199", "42", None),
    ]
    assert t.conditions == ["Chronic Urticaria", "Angioedema"] and t.condition_text is None
    assert t.primary_purpose == "TREATMENT"
    assert t.brief_title == "Velquitamab (NRV-4410) expanded access programme"
    assert t.brief_summary is not None and t.brief_summary.startswith("Velquitamab is not approved in any country.")
    assert t.detailed_description is not None
    assert t.detailed_description.startswith("Chronic spontaneous urticaria")
    assert t.detailed_description.endswith("did not show new signals.")
    assert t.eligibility is not None
    assert t.eligibility.age_text == "adults and adolescents over 12 years of age"
    assert t.eligibility.minimum_age is not None
    minimum_iso = t.eligibility.minimum_age.duration  # an age as ISO 8601, not a timing
    assert minimum_iso == "P12Y"
    by_id = {r.identifier: r for r in t.related}
    assert set(by_id) == {"NRV-22", "NRV-22-LTFU"}  # NRV-22 is the spelling used most
    assert by_id["NRV-22"].alt_identifiers == ["NRV-022"]
    assert by_id["NRV-22"].phases == ["PHASE2"]
    assert "NRV-4410" not in by_id  # a drug code, not a study
    assert not any(w.startswith("loaded without") for w in t.warnings)


def test_summary_page_with_title_line_and_missing_sections() -> None:
    t = one_trial(PAGES / "summary_orlenafib.txt")
    assert t.nct_id == "NCT99900012"
    assert t.brief_title == "Compassionate Use of Orlenafib in Children With Refractory Focal Epilepsy"
    assert t.study_type == "EXPANDED_ACCESS"
    assert t.overall_status == "NO_LONGER_AVAILABLE"
    assert t.phases == ["NA"]
    assert t.lead_sponsor is not None and t.lead_sponsor.name == "Hôpital Universitaire Saint-Aubin"
    assert t.central_contacts == []
    assert t.detailed_description is None
    assert t.brief_summary is not None and t.brief_summary.endswith("because the medicine is on the market.")
    assert t.eligibility is not None
    assert t.eligibility.age_text == "children under 16 years of age"
    assert t.eligibility.minimum_age is None
    assert t.eligibility.maximum_age is not None and t.eligibility.maximum_age.text == "16 Years"
    assert [(r.identifier, r.phases, r.alt_identifiers) for r in t.related] == [("ORF-031", [], [])]
    assert t.warnings == ["loaded without Related Conditions & MeSH terms"]


def test_sectioned_page_full_and_reordered() -> None:
    t = one_trial(PAGES / "sectioned_corvalimab.txt")
    assert t.nct_id == "NCT99900021"
    assert t.brief_title == "A Randomized Phase I/II Study of Corvalimab Plus Carboplatin in Recurrent Ovarian Cancer"
    assert t.last_update_posted is not None and t.last_update_posted.value == "2024-11-05"
    assert t.overall_status == "ACTIVE_NOT_RECRUITING"
    assert t.phases == ["PHASE1/PHASE2"]
    assert t.enrollment == 140
    assert t.start is not None and t.start.value == "2022-03"
    assert t.completion is not None and t.completion.value == "2027-12-31"
    assert t.has_results is False
    assert t.brief_summary is not None and t.brief_summary.count("\n\n") == 1
    assert t.detailed_description is not None and t.detailed_description.startswith("Corvalimab is an antibody")
    assert t.conditions == ["Ovarian Cancer", "Fallopian Tube Cancer", "Primary Peritoneal Carcinoma"]
    assert t.condition_text is None
    assert (t.allocation, t.intervention_model, t.primary_purpose) == ("RANDOMIZED", "PARALLEL", "TREATMENT")
    assert t.masking == "DOUBLE" and t.who_masked == ["PARTICIPANT", "INVESTIGATOR"]
    assert t.lead_sponsor is not None and (t.lead_sponsor.name, t.lead_sponsor.agency_class) == (
        "Northgate University Hospital", "OTHER"
    )
    assert [(c.name, c.agency_class) for c in t.collaborators] == [
        ("Corvanta Oncology", "INDUSTRY"), ("National Cancer Institute (NCI)", "NIH")
    ]
    assert t.warnings == []


def test_sectioned_page_groups_share_an_intervention() -> None:
    t = one_trial(PAGES / "sectioned_corvalimab.txt")
    assert [(a.label, a.arm_type, a.intervention_names) for a in t.arms] == [
        ("Corvalimab plus carboplatin", "EXPERIMENTAL", ["Corvalimab", "Carboplatin"]),
        ("Carboplatin alone", "ACTIVE_COMPARATOR", ["Carboplatin"]),
    ]
    assert t.arms[1].description == "Participants receive carboplatin for up to six cycles."
    assert [(i.name, i.intervention_type, i.arm_labels) for i in t.interventions] == [
        ("Corvalimab", "DRUG", ["Corvalimab plus carboplatin"]),
        ("Carboplatin", "DRUG", ["Corvalimab plus carboplatin", "Carboplatin alone"]),
    ]
    assert t.interventions[1].description == "Carboplatin AUC 5 intravenously every 3 weeks"


def test_sectioned_page_eligibility_people_places() -> None:
    t = one_trial(PAGES / "sectioned_corvalimab.txt")
    e = t.eligibility
    assert e is not None
    assert e.inclusion is not None and e.inclusion.startswith("* Recurrent high-grade serous ovarian")
    assert e.exclusion is not None and e.exclusion.endswith("in the past 2 years.")
    assert e.minimum_age is not None and e.minimum_age.text == "18 Years"
    assert e.maximum_age is not None and e.maximum_age.text == "75 Years"
    assert (e.sex, e.healthy_volunteers) == ("FEMALE", False)
    assert [(o.name, o.role, o.affiliation) for o in t.officials] == [
        ("Hanna Lindqvist, MD, PhD", "PRINCIPAL_INVESTIGATOR", "Northgate University Hospital"),
        ("Ravi Anand, MD", "STUDY_CHAIR", "Corvanta Oncology"),
    ]
    assert [(s.facility, s.city, s.state, s.country, s.status) for s in t.locations] == [
        ("Northgate University Hospital", "Boston", "Massachusetts", "United States", "ACTIVE_NOT_RECRUITING"),
        ("Centre Hospitalier Rhône-Est", "Lyon", None, "France", "ACTIVE_NOT_RECRUITING"),
        ("Lakeshore Cancer Centre", "Toronto", "Ontario", "Canada", "COMPLETED"),
    ]
    assert [[(c.name, c.phone, c.phone_ext, c.email) for c in s.contacts] for s in t.locations] == [
        [("Hanna Lindqvist, MD, PhD", "+1 617 555 0142", None, "trials@northgate.example")],
        [("Marie Fontaine", "+33 4 72 55 01 23", None, None)],
        [("Grace Okafor", "416-555-0170", "204", "grace.okafor@lakeshore.example")],
    ]
    assert [(c.name, c.role, c.phone, c.email) for c in t.central_contacts] == [
        ("Trial Coordination Office", "CONTACT", "+1 617 555 0100", "ovarian-trials@northgate.example")
    ]
    party = t.responsible_party
    assert party is not None
    assert (party.party_type, party.name, party.title, party.affiliation) == (
        "PRINCIPAL_INVESTIGATOR", "Hanna Lindqvist, MD, PhD", "Professor of Gynecologic Oncology", "Northgate University Hospital"
    )


def test_sectioned_page_identifiers_links_related() -> None:
    t = one_trial(PAGES / "sectioned_corvalimab.txt")
    assert t.org_study_id == "NUH-OV-2021-07"
    assert [(s.value, s.id_type) for s in t.secondary_ids] == [("R01CA999999", "NIH")]
    assert [(link.url, link.label) for link in t.links] == [
        ("https://www.northgate.example/ovarian", "Northgate ovarian cancer programme"),
        ("https://www.corvanta.example/pipeline", "Corvanta pipeline"),
    ]
    assert [(r.identifier, r.title, r.status, r.phases) for r in t.related] == [
        ("NCT99900031", "Carboplatin Dosing in Older Women With Ovarian Cancer", "COMPLETED", ["PHASE3"]),
        ("NCT99900032", "Maintenance Corvalimab After First-Line Therapy", "RECRUITING", ["PHASE2"]),
    ]


def test_sectioned_page_with_missing_sections_and_odd_headings() -> None:
    t = one_trial(PAGES / "sectioned_sickle_kidney.txt")
    assert t.nct_id == "NCT99900022"
    assert t.brief_title == "Sickle Cell Kidney Disease in Children: a Cohort Study in Ghana"
    assert t.last_update_posted is None
    assert t.overall_status == "PAUSED_FOR_REVIEW"  # unknown, kept and flagged
    assert t.study_type == "OBSERVATIONAL" and t.phases == ["NA"]
    assert (t.enrollment, t.enrollment_type) == (300, "ESTIMATED")
    assert t.start is not None and (t.start.value, t.start.kind) == ("2024-09-01", "ACTUAL")
    assert (t.observational_model, t.time_perspective) == ("COHORT", "PROSPECTIVE")
    assert t.condition_text == "Sickle Cell Disease Chronic Kidney Disease" and t.conditions == []
    assert t.brief_summary is not None and t.brief_summary.startswith("Children with sickle cell disease")
    assert t.arms == [] and t.interventions == [] and t.officials == [] and t.related == [] and t.links == []
    e = t.eligibility
    assert e is not None
    assert e.criteria is not None and e.criteria.startswith("Children with a confirmed diagnosis")
    assert e.inclusion is None and e.exclusion is None
    assert e.minimum_age is not None
    minimum_iso = e.minimum_age.duration  # an age as ISO 8601, not a timing
    assert (minimum_iso, e.minimum_age.years) == ("P6M", 0.5)
    assert e.maximum_age is not None and e.maximum_age.text == "17 Years"
    assert e.healthy_volunteers is True
    assert t.lead_sponsor is not None and t.lead_sponsor.name == "Korle Bu Teaching Hospital" and t.collaborators == []


def test_sectioned_page_facility_contacts_that_do_not_match_the_sites() -> None:
    t = one_trial(PAGES / "sectioned_sickle_kidney.txt")
    assert [(s.facility, s.city, s.state, s.country, s.status) for s in t.locations] == [
        ("Korle Bu Teaching Hospital, Paediatric Haematology Clinic", "Accra", None, "Ghana", "RECRUITING"),
        ("Komfo Anokye Teaching Hospital", "Kumasi", "Ashanti", "Ghana", None),
        (None, None, None, "Nigeria", None),  # listed under Countries only
    ]
    assert all(s.contacts == [] for s in t.locations)
    assert [(c.name, c.phone) for c in t.central_contacts] == [("Abena Owusu-Ansah", "+233 30 255 0101")]
    assert t.warnings == [
        "Basic Information.Recruitment Status: unknown code 'PAUSED_FOR_REVIEW' kept as text",
        "Facility Contacts: 1 contact(s) for 2 site(s), so which site each belongs to is unknown; kept as central contacts",
    ]


def _reversed_sections(text: str) -> str:
    """The page with its sections in reverse order (header first)."""
    headings = {name.casefold() for name in pages._SECTIONED_HEADINGS.values()}
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if " ".join(line.split()).rstrip(":").casefold() in headings:
            blocks.append([])
        blocks[-1].append(line)
    header, *sections = blocks
    return "\n".join(header + [line for block in reversed(sections) for line in block]) + "\n"


@pytest.mark.parametrize("path", [SECTIONED_SEED, PAGES / "sectioned_corvalimab.txt", PAGES / "sectioned_sickle_kidney.txt"])
def test_section_order_does_not_matter(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    shuffled = _reversed_sections(text)
    assert shuffled != text
    assert pages.parse_page(shuffled, source="x") == pages.parse_page(text, source="x")


def test_bom_crlf_trailing_spaces_and_gzip(tmp_path: Path) -> None:
    original = one_trial(SECTIONED_SEED)
    text = SECTIONED_SEED.read_text(encoding="utf-8")
    variant = "\ufeff" + "\r\n".join(line + "  " for line in text.splitlines()) + "\r\n"
    plain = tmp_path / "page.txt"
    plain.write_bytes(variant.encode("utf-8"))
    zipped = tmp_path / "page.txt.gz"
    zipped.write_bytes(gzip.compress(variant.encode("utf-8")))
    for path in (plain, zipped):
        assert detect(path) == "trial-page"
        trial = one_trial(path)
        trial.source = original.source
        assert trial == original


@pytest.mark.parametrize(
    ("value", "phases"),
    [
        ("PHASE2", ["PHASE2"]),
        ("PHASE1/PHASE2", ["PHASE1/PHASE2"]),
        ("PHASE1, PHASE2", ["PHASE1/PHASE2"]),
        ("Phase 1/2", ["PHASE1/PHASE2"]),
        ("Phase II/III", ["PHASE2/PHASE3"]),
        ("Early Phase 1", ["EARLY_PHASE1"]),
        ("N/A", ["NA"]),
        ("-", []),
    ],
)
def test_phase_spellings(value: str, phases: list[str]) -> None:
    page = f"A Study\n\nNCT ID: NCT99900050\n\nBasic Information\n\nClinical Phase\n\n{value}\n"
    trial = pages.parse_page(page)
    assert trial.phases == phases
    assert not any("unknown code" in w for w in trial.warnings)


def test_unknown_phase_is_kept_and_flagged() -> None:
    trial = pages.parse_page("A Study\n\nNCT ID: NCT99900051\n\nBasic Information\n\nClinical Phase\n\nPHASE7\n")
    assert trial.phases == ["PHASE7"]
    assert "Basic Information.Clinical Phase: unknown code 'PHASE7' kept as text" in trial.warnings


def test_related_studies_found_by_pattern() -> None:
    found = pages.related_studies([
        "Results of a phase III trial (ABX-0042) versus placebo were positive. The phase 3 study ABX-42 "
        "and its long-term follow-up study ran in 12 countries. A separate study (QRT-7) is ongoing."
    ])
    by_id = {r.identifier: r for r in found}
    assert set(by_id) == {"ABX-0042", "QRT-7", "ABX-0042-LTFU"}
    assert by_id["ABX-0042"].alt_identifiers == ["ABX-42"]  # a tie: the first spelling seen
    assert by_id["ABX-0042"].phases == ["PHASE3"]
    assert by_id["ABX-0042"].note is not None and "versus placebo" in by_id["ABX-0042"].note
    assert by_id["QRT-7"].phases == []


# --- detection and bad pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [SUMMARY_SEED, SECTIONED_SEED, *sorted(PAGES.glob("*.txt"))],
    ids=lambda p: p.name,
)
def test_detect_recognises_both_layouts(path: Path) -> None:
    assert detect(path) == "trial-page"


@pytest.mark.parametrize(
    ("path", "layout"),
    [
        (SUMMARY_SEED, pages.SUMMARY_LAYOUT),
        (SECTIONED_SEED, pages.SECTIONED_LAYOUT),
        (PAGES / "summary_orlenafib.txt", pages.SUMMARY_LAYOUT),
        (PAGES / "sectioned_sickle_kidney.txt", pages.SECTIONED_LAYOUT),
        (BAD / "unknown_layout.txt", None),
    ],
)
def test_layout_of(path: Path, layout: str | None) -> None:
    assert pages.layout_of(path.read_text(encoding="utf-8")) == layout


def test_registry_json_is_not_a_page(tmp_path: Path) -> None:
    path = tmp_path / "study.json"
    path.write_text(json.dumps(minimal_study(), indent=2), encoding="utf-8")
    assert not pages.looks_like(path.read_bytes())
    assert detect(path) == "ctgov-json"


def test_unknown_layout_is_rejected_naming_the_layouts() -> None:
    path = BAD / "unknown_layout.txt"
    with pytest.raises(InputError, match="format not recognised") as caught:
        detect(path)
    assert "trial page" in str(caught.value)
    trials, errors = read_page(path)
    assert trials == []
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}: NCT99900091: page layout not recognised — expected")
    assert "Clinical Trial Summary" in errors[0] and "NCT ID" in errors[0]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_nct_id.txt", "NCT ID: no NCT id — expected a 'NCT ID' line"),
        ("malformed_nct_id.txt", "NCT ID: 'NCT9990' is not an NCT id — expected NCT followed by 8 digits"),
        ("summary_without_nct_number.txt", "NCT number: no NCT id"),
        (
            "impossible_date.txt",
            "NCT99900093: Basic Information.Study Start Date: '2023-02-30' is not a date — expected YYYY, YYYY-MM or YYYY-MM-DD",
        ),
    ],
)
def test_bad_pages_are_rejected_with_the_file_and_the_problem(name: str, message: str) -> None:
    path = BAD / name
    assert detect(path) == "trial-page"  # the layout is known; the content is wrong
    trials, errors = read_page(path)
    assert trials == []
    assert errors == [errors[0]] and errors[0].startswith(f"{path}: ")
    assert message in errors[0]


def test_bad_enrollment_is_rejected() -> None:
    page = "A Study\n\nNCT ID: NCT99900052\n\nBasic Information\n\nTotal Enrollment\n\nabout thirty\n"
    with pytest.raises(InputError, match=re.escape("Basic Information.Total Enrollment: 'about thirty' is not an enrollment")):
        pages.parse_page(page)


def test_invalid_utf8_and_empty_pages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(SECTIONED_SEED.read_bytes()[:200] + b"\xff\xfe caf\xe9\n")
    trials, errors = read_page(broken)
    assert trials == [] and len(errors) == 1
    assert errors[0].startswith(f"{broken}: NCT05873205: invalid UTF-8 at byte 200 (line 7, column 13)")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf\n  \n")
    trials, errors = read_page(empty)
    assert trials == [] and len(errors) == 1 and errors[0].startswith(f"{empty}: the file is empty")


def test_parse_takes_text_payloads() -> None:
    text = SECTIONED_SEED.read_text(encoding="utf-8")
    [trial] = pages.parse(RawRecord(pages.FORMAT, "inline", "", text))
    assert isinstance(trial, Trial) and trial.nct_id == "NCT05873205" and trial.source == "inline"


def test_pages_load_through_the_loader(store: EmbeddedStore) -> None:
    err = io.StringIO()
    summary = Loader(store, err=err, progress=False).load([SUMMARY_SEED, SECTIONED_SEED, *sorted(PAGES.glob("*.txt"))])
    assert summary.rejected == 0, err.getvalue()
    assert summary.studies == 6
    rows = store.query("SELECT ?id WHERE { ?t tg:nctId ?id } ORDER BY ?id")
    ids = {row["id"].value for row in rows}
    assert {"NCT05047328", "NCT05873205", "NCT99900011", "NCT99900012", "NCT99900021", "NCT99900022"} <= ids
